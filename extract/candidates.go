// Stage 2, candidates: the cues of a sentence, each with its arguments.

package extract

import (
	"strings"

	"github.com/policywatch/policywatch/event"
)

// candidate is a cue in its sentence, with what decide reads around it:
// its clause, its voice and where the reason the sentence states for it
// starts (-1 if none).
type candidate struct {
	s           *sentence
	c           cueMatch
	l, r        int
	passive     bool
	reasonStart int
}

// candidates is the second stage: it finds the cues of a sentence that
// may report an action, with their clauses, for decide to judge; and the cues that
// report a service hit by another action ("affected"), for collateral. A
// sentence without cues may still state a government's justification or
// refer to an action, which is noted for later. The candidates are
// appended to cands.
func (x *Extractor) candidates(a *analysis, s *sentence, cands []candidate) ([]candidate, []cueMatch) {
	var affects []cueMatch
	cues := x.lex.findCues(s.toks)
	cues = x.dropFalseCues(a, s, cues)
	x.noteReferences(a, s)
	if len(cues) == 0 {
		x.noteJustification(a, s)
		return cands, nil
	}
	if strings.HasSuffix(strings.TrimRight(s.text, `"' `), "?") {
		for _, c := range cues {
			a.trace.reject(s, c, rejectQuestion) // "Will Iran block Telegram?"
		}
		return cands, nil
	}
	// "Telegram to be banned in India? Company being probed": a question
	// inside a headline asks about the cues before it.
	kept := cues[:0]
	for _, c := range cues {
		if askedAfter(s.toks, c) {
			a.trace.reject(s, c, rejectQuestion)
			continue
		}
		kept = append(kept, c)
	}
	cues = kept
	if len(cues) == 0 {
		return cands, nil
	}
	for i, c := range cues {
		if c.cue.kind == kindNoun && c.alt != nil && c.alt.kind == kindVerb && x.verbInContext(s, c) {
			cues[i].cue, cues[i].alt = c.alt, c.cue
		}
		if lifted, ok := x.liftedLater(s, cues[i]); ok {
			cues[i].cue = lifted
		}
	}
	for i, c := range cues {
		if c.cue.action == actionAffect {
			affects = append(affects, c)
			continue
		}
		if x.inStatedReason(s, cues[:i], c) {
			a.trace.reject(s, c, rejectInReason)
			continue
		}
		cands = append(cands, x.newCandidate(s, c))
	}
	return cands, affects
}

// newCandidate reads a cue's clause, voice and reason.
func (x *Extractor) newCandidate(s *sentence, c cueMatch) candidate {
	l, r := x.clause(s, c.start, c.end)
	passive := false
	for i := c.start; i < c.end && c.cue.kind == kindVerb; i++ {
		passive = passive || x.isPassive(s.toks, i)
	}
	passive = passive || c.cue.kind == kindVerb && headlinePassive(s, c)
	return candidate{s: s, c: c, l: l, r: r, passive: passive, reasonStart: x.reasonStart(s, c.end)}
}

func (w *words) mentionsLicence(toks []token) bool {
	for _, t := range toks {
		if w.licences[t.lower] {
			return true
		}
	}
	return false
}

// inStatedReason reports a cue inside the reason another cue states:
// "blocked the app for disrupting social harmony" is one block, not a
// restriction too. Actions after "after" or "following" are earlier
// events and stay.
func (x *Extractor) inStatedReason(s *sentence, before []cueMatch, c cueMatch) bool {
	for _, b := range before {
		start := x.reasonStart(s, b.end)
		if start < 0 || start > c.start {
			continue
		}
		if x.lex.words.earlierEvents[s.toks[start].lower] {
			continue
		}
		// The reason ends where its clause does.
		_, r := x.clause(s, min(start+1, len(s.toks)-1), min(start+1, len(s.toks)))
		if c.start < r || r <= start+1 {
			return true
		}
	}
	return false
}

// verbInContext reads a word the tagger took for a noun as the verb it
// is between a state and a service: headlines ("Turkmenistan blocks
// WhatsApp") trip the tagger.
func (x *Extractor) verbInContext(s *sentence, c cueMatch) bool {
	before, after := false, false
	for _, m := range s.mentions {
		if m.isCountry() && !m.origin && m.end == c.start {
			before = true
		}
		if m.isService() && m.start == c.end {
			after = true
		}
	}
	if c.end < len(s.toks) {
		switch s.toks[c.end].tag {
		case "DT", "PRP$":
			after = true
		}
	}
	return before && after
}

// dropFalseCues removes cue words used in another sense: "fine" the
// adjective, "in order to", "order" the noun outside "court order".
func (x *Extractor) dropFalseCues(a *analysis, s *sentence, cues []cueMatch) []cueMatch {
	out := cues[:0]
	for _, c := range cues {
		if x.falseCue(s, c) {
			a.trace.reject(s, c, rejectFalseCue)
			continue
		}
		out = append(out, c)
	}
	return out
}

// falseCue reports a cue word used in another sense.
func (x *Extractor) falseCue(s *sentence, c cueMatch) bool {
	t := s.toks[c.start]
	switch {
	case t.lower == "fine" && (strings.HasPrefix(t.tag, "JJ") || strings.HasPrefix(t.tag, "RB")):
		return true
	case (t.lower == "order" || t.lower == "orders") && c.start > 0 && s.toks[c.start-1].lower == "in":
		return true
	case c.cue.kind == kindNoun && (t.lower == "block" || t.lower == "blocks") && c.start+1 < len(s.toks) && s.toks[c.start+1].lower == "of":
		return true // "a block of flats", "a block of shares"
	case t.lower == "limited" && strings.HasPrefix(t.tag, "JJ") && c.end-c.start == 1:
		return true
	case strings.HasPrefix(t.lower, "revok") && c.end-c.start == 1 && !x.lex.words.mentionsLicence(s.toks):
		return true // "the region's special status was revoked"; a licence revoked restricts
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// liftedLater reads a ban lifted farther from its noun than a pattern's
// gap reaches as a lifting of what the ban acts on: "the ban on public
// access to WhatsApp and Google Play has been lifted", "lifted the more
// than two-year-old block on Wikipedia".
func (x *Extractor) liftedLater(s *sentence, c cueMatch) (*cue, bool) {
	if c.cue.kind != kindNoun {
		return nil, false
	}
	switch c.cue.action {
	case event.Block, event.Restrict, actionCut:
	default:
		return nil, false
	}
	toks, w := s.toks, x.lex.words
	lifted := func() (*cue, bool) {
		l := *c.cue
		l.action = event.Unblock
		l.text = "lifted: " + c.cue.text
		return &l, true
	}
	// Before the noun: "lifted the more than two-year-old block".
	for k := c.start - 1; k >= 0 && k >= c.start-8; k-- {
		t := toks[k]
		if w.liftVerbs[t.lower] && strings.HasPrefix(t.tag, "VB") {
			if k < c.start-3 { // a nearer one is the patterns' to find
				return lifted()
			}
			return nil, false
		}
		if !(t.tag == "DT" || t.tag == "CD" || t.tag == "POS" || t.tag == "PRP$" || strings.HasPrefix(t.tag, "JJ") ||
			strings.HasPrefix(t.tag, "RB") || strings.HasPrefix(t.tag, "NN") || t.lower == "than" || t.text == "-") {
			break
		}
	}
	// After it, as its predicate: "the ban on ... has been lifted".
	for k := c.end; k < len(toks) && k < c.end+20; k++ {
		t := toks[k]
		if t.text == ";" || t.text == "." || x.lex.words.clauseStarters[t.lower] {
			break
		}
		if w.liftVerbs[t.lower] && strings.HasPrefix(t.tag, "VBN") && k > 0 && w.passiveAuxiliaries[toks[k-1].lower] {
			if k > c.end+3 {
				return lifted()
			}
			return nil, false
		}
		if (t.tag == "VBD" || t.tag == "VBZ" || t.tag == "VBP") && !w.passiveAuxiliaries[t.lower] && t.lower != "has" && t.lower != "have" && t.lower != "had" {
			break // another predicate
		}
	}
	return nil, false
}

// askedAfter reports a question mark after the cue, before the sentence
// goes on to a statement of its own.
func askedAfter(toks []token, c cueMatch) bool {
	for _, t := range toks[c.end:] {
		switch t.text {
		case "?":
			return true
		case ".", ";", "!":
			return false
		}
	}
	return false
}

// headlinePassive reports a passive without its "is": a headline's
// ("WhatsApp banned in Iran", "Roblox blocked in Türkiye over child
// abuse concerns", and its lifting in the present, "Instagram reopens in
// Turkey") or a reduced relative clause's ("Roblox, blocked in Turkey
// since August, said ..."). A service right before such a verb, which
// the state follows ("in", "by", "across" it), undergoes it; "Twitter
// blocked accounts in India" has an object, and its company acts.
func headlinePassive(s *sentence, c cueMatch) bool {
	if c.start == 0 {
		return false
	}
	// Where the service ends: right before the verb in a headline;
	// before a comma in a reduced relative clause ("Roblox, blocked in
	// Turkey since August, said ...").
	at := c.start
	if !s.title {
		if s.toks[c.start-1].text != "," {
			return false
		}
		at--
	}
	w := s.toks[c.start]
	// A headline's lifting in the present: "Instagram reopens in Turkey".
	reopens := s.title && c.cue.action == event.Unblock && w.tag == "VBZ"
	if !participle(w) && !reopens {
		return false
	}
	serviceBefore := false
	for _, m := range s.mentions {
		if m.isService() && m.end == at && (!s.title || headsTitle(s, m.start)) {
			serviceBefore = true
		}
	}
	if !serviceBefore || c.end == len(s.toks) {
		return false
	}
	switch s.toks[c.end].lower {
	case "in", "by", "across":
	default:
		return false
	}
	// The state that acted follows: "in Iran", "by Russia", "in
	// Ethiopia's Amhara region". Without one ("Facebook restored after
	// outage") the headline tells of a company's trouble.
	for _, m := range s.mentions {
		if m.isCountry() && m.start > c.end && m.start <= c.end+2 {
			return true
		}
	}
	return false
}

// headsTitle reports a title whose words before toks[i] are only an
// article and the other services of a list ("Facebook, Instagram and
// WhatsApp restored in ..."): what follows is the headline's subject,
// not part of another's ("Users of Twitter blocked in Turkey").
func headsTitle(s *sentence, i int) bool {
	for k := 0; k < i; k++ {
		switch t := s.toks[k]; {
		case t.tag == "DT", t.text == ",", t.lower == "and", covered(s.mentions, k):
		default:
			return false
		}
	}
	return true
}
