package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// Streaming changed how export reads, not what it writes: every way out
// (a pipe, a file as standard output, -o) has the bytes the export wrote
// when it rendered the whole result of Events at once.
func TestExportStreamsSameBytes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "policywatch.db")
	fillDB(t, db, "tricky.jsonl")

	for _, tc := range []struct {
		format string
		args   []string
		f      store.Filter
	}{
		{"csv", nil, store.Filter{}},
		{"jsonl", nil, store.Filter{}},
		{"csv", []string{"--country", "RU", "--limit", "2"}, store.Filter{Countries: []string{"RU"}, Limit: 2}},
		{"jsonl", []string{"--since", "2019"}, store.Filter{Since: "2019"}},
		{"csv", []string{"--country", "KP"}, store.Filter{Countries: []string{"KP"}}}, // none: the header alone
	} {
		t.Run(tc.format+strings.Join(tc.args, " "), func(t *testing.T) {
			want := renderWhole(t, db, tc.format, tc.f)
			args := append([]string{"export", "--db", db, "--format", tc.format}, tc.args...)

			if got := must(t, args...); got != want {
				t.Errorf("export into a pipe wrote\n%s\nwant\n%s", got, want)
			}

			file := filepath.Join(t.TempDir(), "out")
			if got := exportToFile(t, file, args...); got != want {
				t.Errorf("export into a file as standard output wrote\n%s\nwant\n%s", got, want)
			}

			if out := must(t, append(args, "-o", file)...); out != "" {
				t.Errorf("export -o also wrote %q to standard output", out)
			}
			if got, err := os.ReadFile(file); err != nil || string(got) != want {
				t.Errorf("export -o wrote\n%s (%v)\nwant\n%s", got, err, want)
			}
		})
	}
}

// renderWhole is the export as it was written before it streamed: all of
// Events, then the writer of the format over the slice.
func renderWhole(t *testing.T, path, format string, f store.Filter) string {
	t.Helper()
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	events, err := db.Events(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	switch format {
	case "csv":
		err = event.WriteCSV(&buf, events)
	case "jsonl":
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for _, e := range events {
			if err = enc.Encode(e); err != nil {
				break
			}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// exportToFile runs the command with standard output redirected to a
// new file, and returns what the file holds.
func exportToFile(t *testing.T, path string, args ...string) string {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var stderr bytes.Buffer
	if code := run(t.Context(), args, strings.NewReader(""), out, &stderr, func(string) string { return "" }); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An export into something that reads slowly, a pager or a pipe, does
// not keep a nightly run from writing: by the time the first byte goes
// out, the database is closed.
func TestExportReleasesLockBeforeSlowReader(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "policywatch.db")
	fillDB(t, db, "tricky.jsonl")
	want := must(t, "export", "--db", db)

	probe := &writerProbe{path: db}
	var stderr bytes.Buffer
	if code := run(t.Context(), []string{"export", "--db", db}, strings.NewReader(""), probe, &stderr, func(string) string { return "" }); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if probe.openErr != nil {
		t.Errorf("a run could not open the database while the export was read: %v", probe.openErr)
	}
	if probe.buf.String() != want {
		t.Error("the export through the probe differs")
	}
}

// writerProbe is a slow reader that, before taking the first bytes, does
// what a nightly run's batch does: open the database for writing.
type writerProbe struct {
	path    string
	buf     bytes.Buffer
	probed  bool
	openErr error
}

func (p *writerProbe) Write(b []byte) (int, error) {
	if !p.probed {
		p.probed = true
		db, err := store.Open(p.path, store.Options{Timeout: 100 * time.Millisecond})
		if err == nil {
			err = db.Close()
		}
		p.openErr = err
	}
	return p.buf.Write(b)
}

// An interrupt stops an export with exit code 130 and leaves no file.
func TestExportInterrupted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "policywatch.db")
	fillDB(t, db, "tricky.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	file := filepath.Join(dir, "events.csv")
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"export", "--db", db, "-o", file}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	if code != exitInterrupted || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %d, %q; want %d and a word on the interrupt", code, stderr.String(), exitInterrupted)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("an interrupted export left %v", names)
	}
	// Into a pipe, nothing is written either: the rows were still in the
	// temporary file.
	code = run(ctx, []string{"export", "--db", db}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	if code != exitInterrupted || stdout.Len() != 0 {
		t.Errorf("exit %d with %d bytes out; want %d and none", code, stdout.Len(), exitInterrupted)
	}
}
