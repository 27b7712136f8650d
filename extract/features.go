// How an event was found and stated: what the learned models read besides
// its words.

package extract

import (
	"github.com/policywatch/policywatch/event"
)

// How a decision was reached.
type via uint8

const (
	viaCue        via = iota // an action cue with its own target
	viaReference             // "the ban", "the decision" referring back
	viaCollateral            // a service hit by another's block
	viaImplied               // a ban implied by its lifting
	viaList                  // a list of the services of a measure before it
)

// How directly the article states an event: features the models read
// (models.go) beside the event's words.
var featureNames = []string{
	"authority",      // an authority acts in the action's clause
	"named_state",    // the state is named where the action applies or as its subject
	"from_context",   // the state comes only from the rest of the article
	"in_clause",      // the service is named in the action's clause
	"verb",           // some sentence states it with a verb
	"headline_only",  // only the headline or standfirst states it
	"collateral",     // only as collateral damage of another action
	"reference_only", // only through "the ban", "the decision"
	"history_only",   // only as history ("a similar ban in 2018")
	"threaten",
	"order",
	"unblock",
	"evidence", // how many sentences state it: 0 for one, 1 for four or more
	"dated",    // a date is stated with the action
	"coref_only",
	"list_only", // only as a list of a measure's services
}

// features describes an event by its decisions.
func features(g []decision, a event.Action) []float64 {
	f := make([]float64, len(featureNames))
	set := func(name string, v bool) {
		if v {
			f[featureIndex[name]] = 1
		}
	}
	best := 0
	inClause, verb, headline, collateral, reference, history, dated, coref, list := false, false, true, true, true, true, false, true, true
	for _, c := range g {
		best = max(best, c.cstrength)
		inClause = inClause || c.inClause
		verb = verb || c.kind == kindVerb && c.via == viaCue
		headline = headline && (c.sent.title || c.sent.lead)
		collateral = collateral && c.via == viaCollateral
		reference = reference && (c.via == viaReference || c.via == viaImplied)
		history = history && c.history
		dated = dated || c.dateStrength == 2
		coref = coref && c.coref
		list = list && c.via == viaList
	}
	set("authority", best == 4)
	set("named_state", best == 3)
	set("from_context", best <= 1)
	set("in_clause", inClause)
	set("verb", verb)
	set("headline_only", headline)
	set("collateral", collateral)
	set("reference_only", reference)
	set("history_only", history)
	set("threaten", a == event.Threaten)
	set("order", a == event.Order)
	set("unblock", a == event.Unblock)
	f[featureIndex["evidence"]] = float64(min(len(g), 4)-1) / 3
	set("dated", dated)
	set("coref_only", coref)
	set("list_only", list)
	return f
}

var featureIndex = func() map[string]int {
	m := make(map[string]int, len(featureNames))
	for i, n := range featureNames {
		m[n] = i
	}
	return m
}()
