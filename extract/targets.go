// Targets: what an action acts on.

package extract

import (
	"strings"

	"github.com/policywatch/policywatch/event"
)

// targets returns the services a cue acts on and the name of the rule
// that found them. Which words a cue acts on depends on the kind of cue
// and on how the sentence is built, so the rules are tried in order and
// the first that finds something wins: the order is the algorithm.
func (x *Extractor) targets(a *analysis, s *sentence, c cueMatch, l, r int, passive bool, reasonStart int) ([]mention, string) {
	// The search's state lives in the analysis, not on the heap afresh
	// for every cue: the rules are called through a table, so the
	// compiler cannot keep it on the stack.
	t := &a.search
	*t = targetSearch{x: x, a: a, s: s, c: c, l: l, hi: r, passive: passive, cueInAside: x.inAside(s.toks, c.start)}
	if reasonStart >= 0 && reasonStart < t.hi {
		t.hi = reasonStart
	}
	rules := verbTargetRules
	if c.cue.kind == kindNoun {
		rules = nounTargetRules
	}
	rule := t.try(rules)
	if c.cue.kind != kindNoun {
		// "pulled WhatsApp from the App Store": the store is where, not what.
		if takesOutOfStore(c.cue.text) {
			kept := t.in[:0]
			for _, m := range t.in {
				if svc := x.gaz.Service(m.service); svc == nil || svc.Kind != "appstore" {
					kept = append(kept, m)
				}
			}
			t.in = kept
		}
		if t.own && len(t.in) == 0 {
			return nil, ownAccount // "shut down his Telegram channel"
		}
		if len(t.in) == 0 {
			rule = t.try(pronounTargetRules)
		}
	}
	return dropOwners(x.gaz, s, t.in), rule
}

// ownAccount is what targets says when a cue acts only on someone's own
// account.
const ownAccount = "own account"

// A targetRule is one way of finding what a cue acts on; it adds what it
// finds to t.in.
type targetRule struct {
	name string
	find func(t *targetSearch)
}

// The rules for a nominal cue ("the Telegram ban").
var nounTargetRules = []targetRule{
	{"targets: in the cue's noun phrase", (*targetSearch).nounPhrase},
	{"targets: what faces the penalty", (*targetSearch).penaltySubject},
	{"targets: what the measure reaches", (*targetSearch).measureScope},
}

// The rules for a verb or a state, before the pronouns: the services a
// sentence names beat those it refers to.
var verbTargetRules = []targetRule{
	{"targets: listed as among the set the cue acts on", (*targetSearch).amongSet},
	{"targets: subject of passive or state cue", (*targetSearch).passiveSubject},
	{"targets: the country's network", (*targetSearch).countryOffline},
	{"targets: set listed after participle", (*targetSearch).listedAfter},
	{"targets: object of relative clause", (*targetSearch).relativeObject},
	{"targets: object before participle", (*targetSearch).participleObject},
	{"targets: object of cue", (*targetSearch).object},
}

// The rules that resolve pronouns, tried when the sentence names nothing
// the cue acts on.
var pronounTargetRules = []targetRule{
	{"targets: services named together last ('they')", (*targetSearch).theyServices},
	{"targets: pronoun after cue ('it', 'them')", (*targetSearch).pronounObject},
}

// targetSearch is the state of the search for one cue's targets.
type targetSearch struct {
	x          *Extractor
	a          *analysis
	s          *sentence
	c          cueMatch
	l, hi      int // the clause, up to the reason
	passive    bool
	cueInAside bool
	in         []mention
	own        bool // a service met was someone's own account
}

// try runs rules in order until one finds a target, and names it.
func (t *targetSearch) try(rules []targetRule) string {
	for _, r := range rules {
		r.find(t)
		if len(t.in) > 0 {
			return r.name
		}
	}
	return ""
}

// usable reports a mention that can be acted on: a service as a whole,
// not one account or a means ("without a VPN").
func (t *targetSearch) usable(m mention) bool {
	s := t.s
	if !m.isService() || m.channel || m.account && m.own {
		return false
	}
	// "blocked 64 Telegram channels": accounts, not the service (SCHEMA.md);
	// an order may still be addressed to the service through them.
	if m.account && t.c.cue.action != event.Order {
		return false
	}
	if !t.cueInAside && t.x.inAside(s.toks, m.start) {
		return false
	}
	// "without a VPN", "using VPNs", "through Telegram": a means. But
	// "barred staff from using DeepSeek": the use barred, not a means.
	means := t.x.lex.words.means
	k := m.start - 1
	if k > 0 && s.toks[k].tag == "DT" {
		k--
	}
	if k >= 0 && means[s.toks[k].lower] {
		return k > 0 && s.toks[k-1].lower == "from" && strings.HasPrefix(s.toks[k].tag, "VBG")
	}
	// "wrote on Twitter that ...", "told customers on Twitter": where
	// someone spoke, not what was acted on.
	if k >= 1 && s.toks[k].lower == "on" {
		for j := k - 1; j >= 0 && j >= k-2; j-- {
			if t.x.lex.words.spokeOn[s.toks[j].lower] {
				return false
			}
		}
	}
	return true
}

func (t *targetSearch) add(m mention) {
	for _, have := range t.in {
		if have.service == m.service {
			return
		}
	}
	t.in = append(t.in, m)
}

// collect adds the usable services of the clause that keep accepts.
func (t *targetSearch) collect(keep func(mention) bool) {
	for _, m := range t.s.mentions {
		if !m.isService() || m.start < t.l || m.end > t.hi || !keep(m) {
			continue
		}
		if m.own && m.account {
			t.own = true
		}
		if t.usable(m) {
			t.add(m)
		}
	}
}

// nounPhrase: "the Telegram ban", "Russia's ban on Telegram, WhatsApp and
// Signal".
func (t *targetSearch) nounPhrase() {
	s, c := t.s, t.c
	lo := c.start
	for lo > t.l && isNounPhrase(s.toks[lo-1]) {
		lo--
	}
	end := c.end
	if end < len(s.toks) && t.x.lex.words.nounTargets[s.toks[end].lower] {
		end++
		for end < t.hi && !strings.HasPrefix(s.toks[end].tag, "VB") && !t.x.startsClause(s.toks, end, false) {
			end++
		}
	}
	for _, m := range s.mentions {
		if m.start >= lo && m.end <= end && t.usable(m) {
			t.add(m)
		}
	}
}

// measureScope: "the block covers the most popular platforms, including
// Twitter and TikTok", "restrictions remained in place on Facebook and
// Instagram": a measure's noun, subject of a verb that says what it
// reaches, acts on the services after that verb.
func (t *targetSearch) measureScope() {
	s, c := t.s, t.c
	w := t.x.lex.words
	for k := c.end; k < t.hi && k < c.end+6; k++ {
		word := s.toks[k].lower
		if w.measureScope[word] || word == "on" && k > c.end && s.toks[k-1].lower == "place" {
			t.firstList(k + 1)
			return
		}
		if !w.scopeFillers[word] {
			return
		}
	}
}

// firstList adds the services of the noun phrases from toks[from], up
// to the first preposition or verb: "the most popular platforms,
// including Twitter and TikTok", "Twitter's app Periscope and the
// pinboard Pinterest"; but "extends to the two sites, to their accounts
// on Telegram and VK" reaches the sites only.
func (t *targetSearch) firstList(from int) {
	s := t.s
	for from < t.hi && (s.toks[from].lower == "to" || s.toks[from].lower == "on") {
		from++ // "extends to", "applies to", "in place on"
	}
	end := from
	for end < t.hi {
		tok := s.toks[end]
		if !covered(s.mentions, end) && !t.x.lex.words.listMarkers[tok.lower] && tok.lower != "and" && tok.lower != "or" &&
			(tok.tag == "IN" || tok.tag == "TO" || tok.tag == "MD" || tok.tag == "CC" || strings.HasPrefix(tok.tag, "VB")) {
			break
		}
		end++
	}
	t.collect(func(m mention) bool { return m.start >= from && m.end <= end })
}

// penaltySubject: "the companies would face a further fine", "risks a
// ban": the penalty falls on the subject of the verb before it; "sent
// the dating app Grindr advance notice of a fine": on whom it is sent to.
func (t *targetSearch) penaltySubject() {
	s, c := t.s, t.c
	for k := c.start - 1; k >= t.l && k >= c.start-10; k-- {
		if t.x.lex.words.penaltyGivers[s.toks[k].lower] {
			t.collect(func(m mention) bool { return m.start > k && m.end <= c.start && !m.isCountry() })
			if len(t.in) > 0 {
				return
			}
		}
	}
	// The verb stands before the penalty's noun phrase, which may hold
	// an amount: "was hit with a 1.05 million pound ($1.4 million)
	// penalty".
	np := c.start
	for np > t.l && np > c.start-12 && inAmountPhrase(s.toks[np-1]) {
		np--
	}
	for k := np - 1; k >= t.l && k >= np-3; k-- {
		if !t.x.lex.words.penaltyVerbs[s.toks[k].lower] {
			continue
		}
		for _, m := range s.mentions {
			if m.end <= k && m.start >= t.l && t.usable(m) && !m.isCountry() {
				t.add(m)
			}
		}
	}
}

// passiveSubject: a passive or a state acts on what precedes it
// ("Telegram was blocked"), and on what the sentence adds after ("...
// were inaccessible, along with YouTube and Viber").
func (t *targetSearch) passiveSubject() {
	if !t.passive && t.c.cue.kind != kindState && !t.x.lex.words.undergoes(t.s.toks, t.c) {
		return
	}
	t.collect(func(m mention) bool { return m.start < t.c.start })
	// The list an added service begins: "along with YouTube, Viber and
	// Skype".
	t.collectList(func(m mention) bool { return m.start >= t.c.start && t.x.lex.words.alongWith(t.s.toks, m.start) })
	t.sharedVerbList()
}

// collectList adds the services that start a list and those joined to
// the last added: "YouTube, Viber and Skype" after "along with".
func (t *targetSearch) collectList(starts func(mention) bool) {
	var prev *mention
	t.collect(func(m mention) bool {
		if starts(m) || prev != nil && joinedMentions(t.s, *prev, m) {
			prev = &m
			return true
		}
		return false
	})
}

// sharedVerbList: "Telegram was blocked, and so were Facebook, Zoom and
// Skype", "Facebook was hit, as were the messaging apps WhatsApp and
// Viber": the clause ends before a list that shares its verb.
func (t *targetSearch) sharedVerbList() {
	s := t.s
	k := t.hi
	for k < len(s.toks) && (s.toks[k].text == "," || s.toks[k].lower == "and") {
		k++
	}
	if k+2 >= len(s.toks) || s.toks[k].lower != "so" && s.toks[k].lower != "as" || !t.x.lex.words.passiveAuxiliaries[s.toks[k+1].lower] {
		return
	}
	first := -1
	for _, m := range s.mentions {
		if m.isService() && m.start >= k+2 && m.start <= k+5 && (first < 0 || m.start < first) {
			first = m.start
		}
	}
	if first < 0 {
		return
	}
	hi := t.hi
	t.hi = len(s.toks)
	defer func() { t.hi = hi }()
	t.collectList(func(m mention) bool { return m.start == first })
}

// amongSet: "Facebook and WhatsApp were among the services they could no
// longer reach", "Helo, a second ByteDance app, was also among the
// services banned": the cue acts on a set of services, and the subject
// of "were among" is part of it. The subject may stand outside the cue's
// clause, so it is read from the sentence.
func (t *targetSearch) amongSet() {
	s, c := t.s, t.c
	w := t.x.lex.words
	at := -1
	for k := c.start - 1; k >= 1 && k >= c.start-8; k-- {
		if tok := s.toks[k]; tok.text == "," || tok.text == ";" || tok.text == ":" {
			return
		}
		if l := s.toks[k].lower; l == "among" || l == "amongst" {
			at = k
			break
		}
	}
	if at < 0 {
		return
	}
	// The set is named between "among" and the cue: "the services", "the
	// social networks and search engines", "the many sites".
	// "among the other Western platforms censored there" recalls what a
	// state blocks as a rule, with no time: no event (SCHEMA.md).
	named := false
	for k := at + 1; k < c.start; k++ {
		if s.toks[k].lower == "other" {
			return
		}
		named = named || w.servicesAnaphors[s.toks[k].lower] || w.setNouns[s.toks[k].lower]
	}
	if !named {
		return
	}
	// "were among", "was also among".
	v := at - 1
	for v > 0 && (s.toks[v].lower == "also" || s.toks[v].lower == "now" || s.toks[v].lower == "still") {
		v--
	}
	if !w.passiveAuxiliaries[s.toks[v].lower] {
		return
	}
	end := v
	// "Helo, a second ByteDance app, was": over the apposition.
	if end > 0 && s.toks[end-1].text == "," {
		for k := end - 2; k >= 0 && k >= end-8; k-- {
			if s.toks[k].text == "," {
				end = k
				break
			}
		}
	}
	// The subject: the service just before ("the Google Play Store"), and
	// the list it ends ("Facebook, Viber and the Google Play Store").
	var cur *mention
	for i := range s.mentions {
		if m := &s.mentions[i]; m.isService() && m.end <= end && m.end >= end-2 && (cur == nil || m.end > cur.end) {
			cur = m
		}
	}
	if cur == nil {
		return
	}
	from := listStart(s, *cur, func(a, b mention) bool {
		for k := a.end; k < b.start; k++ {
			switch s.toks[k].lower {
			case ",", "and", "or", "the":
			default:
				return false
			}
		}
		return true
	}).start
	t.collect(func(m mention) bool { return m.start >= from && m.end <= v })
}

// countryOffline: "the whole country dropped offline" cuts the network
// itself.
func (t *targetSearch) countryOffline() {
	if t.c.cue.action != actionCut || t.c.cue.kind != kindState {
		return
	}
	for _, m := range t.s.mentions {
		if m.role == roleCountry && m.start >= t.l && m.end <= t.c.start && t.c.start-m.end <= 3 {
			t.in = append(t.in, mention{start: m.start, end: m.end, service: "internet", coref: true})
			return
		}
	}
}

// listedAfter: "the blocked sites also included Dota 2, Counter-Strike
// and Origin": a participle naming a set, listed after.
func (t *targetSearch) listedAfter() {
	s, c := t.s, t.c
	w := t.x.lex.words
	// The tagger takes "apps" for a singular noun: the plural service
	// nouns count whatever their tag.
	if c.end >= len(s.toks) || !strings.HasPrefix(s.toks[c.end].tag, "NNS") && !w.setNouns[s.toks[c.end].lower] && !w.servicesAnaphors[s.toks[c.end].lower] {
		return
	}
	// The list may follow an aside ("the banned titles, which also
	// include ..."), so it is looked for past the clause's end, to the
	// end of the sentence.
	hi := t.hi
	t.hi = len(s.toks)
	defer func() { t.hi = hi }()
	for k := c.end + 1; k < len(s.toks) && k < c.end+5; k++ {
		if k >= hi && !w.inclusion[s.toks[k].lower] && s.toks[k].lower != "which" && s.toks[k].lower != "also" && s.toks[k].text != "," {
			return
		}
		if w.inclusion[s.toks[k].lower] {
			t.collect(func(m mention) bool { return m.start > k })
		}
		if len(t.in) > 0 {
			return
		}
	}
}

// relativeObject: "VPN services that providers were told to block": the
// object of a relative clause stands before it.
func (t *targetSearch) relativeObject() {
	s, c := t.s, t.c
	if t.passive || c.cue.kind != kindVerb {
		return
	}
	for k := c.start - 1; k >= t.l && k >= c.start-8; k-- {
		if w := s.toks[k].lower; w == "that" || w == "which" {
			t.collect(func(m mention) bool { return m.end == k || m.end == k-1 && s.toks[k-1].text == "," })
			return
		}
	}
}

// participleObject: "ordered the social network X blocked": the object
// before a participle, with the list it ends ("ordered Facebook,
// WhatsApp and Viber blocked").
func (t *targetSearch) participleObject() {
	s, c := t.s, t.c
	if t.passive || !(strings.HasPrefix(s.toks[c.start].tag, "VBN") || t.x.lex.words.causedBefore(s.toks, c.start)) {
		return
	}
	// The list that ends at the participle, within the clause.
	from := listStart(s, mention{start: c.start, end: c.start}, func(a, b mention) bool {
		return a.start >= t.l && joinedMentions(s, a, b)
	}).start
	t.collect(func(m mention) bool { return m.start >= from && m.end <= c.start })
}

// listStart returns the first service of the list that last ends: from
// last, the nearest service joined to it before, and so on.
func listStart(s *sentence, last mention, joined func(a, b mention) bool) mention {
	for {
		var prev *mention
		for i := range s.mentions {
			m := &s.mentions[i]
			if m.isService() && m.end <= last.start && joined(*m, last) && (prev == nil || m.start > prev.start) {
				prev = m
			}
		}
		if prev == nil {
			return last
		}
		last = *prev
	}
}

// object: an active verb acts on what follows it ("Russia blocked
// Telegram"), up to where the next finite verb starts another predicate.
func (t *targetSearch) object() {
	s, c := t.s, t.c
	stop := t.hi
	for k := c.end; k < t.hi; k++ {
		// "lifted the bans on WhatsApp and Google Play, other popular
		// platforms, including Facebook and X, remain blocked": what
		// "other" begins is set apart from what the verb acted on.
		if s.toks[k].lower == "other" && s.toks[k-1].text == "," {
			stop = k
			break
		}
		tag := s.toks[k].tag
		finite := tag == "VBD" || tag == "VBZ" || tag == "VBP" || tag == "MD"
		coordinated := strings.HasPrefix(tag, "VB") && tag != "VBG" && (s.toks[k-1].lower == "and" || s.toks[k-1].lower == "then")
		if (finite || coordinated) && !covered(s.mentions, k) {
			stop = newSubject(s, c.end, k)
			break
		}
	}
	t.collect(func(m mention) bool { return m.start >= c.start && m.end <= stop })
	// An order is addressed to the first party after it ("ordered Apple
	// to remove WhatsApp" orders Apple), and to those listed with it
	// ("ordered Apple and Google to help stop users").
	if c.cue.action == event.Order && len(t.in) > 1 {
		n := 1
		for n < len(t.in) && joinedMentions(s, t.in[n-1], t.in[n]) {
			n++
		}
		t.in = t.in[:n]
	}
}

// newSubject returns where the clause of the finite verb at k begins,
// when ", and" or ", but" after a service the cue acts on starts it and
// the new clause's subject names no service but as a modifier: "has
// blocked X since February, and VPN use has grown" ends the object at
// the comma. Else k.
func newSubject(s *sentence, from, k int) int {
	for j := k - 1; j > from; j-- {
		w := s.toks[j].lower
		if w != "and" && w != "but" {
			continue
		}
		if s.toks[j-1].text != "," {
			return k
		}
		before := false
		for _, m := range s.mentions {
			if !m.isService() {
				continue
			}
			if m.start >= from && m.end < j {
				before = true
			}
			// "VPN use": a service naming the head noun after it is
			// no subject of its own.
			if m.start > j && m.end <= k && !(m.end < k && strings.HasPrefix(s.toks[m.end].tag, "NN")) {
				return k
			}
		}
		if before {
			return j - 1
		}
		return k
	}
	return k
}

// theyServices: "they would be barred", "their bandwidth would be cut":
// the services named together last.
func (t *targetSearch) theyServices() {
	s, c := t.s, t.c
	if !t.passive && c.cue.kind != kindState {
		return
	}
	for k := max(t.l, c.start-8); k < c.start; k++ {
		// "they", "both", "all three": the services just named.
		w := s.toks[k].lower
		allN := w == "all" && k+1 < c.start && (s.toks[k+1].tag == "CD" || s.toks[k+1].lower == "of" && k+2 < c.start && s.toks[k+2].lower == "them")
		if (w == "they" || w == "their") && t.x.lex.words.pluralBefore(s, k) {
			return // "Deposits and withdrawals have been halted, and the exchange said they would stay suspended"
		}
		if w == "they" || w == "their" || w == "both" || allN {
			slugs := lastServices(t.a, s, k)
			if w == "both" || allN {
				// "on Facebook, Twitter or WhatsApp: all three have been
				// unreachable": a count names the list just before it.
				if here := servicesBefore(s, k); len(here) >= 2 {
					slugs = here
				}
			}
			for _, slug := range slugs {
				t.in = append(t.in, mention{start: k, end: k + 1, service: slug, coref: true})
			}
			return
		}
	}
}

// pluralBefore reports a plural common noun that is a subject before
// token k of s, outside the names of services and not itself a noun of
// services: a nearer antecedent for "they" than the services named
// before.
func (w *words) pluralBefore(s *sentence, k int) bool {
	named := make([]bool, k)
	for _, m := range s.mentions {
		for i := m.start; i < m.end && i < k; i++ {
			named[i] = true
		}
	}
	for i := 0; i < k; i++ {
		// A subject: the plural noun before a verb or joined to another
		// ("Deposits and withdrawals have been halted"); not "under the
		// new rules, they ..." nor "four days later they ...".
		t := s.toks[i]
		if t.tag != "NNS" || named[i] || w.listHeads[t.lower] || w.nameHeads[t.lower] || i+1 >= len(s.toks) {
			continue
		}
		if next := s.toks[i+1]; strings.HasPrefix(next.tag, "VB") || next.tag == "MD" || next.lower == "and" || next.lower == "or" {
			return true
		}
	}
	return false
}

// servicesBefore returns the services s names before token k, in order.
func servicesBefore(s *sentence, k int) []string {
	var out []string
	for _, m := range s.mentions {
		if m.isService() && !m.coref && m.end <= k && !contains(out, m.service) {
			out = append(out, m.service)
		}
	}
	return out
}

// pronounObject: "Russia blocked it", "the government cut them": a
// pronoun right after an active cue.
func (t *targetSearch) pronounObject() {
	s, c := t.s, t.c
	if t.passive || c.end >= len(s.toks) {
		return
	}
	// "issued WhatsApp with a notice ordering it to make changes": the
	// pronoun stands in the cue's gap, after the service the sentence
	// named. Not "the law, which required it to sell", nor "the
	// government ordered it to" after an app store, which is Apple's.
	if c.end-c.start > 2 && c.cue.action == event.Order && s.toks[c.start+1].lower == "it" && t.x.lex.words.orderVerbs[s.toks[c.start].lower] {
		for _, m := range reverse(s.mentions) {
			if svc := t.x.gaz.Service(m.service); svc != nil && svc.Kind == "appstore" {
				return
			}
			if m.end <= c.start && m.isService() && !m.channel && !m.coref {
				t.in = append(t.in, mention{start: c.start + 1, end: c.start + 2, service: m.service, coref: true})
				return
			}
		}
	}
	switch s.toks[c.end].lower {
	case "it": // not "its": "cut its workforce" acts on the workforce
		if slug := t.x.lex.words.topicService(t.a, s, c.start); slug != "" {
			t.in = append(t.in, mention{start: c.end, end: c.end + 1, service: slug, coref: true})
		}
	case "them":
		for _, slug := range lastServices(t.a, s, c.end) {
			t.in = append(t.in, mention{start: c.end, end: c.end + 1, service: slug, coref: true})
		}
	}
}

// barredFrom returns the index of the gerund in "bar <someone> from
// <doing>" after a block cue, or -1.
func barredFrom(toks []token, c cueMatch, r int) int {
	if c.cue.action != event.Block || c.cue.kind != kindVerb {
		return -1
	}
	// The people barred may be a long list ("barred government officials,
	// military personnel and other workers in the defence sector from
	// using"), but a verb or "to" in between starts another clause:
	// "blocked X to keep violence from spreading".
	for k := c.end; k+1 < r && k < c.end+18; k++ {
		// The tagger reads "from phones" as a gerund now and then.
		if toks[k].lower == "from" && strings.HasPrefix(toks[k+1].tag, "VBG") && strings.HasSuffix(toks[k+1].lower, "ing") {
			return k + 1
		}
		switch toks[k].tag {
		case "VB", "VBD", "VBP", "VBZ", "TO", "MD":
			return -1
		}
	}
	return -1
}

// causedBefore reports a causative verb shortly before a participle's
// object: "ordered the social network X blocked", which a tagger may read
// as two finite verbs.
func (w *words) causedBefore(toks []token, at int) bool {
	if !strings.HasSuffix(toks[at].lower, "ed") {
		return false
	}
	for k := at - 1; k >= 0 && k >= at-6; k-- {
		if w.causatives[toks[k].lower] {
			return true
		}
	}
	return false
}

// joinedMentions reports two mentions separated only by a conjunction or
// a comma.
func joinedMentions(s *sentence, a, b mention) bool {
	if b.start < a.end {
		return false
	}
	for k := a.end; k < b.start; k++ {
		switch s.toks[k].lower {
		case ",", "and", "or":
		default:
			return false
		}
	}
	return true
}

// undergoes reports an action its subject suffers rather than does:
// "have been subjected to bandwidth throttling", "X, YouTube and TikTok
// slowed to a crawl".
func (w *words) undergoes(toks []token, c cueMatch) bool {
	for k := c.start - 1; k >= 0 && k >= c.start-3; k-- {
		if w.undergoVerbs[toks[k].lower] {
			return true
		}
	}
	return c.cue.action == event.Throttle && (c.end >= len(toks) || isBoundary(toks[c.end]) || toks[c.end].lower == "to" || toks[c.end].lower == "on")
}

// alongWith reports a mention added to a list after the verb: "along
// with YouTube", "as well as Viber".
func (w *words) alongWith(toks []token, i int) bool {
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		if w.along[toks[j].lower] {
			return true
		}
		if w.alongFillers[toks[j].lower] {
			continue
		}
		if !strings.HasPrefix(toks[j].tag, "NN") {
			return false
		}
	}
	return false
}

func isNounPhrase(t token) bool {
	return strings.HasPrefix(t.tag, "NN") || strings.HasPrefix(t.tag, "JJ") || t.tag == "POS" || t.tag == "DT" || t.tag == "PRP$"
}

// inAmountPhrase reports a token that may stand in a noun phrase naming
// an amount of money: "a 1.05 million pound ($1.4 million)".
func inAmountPhrase(t token) bool {
	switch t.tag {
	case "DT", "CD", "$", "(", ")", "-LRB-", "-RRB-", "JJ", "NN", "NNS":
		return true
	}
	return false
}
