package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/demo"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/pipeline"
)

// writeConfig writes a feeds.yaml for feeds, with settings fit for a
// loopback server (allowed; a timeout that is only a failsafe on a loaded
// machine).
func writeConfig(t *testing.T, feeds []ingest.Feed) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("user_agent: policywatch-test\nconcurrency: 2\ntimeout: 1m\nhost_delay: 1ms\nallow_private: [127.0.0.1]\nfeeds:\n")
	for _, f := range feeds {
		fmt.Fprintf(&b, "  - name: %q\n    url: %q\n", f.Name, f.URL)
	}
	path := filepath.Join(t.TempDir(), "feeds.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func demoServer(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := demo.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestRunJSONSummary(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	feeds, err := demo.Feeds(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	// One feed keeps the test quick: extraction is slow under -race.
	feeds = feeds[1:2]
	db := filepath.Join(t.TempDir(), "policywatch.db")

	r := policywatch(t, nil, "run", "--config", writeConfig(t, feeds), "--db", db, "--json")
	if r.code != exitOK {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	var sum pipeline.Summary
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sum); err != nil || dec.More() {
		t.Fatalf("run --json printed more than one summary (%v):\n%s", err, r.stdout)
	}
	if sum.Feeds != 1 || sum.FeedsOK != 1 || sum.FeedsFailed != 0 {
		t.Errorf("summary feeds %d, ok %d, failed %d; want 1, 1, 0", sum.Feeds, sum.FeedsOK, sum.FeedsFailed)
	}
	if sum.Items == 0 || sum.NewArticles != sum.Items || sum.ArticlesFailed != 0 || sum.NewEvents == 0 || sum.Duration <= 0 {
		t.Errorf("summary %+v; want every item stored with events", sum)
	}
	for _, f := range feeds {
		if sum.PerFeed[f.Name] == 0 {
			t.Errorf("summary counts no new articles for %s: %v", f.Name, sum.PerFeed)
		}
	}
	// Logs go to stderr, so stdout stays data.
	if !strings.Contains(r.stderr, "run finished") {
		t.Errorf("stderr has no log of the run: %q", r.stderr)
	}
	stored := parseJSONL(t, must(t, "query", "--db", db, "--format", "jsonl"))
	if len(stored) != sum.NewEvents {
		t.Errorf("summary says %d new events; the database holds %d", sum.NewEvents, len(stored))
	}
}

func TestRunEveryFeedFails(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	feeds := []ingest.Feed{
		{Name: "Gone Gazette", URL: srv.URL + "/feeds/gone.xml"},
		{Name: "Page Not Feed", URL: srv.URL + "/articles/ru-telegram-block.html"},
	}
	r := policywatch(t, nil, "run", "--config", writeConfig(t, feeds), "--db", filepath.Join(t.TempDir(), "policywatch.db"))
	if r.code != exitFailure {
		t.Errorf("run with no feed fetched: exit %d, want %d", r.code, exitFailure)
	}
	if !strings.Contains(r.stderr, "no feed could be fetched") {
		t.Errorf("stderr %q does not say why it failed", r.stderr)
	}
	for _, want := range []string{"Feeds:    2 (0 fetched, 0 not modified, 2 failed)", "Failures:", "Gone Gazette", "HTTP 404", "Page Not Feed", "HTML page"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
}

// A feed with thousands of unavailable pages is a few lines of the
// summary with a count, not a line per page; a feed with few lists each.
func TestSummaryGroupsFailuresByFeed(t *testing.T) {
	var s pipeline.Summary
	for i := range 10007 {
		s.Unavailable = append(s.Unavailable, pipeline.Failure{
			Feed: "Big Wire", URL: fmt.Sprintf("https://big.test/%d", i),
			Error: fmt.Sprintf("fetch article https://big.test/%d: HTTP 404 Not Found", i),
		})
	}
	s.Unavailable = append(s.Unavailable, pipeline.Failure{Feed: "Small", URL: "https://small.test/1", Error: "fetch article https://small.test/1: HTTP 410 Gone"})
	s.Failures = []pipeline.Failure{{Feed: "Down", URL: "https://down.test/rss", Error: "fetch feed https://down.test/rss: HTTP 503"}}
	var out strings.Builder
	printSummary(&out, s)
	text := out.String()
	_, pages, _ := strings.Cut(text, "Pages unavailable, feed text used instead:\n")
	lines := strings.Split(strings.TrimRight(pages, "\n"), "\n")
	want := []string{
		"  Big Wire  10007 in all, the first 3:",
		"            fetch article https://big.test/0: HTTP 404 Not Found",
		"            fetch article https://big.test/1: HTTP 404 Not Found",
		"            fetch article https://big.test/2: HTTP 404 Not Found",
		"            and 10004 more (--json lists each)",
		"  Small     fetch article https://small.test/1: HTTP 410 Gone",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("pages unavailable:\n%s\nwant\n%s", pages, strings.Join(want, "\n"))
	}
	if !strings.Contains(text, "Failures:\n  Down  fetch feed https://down.test/rss: HTTP 503\n") {
		t.Errorf("failures not listed as before:\n%.2000s", text)
	}
}
