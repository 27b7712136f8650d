package extract_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/extract/learn"
)

func TestReasonModel(t *testing.T) {
	keys := "Russia blocked Telegram on Monday after the app refused to hand over its encryption keys."
	// "during" is a time as often as a cause: the rules never take the
	// clause after it, but offer it to the model.
	polls := "Benin blocked WhatsApp on Tuesday during the parliamentary elections."
	// A justification two sentences away from the action is offered
	// clause by clause.
	far := "Pakistan blocked TikTok on Friday. The decision was announced by the telecoms regulator. " +
		"The ministry said it acted because the app spread immoral content, a claim its owner denied."
	// Twitch and Spotify are hit as collateral damage: their reason is
	// the cause, whatever a model would prefer.
	collateral := "Russia blocked Telegram on Monday. The Telegram ban has also affected Twitch and Spotify, as millions of addresses were blocked."
	// An aside in brackets is left out of the clause it stands in; a
	// bracket that ends the sentence ends the reason.
	aside := "Morocco banned Skype on Friday on the grounds that services offering voice over IP (VoIP) held no licence."
	trailing := "Morocco banned Skype on Friday because the app held no licence (the regulator's words)."
	// "Over" before days is a time, not a cause.
	weekend := "Over Saturday and Sunday, Egypt blocked Daily News Egypt."
	rules := rules(t)
	tests := []struct {
		name    string
		text    string
		weights map[string]float64
		want    string
		rule    string // in the trace's reason rule
	}{
		{"no reason model: the rules choose", keys, nil, "the app refused to hand over its encryption keys", "stated with the action"},
		{"a model preferring none", keys, map[string]float64{"src=none": 5}, "", "chosen by model reason"},
		{"a model preferring the rules' pick", keys, map[string]float64{"rule_pick": 5}, "the app refused to hand over its encryption keys", "stated with the action"},
		{"an aside in brackets", aside, nil, "services offering voice over IP held no licence", "stated with the action"},
		{"brackets at the end", trailing, nil, "the app held no licence", "stated with the action"},
		{"over days", weekend, nil, "", "none stated"},
		{"no reason model: no clause after during", polls, nil, "", "none stated"},
		{"a model preferring clauses after during", polls, map[string]float64{"marker=during": 5}, "the parliamentary elections", `a clause after "during", sentence 0`},
		{"a model preferring a justifying sentence's clause", far, map[string]float64{"clause_in=justifying": 5, "src=clause": 1},
			"the app spread immoral content", `a clause after "because", sentence 2`},
		{"a collateral event keeps its cause", collateral, map[string]float64{"src=clause_extra": 5, "src=none": 4},
			"The Telegram ban", "the action that caused it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := rules
			if tc.weights != nil {
				x = rules.WithModels(&extract.Models{Reason: learn.Model{Weights: tc.weights, A: 1}})
			}
			doc := extract.Document{ID: "r", Published: day("2018-04-20"), Text: tc.text}
			evs, tr := x.Explain(doc)
			// The event of the first service named: the collateral case's
			// Twitch comes after Telegram's own block.
			i := 0
			if tc.text == collateral {
				i = slices.IndexFunc(evs, func(e event.Event) bool { return e.Service == "twitch" })
				if i < 0 {
					t.Fatalf("no Twitch event: %v", brief(evs))
				}
			} else if len(evs) != 1 {
				t.Fatalf("got %d events, want 1: %v", len(evs), brief(evs))
			}
			if evs[i].Reason != tc.want {
				t.Errorf("reason %q, want %q", evs[i].Reason, tc.want)
			}
			if !strings.Contains(tr.Events[i].ReasonRule, tc.rule) {
				t.Errorf("reason rule %q, want it to say %q", tr.Events[i].ReasonRule, tc.rule)
			}
		})
	}
}
