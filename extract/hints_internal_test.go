package extract

import (
	"slices"
	"testing"
	"time"
)

// The month in a date is no modal: "may" is a hint of a hedge only
// outside the sentence's date expressions.
func TestHintWordsSkipDates(t *testing.T) {
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text    string
		wantMay bool
	}{
		{"Access to Facebook had been restricted since Tuesday, May 21, the regulator said.", false},
		{"Access to Facebook was restricted in May 2019.", false},
		{"The regulator may restrict access to Facebook next week.", true},
	}
	for _, tc := range tests {
		a := x.mentions(Document{Title: "Indonesia", Text: tc.text, Published: time.Date(2019, 5, 30, 0, 0, 0, 0, time.UTC)})
		var s *sentence
		for _, sent := range a.sents {
			if !sent.title {
				s = sent
				break
			}
		}
		if s == nil {
			t.Fatalf("%q: no sentence", tc.text)
		}
		hints := x.hintWords([]decision{{sent: s}})
		if got := slices.Contains(hints, "may"); got != tc.wantMay {
			t.Errorf("%q: hints %v; \"may\" among them %v, want %v", tc.text, hints, got, tc.wantMay)
		}
	}
}
