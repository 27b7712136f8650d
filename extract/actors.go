// Actors and dates: which state acts, and when.

package extract

import (
	"strings"

	"github.com/policywatch/policywatch/event"
)

// actors returns the states acting for a cue, how directly the text says
// so (4 an authority in the clause ... 0 from context) and the name of
// the rule that found them.
func (x *Extractor) actors(a *analysis, s *sentence, c cueMatch, l, r int, passive bool, reasonStart int, targets []mention) ([]string, int, string) {
	inReason := func(m mention) bool { return reasonStart >= 0 && m.start >= reasonStart }
	// A demonym that heads no government noun ("Ukrainian drone
	// attacks", "Russian users") says nothing about who acts.
	weak := func(m mention) bool { return m.role == roleDemonym && m.strength < 2 }
	var subj, loc, other []mention
	for _, m := range s.mentions {
		if !m.isCountry() || m.origin || weak(m) || inReason(m) || m.start < l || m.end > r || x.lex.words.attacked(s.toks, m.start) {
			continue
		}
		switch {
		case c.cue.action == event.Order && m.start >= c.end && !(m.start > 0 && s.toks[m.start-1].lower == "by"):
			continue // what an order is about is not who orders it
		case m.start > 0 && x.lex.words.isLocative(s.toks[m.start-1]),
			len(loc) > 0 && x.lex.words.joined(s, loc[len(loc)-1], m): // "in China, Iran and North Korea"
			loc = append(loc, m)
		case m.start > 0 && s.toks[m.start-1].lower == "by" && m.start >= c.end:
			subj = append(subj, m) // "was blocked by Roskomnadzor"
		case m.end <= c.start:
			subj = append(subj, m)
		default:
			other = append(other, m)
		}
	}
	strongest := func(ms []mention) []string {
		best := 0
		for _, m := range ms {
			best = max(best, m.strength)
		}
		var out []string
		for _, m := range ms {
			if m.strength == best && !contains(out, m.country) {
				out = append(out, m.country)
			}
		}
		return out
	}
	// An authority acting is the strongest evidence; then the state where
	// the action applies; then the state named as subject.
	var auth []mention
	for _, m := range append(append([]mention{}, subj...), other...) {
		if m.strength >= 3 {
			auth = append(auth, m)
		}
	}
	switch {
	case len(auth) > 0:
		return strongest(auth), 4, "country: authority in the cue's clause"
	case len(loc) > 0:
		var codes []string
		for _, m := range loc {
			if !contains(codes, m.country) {
				codes = append(codes, m.country)
			}
		}
		return codes, 3, "country: where the action applies"
	case len(subj) > 0:
		return x.lex.words.coordinated(s, subj), 3, "country: subject of the cue"
	case len(other) > 0:
		return strongest(other), 2, "country: named in the cue's clause"
	}
	// Elsewhere in the sentence, outside the reason.
	var rest []mention
	for _, m := range s.mentions {
		if m.isCountry() && !m.origin && !weak(m) && !inReason(m) && !x.lex.words.attacked(s.toks, m.start) &&
			!(c.cue.action == event.Order && m.start >= c.end) { // what an order is about is not who orders it
			rest = append(rest, m)
		}
	}
	if len(rest) > 0 {
		return strongest(rest), 1, "country: named elsewhere in the sentence"
	}
	// The state the article already reported acting on the same service:
	// "X was first blocked in February 2024" in a story about Pakistan
	// restoring X, whatever other states the story names.
	for _, t := range targets {
		if code := priorState(a, s, t.service, ""); code != "" {
			return []string{code}, 0, "country: acted on the same service earlier"
		}
	}
	// "Besides TikTok and WeChat, the banned list covers Weibo": the
	// state the article reported taking the same action on a service this
	// sentence names beside the targets.
	for _, m := range s.mentions {
		if m.isService() {
			if code := priorState(a, s, m.service, c.cue.action); code != "" {
				return []string{code}, 0, "country: took the same action on a service named beside"
			}
		}
	}
	// "which many Tanzanians have used since the ban on X": a people
	// named is better than the paragraph before.
	for _, m := range s.mentions {
		// The people ("Tanzanians"), not an adjective ("Ukrainian drone
		// attacks").
		if m.role == roleDemonym && !m.origin && !inReason(m) && strings.HasSuffix(s.toks[m.end-1].lower, "s") && !x.inAside(s.toks, m.start) {
			return []string{m.country}, 0, "country: its people named"
		}
	}
	if code := contextCountry(a, s); code != "" {
		return []string{code}, 0, "country: from context"
	}
	return nil, 0, ""
}

// priorState is the state of the latest decision before s on the service
// slug, with action unless it is "", that named its state plainly
// (strength 2 or more); "" when there is none. A block and a restriction
// count as one action here: "Texas barred DeepSeek from government
// devices. Alongside DeepSeek, the governor also banned ..." follows
// Texas's restriction, not an earlier state's block.
func priorState(a *analysis, s *sentence, slug string, action event.Action) string {
	for i := len(a.prior) - 1; i >= 0; i-- {
		p := a.prior[i]
		if p.service == slug && (action == "" || blockLike(p.action) == blockLike(action)) && p.sent.index < s.index && p.cstrength >= 2 {
			return p.country
		}
	}
	return ""
}

func (w *words) isLocative(t token) bool { return w.locatives[t.lower] }

// coordinated keeps the mentions that form one list with the last one:
// "in China, Iran and North Korea" is three states; "First Russia now
// Iran" names Iran as the one acting.
func (w *words) coordinated(s *sentence, ms []mention) []string {
	if len(ms) == 1 {
		return []string{ms[0].country}
	}
	out := []string{ms[len(ms)-1].country}
	for i := len(ms) - 2; i >= 0; i-- {
		if !w.joined(s, ms[i], ms[i+1]) {
			break
		}
		if !contains(out, ms[i].country) {
			out = append(out, ms[i].country)
		}
	}
	return out
}

// joined reports whether only a conjunction or comma separates a and b.
func (w *words) joined(s *sentence, a, b mention) bool {
	if b.start <= a.end {
		return false
	}
	for k := a.end; k < b.start; k++ {
		switch s.toks[k].lower {
		case ",", "and", "or", "both", "as", "well", "the", "&":
		default:
			if !w.isLocative(s.toks[k]) {
				return false
			}
		}
	}
	return true
}

// contextCountry is the state a sentence that names none is about: the
// one the last events or strong mentions of the paragraph were about, else
// the article's main state.
func contextCountry(a *analysis, s *sentence) string {
	for i := len(a.prior) - 1; i >= 0; i-- {
		p := a.prior[i]
		if p.sent.index < s.index && s.index-p.sent.index <= 3 && !p.sent.title {
			return p.country
		}
	}
	for i := s.index - 1; i >= 0 && i >= s.index-3; i-- {
		p := a.sents[i]
		if p.title {
			continue
		}
		// The authority of the sentence before, not a place it names
		// later: "The Italian authority is among the most proactive
		// regulators in the EU. Last year it fined ..."
		best := mention{}
		for _, m := range reverse(p.mentions) {
			if m.isCountry() && !m.origin && m.strength >= 2 && m.strength > best.strength {
				best = m
			}
		}
		if best.strength > 0 {
			return best.country
		}
	}
	return mainCountry(a)
}

// mainCountry is the state of the headline, else the one the article
// names most often as acting.
func mainCountry(a *analysis) string {
	counts := make(map[string]int)
	best, n := "", 0
	for _, s := range a.sents {
		for _, m := range s.mentions {
			if !m.isCountry() || m.origin {
				continue
			}
			w := m.strength
			if s.title {
				w += 5
			}
			counts[m.country] += w
			if counts[m.country] > n {
				best, n = m.country, counts[m.country]
			}
		}
	}
	return best
}

// commaBetween reports whether a comma or semicolon stands between the
// byte offsets a and b of s.
func commaBetween(s *sentence, a, b int) bool {
	if a > b {
		a, b = b, a
	}
	for _, t := range s.toks {
		if t.start >= a && t.start < b && (t.text == "," || t.text == ";") {
			return true
		}
	}
	return false
}

// dateFor picks the date expression that belongs to a cue: in its clause
// first, else elsewhere in the sentence outside the reason.
func (x *Extractor) dateFor(s *sentence, c cueMatch, l, r, reasonStart int) (date, int) {
	if len(s.dates) == 0 {
		return date{}, 0
	}
	lo := s.toks[l].start
	hiOff := len(s.text)
	if r < len(s.toks) {
		hiOff = s.toks[r].start
	}
	if reasonStart >= 0 && reasonStart < len(s.toks) && s.toks[reasonStart].start < hiOff {
		hiOff = s.toks[reasonStart].start
	}
	cueOff := s.toks[c.start].start
	best, bestDist, bestApart := date{}, -1, true
	for _, d := range s.dates {
		if d.until && c.cue.action != event.Unblock {
			continue // "suspended access until November 11": when it ends
		}
		if d.start >= lo && d.end <= hiOff {
			// "blocked it on Monday, restoring access on Thursday": a
			// date with no comma between it and the cue is the cue's.
			apart := commaBetween(s, d.start, cueOff)
			dist := abs(d.start - cueOff)
			if bestDist < 0 || bestApart && !apart || apart == bestApart && dist < bestDist {
				best, bestDist, bestApart = d.value, dist, apart
			}
		}
	}
	if bestDist >= 0 {
		return best, 2
	}
	// A nominal cue inside another clause ("as a result of the ban, ...")
	// does not take the sentence's date, which belongs to another verb.
	if c.cue.kind == kindNoun {
		return date{}, 0
	}
	for _, d := range s.dates {
		if reasonStart >= 0 && reasonStart < len(s.toks) && d.start >= s.toks[reasonStart].start || d.until && c.cue.action != event.Unblock {
			continue
		}
		return d.value, 1
	}
	return date{}, 0
}

// blockLike folds a restriction into the block it narrows.
func blockLike(a event.Action) event.Action {
	if a == event.Restrict {
		return event.Block
	}
	return a
}
