package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A --feed that no stored event came from is a usage error naming the
// feeds that events did come from, in every command that filters.
func TestUnknownFeed(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "policywatch.db")
	fillDB(t, db, "events.jsonl")
	for _, cmd := range [][]string{
		{"query"}, {"query", "--stories"}, {"export"}, {"stats"},
	} {
		for _, tc := range []struct {
			feed string
			want []string
		}{
			{"Steppe Dispach", []string{`--feed "Steppe Dispach": no stored event came from that feed; the feeds with events are `, `"Steppe Dispatch"`}},
			{"steppe dispatch", []string{`did you mean "Steppe Dispatch"?`}},
		} {
			args := append(slices.Clone(cmd), "--db", db, "--feed", tc.feed)
			r := policywatch(t, nil, args...)
			if r.code != exitUsage || r.stdout != "" {
				t.Errorf("%s: exit %d, stdout %q; want 2 and nothing", strings.Join(args, " "), r.code, r.stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("%s: stderr %q lacks %q", strings.Join(args, " "), r.stderr, w)
				}
			}
		}
		// A known feed still works.
		must(t, append(slices.Clone(cmd), "--db", db, "--feed", "Steppe Dispatch")...)
	}
}
