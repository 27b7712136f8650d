package extract_test

import (
	"strings"
	"testing"

	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/extract/learn"
)

func TestReasonModel(t *testing.T) {
	doc := extract.Document{ID: "r", Published: day("2018-04-20"),
		Text: "Russia blocked Telegram on Monday after the app refused to hand over its encryption keys."}
	rules := rules(t)
	tests := []struct {
		name    string
		weights map[string]float64
		want    string
		rule    string // in the trace's reason rule
	}{
		{"no reason model: the rules choose", nil, "the app refused to hand over its encryption keys", "stated with the action"},
		{"a model preferring none", map[string]float64{"src=none": 5}, "", "chosen by model reason"},
		{"a model preferring the rules' pick", map[string]float64{"rule_pick": 5}, "the app refused to hand over its encryption keys", "stated with the action"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := rules
			if tc.weights != nil {
				x = rules.WithModels(&extract.Models{Reason: learn.Model{Weights: tc.weights, A: 1}})
			}
			evs, tr := x.Explain(doc)
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1: %v", len(evs), brief(evs))
			}
			if evs[0].Reason != tc.want {
				t.Errorf("reason %q, want %q", evs[0].Reason, tc.want)
			}
			if !strings.Contains(tr.Events[0].ReasonRule, tc.rule) {
				t.Errorf("reason rule %q, want it to say %q", tr.Events[0].ReasonRule, tc.rule)
			}
		})
	}
}
