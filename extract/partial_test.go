package extract_test

import (
	"slices"
	"testing"
	"time"

	"github.com/policywatch/policywatch/extract"
)

// "calls for" is a demand, not the calls a measure hits: the rules read
// the ban it asks for as a block (which the keep model then doubts), not
// as a restriction of calls.
func TestCallsForIsNoPartial(t *testing.T) {
	x := extractor(t)
	doc := extract.Document{Title: "x", Text: "A petition calls for TikTok to be banned in Kenya.", Published: time.Date(2023, 8, 16, 0, 0, 0, 0, time.UTC)}
	var got []string
	for _, c := range x.Candidates(doc) {
		if c.Event.Service != "tiktok" || slices.Contains(c.Features, "alt") {
			continue // another reading of the rules' action, for the model
		}
		got = append(got, string(c.Event.Action))
	}
	if !slices.Equal(got, []string{"block"}) {
		t.Errorf("the rules read %v, want [block]", got)
	}
}
