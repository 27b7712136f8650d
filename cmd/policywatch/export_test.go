package main

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The export is for researchers' scripts: every value must come back out
// of a CSV reader exactly as it went in, however many commas, quotes,
// line breaks and non-Latin letters it holds.
func TestExportCSVRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "policywatch.db")
	stored := fillDB(t, db, "tricky.jsonl")

	out := must(t, "export", "--db", db)
	for _, s := range []string{"تلگرام را مسدود کرد", "Роскомнадзор заблокировал"} {
		if !strings.Contains(out, s) {
			t.Errorf("export does not hold %q verbatim", s)
		}
	}
	if !utf8.ValidString(out) || strings.HasPrefix(out, "\ufeff") {
		t.Error("export is not plain UTF-8 without a byte order mark")
	}

	rows := parseCSV(t, out)
	if len(rows) != len(stored) {
		t.Fatalf("%d rows for %d events", len(rows), len(stored))
	}
	for i, e := range stored {
		r := rows[i]
		want := map[string]string{
			"id": e.ID, "date": e.Date, "country": e.Country, "service": e.Service,
			"action": string(e.Action), "reason": e.Reason,
			"evidence":   strings.Join(e.Evidence, "\n"),
			"source_url": e.SourceURL, "source_title": e.SourceTitle,
			"published": e.Published, "feed": e.Feed, "article_id": e.ArticleID,
			"first_seen": e.FirstSeen.UTC().Format(time.RFC3339),
		}
		for name, w := range want {
			if got := r[column(name)]; got != w {
				t.Errorf("event %s: %s = %q, want %q", e.ID, name, got, w)
			}
		}
		if c, err := strconv.ParseFloat(r[column("confidence")], 64); err != nil || c != e.Confidence {
			t.Errorf("event %s: confidence %q, want %v", e.ID, r[column("confidence")], e.Confidence)
		}
	}
	// The fixture is as hard as it claims.
	var all strings.Builder
	for _, r := range rows {
		all.WriteString(strings.Join(r, ""))
	}
	for _, s := range []string{",", `"`, "\n", "تلگرام", "Роскомнадзор"} {
		if !strings.Contains(all.String(), s) {
			t.Errorf("no exported value holds %q", s)
		}
	}

	// JSON Lines carries the same events.
	if got := parseJSONL(t, must(t, "export", "--db", db, "--format", "jsonl")); !reflect.DeepEqual(got, stored) {
		t.Errorf("jsonl export\n%+v\nstored\n%+v", got, stored)
	}

	// -o writes the same bytes to a file, replacing what was there, and
	// leaves no temporary file behind.
	file := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(file, []byte(strings.Repeat("stale\n", 10000)), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := must(t, "export", "--db", db, "-o", file); got != "" {
		t.Errorf("export -o also wrote %q to stdout", got)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != out {
		t.Errorf("export -o wrote\n%s\nstdout had\n%s", b, out)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"events.csv", "policywatch.db"}) {
		t.Errorf("after export -o the directory holds %v", names)
	}

	// A file that cannot be replaced is an error, and the temporary file
	// is removed.
	sub := filepath.Join(dir, "taken")
	if err := os.MkdirAll(filepath.Join(sub, "events.csv", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := policywatch(t, nil, "export", "--db", db, "-o", filepath.Join(sub, "events.csv"))
	if r.code != exitFailure || r.stderr == "" {
		t.Errorf("export onto a directory: exit %d, %q", r.code, r.stderr)
	}
	if names := dirNames(t, sub); !slices.Equal(names, []string{"events.csv"}) {
		t.Errorf("a failed export left %v", names)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestExportFilters(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "policywatch.db")
	fillDB(t, db, "events.jsonl")
	// The block dated 2018-04 overlaps the range, as April 30 is in April.
	rows := parseCSV(t, must(t, "export", "--db", db, "--country", "Iran", "--since", "2018-04-30"))
	if len(rows) != 2 || rows[0][column("action")] != "restrict" || rows[1][column("action")] != "block" {
		t.Errorf("export --country Iran --since 2018-04-30: %q", rows)
	}
	rows = parseCSV(t, must(t, "export", "--db", db, "--country", "Iran", "--since", "2018-05"))
	if len(rows) != 0 {
		t.Errorf("export --country Iran --since 2018-05: %q", rows)
	}
}

// `export -o FILE` gives the file the permissions `export > FILE` would:
// 0666 less the umask for a new file, the old file's for one it replaces.
func TestExportOutputPermissions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "policywatch.db")
	fillDB(t, db, "tricky.jsonl")

	// What a shell's redirection makes, umask included.
	shell, err := os.Create(filepath.Join(dir, "shell.csv"))
	if err != nil {
		t.Fatal(err)
	}
	shell.Close()
	want, err := os.Stat(shell.Name())
	if err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "events.csv")
	must(t, "export", "--db", db, "-o", out)
	if got, err := os.Stat(out); err != nil || got.Mode().Perm() != want.Mode().Perm() {
		t.Errorf("new file: mode %v (%v), want %v as a redirection gives", got.Mode().Perm(), err, want.Mode().Perm())
	}

	kept := filepath.Join(dir, "kept.csv")
	if err := os.WriteFile(kept, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(kept, 0o640); err != nil {
		t.Fatal(err)
	}
	must(t, "export", "--db", db, "-o", kept)
	if got, err := os.Stat(kept); err != nil || got.Mode().Perm() != 0o640 {
		t.Errorf("replaced file: mode %v (%v), want 0640 kept", got.Mode().Perm(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.csv.*")); len(left) > 0 {
		t.Errorf("temporary files left: %q", left)
	}
}
