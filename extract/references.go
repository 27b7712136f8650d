// References: nouns that refer back to an action ("the ban", "the
// decision").

package extract

import (
	"fmt"
	"strings"

	"github.com/policywatch/policywatch/event"
)

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
func (x *Extractor) resolveReferences(a *analysis, decided []decision) []decision {
	var out []decision
	for _, ref := range a.pending {
		c := ref.c
		fits := func(p event.Action) bool {
			switch c.cue.action {
			case "": // "the decision": whatever the state did
				return p != event.Threaten
			case actionCut:
				return p == event.Shutdown || p == event.Block
			case event.Block:
				return p == event.Block || p == event.Shutdown
			case event.Unblock:
				return p == event.Block || p == event.Shutdown || p == event.Restrict || p == event.Throttle
			}
			return p == c.cue.action
		}
		var target *decision
		for i := range decided {
			p := &decided[i]
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
		if target == nil && (c.cue.action == actionCut || c.cue.action == event.Block) {
			out = append(out, x.impliedBans(a, ref, decided)...)
			continue
		}
		if target == nil {
			a.trace.reject(ref.s, c, rejectNoAntecedent)
			continue
		}
		date, strength := x.dateFor(ref.s, c, ref.l, ref.r, ref.reasonStart)
		reason, rank := x.reasonFor(ref.s, c, ref.reasonStart)
		if c.cue.action == "" {
			strength = min(strength, 1) // a date the action's own words give wins
			reason, rank = "", 0
		}
		action := target.action
		targets := []*decision{target}
		if c.cue.action == event.Unblock {
			action = event.Unblock
			// A lifting ends the whole measure: "blocked Facebook and
			// Messenger ... restoring access" restores both.
			targets = sameMeasure(decided, target)
		}
		// "Some of the network came back, but Facebook and WhatsApp
		// remained blocked": a lifting does not lift what its own
		// sentence goes on to say is still blocked.
		still := c.cue.action == event.Unblock && x.lex.words.stillAfter(ref.s, c)
		for _, t := range targets {
			if still && blockedIn(decided, ref.s, t.service) {
				continue
			}
			var w *why
			if a.trace != nil {
				w = &why{cue: cueText(ref.s, c), targets: "targets: those of the action referred to, sentence " + fmt.Sprint(t.sent.index),
					actors: "country: that of the action referred to", action: fmt.Sprintf("action: reference %q to %s", cueText(ref.s, c), triple{t.country, t.service, t.action})}
				if c.cue.action == event.Unblock {
					w.action = fmt.Sprintf("action: cue %q lifts %s", cueText(ref.s, c), triple{t.country, t.service, t.action})
				}
			}
			out = append(out, decision{
				country: t.country, service: t.service, action: action, sent: ref.s, why: w,
				date: date, dateStrength: strength, reason: reason, reasonRank: rank,
				cstrength: t.cstrength, kind: c.cue.kind, via: viaReference, coref: true,
			})
		}
	}
	return out
}

// sameMeasure returns target and the other decisions of its sentence with
// its country and action, one per service: the services one measure hit.
func sameMeasure(decided []decision, target *decision) []*decision {
	out := []*decision{target}
	seen := map[string]bool{target.service: true}
	for i := range decided {
		p := &decided[i]
		if p.sent == target.sent && p.country == target.country && p.action == target.action && p.cause == nil && !seen[p.service] {
			seen[p.service] = true
			out = append(out, p)
		}
	}
	return out
}

// impliedBans turns "announced the suspension on June 4 last year" in a
// story about a lifted ban into the ban the lift ends, for every service
// it lifted.
func (x *Extractor) impliedBans(a *analysis, ref reference, decided []decision) []decision {
	var out []decision
	seen := make(map[string]bool)
	date, strength := x.dateFor(ref.s, ref.c, ref.l, ref.r, ref.reasonStart)
	reason, rank := x.reasonFor(ref.s, ref.c, ref.reasonStart)
	for _, u := range decided {
		if u.action != event.Unblock || u.cause != nil || seen[u.country+u.service] {
			continue
		}
		seen[u.country+u.service] = true
		var w *why
		if a.trace != nil {
			w = &why{cue: cueText(ref.s, ref.c), targets: "targets: those of the lifting, sentence " + fmt.Sprint(u.sent.index),
				actors: "country: that of the lifting", action: fmt.Sprintf("action: %q, the ban lifted by %s", cueText(ref.s, ref.c), triple{u.country, u.service, u.action})}
		}
		out = append(out, decision{
			country: u.country, service: u.service, sent: ref.s, why: w,
			action: resolveAction(ref.c.cue.action, x.gaz.Service(u.service), false),
			date:   date, dateStrength: strength, reason: reason, reasonRank: rank,
			cstrength: u.cstrength, kind: ref.c.cue.kind, via: viaImplied, coref: true,
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

// stillAfter reports "remained", "stayed" or "still" after the cue c.
func (w *words) stillAfter(s *sentence, c cueMatch) bool {
	for _, t := range s.toks[c.end:] {
		if w.stillWords[t.lower] {
			return true
		}
	}
	return false
}

// blockedIn reports whether a decision of sentence s, other than a
// lifting, acts on the service slug.
func blockedIn(decided []decision, s *sentence, slug string) bool {
	for _, d := range decided {
		if d.sent == s && d.service == slug && d.action != event.Unblock {
			return true
		}
	}
	return false
}
