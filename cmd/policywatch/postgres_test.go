package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/policywatch/policywatch/internal/pgtest"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/store/pgstore"
)

// pg is this binary's PostgreSQL server, started by the first test that
// asks for a database; TestMain stops it.
var pg pgtest.Shared

// postgresURL is a database of the shared server as a user gives it to
// --db: pgtest's key=value DSN as a postgres:// URL.
func postgresURL(t *testing.T) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(pg.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"host": {cfg.Host}, "port": {strconv.Itoa(int(cfg.Port))}, "sslmode": {"disable"}}
	u := url.URL{Scheme: "postgres", User: url.User(cfg.User), Path: "/" + cfg.Database, RawQuery: q.Encode()}
	return u.String()
}

// anyFirstSeen matches a first_seen time, the one value that differs
// between two stores holding the same events: each stamps it as it
// saves (bbolt to the nanosecond, PostgreSQL to the microsecond).
var anyFirstSeen = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)

// TestQueryExportPostgres fills a private PostgreSQL through pgstore and
// a bbolt file through store with the same events, and checks that
// query, query --stories, stats and export print the same from either.
func TestQueryExportPostgres(t *testing.T) {
	fixtures := []string{"tricky.jsonl", "formulas.jsonl", "events.jsonl", "warc-tricky.jsonl"}
	pgURL := postgresURL(t)
	file := filepath.Join(t.TempDir(), "pw.db")
	pdb, err := pgstore.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		fillDB(t, file, f)
		if _, err := pdb.Save(fixtureBatch(t, f)); err != nil {
			t.Fatal(err)
		}
	}
	pdb.Close()

	out := t.TempDir()
	for _, args := range [][]string{
		{"query"},
		{"query", "--format", "json"},
		{"query", "--format", "csv"},
		{"query", "--format", "jsonl"},
		{"query", "--country", "Russia", "--format", "csv"},
		{"query", "--since", "2018", "--until", "2019-06", "--format", "jsonl"},
		{"query", "--text", "TELEGRAM", "--min-confidence", "0.5"},
		{"query", "--feed", "Степной вестник,@Wire", "--format", "csv"},
		{"query", "--action", "block,fine", "--limit", "3", "--format", "json"},
		{"query", "--country", "FR"},
		{"query", "--stories"},
		{"query", "--stories", "--format", "json"},
		{"query", "--stories", "--format", "csv"},
		{"query", "--stories", "--format", "jsonl", "--country", "Russia"},
		{"query", "--stories", "--since", "2018", "--until", "2019-06", "--text", "telegram"},
		{"query", "--stories", "--feed", "Степной вестник,@Wire", "--limit", "2", "--format", "csv"},
		{"stats"},
		{"stats", "--format", "json", "--country", "Russia"},
		{"stats", "--format", "csv", "--since", "2018", "--until", "2019-06"},
		{"export"},
		{"export", "--format", "jsonl"},
		{"export", "--format", "csv", "--service", "telegram", "--since", "2018-04"},
		{"export", "--format", "csv", "-o", "OUT"},
	} {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			run := func(db, dir string) string {
				a := append([]string{"--db", db}, args...)
				outFile := ""
				for i, v := range a {
					if v == "OUT" {
						outFile = filepath.Join(out, dir+".csv")
						a[i] = outFile
					}
				}
				got := must(t, a...)
				if outFile != "" {
					b, err := os.ReadFile(outFile)
					if err != nil {
						t.Fatal(err)
					}
					got += string(b)
				}
				return got
			}
			fromFile := run(file, "file")
			fromPG := run(pgURL, "pg")
			if strings.Count(fromFile, "\n") < 2 && !strings.Contains(name, "FR") {
				t.Fatalf("the file gave next to nothing to compare:\n%s", fromFile)
			}
			fromFile = anyFirstSeen.ReplaceAllString(fromFile, "FIRST-SEEN")
			fromPG = anyFirstSeen.ReplaceAllString(fromPG, "FIRST-SEEN")
			if fromPG != fromFile {
				t.Errorf("PostgreSQL printed\n%s\nthe file printed\n%s", fromPG, fromFile)
			}
		})
	}

	// The researcher's file is the golden one from PostgreSQL too.
	golden, err := os.ReadFile(filepath.Join("testdata", "export.golden.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got := firstSeen.ReplaceAllString(must(t, "export", "--db", pgURL), "FIRST-SEEN"); got != string(golden) {
		t.Errorf("export from PostgreSQL differs from testdata/export.golden.csv:\n%s", got)
	}
	// A Parquet dataset is written from it as from a file.
	fromPG := must(t, "export", "--db", pgURL, "--format", "parquet", "-o", filepath.Join(out, "pg"))
	fromFile := must(t, "export", "--db", file, "--format", "parquet", "-o", filepath.Join(out, "file"))
	if strings.ReplaceAll(fromPG, "/pg:", "/file:") != fromFile || !strings.Contains(fromFile, "Exported 16 events") {
		t.Errorf("parquet export from PostgreSQL: %s\nfrom the file: %s", fromPG, fromFile)
	}
}

// TestPostgresNotSupported: a command that needs a bbolt file says so of
// a postgres:// URL rather than take it for a path.
func TestPostgresNotSupported(t *testing.T) {
	pgURL := postgresURL(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "feeds.yaml")
	if err := os.WriteFile(config, []byte("feeds:\n  - name: x\n    url: https://example.org/feed.xml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"run", "--config", config},
		{"check"},
		{"backup", filepath.Join(dir, "backup.db")},
	} {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			// Stopped before it starts: were run to take the URL for a
			// file, it would end at once rather than fetch until the
			// test times out.
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			var stdout, stderr bytes.Buffer
			code := run(ctx, append([]string{"--db", pgURL}, args...), strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
			r := result{code, stdout.String(), stderr.String()}
			want := strings.Fields(name)[0] + " does not support PostgreSQL yet"
			if r.code != exitUsage || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, stderr %q; want exit %d saying %q", r.code, r.stderr, exitUsage, want)
			}
		})
	}
	// Nothing was made where the URL would be a path.
	if _, err := os.Stat("postgres:"); !os.IsNotExist(err) {
		t.Errorf("a command made ./postgres: (err %v)", err)
	}
	// Commands without a database do not mind the URL.
	if r := policywatch(t, map[string]string{"POLICYWATCH_DB": pgURL}, "version"); r.code != exitOK {
		t.Errorf("version with a postgres:// POLICYWATCH_DB: exit %d\n%s", r.code, r.stderr)
	}
}

// TestPostgresErrors: a misspelt feed is named against PostgreSQL's
// feeds as against a file's, and a database that cannot be reached is
// named without its password.
func TestPostgresErrors(t *testing.T) {
	pgURL := postgresURL(t)
	pdb, err := pgstore.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pdb.Save(fixtureBatch(t, "events.jsonl")); err != nil {
		t.Fatal(err)
	}
	pdb.Close()
	r := policywatch(t, nil, "query", "--db", pgURL, "--feed", "steppe dispatch")
	if r.code != exitUsage || !strings.Contains(r.stderr, `did you mean "Steppe Dispatch"`) {
		t.Errorf("misspelt feed: exit %d, stderr %q", r.code, r.stderr)
	}

	bad := "postgresql://reader:s3cret@/nowhere?host=" + url.QueryEscape(filepath.Join(t.TempDir(), "no-socket")) + "&connect_timeout=5"
	r = policywatch(t, nil, "export", "--db", bad)
	if r.code != exitFailure || !strings.Contains(r.stderr, `"nowhere"`) || strings.Contains(r.stderr, "s3cret") {
		t.Errorf("unreachable database: exit %d, stderr %q; want exit %d naming it without the password", r.code, r.stderr, exitFailure)
	}
}

// TestServePostgres serves a PostgreSQL database and a bbolt file
// holding the same events, and wants the same answers from both: the
// API, the CSV, the feed and the page.
func TestServePostgres(t *testing.T) {
	pgURL := postgresURL(t)
	file := filepath.Join(t.TempDir(), "pw.db")
	pdb, err := pgstore.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"events.jsonl", "tricky.jsonl"} {
		fillDB(t, file, f)
		if _, err := pdb.Save(fixtureBatch(t, f)); err != nil {
			t.Fatal(err)
		}
	}
	stories, err := pdb.Stories(store.StoryFilter{})
	pdb.Close()
	if err != nil || len(stories) < 3 {
		t.Fatalf("%d stories (%v)", len(stories), err)
	}
	fromFile, stopFile := startServe(t, "--db", file)
	fromPG, stopPG := startServe(t, "--db", pgURL)
	defer stopFile()
	defer stopPG()
	get := func(base, path string) string {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), strings.ReplaceAll(string(body), base, "BASE"))
	}
	for _, path := range []string{
		"/healthz",
		"/events?country=Russia",
		"/events?since=2018&limit=3",
		"/events.csv",
		"/stories",
		"/stories?service=telegram&since=2018-04",
		"/stories/" + stories[0].ID,
		"/stories/" + stories[1].ID[:8],
		"/stories/nosuchstory",
		"/feed.atom",
		"/feed.atom?country=RU",
		"/",
		"/?country=Russia&since=2018",
		"/events?feed=nosuchfeed",
	} {
		file, pg := get(fromFile, path), get(fromPG, path)
		if !strings.HasPrefix(file, "200 ") && !strings.Contains(path, "nosuch") {
			t.Errorf("%s from the file: %s", path, file)
		}
		file = anyFirstSeen.ReplaceAllString(file, "TIME")
		pg = anyFirstSeen.ReplaceAllString(pg, "TIME")
		if pg != file {
			t.Errorf("GET %s from PostgreSQL:\n%s\nfrom the file:\n%s", path, pg, file)
		}
	}
}
