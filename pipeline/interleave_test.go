package pipeline

import (
	"slices"
	"strings"
	"testing"
)

func TestInterleave(t *testing.T) {
	// Each element is "key/n"; the key is before the slash.
	key := func(s string) string { return s[:strings.IndexByte(s, '/')] }
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"empty", nil, []string{}},
		{"one key keeps its order", []string{"a/1", "a/2", "a/3"}, []string{"a/1", "a/2", "a/3"}},
		{"round robin in first-seen order",
			[]string{"a/1", "a/2", "a/3", "b/1", "b/2", "c/1"},
			[]string{"a/1", "b/1", "c/1", "a/2", "b/2", "a/3"}},
		{"already mixed",
			[]string{"b/1", "a/1", "b/2", "a/2"},
			[]string{"b/1", "a/1", "b/2", "a/2"}},
		{"a late key joins the rounds",
			[]string{"a/1", "a/2", "a/3", "a/4", "b/1"},
			[]string{"a/1", "b/1", "a/2", "a/3", "a/4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := interleave(slices.Clone(tt.in), key)
			if !slices.Equal(got, tt.want) {
				t.Errorf("interleave(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHost(t *testing.T) {
	for link, want := range map[string]string{
		"https://News.Example.com/a/b?c=d": "news.example.com",
		"http://127.0.0.1:8080/x":          "127.0.0.1:8080",
		"":                                 "",
		"://bad":                           "",
	} {
		if got := host(link); got != want {
			t.Errorf("host(%q) = %q, want %q", link, got, want)
		}
	}
}
