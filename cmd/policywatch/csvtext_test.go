package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Text from feeds that a spreadsheet would run as a formula (titles,
// reasons, evidence, feed names) starts with a quote in every CSV the
// command line writes; numbers stay numbers.
func TestCSVOutputsNeutraliseFormulas(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pw.db")
	fillDB(t, db, "formulas.jsonl")
	out := filepath.Join(t.TempDir(), "events.csv")
	must(t, "export", "--db", db, "--format", "csv", "-o", out)
	file, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		csv     string
		numeric []string
	}{
		{"export", must(t, "export", "--db", db, "--format", "csv"), []string{"confidence"}},
		{"export -o", string(file), []string{"confidence"}},
		{"query", must(t, "query", "--db", db, "--format", "csv"), []string{"confidence"}},
		{"query --stories", must(t, "query", "--db", db, "--stories", "--format", "csv"), []string{"sources", "confidence"}},
		{"stats", must(t, "stats", "--db", db, "--format", "csv"), []string{"events"}},
	} {
		rows := readCSV(t, tc.csv)
		if len(rows) < 2 {
			t.Fatalf("%s: no rows:\n%s", tc.name, tc.csv)
		}
		quoted := 0
		for _, row := range rows[1:] {
			for i, cell := range row {
				col := rows[0][i]
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s: column %s starts a formula: %q", tc.name, col, cell)
				}
				if strings.HasPrefix(cell, "'") {
					quoted++
				}
				if strings.Contains(strings.Join(tc.numeric, ","), col) && strings.HasPrefix(cell, "'") {
					t.Errorf("%s: numeric column %s quoted: %q", tc.name, col, cell)
				}
			}
		}
		if tc.name != "stats" && quoted == 0 {
			t.Errorf("%s: no cell was neutralised:\n%s", tc.name, tc.csv)
		}
	}
}
