package web

import (
	"strings"
	"testing"

	"github.com/policywatch/policywatch/store"
)

func TestSummaryDatePreposition(t *testing.T) {
	tests := []struct {
		date, want string
	}{
		{"2018-04-16", "Russia blocks Telegram on 2018-04-16."},
		{"2018-04", "Russia blocks Telegram in 2018-04."},
		{"2017", "Russia blocks Telegram in 2017."},
	}
	for _, tt := range tests {
		v := storyView{Story: store.Story{Date: tt.date, First: tt.date, Last: tt.date}, Headline: "Russia blocks Telegram"}
		if got := summary(v); !strings.HasPrefix(got, tt.want) {
			t.Errorf("summary with date %s = %q, want it to start %q", tt.date, got, tt.want)
		}
	}
}
