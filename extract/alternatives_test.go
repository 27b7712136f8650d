package extract_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/extract/learn"
)

func TestAlternativeActions(t *testing.T) {
	doc := extract.Document{ID: "alt", Published: day("2018-04-20"),
		Text: "Iran blocked Telegram on Monday, officials said."}
	rules := rules(t)

	var alts []string
	for _, c := range rules.Candidates(doc) {
		if c.Event.Country == "IR" && c.Event.Service == "telegram" {
			alts = append(alts, string(c.Event.Action))
			if c.Event.Action == "restrict" && !slices.Contains(c.Features, "alt=block>restrict") {
				t.Errorf("the restrict candidate's features %v lack alt=block>restrict", c.Features)
			}
		}
	}
	slices.Sort(alts)
	if want := []string{"block", "order", "restrict", "threaten", "unblock"}; !slices.Equal(alts, want) {
		t.Errorf("candidates for IR telegram: %v, want %v: the cue's action and its alternatives in cues.yaml", alts, want)
	}

	// keep is a keep model of the given bias, threshold and weights.
	keep := func(bias, threshold float64, weights map[string]float64) *extract.Models {
		return &extract.Models{Keep: extract.KeepModel{Model: learn.Model{Bias: bias, Weights: weights, A: 1}, Threshold: threshold}}
	}
	tests := []struct {
		name    string
		models  *extract.Models // nil: the rules alone
		want    []string        // actions extracted for IR telegram
		rule    string          // in the trace's action rule of the first
		dropped string          // a rejection the trace must hold, if any
	}{
		{"the rules alone propose no alternative", nil, []string{"block"}, "", ""},
		{"a model against alternatives", keep(5, 0.5, map[string]float64{"alt": -10}), []string{"block"}, "", ""},
		{"a model reading blocked as restrict", keep(5, 0.5, map[string]float64{"alt": -10, "alt=block>restrict": 20, "action=block": -10}), []string{"restrict"}, "another reading of the decisions that give block", ""},
		// With a bias of 0, P is sigmoid of the weights: block 0.31,
		// restrict 0.60. Each reading is judged alone, so both stay.
		{"two readings over the threshold both stay", keep(0, 0.2, map[string]float64{"alt": -10, "alt=block>restrict": 10.4, "action=block": -0.8}), []string{"block", "restrict"}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := rules
			if tc.models != nil {
				x = rules.WithModels(tc.models)
			}
			evs, tr := x.Explain(doc)
			var got []string
			for _, ev := range evs {
				got = append(got, string(ev.Action))
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("actions %v, want %v: %v", got, tc.want, brief(evs))
			}
			if tc.rule != "" && !strings.Contains(tr.Events[0].ActionRule, tc.rule) {
				t.Errorf("action rule %q, want it to say %q", tr.Events[0].ActionRule, tc.rule)
			}
			if tc.dropped != "" && !slices.ContainsFunc(tr.Rejected, func(r extract.Rejection) bool { return r.Reason == tc.dropped }) {
				t.Errorf("no rejection %q in the trace: %+v", tc.dropped, tr.Rejected)
			}
		})
	}
}

// An app taken out of a store at a state's demand is a restriction
// (SCHEMA.md): its candidates have no block among the alternatives.
func TestAppStoreHasNoBlockAlternative(t *testing.T) {
	doc := extract.Document{ID: "store", Published: day("2024-04-20"),
		Text: "Apple pulled WhatsApp from its China app store on Friday on the orders of the Cyberspace Administration."}
	var acts []string
	for _, c := range rules(t).Candidates(doc) {
		if c.Event.Service == "whatsapp" {
			acts = append(acts, string(c.Event.Action))
		}
	}
	slices.Sort(acts)
	if want := []string{"restrict", "shutdown", "throttle", "unblock"}; !slices.Equal(acts, want) {
		t.Errorf("candidates for whatsapp: %v, want %v", acts, want)
	}
}
