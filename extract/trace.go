// The trace: why Explain found what it found.

package extract

import (
	"fmt"
	"strings"

	"github.com/policywatch/policywatch/event"
)

// Trace records why an article gave the events it gave: for each event
// the rules that decided its fields, and for each cue or decision that
// gave no event, why not. Explain builds one; Extract does not, and pays
// nothing for it.
type Trace struct {
	Events   []EventTrace
	Rejected []Rejection
}

// EventTrace is one event's provenance. Each rule field names the rule,
// cue or model that decided the event's field of the same name; where
// several sentences report the event, its country, service and action are
// told as the first of them found them.
type EventTrace struct {
	Country  string
	Service  string
	Action   event.Action
	Evidence []string

	CountryRule    string
	ServiceRule    string
	ActionRule     string
	DateRule       string
	ReasonRule     string
	ConfidenceRule string
}

// Rejection is a cue that gave no event, or a decision that merging
// dropped or folded into another.
type Rejection struct {
	Sentence string
	Cue      string // the cue's words as written
	Reason   string // one of the reject... names below
	// Detail adds what the reason alone does not say, if anything: the
	// event a duplicate was merged into.
	Detail string
}

// Why a cue or a decision gave no event of its own. Tests and readers of
// traces match on these, so they are stable.
const (
	rejectFalseCue        = "not a cue here"       // "a fine idea", "in order to"
	rejectQuestion        = "question"             // "Will Iran block Telegram?"
	rejectInReason        = "in a stated reason"   // "blocked it for disrupting harmony"
	rejectNegated         = "negated"              // "did not block"
	rejectBackground      = "background"           // "has disrupted the internet before"
	rejectOrderOfAction   = "order of an action"   // the ordered action is the event
	rejectUnofficialOrder = "order by no official" // "newspapers demanded"
	rejectNotByState      = "not by a state"       // outages, attacks
	rejectHypothetical    = "hypothetical"         // "cutting the internet would ..."
	rejectCompanySpeaks   = "company speaks"       // "we have blocked ...," a Google spokesperson said
	rejectStanding        = "standing measure"     // "Google is blocked in China": no time at all
	rejectHedged          = "hedged"               // proposals, talk, a promise to lift a ban
	rejectNoTarget        = "no service"           // acts on nothing the gazetteer knows
	rejectOwnAccount      = "own account"          // "shut down his Telegram channel"
	rejectCompany         = "company actor"        // "Meta blocked news in Canada"
	rejectNoState         = "no state"             // nobody to act
	rejectBarredConduct   = "conduct barred"       // "barred officials from travelling"
	rejectNoAntecedent    = "refers to nothing"    // "the ban" with no ban reported
	rejectSummaryConflict = "headline overruled"   // the body says restrict, the title block
	rejectFoldedPartial   = "narrowed elsewhere"   // a block the article narrows to a restriction
	rejectDuplicate       = "duplicate merged"     // one event per country, service and action
	rejectUnlikely        = "model: not an event"  // the keep model's probability is below its threshold
)

// why is how a decision was made, kept only when tracing.
type why struct {
	cue     string
	action  string
	targets string
	actors  string
}

// reject records why cue c of sentence s gave no event; t may be nil.
func (t *Trace) reject(s *sentence, c cueMatch, reason string) {
	if t == nil {
		return
	}
	t.Rejected = append(t.Rejected, Rejection{Sentence: strings.TrimSpace(s.orig), Cue: cueText(s, c), Reason: reason})
}

// drop records a decision that merging dropped or folded.
func (t *Trace) drop(c decision, reason, detail string) {
	if t == nil {
		return
	}
	cue := ""
	if c.why != nil {
		cue = c.why.cue
	}
	t.Rejected = append(t.Rejected, Rejection{Sentence: strings.TrimSpace(c.sent.orig), Cue: cue, Reason: reason, Detail: detail})
}

// cueText is a cue's words as the sentence gives them.
func cueText(s *sentence, c cueMatch) string {
	if c.start >= c.end || c.end > len(s.toks) {
		return ""
	}
	return s.text[s.toks[c.start].start:s.toks[c.end-1].end]
}

// actionRule tells how a cue's action became a decision's.
func actionRule(s *sentence, c cueMatch, act event.Action, svc *event.Service, partial, threat bool) string {
	base := string(c.cue.action)
	if c.cue.action == actionCut {
		base = "cut"
	}
	r := fmt.Sprintf("action: cue %q (%s %s)", cueText(s, c), base, c.cue.kind)
	switch {
	case threat:
		r += ", hedged by an official: threaten"
	case act != c.cue.action && svc != nil && svc.IsNetwork():
		r += ", on a network: " + string(act)
	case act != c.cue.action && partial:
		r += ", partial: " + string(act)
	case act != c.cue.action:
		r += ": " + string(act)
	}
	return r
}

func (k triple) String() string { return k.country + "/" + k.service + "/" + string(k.action) }

// dateText quotes the expression of s that gave d.
func dateText(s *sentence, d date) string {
	for _, e := range s.dates {
		if e.value == d {
			return s.text[e.start:e.end]
		}
	}
	return d.String()
}

// decisionDateRule tells where the date of decision c came from.
func decisionDateRule(c decision) string {
	switch c.dateStrength {
	case 2:
		return fmt.Sprintf("date: nearest date expression %q in the cue's clause, sentence %d", dateText(c.sent, c.date), c.sent.index)
	case 1:
		return fmt.Sprintf("date: date expression %q elsewhere in the cue's sentence %d", dateText(c.sent, c.date), c.sent.index)
	}
	return fmt.Sprintf("date: %q in sentence %d", dateText(c.sent, c.date), c.sent.index)
}

// String lays the trace out for a reader, one line per field.
func (t *Trace) String() string {
	var b strings.Builder
	for _, e := range t.Events {
		fmt.Fprintf(&b, "event %s %s %s\n", e.Country, e.Service, e.Action)
		for _, s := range e.Evidence {
			fmt.Fprintf(&b, "\tevidence: %s\n", s)
		}
		for _, r := range []string{e.CountryRule, e.ServiceRule, e.ActionRule, e.DateRule, e.ReasonRule, e.ConfidenceRule} {
			fmt.Fprintf(&b, "\t%s\n", r)
		}
	}
	for _, r := range t.Rejected {
		fmt.Fprintf(&b, "rejected %q (%s): %s", r.Cue, r.Reason, r.Sentence)
		if r.Detail != "" {
			fmt.Fprintf(&b, " [%s]", r.Detail)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
