package main

import (
	"strings"
	"testing"

	"github.com/policywatch/policywatch/store/pgstore"
)

// TestReextractPostgres gives a bbolt file and a PostgreSQL database the
// same weak store, reextracts both the same ways, and wants the same
// summaries and then the same events and stories from either.
func TestReextractPostgres(t *testing.T) {
	b, articles, _ := weakBatch(t)
	file := t.TempDir() + "/weak.db"
	weakStore(t, file)
	pgURL := postgresURL(t)
	pdb, err := pgstore.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pdb.Save(b); err != nil {
		t.Fatal(err)
	}
	pdb.Close()

	total := 0
	for _, args := range [][]string{
		{"--feed", "Post", "--since", "2020"},
		{"--country", "North Korea"},
		{"--batch", "4"},
		{}, // nothing left
		{"--all"},
	} {
		name := strings.Join(args, " ")
		fromFile := decodeReextract(t, must(t, append([]string{"reextract", "--db", file, "--json"}, args...)...))
		fromPG := decodeReextract(t, must(t, append([]string{"reextract", "--db", pgURL, "--json"}, args...)...))
		fromFile.Duration, fromPG.Duration = 0, 0
		if fromPG != fromFile {
			t.Errorf("reextract %s: PostgreSQL %+v\nthe file %+v", name, fromPG, fromFile)
		}
		total += fromPG.Articles
		if name == "" && fromPG.Articles != 0 {
			t.Errorf("reextract after a full one read %d articles, want 0", fromPG.Articles)
		}
	}
	if total < 2*(len(articles)-1) {
		t.Errorf("the reextracts read %d articles in all; want every weak one at least twice", total)
	}
	for _, args := range [][]string{{"query", "--format", "jsonl"}, {"query", "--stories"}, {"stats"}} {
		fromFile := anyFirstSeen.ReplaceAllString(must(t, append(args, "--db", file)...), "T")
		fromPG := anyFirstSeen.ReplaceAllString(must(t, append(args, "--db", pgURL)...), "T")
		if fromPG != fromFile {
			t.Errorf("%s after reextract: PostgreSQL printed\n%s\nthe file\n%s", strings.Join(args, " "), fromPG, fromFile)
		}
	}
	if r := policywatch(t, nil, "reextract", "--db", pgURL, "--country", "Atlantis"); r.code != exitUsage {
		t.Errorf("reextract --country Atlantis on PostgreSQL: exit %d, %s", r.code, r.stderr)
	}
}
