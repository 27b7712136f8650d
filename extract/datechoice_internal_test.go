package extract

import "testing"

func TestDateOptionHelpers(t *testing.T) {
	pub := date{2018, 4, 20}
	tests := []struct {
		d             date
		since, vsRule string // against pub, and against the rules' 2018-04-16
	}{
		{date{2018, 4, 20}, "same_day", "later"},
		{date{2018, 4, 16}, "week", "same"},
		{date{2018, 4, 0}, "months", "coarser"},
		{date{2018, 0, 0}, "year", "coarser"},
		{date{2018, 3, 1}, "months", "earlier"},
		{date{2017, 1, 1}, "older", "earlier"},
		{date{2018, 5, 1}, "future", "later"},
	}
	for _, tc := range tests {
		if got := sincePublished(tc.d, pub); got != tc.since {
			t.Errorf("sincePublished(%s) = %s, want %s", tc.d, got, tc.since)
		}
		if got := versus(tc.d, date{2018, 4, 16}); got != tc.vsRule {
			t.Errorf("versus(%s, 2018-04-16) = %s, want %s", tc.d, got, tc.vsRule)
		}
	}
	if got := versus(date{2018, 4, 16}, date{2018, 4, 0}); got != "finer" {
		t.Errorf("versus(2018-04-16, 2018-04) = %s, want finer", got)
	}
}
