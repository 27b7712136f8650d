package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// result is what one invocation of the command did.
type result struct {
	code           int
	stdout, stderr string
}

// policywatch runs the command line as main would, with env as the whole
// environment.
func policywatch(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr, getenv)
	return result{code, stdout.String(), stderr.String()}
}

// must runs the command line and fails the test unless it exits 0.
func must(t *testing.T, args ...string) string {
	t.Helper()
	r := policywatch(t, nil, args...)
	if r.code != exitOK {
		t.Fatalf("policywatch %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fillDB stores the articles and events of a testdata file (JSON Lines of
// store.ArticleEvents) in a new database at path, filling the ids and
// provenance extraction would, and returns the events as stored.
func fillDB(t *testing.T, path, fixture string) []event.Record {
	t.Helper()
	b := fixtureBatch(t, fixture)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	events, err := db.Events(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// fixtureBatch reads a testdata file (JSON Lines of store.ArticleEvents)
// into a batch, filling the ids and provenance extraction would.
func fixtureBatch(t *testing.T, fixture string) store.Batch {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b store.Batch
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ae store.ArticleEvents
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ae); err != nil {
			t.Fatalf("%s: %v", fixture, err)
		}
		a := &ae.Article
		a.ID = ingest.ArticleID(a.Key)
		a.Fetched = a.Published.Add(time.Hour)
		for i := range ae.Events {
			e := &ae.Events[i]
			e.ID = event.ID(a.ID, e.Country, e.Service, e.Action)
			e.ArticleID, e.SourceURL, e.SourceTitle, e.Feed = a.ID, a.URL, a.Title, a.Feed
			e.Published = a.Published.Format(time.DateOnly)
		}
		b.Articles = append(b.Articles, ae)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "policywatch.db")
	fillDB(t, db, "events.jsonl")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"query", "--db", db, "--frob"}, "unknown flag: --frob"},
		{[]string{"--db", db, "query", "-z"}, "unknown shorthand flag: 'z'"},
		{[]string{"query", "--db", db, "--country", "Atlantis"}, `--country "Atlantis" is not a country code or name`},
		{[]string{"query", "--db", db, "--service", "myspace-of-2003"}, `--service "myspace-of-2003"`},
		{[]string{"query", "--db", db, "--action", "nuke"}, `--action "nuke" is not an action; want one of block`},
		{[]string{"query", "--db", db, "--since", "2018-13"}, `--since "2018-13" is not a date`},
		{[]string{"query", "--db", db, "--until", "18-04"}, `--until "18-04" is not a date`},
		{[]string{"query", "--db", db, "--format", "xml"}, `--format "xml": want table, json, csv, jsonl`},
		{[]string{"query", "--db", db, "--min-confidence", "1.5"}, `--min-confidence "1.5" is not a number from 0 to 1`},
		{[]string{"query", "--db", db, "--limit", "-1"}, `--limit "-1" is not 0 or more`},
		{[]string{"query", "--db", db, "Russia"}, `takes no arguments, got ["Russia"]`},
		{[]string{"export", "--db", db, "--format", "json"}, `--format "json": want csv, jsonl`},
		{[]string{"eval"}, "eval takes gold files or directories of them"},
		{[]string{"run", "--concurrency", "many"}, `invalid argument "many"`},
		{[]string{"demo", "--db", db, "--log-level", "loud"}, `--log-level "loud"`},
	}
	for _, tt := range tests {
		r := policywatch(t, nil, tt.args...)
		if r.code != exitUsage {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tt.args, r.code, exitUsage, r.stderr)
		}
		if !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "policywatch --help") {
			t.Errorf("%q: stderr %q, want %q and a pointer to --help", tt.args, r.stderr, tt.want)
		}
		if r.stdout != "" {
			t.Errorf("%q: wrote %q to stdout", tt.args, r.stdout)
		}
	}
}

func TestQueryMissingDB(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "none.db")
	for _, cmd := range []string{"query", "export"} {
		r := policywatch(t, nil, cmd, "--db", path)
		if r.code != exitFailure || !strings.Contains(r.stderr, path+" does not exist") {
			t.Errorf("%s on a missing file: exit %d, %q", cmd, r.code, r.stderr)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("%s created %s", cmd, path)
		}
	}
}

// A query of a file a batch holds gives up, saying it is locked, after
// the read timeout (a second) rather than waiting for the batch. How long
// the command takes beyond that depends on the machine, so the test bounds
// it only to catch a query that waits for the lock without end.
func TestQueryLockedDB(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policywatch.db")
	fillDB(t, path, "events.jsonl")
	// A batch holds the file read-write.
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	start := time.Now()
	done := make(chan result, 1)
	go func() { done <- policywatch(t, map[string]string{"POLICYWATCH_DB": path}, "query", "--country", "RU") }()
	var r result
	select {
	case r = <-done:
	case <-time.After(2 * time.Minute):
		db.Close() // let the query end
		t.Fatalf("query still waits for the lock after 2 minutes; want it to give up after about a second:\n%s", (<-done).stderr)
	}
	took := time.Since(start)
	if r.code != exitFailure || !strings.Contains(r.stderr, "locked") {
		t.Errorf("query of a locked file: exit %d, %q; want 1 and that it is locked", r.code, r.stderr)
	}
	// bbolt gives up once the timeout, less one 50 ms retry, has passed.
	if took < 900*time.Millisecond {
		t.Errorf("query gave up after %v; want it to wait about a second for the batch", took)
	}
}

func TestRunBadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown-key.yaml", "feeds:\n  - name: Wire\n    url: https://wire.test/rss\n    colour: red\n", []string{":4:", `unknown key "colour"`}},
		{"bad-url.yaml", "feeds:\n  - name: Wire\n    url: ftp://wire.test/rss\n", []string{":2:", `"ftp://wire.test/rss" is not an absolute http(s) URL`}},
		{"no-unit.yaml", "timeout: 20\nfeeds:\n  - name: Wire\n    url: https://wire.test/rss\n", []string{":1:", `durations need a unit`}},
		{"no-feeds.yaml", "concurrency: 2\n", []string{"no feeds configured"}},
		{"not-yaml.yaml", "feeds: [\n", []string{"not-yaml.yaml"}},
		{"missing.yaml", "", []string{"no such file"}},
	}
	for _, tt := range tests {
		config := filepath.Join(dir, tt.name)
		if tt.yaml != "" {
			if err := os.WriteFile(config, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		db := filepath.Join(dir, tt.name+".db")
		r := policywatch(t, nil, "run", "--config", config, "--db", db)
		if r.code != exitFailure {
			t.Errorf("%s: exit %d, want %d", tt.name, r.code, exitFailure)
		}
		for _, w := range append([]string{config}, tt.want...) {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr %q, want it to say %q", tt.name, r.stderr, w)
			}
		}
		if _, err := os.Stat(db); err == nil {
			t.Errorf("%s: a bad config still created the database", tt.name)
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	root := (&app{getenv: func(string) string { return "" }}).rootCmd()
	r := policywatch(t, nil, "--help")
	if r.code != exitOK {
		t.Fatalf("--help: exit %d", r.code)
	}
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() {
			continue
		}
		if !strings.Contains(r.stdout, c.Name()) {
			t.Errorf("--help does not mention %s:\n%s", c.Name(), r.stdout)
		}

		// Each command's help names every flag it takes, its own and the
		// global ones.
		for _, args := range [][]string{{c.Name(), "--help"}, {"help", c.Name()}} {
			r := policywatch(t, nil, args...)
			if r.code != exitOK || r.stderr != "" {
				t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
				continue
			}
			flags := c.NonInheritedFlags()
			flags.AddFlagSet(c.InheritedFlags())
			flags.VisitAll(func(f *pflag.Flag) {
				if !f.Hidden && !strings.Contains(r.stdout, "--"+f.Name) {
					t.Errorf("%q does not mention --%s", args, f.Name)
				}
			})
			about := c.Short
			if c.Long != "" {
				about, _, _ = strings.Cut(c.Long, "\n")
			}
			if !strings.Contains(r.stdout, about) {
				t.Errorf("%q does not say what %s does", args, c.Name())
			}
		}
	}
}

func TestNoArgumentsPrintsHelp(t *testing.T) {
	t.Parallel()
	r := policywatch(t, nil)
	if r.code != exitOK || !strings.Contains(r.stdout, "Available Commands") {
		t.Errorf("no arguments: exit %d, %q", r.code, r.stdout)
	}
}

// A panic is a bug, not a wrong command line: exit 70 with a request to
// report it and the stack, instead of the runtime's exit 2. Not
// parallel: it replaces the shared extractor, which eval builds.
func TestPanicExitsInternal(t *testing.T) {
	saved := newExtractor
	t.Cleanup(func() { newExtractor = saved })
	newExtractor = func() (*extract.Extractor, error) { panic("extractor exploded") }

	r := policywatch(t, nil, "eval", "../../testdata/eval/seed.jsonl")
	if r.code != 70 {
		t.Errorf("exit %d, want 70", r.code)
	}
	for _, want := range []string{"policywatch: internal error: extractor exploded", "Please report it", "goroutine ", "evalcmd.go"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}
