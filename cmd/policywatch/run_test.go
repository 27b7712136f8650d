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
