// Alternatives: the other actions a cue's events may be, for the keep
// model to judge.

package extract

import (
	"strings"

	"github.com/policywatch/policywatch/event"
)

// alternatives adds, after each group of decisions whose action has
// alternatives (data/cues.yaml), a group of the same decisions for each
// alternative action the rules did not propose themselves, and returns
// the group each stands for. The cue word names an action, but what
// happened decides it (docs/SCHEMA.md): "restricted" is a block when the
// service became unreachable. The keep model reads each with its own
// action and the hint words of its sentences, so on train it learns when
// a cue's word is the right action and when another one is; they are
// judged one by one, like any event, since an article may report both
// readings at different times. Without a keep model none is proposed
// (but to train one): nothing would choose.
func (x *Extractor) alternatives(a *analysis, groups map[triple][]decision, order *[]triple) map[triple]triple {
	if (x.models == nil || x.models.Keep.Weights == nil) && a.collect == nil {
		return nil
	}
	alts := make(map[triple]triple)
	// A group a rule deleted (a block folded into its restriction) stays
	// in order, deleted: its alternative must not bring it back.
	ordered := make(map[triple]bool, len(*order))
	for _, k := range *order {
		ordered[k] = true
	}
	var out []triple
	for _, k := range *order {
		out = append(out, k)
		g, ok := groups[k]
		if !ok {
			continue
		}
		for _, act := range x.lex.alternatives[k.action] {
			k2 := triple{k.country, k.service, act}
			if ordered[k2] || act == event.Block && fromAppStore(g) {
				continue
			}
			ordered[k2] = true
			groups[k2] = g
			alts[k2] = k
			out = append(out, k2)
		}
	}
	*order = out
	return alts
}

// fromAppStore reports decisions all made by cues that take an app out of
// a store ("pulled WhatsApp from its app store"): SCHEMA.md makes that a
// restriction whatever else happened, so it has no block to stand for.
func fromAppStore(g []decision) bool {
	for _, d := range g {
		if !takesOutOfStore(d.cue) {
			return false
		}
	}
	return len(g) > 0
}

// takesOutOfStore reports a cue pattern that takes an app out of a store
// ("remove|removes|removed|removing * from * store|stores").
func takesOutOfStore(pattern string) bool { return strings.Contains(pattern, "store") }

// actionFeatures names what the keep model reads of an event's action
// besides its cue: whether it is an alternative, and of what, and the
// hint words of its sentences (hintWords) paired with its action.
func actionFeatures(k triple, hints []string, alts map[triple]triple) []string {
	var out []string
	if from, ok := alts[k]; ok {
		out = append(out, "alt", "alt="+string(from.action)+">"+string(k.action))
	}
	for _, w := range hints {
		out = append(out, "hint="+w+"|"+string(k.action))
	}
	return out
}

// inDate reports whether t is part of one of s's date expressions: the
// month in "Tuesday, May 21" is no modal "may".
func inDate(s *sentence, t token) bool {
	for _, d := range s.dates {
		if t.start >= d.start && t.end <= d.end {
			return true
		}
	}
	return false
}

// hintWords returns the action hint words of the sentences of g, each
// once, in the order they first stand. A group and its alternatives share
// their decisions, so merge reads them once for all.
func (x *Extractor) hintWords(g []decision) []string {
	var out []string
	var seenSent *sentence
	seen := make(map[string]bool)
	for _, d := range g {
		if d.sent == seenSent {
			continue // a sentence's decisions mostly stand together; a later repeat adds no word
		}
		seenSent = d.sent
		for _, t := range d.sent.toks {
			if x.lex.words.actionHints[t.lower] && !seen[t.lower] && !inDate(d.sent, t) {
				seen[t.lower] = true
				out = append(out, t.lower)
			}
		}
	}
	return out
}
