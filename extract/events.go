package extract

import (
	"strings"
)

// candidate is one sentence's evidence for an event, before merging.
type candidate struct {
	country, service string
	action           Action
	sent             *sentence

	date         date
	dateStrength int // 2 in the action's clause, 1 elsewhere in the sentence, 0 none
	reason       string
	reasonRank   int // 3 stated with the action, 2 justification word too, 1 from elsewhere
	confidence   float64

	history bool // "a similar ban in 2018"
	partial bool // a block narrowed to part of the public: a restriction

	// How directly the sentence states it, for confidence.
	cstrength int     // 4 an authority in the clause ... 0 from context
	inClause  bool    // the service is named in the action's clause
	coref     bool    // the service was referred to, not named
	kind      cueKind // verb, noun or state
	via       via
	// cause links a collateral event to the action that caused it, whose
	// date it takes: (country, service, action) of the cause.
	cause *triple
}

type triple struct {
	country, service string
	action           Action
}

// sentenceEvents finds the candidates one sentence holds.
func (x *Extractor) sentenceEvents(a *analysis, s *sentence) []candidate {
	cues := x.lex.findCues(s.toks)
	cues = x.dropFalseCues(s, cues)
	x.noteReferences(a, s)
	if len(cues) == 0 {
		x.noteJustification(a, s)
		return nil
	}
	if strings.HasSuffix(strings.TrimRight(s.text, `"' `), "?") {
		return nil // "Will Iran block Telegram?"
	}
	for i, c := range cues {
		if c.cue.kind == kindNoun && c.alt != nil && c.alt.kind == kindVerb && x.verbInContext(s, c) {
			cues[i].cue, cues[i].alt = c.alt, c.cue
		}
	}
	var out []candidate
	for i, c := range cues {
		if c.cue.action == actionAffect || x.inStatedReason(s, cues[:i], c) {
			continue
		}
		out = append(out, x.cueEvents(a, s, c)...)
	}
	for _, c := range cues {
		if c.cue.action == actionAffect {
			out = append(out, x.collateral(a, s, c, out)...)
		}
	}
	a.prior = append(a.prior, out...)
	return out
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
		switch s.toks[start].lower {
		case "after", "following", "amid", "as":
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
func (x *Extractor) dropFalseCues(s *sentence, cues []cueMatch) []cueMatch {
	out := cues[:0]
	for _, c := range cues {
		t := s.toks[c.start]
		switch {
		case t.lower == "fine" && (strings.HasPrefix(t.tag, "JJ") || strings.HasPrefix(t.tag, "RB")):
			continue
		case (t.lower == "order" || t.lower == "orders") && c.start > 0 && s.toks[c.start-1].lower == "in":
			continue
		case c.cue.kind == kindNoun && (t.lower == "block" || t.lower == "blocks") && c.start+1 < len(s.toks) && s.toks[c.start+1].lower == "of":
			continue // "a block of flats", "a block of shares"
		case t.lower == "limited" && strings.HasPrefix(t.tag, "JJ") && c.end-c.start == 1:
			continue
		}
		out = append(out, c)
	}
	return out
}

// clause returns the token range of the clause around toks[from:to]:
// bounded by strong punctuation and by words that start another clause.
func (x *Extractor) clause(s *sentence, from, to int) (int, int) {
	toks := s.toks
	l := from
	for l > 0 {
		// Step over what is set off inside the clause: a short aside in
		// brackets ("Commission (DPC)") and a relative clause between
		// commas ("Meta, which owns Facebook, was ordered").
		if k := x.asideEndingAt(toks, l-1); k >= 0 {
			l = k
			continue
		}
		if x.startsClause(toks, l-1, true) {
			break
		}
		l--
	}
	r := to
	for r < len(toks) && !x.newClause(s, r) {
		if toks[r].text == "(" {
			if k := closingParen(toks, r); k > 0 && k-r <= 6 {
				r = k + 1
				continue
			}
		}
		if x.startsClause(toks, r, false) {
			break
		}
		r++
	}
	return l, r
}

// asideEndingAt returns where an aside that ends at toks[i] starts: a
// bracketed phrase of a few words, or ", which|who ... ," after a name.
// -1 when toks[i] ends none.
func (x *Extractor) asideEndingAt(toks []token, i int) int {
	switch toks[i].text {
	case ")":
		for k := i - 1; k >= 0 && k >= i-6; k-- {
			if toks[k].text == "(" {
				return k
			}
		}
	case ",":
		for k := i - 1; k > 0 && k >= i-12; k-- {
			if toks[k].text == "," || toks[k].text == ";" {
				break
			}
			if w := toks[k].lower; (w == "which" || w == "who") && toks[k-1].text == "," {
				return k - 1
			}
		}
	}
	return -1
}

func closingParen(toks []token, i int) int {
	for k := i + 1; k < len(toks); k++ {
		if toks[k].text == ")" {
			return k
		}
	}
	return -1
}

// inAside reports whether toks[i] lies in a relative clause set off by
// commas ("Meta, which owns Facebook and Instagram, was ordered"): what
// it names is not what the clause around it acts on.
func (x *Extractor) inAside(toks []token, i int) bool {
	for k := i - 1; k > 0 && k >= i-12; k-- {
		if w := toks[k].lower; (w == "which" || w == "who") && toks[k-1].text == "," {
			for j := i + 1; j < len(toks) && j <= k+12; j++ {
				if toks[j].text == "," {
					return true
				}
			}
			return false
		}
		if toks[k].text == "," || isBoundary(toks[k]) && toks[k].text != "," {
			return false
		}
	}
	return false
}

// newClause reports ", and ...", ", but ..." starting another clause
// rather than continuing a list ("Facebook, Instagram, and WhatsApp").
func (x *Extractor) newClause(s *sentence, i int) bool {
	toks := s.toks
	if toks[i].text != "," || i+2 >= len(toks) {
		return false
	}
	switch toks[i+1].lower {
	case "and", "but", "while", "yet", "whereas", "then":
	default:
		return false
	}
	// A list goes on with names; a clause has its own verb after its
	// subject: ", and Apple and Google removed it".
	j := i + 2
	for j < len(toks) {
		t := toks[j]
		if covered(s.mentions, j) || t.tag == "DT" || t.lower == "and" || t.lower == "or" || t.text == "," || strings.HasPrefix(t.tag, "NNP") {
			j++
			continue
		}
		break
	}
	if j == i+2 {
		return true // ", and then ...", ", but the ..."
	}
	return j < len(toks) && (strings.HasPrefix(toks[j].tag, "VB") || toks[j].tag == "MD")
}

// startsClause reports whether toks[i] separates clauses. Looking
// backwards, the separator itself is excluded from the clause.
func (x *Extractor) startsClause(toks []token, i int, backward bool) bool {
	t := toks[i]
	switch t.text {
	case ";", ":", "(", ")", "--", "—", "?", "!", "\"":
		return true
	case "-":
		return i > 0 && toks[i-1].end < t.start // a spaced dash
	}
	switch t.lower {
	case "which", "who", "whose", "while", "whereas", "although", "though", "because", "citing", "saying", "despite", "when", "where", "leaving", "prompting":
		return true
	case "since":
		return !x.temporalAfter(toks, i) && !(i+1 < len(toks) && isCapitalized(toks[i+1].text) && monthNum(toks[i+1].text) > 0)
	case "but":
		return i > 0 && toks[i-1].text == "," && i+1 < len(toks) && !strings.HasPrefix(toks[i+1].tag, "JJ") && !strings.HasPrefix(toks[i+1].tag, "RB")
	case "as":
		// ", as protests spread" starts a clause; ", as well as Yandex"
		// continues a list.
		return i > 0 && toks[i-1].text == "," && !(i+1 < len(toks) && toks[i+1].lower == "well")
	case "after", "following", "amid", "over", "accused", "alleging", "claiming":
		end := x.lex.reasons.at(toks, i)
		return end > 0 && x.validReason(toks, i, end)
	}
	return false
}

// temporalAfter reports whether a reason marker is followed by a time
// rather than a cause: "after 4 April", "over the weekend", "for two weeks".
func (x *Extractor) temporalAfter(toks []token, i int) bool {
	if i+1 >= len(toks) {
		return true
	}
	n := toks[i+1]
	if n.tag == "CD" || monthNum(n.text) > 0 && isCapitalized(n.text) {
		return true
	}
	switch n.lower {
	case "that", "this", "years", "months", "weeks", "days", "hours", "decades", "which", "it", "half":
		return true
	case "more", "less", "nearly", "almost", "about", "some", "roughly", "around", "just", "only":
		// "after more than seven months", "over nearly a decade"
		for k := i + 2; k < len(toks) && k < i+6; k++ {
			switch strings.TrimSuffix(toks[k].lower, "s") {
			case "day", "week", "month", "year", "decade", "hour", "minute", "third", "quarter", "half":
				return true
			}
		}
	case "the", "a":
		if i+2 < len(toks) {
			switch toks[i+2].lower {
			case "weekend", "past", "next", "last", "years", "course", "summer", "winter", "spring", "autumn", "week", "month", "year", "decade", "end", "first", "second", "same", "phone", "holiday", "holidays", "period":
				return true
			}
		}
	}
	return false
}

// cueEvents turns one action cue into candidates: its targets, its actor,
// and what the words around it say about whether it happened.
func (x *Extractor) cueEvents(a *analysis, s *sentence, c cueMatch) []candidate {
	toks := s.toks
	l, r := x.clause(s, c.start, c.end)
	action := c.cue.action

	// Did it happen?
	if x.negated(s, l, c) {
		return nil
	}
	if _, ok := x.lex.indefinite.in(toks, c.start, r+1); ok {
		return nil // "has disrupted the internet before": background
	}
	if c.cue.action == Order && x.orderOfAction(s, c, r) {
		return nil // "ordered operators to deny access": the action is the event
	}
	if c.cue.action == Order && !x.isPassive(toks, c.start) && !x.officialSubject(s, l, c.start) {
		return nil // "hardline newspapers demanded that the app be filtered"
	}
	if x.hypotheticalGerund(s, c, r) {
		return nil // "cutting the internet would damage the economy"
	}
	if x.companySpeaks(s, c) {
		return nil // "we have blocked access to the apps," a Google spokesperson said
	}
	hedged, threat := x.hedged(s, l, r, c)
	if hedged && (!threat || action == Unblock) {
		return nil // talk, or a promise to lift a ban
	}

	passive := false
	for i := c.start; i < c.end && c.cue.kind == kindVerb; i++ {
		passive = passive || x.isPassive(toks, i)
	}
	reasonStart := x.reasonStart(s, c.end)

	// What is acted on?
	targets := x.targets(a, s, c, l, r, passive, reasonStart)
	if len(targets) == 0 {
		if c.cue.kind == kindNoun && definiteBefore(s.toks, c.start) {
			a.pending = append(a.pending, reference{s, c, l, r, reasonStart}) // "The blackout took hold on Saturday"
			return nil
		}
		if c.cue.action == Unblock && liftsDefinite(s.toks, c) {
			a.pending = append(a.pending, reference{s, c, l, r, reasonStart}) // "Moraes lifted the ban"
			return nil
		}
		// "decided to block the sites to prevent rumours", "blocked 26
		// platforms on 4 September": the reason and the date hold for the
		// state's events the article names elsewhere.
		if c.cue.action == actionAffect || c.cue.action == Threaten || c.cue.action == Unblock {
			return nil
		}
		for _, m := range s.mentions {
			if m.isService() && m.start >= l && m.end <= r {
				return nil // it names services, none of them acted on ("his Telegram channel")
			}
		}
		countries, _ := x.actors(a, s, c, l, r, passive, reasonStart)
		reason, rank := x.reasonFor(s, c, reasonStart)
		d, strength := x.dateFor(s, c, l, r, reasonStart)
		for _, code := range countries {
			if reason != "" && rank >= 2 {
				a.justifications = append(a.justifications, justification{country: code, text: reason, index: s.index})
			}
			if _, ok := a.generalDates[code]; !ok && strength == 2 && !d.zero() {
				a.generalDates[code] = d
			}
		}
		return nil
	}
	if c.cue.kind == kindVerb && !passive && !undergoes(s.toks, c) && x.companyActs(s, l, c.start) {
		return nil // "Meta blocked news in Canada": a company, not a state
	}
	// Who acts?
	countries, cstrength := x.actors(a, s, c, l, r, passive, reasonStart)
	if len(countries) == 0 {
		return nil
	}

	date, dstrength := x.dateFor(s, c, l, r, reasonStart)
	reason, rrank := x.reasonFor(s, c, reasonStart)
	history := false
	if _, ok := x.lex.history.in(toks, max(l, c.start-3), c.start); ok {
		history = true
	}
	partial := false
	if _, ok := x.lex.partial.in(toks, l, r); ok {
		partial = true
	}
	// "bars companies from forcing users ...", "banned officials from
	// using TikTok": a prohibition on conduct, which restricts the service
	// named after the gerund, if any.
	if from := barredFrom(toks, c, r); from >= 0 {
		var kept []mention
		for _, t := range targets {
			if t.start > from {
				kept = append(kept, t)
			}
		}
		if len(kept) == 0 {
			return nil
		}
		targets, partial = kept, true
	}

	var out []candidate
	for _, t := range targets {
		svc := x.gaz.Service(t.service)
		act := resolveAction(action, svc, partial)
		if hedged && threat {
			act = Threaten
		}
		if act == "" {
			continue
		}
		conf := 0.3
		conf += []float64{0, 0.05, 0.1, 0.2, 0.3}[cstrength]
		switch {
		case t.coref:
			conf += 0.05
		case t.start >= l && t.end <= r:
			conf += 0.15
		default:
			conf += 0.05
		}
		switch c.cue.kind {
		case kindVerb:
			conf += 0.15
		case kindState:
			conf += 0.1
		default:
			conf += 0.05
		}
		if s.title || s.lead {
			conf -= 0.1
		}
		if act == Threaten {
			conf -= 0.05
		}
		if history {
			conf -= 0.05
		}
		for _, code := range countries {
			out = append(out, candidate{
				country: code, service: t.service, action: act, sent: s,
				date: date, dateStrength: dstrength, reason: reason, reasonRank: rrank,
				confidence: clamp(conf, 0.05, 0.95), history: history,
				partial:   partial && act == Restrict && (action == Block || action == actionCut),
				cstrength: cstrength, inClause: !t.coref && t.start >= l && t.end <= r, coref: t.coref,
				kind: c.cue.kind, via: viaCue,
			})
		}
	}
	return out
}

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
	for k := c.end; k < r && k < c.end+8; k++ {
		switch toks[k].lower {
		case "would", "could", "might", "will":
			return true
		}
	}
	return false
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
	for i, m := range s.mentions {
		_ = i
		if m.isService() && m.start > c.end {
			for k := m.end; k < len(s.toks) && k < m.end+3; k++ {
				switch s.toks[k].lower {
				case "spokesperson", "spokesman", "spokeswoman", "representative", "executive", "said", "says":
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
		if w := s.toks[k].lower; x.lex.government[w] && w != "security" && w != "telecoms" && w != "communications" && w != "state" {
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
		if o.start >= c.start && o.start < r && o.cue.action != Order && o.cue.action != Fine && o.cue.action != actionAffect &&
			!(o.start == c.start && o.end == c.end) {
			return true
		}
	}
	return false
}

// reference is a definite nominal with no service of its own ("the
// blackout", "lifted the ban"), resolved once the whole article is read.
type reference struct {
	s                 *sentence
	c                 cueMatch
	l, r, reasonStart int
}

// resolveReferences turns each reference into evidence for the action it
// refers to: the last action of its kind before it, else the first after
// it (a lead may lift "the ban" the article only reports later). Its
// sentence adds evidence and, often, the date.
func (x *Extractor) resolveReferences(a *analysis, cands []candidate) []candidate {
	var out []candidate
	for _, ref := range a.pending {
		c := ref.c
		fits := func(p Action) bool {
			switch c.cue.action {
			case "": // "the decision": whatever the state did
				return p != Threaten
			case actionCut:
				return p == Shutdown || p == Block
			case Block:
				return p == Block || p == Shutdown
			case Unblock: // lifting the ban refers to the ban
				return p == Block || p == Shutdown || p == Restrict || p == Throttle
			}
			return p == c.cue.action
		}
		var target *candidate
		for i := range cands {
			p := &cands[i]
			if p.cause != nil || !fits(p.action) {
				continue
			}
			if p.sent.index <= ref.s.index {
				// The latest sentence before, and in it the first action:
				// the main clause's, not one in an "after" clause.
				if target == nil || p.sent.index > target.sent.index {
					target = p
				}
			} else if target == nil {
				target = p // the first after
				break
			}
		}
		// "announced the suspension on June 4 last year" in a story about
		// its lifting: the lift implies the ban it ends.
		if target == nil && (c.cue.action == actionCut || c.cue.action == Block) {
			out = append(out, x.impliedBans(ref, cands)...)
			continue
		}
		if target == nil {
			continue
		}
		date, strength := x.dateFor(ref.s, c, ref.l, ref.r, ref.reasonStart)
		reason, rank := x.reasonFor(ref.s, c, ref.reasonStart)
		if c.cue.action == "" {
			strength = min(strength, 1) // a date the action's own words give wins
			reason, rank = "", 0
		}
		action := target.action
		if c.cue.action == Unblock {
			action = Unblock
		}
		out = append(out, candidate{
			country: target.country, service: target.service, action: action, sent: ref.s,
			date: date, dateStrength: strength, reason: reason, reasonRank: rank,
			confidence: clamp(target.confidence-0.2, 0.05, 0.9),
			cstrength:  target.cstrength, kind: c.cue.kind, via: viaReference, coref: true,
		})
	}
	return out
}

// impliedBans turns "announced the suspension on June 4 last year" in a
// story about a lifted ban into the ban the lift ends, for every service
// it lifted.
func (x *Extractor) impliedBans(ref reference, cands []candidate) []candidate {
	var out []candidate
	seen := make(map[string]bool)
	date, strength := x.dateFor(ref.s, ref.c, ref.l, ref.r, ref.reasonStart)
	reason, rank := x.reasonFor(ref.s, ref.c, ref.reasonStart)
	for _, u := range cands {
		if u.action != Unblock || u.cause != nil || seen[u.country+u.service] {
			continue
		}
		seen[u.country+u.service] = true
		out = append(out, candidate{
			country: u.country, service: u.service, sent: ref.s,
			action: resolveAction(ref.c.cue.action, x.gaz.Service(u.service), false),
			date:   date, dateStrength: strength, reason: reason, reasonRank: rank,
			confidence: clamp(u.confidence-0.25, 0.05, 0.9),
			cstrength:  u.cstrength, kind: ref.c.cue.kind, via: viaImplied, coref: true,
		})
	}
	return out
}

// noteReferences records "the decision", "the move", "signed a decree"
// with a date in their clause, as references to the article's action.
func (x *Extractor) noteReferences(a *analysis, s *sentence) {
	toks := s.toks
	for i := 1; i < len(toks); i++ {
		if !x.lex.references[toks[i].lower] || !strings.HasPrefix(toks[i].tag, "NN") {
			continue
		}
		prev := toks[i-1].lower
		signed := i >= 2 && prev == "a" && (strings.HasPrefix(toks[i-2].lower, "sign") || strings.HasPrefix(toks[i-2].lower, "issu") || strings.HasPrefix(toks[i-2].lower, "approv"))
		if prev != "the" && prev != "this" && prev != "that" && !signed {
			continue
		}
		l, r := x.clause(s, i, i+1)
		c := cueMatch{cue: &cue{}, start: i, end: i + 1}
		if d, strength := x.dateFor(s, c, l, r, -1); strength == 2 && !d.zero() {
			a.pending = append(a.pending, reference{s: s, c: c, l: l, r: r, reasonStart: -1})
		}
		return
	}
}

// liftsDefinite reports an unblock whose object is "the ban", "the
// suspension", "its block": a reference to a ban reported before.
func liftsDefinite(toks []token, c cueMatch) bool {
	for i := c.start; i < c.end; i++ {
		switch toks[i].lower {
		case "the", "its", "this", "that":
			return true
		}
	}
	return false
}

// resolveAction maps a cue's action onto the vocabulary for a target: a
// network is shut down, not blocked; a partial block is a restriction.
func resolveAction(a Action, svc *Service, partial bool) Action {
	network := svc != nil && svc.IsNetwork()
	switch a {
	case actionCut:
		if network {
			return Shutdown
		}
		if partial {
			return Restrict
		}
		return Block
	case Block:
		if network {
			if partial {
				return Restrict
			}
			return Shutdown
		}
		if partial {
			return Restrict
		}
	case Shutdown:
		if !network {
			return Block
		}
	}
	return a
}

func clamp(v, lo, hi float64) float64 { return min(max(v, lo), hi) }

// negated reports a negator just before the cue ("has not blocked") or a
// denial anywhere before it in the sentence ("denied blocking").
func (x *Extractor) negated(s *sentence, l int, c cueMatch) bool {
	toks := s.toks
	for i := c.start - 1; i >= l && i >= c.start-4; i-- {
		if x.lex.negators[toks[i].lower] {
			return true
		}
	}
	// Inside the cue's own gap: "did not block"; but "no longer
	// permitted" is itself a cue.
	for i := c.start; i < c.end; i++ {
		switch toks[i].lower {
		case "not", "n't", "never":
			return true
		}
	}
	if _, ok := x.lex.denials.in(toks, 0, c.start); ok {
		return true
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
			found = append(found, i)
		}
	}
	// "if"/"unless" after the cue make it conditional; so do passive
	// hedges: "a ban is being considered".
	// "If the FTC wins, the judge could order ...": speculation about an
	// outcome, not an official's threat.
	if len(toks) > 0 && (toks[0].lower == "if" || toks[0].lower == "should") && c.start > 2 {
		return true, false
	}
	for i := c.end; i < len(toks); i++ {
		switch toks[i].lower {
		case "once", "provided", "providing":
			// "calls would be restored once their owners comply"; in a
			// past narrative "restoring access once the unrest ended" is
			// a time.
			modal := false
			for k := 0; k < i; k++ {
				switch toks[k].lower {
				case "would", "will", "could", "can", "'ll":
					modal = true
				}
			}
			if modal && i < r+4 {
				found = append(found, i)
			}
		case "if", "unless":
			// A condition binds the clause it follows, not the whole
			// sentence: "degraded the site and gave it 48 hours, warning
			// that it would be blocked if ..." conditions only the block.
			if i < r+4 {
				found = append(found, i)
			}
		case "considered", "proposed", "planned", "mooted", "discussed", "debated":
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
		speech = speech || speechWords[toks[i].lower]
	}
	conditional := false
	for _, i := range found {
		switch toks[i].lower {
		case "if", "unless", "once", "provided", "providing":
			conditional = true
		}
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
	return true, x.officialSpeaks(s)
}

// officialSpeaks reports whether the sentence attributes its words to a
// state: an authority or a government noun.
func (x *Extractor) officialSpeaks(s *sentence) bool {
	for _, m := range s.mentions {
		if m.isCountry() && !m.origin && m.strength >= 3 {
			return true
		}
	}
	for _, t := range s.toks {
		if x.lex.government[t.lower] && t.lower != "state" && t.lower != "security" && t.lower != "communications" {
			return true
		}
	}
	return false
}

// isPassive reports "was blocked", "has been banned", "got restricted".
func (x *Extractor) isPassive(toks []token, i int) bool {
	if !strings.HasPrefix(toks[i].tag, "VBN") && !strings.HasSuffix(toks[i].lower, "ed") && toks[i].lower != "shut" && toks[i].lower != "cut" {
		return false
	}
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		switch toks[j].lower {
		case "is", "are", "was", "were", "be", "been", "being", "get", "gets", "got", "remains", "remain", "remained", "stayed", "stay", "stays", "become", "became":
			return true
		}
		if isBoundary(toks[j]) {
			return false
		}
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
			if m.end <= cueStart && !m.origin && !(m.start > 0 && isLocative(s.toks[m.start-1])) {
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
		switch s.toks[i].lower {
		case "request", "demand", "demands", "behest", "orders", "ordered", "pressure", "comply", "complying", "required", "forced", "compelled":
			return true
		}
	}
	return false
}

// targets returns the services a cue acts on.
func (x *Extractor) targets(a *analysis, s *sentence, c cueMatch, l, r int, passive bool, reasonStart int) []mention {
	cueInAside := x.inAside(s.toks, c.start)
	usable := func(m mention) bool {
		if !m.isService() || m.channel || m.account && m.own {
			return false
		}
		if !cueInAside && x.inAside(s.toks, m.start) {
			return false
		}
		// "without a VPN", "using VPNs", "through Telegram": a means.
		if m.start > 0 {
			switch s.toks[m.start-1].lower {
			case "without", "using", "through":
				return false
			}
			if m.start > 1 && s.toks[m.start-1].tag == "DT" {
				switch s.toks[m.start-2].lower {
				case "without", "using", "through":
					return false
				}
			}
		}
		return true
	}
	own := false
	var in []mention
	add := func(m mention) {
		for _, have := range in {
			if have.service == m.service {
				return
			}
		}
		in = append(in, m)
	}
	hi := r
	if reasonStart >= 0 && reasonStart < hi {
		hi = reasonStart
	}
	switch c.cue.kind {
	case kindNoun:
		// "the Telegram ban", "Russia's ban on Telegram, WhatsApp and Signal"
		lo := c.start
		for lo > l && isNounPhrase(s.toks[lo-1]) {
			lo--
		}
		end := c.end
		if end < len(s.toks) {
			switch s.toks[end].lower {
			case "on", "of", "against", "targeting", "affecting", "for", "to":
				end++
				for end < hi && !strings.HasPrefix(s.toks[end].tag, "VB") && !x.startsClause(s.toks, end, false) {
					end++
				}
			}
		}
		for _, m := range s.mentions {
			if m.start >= lo && m.end <= end && usable(m) {
				add(m)
			}
		}
		// "the companies would face a further fine", "risks a ban": the
		// penalty falls on the subject of the verb before it.
		if len(in) == 0 {
			for k := c.start - 1; k >= l && k >= c.start-3; k-- {
				switch s.toks[k].lower {
				case "face", "faces", "facing", "faced", "risk", "risks", "risking", "incur", "incurs", "received", "receives", "got", "gets",
					"subjected", "subject", "under", "hit":
					for _, m := range s.mentions {
						if m.end <= k && m.start >= l && usable(m) && !m.isCountry() {
							add(m)
						}
					}
				}
			}
		}
	default:
		// An active verb acts on what follows it ("Russia blocked
		// Telegram"); a passive or a state on what precedes it
		// ("Telegram was blocked"), else on what follows.
		after := func(m mention) bool { return m.start >= c.start }
		collect := func(keep func(mention) bool) {
			for _, m := range s.mentions {
				if !m.isService() || m.start < l || m.end > hi || !keep(m) {
					continue
				}
				if m.own && m.account {
					own = true
				}
				if usable(m) {
					add(m)
				}
			}
		}
		if passive || c.cue.kind == kindState || undergoes(s.toks, c) {
			collect(func(m mention) bool { return !after(m) })
			// "... were inaccessible, along with YouTube and Viber"
			collect(func(m mention) bool { return after(m) && alongWith(s.toks, m.start) })
		}
		// "the whole country dropped offline": the network itself.
		if len(in) == 0 && c.cue.action == actionCut && c.cue.kind == kindState {
			for _, m := range s.mentions {
				if m.role == roleCountry && m.start >= l && m.end <= c.start && c.start-m.end <= 3 {
					in = append(in, mention{start: m.start, end: m.end, service: "internet", coref: true})
					break
				}
			}
		}
		// "the blocked sites also included Dota 2, Counter-Strike and
		// Origin": a participle naming a set, listed after.
		if len(in) == 0 && c.end < len(s.toks) && strings.HasPrefix(s.toks[c.end].tag, "NNS") {
			for k := c.end + 1; k < hi && k < c.end+5; k++ {
				switch s.toks[k].lower {
				case "include", "included", "includes", "including", "are", "were":
					collect(func(m mention) bool { return m.start > k })
				}
				if len(in) > 0 {
					break
				}
			}
		}
		// "VPN services that providers were told to block": the object
		// of a relative clause stands before it.
		if len(in) == 0 && !passive && c.cue.kind == kindVerb {
			for k := c.start - 1; k >= l && k >= c.start-8; k-- {
				if w := s.toks[k].lower; w == "that" || w == "which" {
					collect(func(m mention) bool { return m.end == k || m.end == k-1 && s.toks[k-1].text == "," })
					break
				}
			}
		}
		// "ordered the social network X blocked": the object before a
		// participle.
		if len(in) == 0 && !passive && (strings.HasPrefix(s.toks[c.start].tag, "VBN") || causedBefore(s.toks, c.start)) {
			collect(func(m mention) bool { return m.end == c.start })
		}
		if len(in) == 0 {
			// The object ends where the next finite verb starts another
			// predicate.
			stop := hi
			for k := c.end; k < hi; k++ {
				t := s.toks[k].tag
				finite := t == "VBD" || t == "VBZ" || t == "VBP" || t == "MD"
				coordinated := strings.HasPrefix(t, "VB") && t != "VBG" && (s.toks[k-1].lower == "and" || s.toks[k-1].lower == "then")
				if (finite || coordinated) && !covered(s.mentions, k) {
					stop = k
					break
				}
			}
			collect(func(m mention) bool { return after(m) && m.end <= stop })
			// An order is addressed to the first party after it: "ordered
			// Apple to remove WhatsApp" orders Apple.
			if c.cue.action == Order && len(in) > 1 {
				in = in[:1]
			}
		}
		// "pulled WhatsApp from the App Store": the store is where, not what.
		if strings.Contains(c.cue.text, "store") && len(in) > 1 {
			kept := in[:0]
			for _, m := range in {
				if svc := x.gaz.Service(m.service); svc == nil || svc.Kind != "appstore" {
					kept = append(kept, m)
				}
			}
			in = kept
		}
		if own && len(in) == 0 {
			return nil // "shut down his Telegram channel"
		}
		// "they would be barred", "their bandwidth would be cut": the
		// services named together last.
		if len(in) == 0 && (passive || c.cue.kind == kindState || c.cue.kind == kindNoun) {
			for k := max(l, c.start-8); k < c.start; k++ {
				if w := s.toks[k].lower; w == "they" || w == "their" {
					for _, slug := range lastServices(a, s, k) {
						in = append(in, mention{start: k, end: k + 1, service: slug, coref: true})
					}
					break
				}
			}
		}
		// "Russia blocked it": a pronoun right after an active cue.
		if len(in) == 0 && !passive && c.end < len(s.toks) {
			switch s.toks[c.end].lower {
			case "it", "its":
				if slug := topicService(a, s, c.start); slug != "" {
					in = append(in, mention{start: c.end, end: c.end + 1, service: slug, coref: true})
				}
			}
		}
	}
	return dropOwners(x.gaz, s, in)
}

// barredFrom returns the index of the gerund in "bar <someone> from
// <doing>" after a block cue, or -1.
func barredFrom(toks []token, c cueMatch, r int) int {
	if c.cue.action != Block || c.cue.kind != kindVerb {
		return -1
	}
	for k := c.end; k+1 < r && k < c.end+6; k++ {
		if toks[k].lower == "from" && strings.HasPrefix(toks[k+1].tag, "VBG") {
			return k + 1
		}
	}
	return -1
}

// causedBefore reports a causative verb shortly before a participle's
// object: "ordered the social network X blocked", which a tagger may read
// as two finite verbs.
func causedBefore(toks []token, at int) bool {
	if !strings.HasSuffix(toks[at].lower, "ed") {
		return false
	}
	for k := at - 1; k >= 0 && k >= at-6; k-- {
		switch toks[k].lower {
		case "ordered", "orders", "order", "declared", "had", "got", "wanted", "ruled", "deemed", "kept":
			return true
		}
	}
	return false
}

// undergoes reports an action its subject suffers rather than does:
// "have been subjected to bandwidth throttling", "X, YouTube and TikTok
// slowed to a crawl".
func undergoes(toks []token, c cueMatch) bool {
	for k := c.start - 1; k >= 0 && k >= c.start-3; k-- {
		switch toks[k].lower {
		case "subjected", "subject", "faced", "facing", "faces", "face", "suffered", "suffering", "experienced", "experiencing":
			return true
		}
	}
	return c.cue.action == Throttle && (c.end >= len(toks) || isBoundary(toks[c.end]) || toks[c.end].lower == "to" || toks[c.end].lower == "on")
}

// alongWith reports a mention added to a list after the verb: "along
// with YouTube", "as well as Viber".
func alongWith(toks []token, i int) bool {
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		switch toks[j].lower {
		case "along", "alongside", "well", "together", "plus":
			return true
		case ",", "and", "the", "app", "messaging", "with", "as":
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

// actors returns the states acting for a cue and how directly the text
// says so (4 an authority in the clause ... 0 from context).
func (x *Extractor) actors(a *analysis, s *sentence, c cueMatch, l, r int, passive bool, reasonStart int) ([]string, int) {
	inReason := func(m mention) bool { return reasonStart >= 0 && m.start >= reasonStart }
	// A demonym that heads no government noun ("Ukrainian drone
	// attacks", "Russian users") says nothing about who acts.
	weak := func(m mention) bool { return m.role == roleDemonym && m.strength < 2 }
	var subj, loc, other []mention
	for _, m := range s.mentions {
		if !m.isCountry() || m.origin || weak(m) || inReason(m) || m.start < l || m.end > r {
			continue
		}
		switch {
		case c.cue.action == Order && m.start >= c.end && !(m.start > 0 && s.toks[m.start-1].lower == "by"):
			continue // what an order is about is not who orders it
		case m.start > 0 && isLocative(s.toks[m.start-1]),
			len(loc) > 0 && joined(s, loc[len(loc)-1], m): // "in China, Iran and North Korea"
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
		return strongest(auth), 4
	case len(loc) > 0:
		var codes []string
		for _, m := range loc {
			if !contains(codes, m.country) {
				codes = append(codes, m.country)
			}
		}
		return codes, 3
	case len(subj) > 0:
		return coordinated(s, subj), 3
	case len(other) > 0:
		return strongest(other), 2
	}
	// Elsewhere in the sentence, outside the reason.
	var rest []mention
	for _, m := range s.mentions {
		if m.isCountry() && !m.origin && !weak(m) && !inReason(m) {
			rest = append(rest, m)
		}
	}
	if len(rest) > 0 {
		return strongest(rest), 1
	}
	if code := contextCountry(a, s); code != "" {
		return []string{code}, 0
	}
	return nil, 0
}

func isLocative(t token) bool {
	switch t.lower {
	case "in", "across", "throughout", "inside", "within", "nationwide":
		return true
	}
	return false
}

// coordinated keeps the mentions that form one list with the last one:
// "in China, Iran and North Korea" is three states; "First Russia now
// Iran" names Iran as the one acting.
func coordinated(s *sentence, ms []mention) []string {
	if len(ms) == 1 {
		return []string{ms[0].country}
	}
	out := []string{ms[len(ms)-1].country}
	for i := len(ms) - 2; i >= 0; i-- {
		if !joined(s, ms[i], ms[i+1]) {
			break
		}
		if !contains(out, ms[i].country) {
			out = append(out, ms[i].country)
		}
	}
	return out
}

// joined reports whether only a conjunction or comma separates a and b.
func joined(s *sentence, a, b mention) bool {
	if b.start <= a.end {
		return false
	}
	for k := a.end; k < b.start; k++ {
		switch s.toks[k].lower {
		case ",", "and", "or", "both", "as", "well", "the", "&":
		default:
			if !isLocative(s.toks[k]) {
				return false
			}
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
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
		for _, m := range reverse(p.mentions) {
			if m.isCountry() && !m.origin && m.strength >= 2 {
				return m.country
			}
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

// dateFor picks the date expression that belongs to a cue: in its clause
// first, else elsewhere in the sentence outside the reason.
func (x *Extractor) dateFor(s *sentence, c cueMatch, l, r, reasonStart int) (date, int) {
	if len(s.dates) == 0 {
		return date{}, 0
	}
	lo, hi := s.toks[l].start, s.text[len(s.text):]
	_ = hi
	hiOff := len(s.text)
	if r < len(s.toks) {
		hiOff = s.toks[r].start
	}
	if reasonStart >= 0 && reasonStart < len(s.toks) && s.toks[reasonStart].start < hiOff {
		hiOff = s.toks[reasonStart].start
	}
	cueOff := s.toks[c.start].start
	best, bestDist := date{}, -1
	for _, d := range s.dates {
		if d.until && c.cue.action != Unblock {
			continue // "suspended access until November 11": when it ends
		}
		if d.start >= lo && d.end <= hiOff {
			dist := abs(d.start - cueOff)
			if bestDist < 0 || dist < bestDist {
				best, bestDist = d.value, dist
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
		if reasonStart >= 0 && reasonStart < len(s.toks) && d.start >= s.toks[reasonStart].start || d.until && c.cue.action != Unblock {
			continue
		}
		return d.value, 1
	}
	return date{}, 0
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
