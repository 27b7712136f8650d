package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/*.golden.csv from this build's output")

// firstSeen matches the first_seen cells, the one column that depends on
// when the test ran: Save stamps it with the time of the run.
var firstSeen = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

// TestExportCSVGolden pins the bytes of a CSV export of a store holding
// tricky values (quotes, commas and line breaks inside cells, right-to-left
// and Cyrillic text, cells a spreadsheet would run as formulas, partial
// dates, an empty reason, a backfilled article's WARC record, a confidence
// that rounds): whatever changes in how the store keeps or
// reads events, or how the CSV is written, the researcher's file is the
// same, byte for byte, but for the time it was first seen.
func TestExportCSVGolden(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pw.db")
	fillDB(t, db, "tricky.jsonl")
	fillDB(t, db, "formulas.jsonl")
	fillDB(t, db, "events.jsonl")
	fillDB(t, db, "warc-tricky.jsonl")
	got := firstSeen.ReplaceAllString(must(t, "export", "--db", db, "--format", "csv"), "FIRST-SEEN")
	golden := filepath.Join("testdata", "export.golden.csv")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("export differs from %s (go test -run TestExportCSVGolden -update-golden rewrites it):\n%s", golden, got)
	}
}
