package store

import (
	"strings"
	"testing"
)

func TestParseDateBound(t *testing.T) {
	tests := []struct {
		in      string
		end     bool
		want    string
		wantErr bool
	}{
		{"", false, "", false},
		{"", true, "", false},
		{"2018", false, "2018-01-01", false},
		{"2018", true, "2018-12-31", false},
		{"2018-04", false, "2018-04-01", false},
		{"2018-04", true, "2018-04-30", false},
		{"2016-02", true, "2016-02-29", false},
		{"2018-02", true, "2018-02-28", false},
		{"2018-12", true, "2018-12-31", false},
		{"2018-04-16", false, "2018-04-16", false},
		{"2018-04-16", true, "2018-04-16", false},
		{" 2018-04 ", false, "2018-04-01", false},
		{"18", false, "", true},
		{"2018-4", false, "", true},
		{"2018-13", true, "", true},
		{"2018-02-30", false, "", true},
		{"2018/04/16", false, "", true},
		{"April 2018", false, "", true},
		{"2018-04-16T10:00:00Z", false, "", true},
	}
	for _, tt := range tests {
		got, err := ParseDateBound(tt.in, tt.end)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseDateBound(%q, %v) = %q, want an error", tt.in, tt.end, got)
			} else if !strings.Contains(err.Error(), tt.in) {
				t.Errorf("ParseDateBound(%q) error %q does not name the value", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDateBound(%q, %v) = %q, %v; want %q", tt.in, tt.end, got, err, tt.want)
		}
	}
}

func TestPadDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2018", "2018-01-01"},
		{"2018-04", "2018-04-01"},
		{"2018-04-16", "2018-04-16"},
	}
	for _, tt := range tests {
		if got, err := padDate(tt.in); err != nil || got != tt.want {
			t.Errorf("padDate(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "2018-", "20180416", "2018-04-31"} {
		if got, err := padDate(bad); err == nil {
			t.Errorf("padDate(%q) = %q, want an error", bad, got)
		}
	}
}
