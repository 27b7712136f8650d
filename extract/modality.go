// Modality: whether what a cue describes happened, and who did it.

package extract

import (
	"strings"

	"github.com/policywatch/policywatch/event"
)

// hypotheticalGerund reports an action named as a gerund subject of a
// modal: "cutting the internet would damage the lifeblood of the
// country" discusses the action, it does not report it.
func (x *Extractor) hypotheticalGerund(s *sentence, c cueMatch, r int) bool {
	toks := s.toks
	if !strings.HasPrefix(toks[c.start].tag, "VBG") {
		return false
	}
	if c.start > 0 {
		switch toks[c.start-1].lower {
		case "is", "are", "was", "were", "be", "been", "by", "after", "before", "of", "for", "from", "without":
			return false
		}
	}
	for k := c.end; k < r; k++ {
		if x.lex.words.hypotheticalModals[toks[k].lower] {
			return true
		}
	}
	return false
}

// notByState reports an outage the sentence blames on a cause that is
// not a state's — hackers, a cable cut, a technical fault — with no
// authority named acting in it.
func (x *Extractor) notByState(s *sentence) bool {
	if _, ok := x.lex.nonstate.in(s.toks, 0, len(s.toks)); !ok {
		return false
	}
	for _, m := range s.mentions {
		if m.isCountry() && m.strength >= 3 && !m.origin {
			return false
		}
	}
	return true
}

// companySpeaks reports a cue whose subject is "we" in words a company's
// spokesperson is quoted saying: "we have temporarily blocked access to
// the apps," a Google spokesperson said.
func (x *Extractor) companySpeaks(s *sentence, c cueMatch) bool {
	we := false
	for k := c.start - 1; k >= 0 && k >= c.start-5; k-- {
		if w := s.toks[k].lower; w == "we" || w == "i" {
			we = true
		}
	}
	if !we {
		return false
	}
	for _, m := range s.mentions {
		if m.isService() && m.start > c.end {
			for k := m.end; k < len(s.toks) && k < m.end+3; k++ {
				if x.lex.words.companySpeakers[s.toks[k].lower] {
					return true
				}
			}
		}
	}
	return false
}

// officialSubject reports a state or a government noun before a cue in
// its clause: only a state's demand is an order.
func (x *Extractor) officialSubject(s *sentence, l, at int) bool {
	for _, m := range s.mentions {
		if m.isCountry() && !m.origin && m.strength >= 2 && m.start >= l && m.end <= at {
			return true
		}
	}
	for k := l; k < at; k++ {
		if w := s.toks[k].lower; x.lex.government[w] && !x.lex.words.governmentModifiers[w] {
			return true
		}
	}
	return false
}

// orderOfAction reports an order whose content is itself an action the
// extractor reports ("ordered all operators to deny access to the
// internet", "ordered the platform blocked").
func (x *Extractor) orderOfAction(s *sentence, c cueMatch, r int) bool {
	for _, o := range x.lex.findCues(s.toks) {
		if o.start >= c.start && o.start < r && o.cue.action != event.Order && o.cue.action != event.Fine && o.cue.action != actionAffect &&
			!(o.start == c.start && o.end == c.end) {
			// The inner action counts only if it acts on a service:
			// "ordered Facebook to restrict access to the group" is an
			// order to Facebook.
			for _, m := range s.mentions {
				if m.isService() && m.start >= o.end && m.start < r {
					return true
				}
			}
		}
	}
	return false
}

// toCarriers reports an order addressed to the networks that carry a
// service: named inside the cue ("ordered mobile operators to") or just
// before it ("internet companies had been ordered to").
func (w *words) toCarriers(toks []token, c cueMatch) bool {
	carrier := func(k int) bool {
		t := toks[k].lower
		if !w.carriers[t] {
			return false
		}
		switch t {
		case "operators", "operator", "isps", "isp":
			return true
		}
		return k > 0 && w.carrierKinds[toks[k-1].lower]
	}
	for k := c.start + 1; k < c.end; k++ {
		if carrier(k) {
			return true
		}
	}
	for k := c.start - 1; k >= 0 && k >= c.start-4; k-- {
		if carrier(k) {
			return true
		}
		if !w.passiveAuxiliaries[toks[k].lower] && toks[k].lower != "had" && toks[k].lower != "have" && toks[k].lower != "has" {
			break
		}
	}
	return false
}

// returnOfOther reports "returned", "came back" or "reappeared" said of
// something other than a service or the access to it: "the Taliban
// returned to power", "Lissu returned in July from Belgium". Such a
// return lifts no measure the article told before; "access returned",
// "the app came back" do.
func (w *words) returnOfOther(toks []token, c cueMatch, l int) bool {
	if c.cue.kind != kindState {
		return false
	}
	if !w.returnVerbs[toks[c.start].lower] {
		return false
	}
	for k := c.start - 1; k >= l && k >= c.start-4; k-- {
		if w.returnSubjects[toks[k].lower] {
			return false
		}
	}
	return true
}

// standing reports a block or restriction told as a state of things in
// the present with no time at all: "Google is blocked in China", "China
// keeps Google, Facebook and Twitter out of reach", "Twitter and Facebook
// are banned there". SCHEMA.md counts no event in a long-standing measure
// mentioned in passing. A headline or standfirst tells news in the
// present; a date, or a word of time ("since", "still", "now"), makes it
// news too.
func (w *words) standing(s *sentence, c cueMatch) bool {
	// A headline, a standfirst or a subheading (no final stop) tells
	// news in the present.
	if s.title || s.lead || len(s.dates) > 0 || !endsSentence(s.text) {
		return false
	}
	switch c.cue.action {
	case event.Block, event.Restrict, actionCut:
	default:
		return false
	}
	// Where: a state named ("in China", "China keeps"), or "there". A
	// monitor's "Twitter and Facebook are cut" in a story about the
	// country is today's news.
	placed := false
	for _, t := range s.toks {
		if w.standingBreakers[t.lower] {
			return false
		}
		placed = placed || t.lower == "there"
	}
	for _, m := range s.mentions {
		placed = placed || m.isCountry() && !m.coref && !m.origin
	}
	if !placed {
		return false
	}
	tag := s.toks[c.start].tag
	if tag == "VBZ" || tag == "VBP" {
		return true // "China blocks", "keeps ... out of reach"
	}
	if tag == "VB" && c.start > 0 {
		// The tagger reads a present after a long plural subject as the
		// base form: "countries, among them China and Cuba, block it".
		switch p := s.toks[c.start-1]; {
		case p.tag == ",", strings.HasPrefix(p.tag, "NN"):
			return true
		}
	}
	for k := c.start - 1; k >= 0 && k >= c.start-3; k-- {
		switch word := s.toks[k].lower; {
		case w.presentAuxiliaries[word]:
			// "is to cut off access": a plan announced, news.
			return k+1 >= len(s.toks) || s.toks[k+1].lower != "to"
		case w.otherAuxiliaries[word]:
			return false
		}
	}
	return false
}

// negated reports a negator just before the cue ("has not blocked") or a
// denial anywhere before it in the sentence ("denied blocking").
func (x *Extractor) negated(s *sentence, l int, c cueMatch) bool {
	toks := s.toks
	for i := c.start - 1; i >= l && i >= c.start-4; i-- {
		if x.lex.negators[toks[i].lower] {
			return true
		}
	}
	// "has yet to restore access", "refused to block": the action is
	// still to come, or was turned down.
	if c.start >= 2 && toks[c.start-1].lower == "to" && x.lex.words.notYet[toks[c.start-2].lower] {
		return true
	}
	// Inside the cue's own gap: "did not block"; but "no longer
	// permitted" and "could not reach" are themselves cues.
	for i := c.start; i < c.end; i++ {
		if w := toks[i].lower; x.lex.negators[w] && !x.lex.words.cueNegators[w] && !c.cue.names(w) {
			return true
		}
	}
	if _, ok := x.lex.denials.in(toks, 0, c.start); ok {
		return true
	}
	// "Reports that the operator had blocked Facebook were rejected by
	// Uzbektelecom": a claim the sentence goes on to deny.
	if x.lex.words.claimed(toks, c.start) {
		for _, t := range toks[c.end:] {
			if x.lex.words.claimDenials[t.lower] {
				return true
			}
		}
	}
	// "The issue of blocking YouTube is not on the agenda": a nominal
	// action whose own predicate is negated.
	if c.cue.kind == kindNoun || strings.HasPrefix(toks[c.start].tag, "VBG") {
		for i := c.end; i < len(toks) && i < c.end+6; i++ {
			if x.lex.negators[toks[i].lower] && i > 0 && x.lex.words.passiveAuxiliaries[toks[i-1].lower] {
				return true
			}
			if toks[i].text == "," || x.lex.words.clauseStarters[toks[i].lower] {
				break
			}
		}
	}
	// "accused Meta of choosing to block its users from news": an
	// allegation about someone else's action.
	for i := 0; i < c.start; i++ {
		if !strings.HasPrefix(toks[i].lower, "accus") {
			continue
		}
		for j := i + 1; j < c.start; j++ {
			if toks[j].lower == "of" && c.start-j <= 6 {
				return true
			}
		}
	}
	return false
}

// hedged reports whether the cue is hypothetical, proposed or discussed,
// and whether that is an official's threat ("could be blocked if it fails
// to comply, the regulator warned") rather than talk.
func (x *Extractor) hedged(s *sentence, l, r int, c cueMatch) (hedged, threat bool) {
	toks := s.toks
	var found []int
	for i := l; i < c.start; i++ {
		if toks[i].text == "May" {
			continue // the month, capitalised; the modal is "may"
		}
		if end := x.lex.hedges.at(toks, i); end > 0 {
			// A hedge that governs an infinitive ("plans to", "calling on
			// the president to") governs the verb right after it, not an
			// action further on.
			if toks[end-1].lower == "to" && c.start-end > 2 {
				continue
			}
			found = append(found, i)
		}
	}
	// "if"/"unless" after the cue make it conditional; so do passive
	// hedges: "a ban is being considered".
	// "If the FTC wins, the judge could order ...": speculation about an
	// outcome, not an official's threat.
	if len(toks) > 0 && (toks[0].lower == "if" || toks[0].lower == "should") && c.start > 2 {
		// "If Wikipedia does not comply, the regulator warned, the
		// platform will be blocked": an official's warning is a threat.
		warned := false
		for _, t := range toks {
			warned = warned || x.lex.words.warnings[t.lower]
		}
		return true, warned && x.officialSpeaks(s, c.start)
	}
	words := x.lex.words
	for i := c.end; i < len(toks); i++ {
		switch w := toks[i].lower; {
		case words.modalConditions[w]:
			// "calls would be restored once their owners comply"; in a
			// past narrative "restoring access once the unrest ended" is
			// a time.
			modal := false
			for k := 0; k < i; k++ {
				modal = modal || words.modals[toks[k].lower]
			}
			if modal && i < r+4 {
				found = append(found, i)
			}
		case words.conditions[w]:
			// A condition binds the clause it follows, not the whole
			// sentence: "degraded the site and gave it 48 hours, warning
			// that it would be blocked if ..." conditions only the block.
			if i < r+4 {
				found = append(found, i)
			}
		case words.proposals[w]:
			if i < r {
				found = append(found, i)
			}
		}
	}
	// "will" before the cue is a threat only if conditional; alone it
	// announces the action.
	if len(found) == 0 {
		return false, false
	}
	speech := false
	for i := 0; i < c.start; i++ {
		speech = speech || words.speech[toks[i].lower]
	}
	conditional := false
	for _, i := range found {
		conditional = conditional || words.conditions[toks[i].lower] || words.modalConditions[toks[i].lower]
	}
	hedges := 0
	for _, i := range found {
		// "said internet access would be suspended": reported speech
		// announcing the action, not a hypothesis.
		if (toks[i].lower == "would" || toks[i].lower == "will") && speech && !conditional {
			continue
		}
		hedges++
		if x.lex.threats.at(toks, i) < 0 {
			return true, false // talk: "is considering a ban", "calls for a ban"
		}
	}
	if hedges == 0 {
		return false, false
	}
	return true, x.officialSpeaks(s, c.start)
}

// officialSpeaks reports whether the sentence attributes its words to a
// state: an authority or a government noun.
func (x *Extractor) officialSpeaks(s *sentence, at int) bool {
	for _, m := range s.mentions {
		if m.isCountry() && !m.origin && m.strength >= 3 {
			return true
		}
		// "Vietnam has threatened to shut down Facebook": a state as the
		// subject before the threat.
		if m.role == roleCountry && !m.origin && m.end <= at && !(m.start > 0 && x.lex.words.isLocative(s.toks[m.start-1])) {
			return true
		}
	}
	for _, t := range s.toks {
		// Here "telecoms" is official: "telecoms officials told the BBC".
		if x.lex.government[t.lower] && (!x.lex.words.governmentModifiers[t.lower] || t.lower == "telecoms") {
			return true
		}
	}
	// "Inman Grant warned the company that it would face further fines":
	// a named person or a pronoun speaking in an article about a state's
	// measures, unless the speaker is one who watches them.
	for k := 0; k < at; k++ {
		if !x.lex.words.speech[s.toks[k].lower] && !strings.HasPrefix(s.toks[k].lower, "warn") && !strings.HasPrefix(s.toks[k].lower, "threat") {
			continue
		}
		if k == 0 {
			return false
		}
		who := s.toks[k-1]
		if x.lex.watchers[who.lower] || covered(s.mentions, k-1) {
			return false
		}
		return who.tag == "NNP" || who.lower == "she" || who.lower == "he" || who.lower == "they"
	}
	return false
}

// companyActs reports an active cue whose subject is a service: "Telegram
// blocked the channels", unless a state made it ("at the request of").
func (x *Extractor) companyActs(s *sentence, l, cueStart int) bool {
	var subj *mention
	// A participle after a comma ("..., briefly blocking news on
	// Facebook") has the sentence's subject: its first name that is not
	// a place.
	participle := strings.HasPrefix(s.toks[cueStart].tag, "VBG")
	comma := false
	for k := cueStart - 1; k >= 0 && k >= cueStart-2; k-- {
		comma = comma || s.toks[k].text == ","
	}
	if participle && comma {
		for i := range s.mentions {
			m := &s.mentions[i]
			if m.end <= cueStart && !m.origin && !(m.start > 0 && x.lex.words.isLocative(s.toks[m.start-1])) {
				if m.isService() {
					return !x.stateMade(s)
				}
				return false
			}
		}
	}
	for i := range s.mentions {
		m := &s.mentions[i]
		if m.end <= cueStart && m.start >= l && !m.origin {
			subj = m
		}
	}
	if subj == nil || !subj.isService() {
		return false
	}
	// The service must head the subject: "Meta blocked", "Telegram has
	// removed", not "Russia's ban on Telegram also blocked".
	if subj.start > 0 {
		switch s.toks[subj.start-1].lower {
		case "on", "of", "against", "to", "for", "in", "from", "with", "by", "over":
			return false
		}
	}
	for i := subj.end; i < cueStart; i++ {
		t := s.toks[i]
		if !(strings.HasPrefix(t.tag, "RB") || strings.HasPrefix(t.tag, "VB") || t.tag == "MD" || t.tag == "TO" || t.tag == "," || t.lower == "itself" || t.lower == "'s" || t.lower == "to") {
			return false
		}
	}
	return !x.stateMade(s)
}

// stateMade reports a company acting at a state's demand: "at the
// request of", "on Beijing's orders", "to comply".
func (x *Extractor) stateMade(s *sentence) bool {
	for i := range s.toks {
		if x.lex.words.coercion[s.toks[i].lower] {
			return true
		}
	}
	return false
}

// claimed reports a claim noun whose "that" clause holds token i:
// "reports that", "reports in several media outlets that", "reports
// suggesting"; no other verb stands between the noun and its "that".
func (w *words) claimed(toks []token, i int) bool {
	for k := 0; k < i; k++ {
		// A noun: "Roskomnadzor reports that it blocked" is the claim's
		// author speaking.
		if !w.claimNouns[toks[k].lower] || !strings.HasPrefix(toks[k].tag, "NN") {
			continue
		}
		for j := k + 1; j < i && j <= k+6; j++ {
			// "reports that", "reports suggesting", "claims saying"
			if w := toks[j].lower; w == "that" || w == "suggesting" || w == "saying" || w == "claiming" || w == "alleging" {
				return true
			}
			if strings.HasPrefix(toks[j].tag, "VB") || toks[j].text == "," {
				break
			}
		}
	}
	return false
}
