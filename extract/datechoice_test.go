package extract_test

import (
	"strings"
	"testing"

	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/extract/learn"
)

func TestDateModel(t *testing.T) {
	// Published on a Friday: the rules date the block Monday 16 April;
	// the next sentence and the publication give the model two other
	// dates to choose.
	doc := extract.Document{ID: "d", Published: day("2018-04-20"),
		Text: "Russia blocked Telegram on Monday. A Moscow court had ordered it on 13 April."}
	rules := rules(t)
	tests := []struct {
		name    string
		weights map[string]float64
		want    string
		rule    string // in the trace's date rule
	}{
		{"no date model: the rules choose", nil, "2018-04-16", `"on Monday"`},
		{"a model preferring the rules' date", map[string]float64{"rule_pick": 5}, "2018-04-16", `"on Monday"`},
		{"a model preferring the publication date", map[string]float64{"src=published": 5}, "2018-04-20", "chosen by model date"},
		{"a model preferring the next sentence's date", map[string]float64{"dist=1": 5}, "2018-04-13", `"13 April", sentence 1, chosen by model date`},
		{"a model preferring the earliest date", map[string]float64{"earliest": 5}, "2018-04-13", "chosen by model date"},
	}
	// The latest date the article states, not the publication date that
	// is offered after them.
	later := extract.Document{ID: "l", Published: day("2018-04-20"),
		Text: "Russia blocked Telegram on 13 April. Users in Moscow were still complaining about it on Monday."}
	tests = append(tests, struct {
		name    string
		weights map[string]float64
		want    string
		rule    string
	}{"a model preferring the latest date stated", map[string]float64{"latest": 5}, "2018-04-16", `"on Monday", sentence 1, chosen by model date`})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := rules
			if tc.weights != nil {
				x = rules.WithModels(&extract.Models{Date: learn.Model{Weights: tc.weights, A: 1}})
			}
			doc := doc
			if tc.weights["latest"] != 0 {
				doc = later
			}
			evs, tr := x.Explain(doc)
			var got, rule string
			for i, e := range evs {
				if e.Service == "telegram" && e.Action == "block" {
					got, rule = e.Date, tr.Events[i].DateRule
				}
			}
			if got != tc.want {
				t.Errorf("date %q, want %q (events %v)", got, tc.want, brief(evs))
			}
			if !strings.Contains(rule, tc.rule) {
				t.Errorf("date rule %q, want it to say %q", rule, tc.rule)
			}
		})
	}
}
