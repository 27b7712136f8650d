// Stage 3, decide: whether a cue reports an event, and which.

package extract

import (
	"strings"

	"github.com/policywatch/policywatch/event"
)

// decision is a cue's verdict: one sentence's evidence for an event,
// before merging.
type decision struct {
	country, service string
	action           event.Action
	sent             *sentence

	date         date
	dateStrength int // 2 in the action's clause, 1 elsewhere in the sentence, 0 none
	reason       string
	reasonRank   int // 3 stated with the action, 2 justification word too, 1 from elsewhere

	history bool // "a similar ban in 2018"
	partial bool // a block narrowed to part of the public: a restriction
	// liftsPart marks a lifting of part of a service ("calls through
	// Skype ... have been unblocked"): the measure it ends was a
	// restriction.
	liftsPart bool

	// How directly the sentence states it, for confidence.
	cstrength int     // 4 an authority in the clause ... 0 from context
	inClause  bool    // the service is named in the action's clause
	coref     bool    // the service was referred to, not named
	kind      cueKind // verb, noun or state
	cue       string  // the cue's pattern ("shut down"), for the models; "" when found another way
	// soft names the rule that would have rejected the decision, when
	// that rule only doubts it: the keep model, which knows how often
	// such doubts are wrong, decides. Empty for a decision no rule doubts.
	soft string
	via  via
	// cause links a collateral event to the action that caused it, whose
	// date it takes: (country, service, action) of the cause.
	cause *triple
	// measureSent, for an event of a list, is the sentence of the
	// measure the list continues, whose clauses may give its reason.
	measureSent *sentence
	// why is how it was found, kept only for a trace.
	why *why
}

type triple struct {
	country, service string
	action           event.Action
}

// decide is the third stage: it turns one candidate into decisions, one
// per state and service, or into none, saying why when a trace is kept.
// The words around the cue decide whether it happened (a negation, a
// hypothetical, talk, a company acting are no event); then what it acts
// on, which state acts, and the action, date and reason of each.
func (x *Extractor) decide(a *analysis, cand candidate) []decision {
	soft := ""
	if why := x.unreported(cand); why != "" {
		a.trace.reject(cand.s, cand.c, why)
		if !softRejects[why] {
			return nil
		}
		soft = why
	}
	s, c, l, r := cand.s, cand.c, cand.l, cand.r
	toks := s.toks
	action := c.cue.action
	hedged, threat := x.hedged(s, l, r, c)
	if hedged && (!threat || action == event.Unblock) {
		a.trace.reject(s, c, rejectHedged) // talk, or a promise to lift a ban
		if !softRejects[rejectHedged] {
			return nil
		}
		soft, hedged = rejectHedged, false
	}
	passive, reasonStart := cand.passive, cand.reasonStart

	targets, targetRule := x.targets(a, s, c, l, r, passive, reasonStart)
	if len(targets) == 0 {
		if soft == "" { // a doubted cue lends no reason, date or reference
			x.untargeted(a, cand, targetRule == ownAccount)
		}
		return nil
	}
	if c.cue.kind == kindVerb && !passive && !x.lex.words.undergoes(s.toks, c) && x.companyActs(s, l, c.start) {
		a.trace.reject(s, c, rejectCompany) // "Meta blocked news in Canada": a company, not a state
		if !softRejects[rejectCompany] {
			return nil
		}
		soft = rejectCompany
	}
	countries, cstrength, actorRule := x.actors(a, s, c, l, r, passive, reasonStart, targets)
	if len(countries) == 0 {
		a.trace.reject(s, c, rejectNoState)
		return nil
	}

	date, dstrength := x.dateFor(s, c, l, r, reasonStart)
	reason, rrank := x.reasonFor(s, c, reasonStart)
	history := false
	if _, ok := x.lex.history.in(toks, max(l, c.start-3), c.start); ok {
		history = true
	}
	partial := false
	// Not in the reason: "blocked Wikipedia for refusing to remove
	// articles from its computers" narrows nothing.
	pr := r
	if reasonStart > c.end && reasonStart < pr {
		pr = reasonStart
	}
	if _, ok := x.lex.partialIn(toks, l, pr); ok {
		partial = true
	} else if k := asideAfter(toks, r); k >= 0 {
		// "banned TikTok, which is owned by ByteDance, from
		// government-issued devices": the clause goes on past the aside.
		_, partial = x.lex.partialIn(toks, k, min(len(toks), k+6))
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
		switch {
		case len(kept) > 0:
			targets, partial = kept, true
		case !x.lex.words.ownConduct[toks[from].lower]:
			a.trace.reject(s, c, rejectBarredConduct)
			return nil
		}
	}

	var out []decision
	for _, t := range targets {
		svc := x.gaz.Service(t.service)
		act := resolveAction(action, svc, partial)
		if hedged && threat {
			act = event.Threaten
		}
		if act == "" {
			continue
		}
		var w *why
		if a.trace != nil {
			w = &why{cue: cueText(s, c), targets: targetRule, actors: actorRule,
				action: actionRule(s, c, act, svc, partial, hedged && threat)}
		}
		for _, code := range countries {
			out = append(out, decision{
				country: code, service: t.service, action: act, sent: s,
				date: date, dateStrength: dstrength, reason: reason, reasonRank: rrank,
				history:   history,
				partial:   partial && act == event.Restrict && (action == event.Block || action == actionCut),
				liftsPart: partial && act == event.Unblock,
				cstrength: cstrength, inClause: !t.coref && t.start >= l && t.end <= r, coref: t.coref,
				kind: c.cue.kind, cue: c.cue.text, via: viaCue, why: w, soft: soft,
			})
		}
		// "took several VPN apps off the App Store. Among them are
		// ProtonVPN, NordVPN and Le VPN": a measure on a class of
		// services reaches the members listed after it.
		if svc != nil && svc.IsClass() && act != event.Threaten && act != event.Unblock {
			a.measures = append(a.measures, measure{s: s, c: c, countries: countries, action: action, partial: partial, kind: svc.Kind, soft: soft,
				date: date, dateStrength: dstrength, reason: reason, reasonRank: rrank, cstrength: cstrength})
		}
	}
	return out
}

// indefinite reports words that put an action in an indefinite past
// (cues.yaml indefinite) after the cue in its clause, or just before it
// ("has in the past been restricted"), but not a period they begin ("in
// the past week" is a time).
func (x *Extractor) indefinite(toks []token, c cueMatch, l, r int) bool {
	from := c.start
	for from > max(l, c.start-8) && !strings.ContainsAny(toks[from-1].tag, ",:.") {
		from-- // "has in the past been restricted or temporarily banned"
	}
	for i := from; i <= r && i < len(toks); i++ {
		end := x.lex.indefinite.at(toks, i)
		if end < 0 {
			continue
		}
		if i < c.start && end > c.start {
			continue // the phrase runs into the cue
		}
		if end < len(toks) && x.lex.words.isTimeUnit(toks[end]) {
			continue
		}
		return true
	}
	return false
}

// softRejects are the rules whose doubts the keep model weighs instead of
// obeying: the decision is made anyway, marked soft, and becomes an event
// only if the model, which has seen how often such doubts are wrong on
// train, keeps it. Without a model, soft decisions are dropped.
var softRejects = map[string]bool{
	rejectBackground:      true,
	rejectHedged:          true,
	rejectCompany:         true,
	rejectNotByState:      true,
	rejectUnofficialOrder: true,
	rejectHypothetical:    true,
	rejectCompanySpeaks:   true,
	rejectOrderOfAction:   true,
	rejectStanding:        true,
}

// unreported names why a cue reports no action of a state, or is "" when
// it may: the tests are in the order the rules were written, each a kind
// of sentence that uses an action word for something else.
func (x *Extractor) unreported(cand candidate) string {
	s, c, l, r := cand.s, cand.c, cand.l, cand.r
	toks := s.toks
	action := c.cue.action
	switch {
	case x.negated(s, l, c):
		return rejectNegated
	case x.indefinite(toks, c, l, r):
		return rejectBackground // "has disrupted the internet before", "has in the past been banned"
	case action == event.Order && (x.orderOfAction(s, c, r) || x.lex.words.toCarriers(toks, c)):
		return rejectOrderOfAction // "ordered operators to deny access": the action is the event
	case action == event.Order && !x.isPassive(toks, c.start) && !x.officialSubject(s, l, c.start):
		return rejectUnofficialOrder // "hardline newspapers demanded that the app be filtered"
	case (action == actionCut || action == event.Block || action == event.Restrict) && x.notByState(s):
		return rejectNotByState // "waves of outages knocked the platform offline, blamed on a cyberattack"
	case x.hypotheticalGerund(s, c, r):
		return rejectHypothetical // "cutting the internet would damage the economy"
	case x.companySpeaks(s, c):
		return rejectCompanySpeaks // "we have blocked access to the apps," a Google spokesperson said
	case x.lex.words.standing(s, c):
		return rejectStanding // "Google is blocked in China": SCHEMA.md counts no measure without a time
	}
	return ""
}

// untargeted handles a cue that acts on no service the sentence names. A
// definite noun ("the blackout") or a lifting ("lifted the ban") refers
// to an action told elsewhere, resolved once the article is read; a
// state's measure on services it does not name ("decided to block the
// sites to prevent rumours", "blocked 26 platforms on 4 September") gives
// its reason and date to the state's events named elsewhere.
func (x *Extractor) untargeted(a *analysis, cand candidate, own bool) {
	s, c, l, r := cand.s, cand.c, cand.l, cand.r
	if (c.cue.kind == kindNoun && x.lex.words.definiteBefore(s.toks, c.start)) || (c.cue.action == event.Unblock && (liftsDefinite(s.toks, c) || !own) && !x.lex.words.returnOfOther(s.toks, c, l)) {
		a.pending = append(a.pending, reference{s, c, l, r, cand.reasonStart})
		return
	}
	if own {
		a.trace.reject(s, c, rejectOwnAccount)
	} else {
		a.trace.reject(s, c, rejectNoTarget)
	}
	// A threat's or a lifting's reason and date are not those of the
	// measures themselves.
	if c.cue.action == event.Threaten || c.cue.action == event.Unblock {
		return
	}
	// A list the clause marks as the members of what the cue acted on
	// ("has been fined for refusing ..., among them Twitter, TikTok and
	// Telegram") is the measure's, for continueLists to take.
	listAt := r
	for k := c.end; k < r; k++ {
		if x.lex.words.listMarkers[s.toks[k].lower] && s.toks[k].text != "-" {
			listAt = k
			break
		}
	}
	for _, m := range s.mentions {
		if m.isService() && m.start >= l && m.end <= listAt {
			return // it names services, none of them acted on ("his Telegram channel")
		}
	}
	countries, cstrength, _ := x.actors(a, s, c, l, r, cand.passive, cand.reasonStart, nil)
	reason, rank := x.reasonFor(s, c, cand.reasonStart)
	d, strength := x.dateFor(s, c, l, r, cand.reasonStart)
	if len(countries) > 0 && !own {
		_, partial := x.lex.partialIn(s.toks, l, r)
		a.measures = append(a.measures, measure{s: s, c: c, countries: countries, action: c.cue.action, partial: partial,
			date: d, dateStrength: strength, reason: reason, reasonRank: rank, cstrength: cstrength})
	}
	for _, code := range countries {
		if reason != "" && rank >= 2 {
			a.justifications = append(a.justifications, justification{country: code, text: reason, index: s.index})
		}
		if _, ok := a.generalDates[code]; !ok && strength == 2 && !d.zero() {
			a.generalDates[code] = d
		}
	}
}

// resolveAction maps a cue's action onto the vocabulary for a target: a
// network is shut down, not blocked; a partial block is a restriction.
func resolveAction(a event.Action, svc *event.Service, partial bool) event.Action {
	network := svc != nil && svc.IsNetwork()
	switch a {
	case actionCut:
		if network {
			return event.Shutdown
		}
		if partial {
			return event.Restrict
		}
		return event.Block
	case event.Block:
		if network {
			if partial {
				return event.Restrict
			}
			return event.Shutdown
		}
		if partial {
			return event.Restrict
		}
	case event.Shutdown:
		if !network {
			return event.Block
		}
	}
	return a
}
