package extract_test

import (
	"strings"
	"testing"

	"github.com/policywatch/policywatch/extract"
)

// "over" after a measure's own participle gives its cause; after a verb
// of means ("calls made over ...") it gives none.
func TestReasonOver(t *testing.T) {
	x := rules(t)
	tests := []struct {
		text, want string
	}{
		{"Threema was banned over security concerns in India on Monday.", "security concerns"},
		{"India banned Threema over security concerns on Monday.", "security concerns"},
		{"Turkey blocked Wikipedia over articles portraying it as a sponsor of terrorism.", "articles portraying it as a sponsor of terrorism"},
		{"Morocco blocked Skype calls made over mobile networks on Friday.", ""},
		{"Kazakhstan has blocked Facebook intermittently over recent months.", ""},
	}
	for _, tc := range tests {
		evs := x.Extract(extract.Document{Title: "x", Text: tc.text, Published: day("2024-02-15")})
		if len(evs) == 0 {
			t.Errorf("%q: no event", tc.text)
			continue
		}
		got := evs[0].Reason
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%q: reason %q, want %q", tc.text, got, tc.want)
		}
	}
}
