package extract_test

import (
	"slices"
	"testing"
	"time"

	"github.com/policywatch/policywatch/extract"
)

// The keep model reads where an event's date came from: a block the
// article gives no time of its own is often a long-standing one, which
// SCHEMA.md does not count.
func TestDateFromFeature(t *testing.T) {
	x := extractor(t)
	pub := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, title, text, want string
	}{
		{"a date in the clause", "Pakistan blocks X",
			"Pakistan blocked X on February 17, the interior ministry said.", "datefrom=decision|block"},
		{"no time at all", "Pakistan and X",
			"Pakistan has blocked X. Millions of people still reach it through VPNs.", "datefrom=published|block"},
	}
	for _, tc := range tests {
		var fs []string
		for _, c := range x.Candidates(extract.Document{Title: tc.title, Text: tc.text, Published: pub}) {
			if c.Event.Country == "PK" && c.Event.Service == "twitter" && c.Event.Action == "block" {
				fs = c.Features
			}
		}
		if fs == nil {
			t.Errorf("%s: no PK/twitter/block candidate", tc.name)
			continue
		}
		if !slices.Contains(fs, tc.want) {
			t.Errorf("%s: features %v, want %s among them", tc.name, fs, tc.want)
		}
	}
}
