// Lists: a sentence that names the services of a measure reported
// without them ("Full list of the platforms banned in Nepal: Facebook,
// Messenger, Instagram, ...").

package extract

import (
	"fmt"
	"strings"

	"github.com/policywatch/policywatch/event"
)

// measure is an action a state took on a set the sentence does not name
// ("banned 26 social media platforms", "cut access to most social
// networks"): the services it hit may be listed nearby.
type measure struct {
	s         *sentence
	c         cueMatch
	countries []string
	action    event.Action
	partial   bool
	// kind, for a measure on a class of services ("VPN apps"), is the
	// kind of its members: a list of other services is not its.
	kind string
	// soft is the doubt of the decision the measure came with, which its
	// list's events share.
	soft string

	date         date
	dateStrength int
	reason       string
	reasonRank   int
	cstrength    int
}

// listWindow is how many sentences after a measure a list of its services
// may stand: the measure's own, the next (a colon, a new paragraph) and
// the one after.
const listWindow = 2

// unreachableGap is how many words may stand between a list and the
// phrase that says it cannot be reached: "are", "were", "still".
const unreachableGap = 2

// minList is the shortest run of names read as a list of a measure's
// services: two names are as often a comparison ("Telegram and Signal
// are popular") as a list.
const minList = 3

// continueLists turns each list of services that no action of its own
// sentence covers into the events of the measure before it: the last
// measure on an unnamed set within listWindow sentences (or in the
// headline), else the last action whose services the list shares. A list
// is marked as one ("among them", a colon) or said to be unreachable
// right after it ("X, Y and Z cannot be reached"), which only a measure
// before it explains. The list's sentence must not say the services were
// spared ("WhatsApp, Signal and Viber were not affected").
func (x *Extractor) continueLists(a *analysis, all []decision) []decision {
	decided := hard(all)
	var out []decision
	for _, s := range a.sents {
		run, lo, hi := x.lex.words.listRun(s)
		if len(run) < minList {
			continue
		}
		// "X, Y and Z cannot be reached" after a measure: its services,
		// their "not" no sign they were spared.
		at, unreachable := x.lex.unreachable.in(s.toks, hi, min(len(s.toks), hi+unreachableGap+1))
		skipLo, skipHi := -1, -1
		if unreachable {
			skipLo, skipHi = at, x.lex.unreachable.at(s.toks, at)
		}
		// "Skype, Google Meet and Zoom work from today": the list is the
		// subject of a verb that says they work.
		if hi < len(s.toks) && x.lex.words.listExemptVerbs[s.toks[hi].lower] {
			continue
		}
		if x.exempts(s, skipLo, skipHi) || !unreachable && !x.marksList(a, s, lo, hi) {
			continue
		}
		if coveredList(all, s, run) {
			continue
		}
		m, rule := a.measureBefore(s)
		var from *decision
		if m == nil {
			if unreachable {
				continue // an outage, or an action's effects told again
			}
			from = sharedAction(decided, s, run)
			if from == nil {
				continue
			}
			rule = fmt.Sprintf("the action on %s, sentence %d, whose services the list shares", from.service, from.sent.index)
		}
		countries, partial, cstrength, countryRule := []string(nil), false, 0, "that of "+rule
		if m != nil {
			countries, partial, cstrength = m.countries, m.partial, m.cstrength
			if m.s == s {
				// The list and the measure share a sentence ("Mongolian
				// civil servants may no longer use Facebook, Twitter and
				// YouTube after a government ban came into force"): what
				// the sentence says of the list is the measure's too.
				if m.cstrength <= 1 {
					if named := sentenceCountries(s); len(named) > 0 {
						countries, cstrength = named, 3
						countryRule = fmt.Sprintf("named in the list's sentence %d, the measure's state being only the article's", s.index)
					}
				}
				if !partial {
					_, partial = x.lex.partialIn(s.toks, 0, len(s.toks))
				}
			}
		}
		for _, svc := range run {
			if m != nil {
				sv := x.gaz.Service(svc)
				if m.kind != "" && sv != nil && sv.Kind != m.kind {
					continue
				}
				act := resolveAction(m.action, sv, partial)
				if act == "" {
					continue
				}
				for _, code := range countries {
					out = append(out, decision{
						country: code, service: svc, action: act, sent: s,
						date: m.date, dateStrength: m.dateStrength, reason: m.reason, reasonRank: m.reasonRank,
						cstrength: cstrength, kind: m.c.cue.kind, via: viaList, coref: true, soft: m.soft, measureSent: m.s,
						why: listWhy(a, s, rule, countryRule, code, act),
					})
				}
				continue
			}
			act := resolveAction(from.action, x.gaz.Service(svc), from.partial)
			if act == "" || act == event.Threaten {
				continue
			}
			out = append(out, decision{
				country: from.country, service: svc, action: act, sent: s,
				date: from.date, dateStrength: from.dateStrength, reason: from.reason, reasonRank: from.reasonRank,
				cstrength: from.cstrength, kind: from.kind, via: viaList, coref: true, measureSent: from.sent,
				why: listWhy(a, s, rule, "that of "+rule, from.country, act),
			})
		}
	}
	return out
}

// sentenceCountries returns the states s names, each once, in order; a
// service's origin ("Chinese apps") is none.
func sentenceCountries(s *sentence) []string {
	var out []string
	for _, m := range s.mentions {
		if m.isCountry() && !m.origin && !contains(out, m.country) {
			out = append(out, m.country)
		}
	}
	return out
}

func listWhy(a *analysis, s *sentence, rule, countryRule, country string, act event.Action) *why {
	if a.trace == nil {
		return nil
	}
	return &why{
		cue:     "",
		targets: fmt.Sprintf("targets: the list of services in sentence %d", s.index),
		actors:  fmt.Sprintf("country: %s, %s", country, countryRule),
		action:  fmt.Sprintf("action: %s, that of %s", act, rule),
	}
}

// measureBefore returns the last measure on an unnamed set in s or the
// listWindow sentences before it, else one the headline or standfirst
// reports, with the rule that found it.
func (a *analysis) measureBefore(s *sentence) (*measure, string) {
	var found *measure
	for i := range a.measures {
		m := &a.measures[i]
		if m.s.index <= s.index && m.s.index >= s.index-listWindow {
			found = m
		}
	}
	if found == nil {
		for i := range a.measures {
			if m := &a.measures[i]; m.s.title || m.s.lead {
				found = m
				break
			}
		}
	}
	if found == nil {
		return nil, ""
	}
	return found, fmt.Sprintf("the measure %q on an unnamed set, sentence %d", cueText(found.s, found.c), found.s.index)
}

// listRun returns the longest run of services s names one after another,
// joined only by commas, "and", "or" and "as well as" (an aside in
// brackets, "X (formerly Twitter)", or a description ending in a service
// noun, "and the messaging app Telegram", may stand between), without
// repeats, and the tokens it spans.
func (w *words) listRun(s *sentence) (best []string, lo, hi int) {
	var cur []string
	curLo, prevEnd := -1, -1
	for _, m := range s.mentions {
		if !m.isService() || m.coref || m.channel || m.account || m.owner {
			continue
		}
		joined := false
		if prevEnd >= 0 {
			next := skipSeparators(s.toks, skipAside(s.toks, prevEnd))
			// "Facebook and Instagram(,) as well as the messaging apps
			// WhatsApp and Viber": one list in two parts.
			if k := asWellAs(s.toks, next); k > next {
				next = skipSeparators(s.toks, k)
			}
			joined = next == m.start || next > prevEnd && w.describedAt(s.toks, next) == m.start || m.start < prevEnd
		}
		if !joined {
			if len(cur) > len(best) {
				best, lo, hi = cur, curLo, prevEnd
			}
			cur, curLo = nil, m.start
		}
		if !contains(cur, m.service) {
			cur = append(cur, m.service)
		}
		prevEnd = max(prevEnd, m.end)
	}
	if len(cur) > len(best) {
		best, lo, hi = cur, curLo, prevEnd
	}
	return best, lo, hi
}

// asWellAs returns the index after "as well as" at i, or i.
func asWellAs(toks []token, i int) int {
	if i+3 <= len(toks) && toks[i].lower == "as" && toks[i+1].lower == "well" && toks[i+2].lower == "as" {
		return i + 3
	}
	return i
}

// skipAside skips a short aside in brackets at i: "X (formerly Twitter)".
func skipAside(toks []token, i int) int {
	if i >= len(toks) || toks[i].text != "(" {
		return i
	}
	for k := i + 1; k < len(toks) && k <= i+5; k++ {
		if toks[k].text == ")" {
			return k + 1
		}
	}
	return i
}

// exempts reports a sentence that says the services it names were spared
// or still work ("WhatsApp was said to be working as usual").
func (x *Extractor) exempts(s *sentence, skipLo, skipHi int) bool {
	for i, t := range s.toks {
		if i >= skipLo && i < skipHi {
			continue
		}
		if x.lex.words.listExempt[t.lower] {
			return true
		}
	}
	return false
}

// coveredList reports whether a decision made from s itself already acts
// on a service of the list: the sentence's own cue decides for it.
func coveredList(decided []decision, s *sentence, run []string) bool {
	for _, d := range decided {
		if d.sent == s && contains(run, d.service) {
			return true
		}
	}
	return false
}

// sharedAction returns the last action before s, not itself found from a
// list, on a service of the list: "Nepal bans 26 social media apps like
// Facebook, Instagram and X" before the full list.
func sharedAction(decided []decision, s *sentence, run []string) *decision {
	var found *decision
	for i := range decided {
		d := &decided[i]
		if d.sent.index >= s.index || d.via == viaList || d.cause != nil || d.action == event.Threaten || !contains(run, d.service) {
			continue
		}
		if found == nil || d.sent.index > found.sent.index {
			found = d
		}
	}
	return found
}

// marksList reports a list, spanning tokens lo to hi of s, that says it
// lists the members of a set: a marker just before it ("the platforms
// banned include", "namely", "such as") or just after it ("..., among
// them"), a plural noun of services and a copula ("the blocked sites
// are ...", "... are the exchanges affected"), a colon ending the
// sentence before, or a bullet.
func (x *Extractor) marksList(a *analysis, s *sentence, lo, hi int) bool {
	w, toks := x.lex.words, s.toks
	for k := max(0, lo-4); k < min(len(toks), hi+3); k++ {
		if (k < lo || k >= hi) && w.listMarkers[toks[k].lower] {
			return true
		}
	}
	copula := func(k int) bool {
		return k >= 0 && k < len(toks) && (toks[k].lower == "are" || toks[k].lower == "were")
	}
	if copula(lo-1) && lo >= 2 && w.listHeads[toks[lo-2].lower] {
		return true
	}
	// "the outlets affected are ...", "the exchanges on the list are ...".
	if copula(lo - 1) {
		for k := lo - 3; k >= 0 && k >= lo-2-maxListModifier; k-- {
			if w.listHeads[toks[k].lower] && w.skipListModifier(toks, k+1) == lo-1 {
				return true
			}
		}
	}
	if copula(hi) && hi+1 < len(toks) && toks[hi+1].lower == "the" {
		for k := hi + 2; k < min(len(toks), hi+5); k++ {
			if w.listHeads[toks[k].lower] {
				return true
			}
		}
	}
	if s.index > 0 {
		if p := a.sents[s.index-1]; len(p.toks) > 0 && p.toks[len(p.toks)-1].text == ":" {
			return true
		}
	}
	return false
}

// describedAt returns the index after a description that ends in a
// service noun at i ("the messaging app", "its live video-streaming
// app"), or i when there is none.
func (w *words) describedAt(toks []token, i int) int {
	for k := i; k < len(toks) && k < i+5; k++ {
		if w.nameHeads[toks[k].lower] {
			return k + 1
		}
		t := toks[k]
		if !(strings.HasPrefix(t.tag, "JJ") || strings.HasPrefix(t.tag, "NN") || t.tag == "VBG" || t.tag == "HYPH" || t.tag == "PRP$" || t.tag == "DT") || t.lower == "," {
			return i
		}
	}
	return i
}
