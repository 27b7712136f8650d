package extract

import "testing"

func TestDateOptionHelpers(t *testing.T) {
	pub := date{2018, 4, 20}
	tests := []struct {
		d            date
		since, vsPub string // against pub, and against the rules' 2018-04-16
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
		if got := versus(tc.d, date{2018, 4, 16}); got != tc.vsPub {
			t.Errorf("versus(%s, 2018-04-16) = %s, want %s", tc.d, got, tc.vsPub)
		}
		back, err := parseDate(tc.d.String())
		if err != nil || back != tc.d {
			t.Errorf("parseDate(%q) = %v, %v", tc.d, back, err)
		}
	}
	if got := versus(date{2018, 4, 16}, date{2018, 4, 0}); got != "finer" {
		t.Errorf("versus(2018-04-16, 2018-04) = %s, want finer", got)
	}
	for _, bad := range []string{"", "18", "2018-4", "2018-04-1x", "abcd"} {
		if _, err := parseDate(bad); err == nil {
			t.Errorf("parseDate(%q): no error", bad)
		}
	}
}
