// Part of stage 4, merge: a company named where its product is meant.

package extract

import "slices"

// forProducts rewrites decisions that name a company ("Meta", "OpenAI")
// as decisions on the company's products the article names ("Facebook",
// "ChatGPT"), as SCHEMA.md's hard cases ask: a company standing for its
// product takes the product's slug. Products named in the decision's own
// sentence win; else the company's only product the article names; a
// company whose products the article never names, or names several of
// away from the action, stays itself ("OpenAI fined", "Meta fined").
func (x *Extractor) forProducts(a *analysis, decided []decision) []decision {
	var out []decision
	for _, d := range decided {
		svc := x.gaz.Service(d.service)
		if svc == nil || svc.Kind != "company" {
			out = append(out, d)
			continue
		}
		products := x.productsIn([]*sentence{d.sent}, d.service)
		rule := "service: the company's product named in the same sentence"
		if len(products) == 0 {
			// Elsewhere in the article, only a company's one product
			// stands for it: a fine on Meta in a story that also
			// mentions Facebook and WhatsApp is a fine on Meta.
			if named := x.productsIn(a.sents, d.service); len(named) == 1 {
				products = named
				rule = "service: the company's one product the article names"
			}
		}
		if len(products) == 0 {
			out = append(out, d)
			continue
		}
		for _, p := range products {
			pd := d
			pd.service = p
			if d.why != nil {
				w := *d.why
				w.targets += "; " + rule + " (" + d.service + " -> " + p + ")"
				pd.why = &w
			}
			out = append(out, pd)
		}
	}
	return out
}

// productsIn lists, in order of first mention, the services owned by
// company that sentences name.
func (x *Extractor) productsIn(sents []*sentence, company string) []string {
	var out []string
	for _, s := range sents {
		for _, m := range s.mentions {
			if !m.isService() || m.account || m.channel || slices.Contains(out, m.service) {
				continue
			}
			// A company's app store is where it acts on other apps
			// ("ordered Apple to remove VPN apps from its App Store",
			// "fined Apple over App Store rules"): the company does not
			// stand for it.
			if svc := x.gaz.Service(m.service); svc != nil && svc.Owner == company && svc.Kind != "appstore" {
				out = append(out, m.service)
			}
		}
	}
	return out
}
