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

func mentionsLicence(toks []token) bool {
	for _, t := range toks {
		switch t.lower {
		case "licence", "license", "licences", "licenses", "permit", "permits", "registration", "accreditation", "certificate":
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
		case strings.HasPrefix(t.lower, "revok") && c.end-c.start == 1 && !mentionsLicence(s.toks):
			continue // "the region's special status was revoked"; a licence revoked restricts
		}
		out = append(out, c)
	}
	return out
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
	if (action == actionCut || action == Block || action == Restrict) && x.notByState(s) {
		return nil // "waves of outages knocked the platform offline, blamed on a cyberattack"
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
	targets, _ := x.targets(a, s, c, l, r, passive, reasonStart)
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
		countries, _, _ := x.actors(a, s, c, l, r, passive, reasonStart, nil)
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
	countries, cstrength, _ := x.actors(a, s, c, l, r, passive, reasonStart, targets)
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
		for _, code := range countries {
			out = append(out, candidate{
				country: code, service: t.service, action: act, sent: s,
				date: date, dateStrength: dstrength, reason: reason, reasonRank: rrank,
				history:   history,
				partial:   partial && act == Restrict && (action == Block || action == actionCut),
				cstrength: cstrength, inClause: !t.coref && t.start >= l && t.end <= r, coref: t.coref,
				kind: c.cue.kind, via: viaCue,
			})
		}
	}
	return out
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
