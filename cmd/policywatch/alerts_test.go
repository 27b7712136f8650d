package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/demo"
	"github.com/policywatch/policywatch/store"
)

// webhook is a test webhook answering every post with one status and
// keeping the bodies.
type webhook struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
}

func newWebhook(t *testing.T, status int) *webhook {
	t.Helper()
	h := &webhook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &v); err != nil {
			t.Errorf("webhook got a body that is not JSON: %v\n%s", err, b)
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, v)
		h.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, "test hook says "+http.StatusText(status))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *webhook) posts() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.bodies...)
}

// alertsConfig writes a configuration with one feed and the given
// alerts section.
func alertsConfig(t *testing.T, alerts string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "feeds.yaml")
	doc := "host_delay: 1ms\ntimeout: 1m\nfeeds:\n  - name: Test\n    url: https://feeds.test/rss\nalerts:\n" + alerts
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAlertsTest(t *testing.T) {
	t.Parallel()
	ok, broken := newWebhook(t, http.StatusOK), newWebhook(t, http.StatusInternalServerError)
	cfg := alertsConfig(t, `  - name: russia
    countries: [Russia]
    webhook: {url: "`+ok.URL+`/hook", format: slack}
  - name: broken
    webhook: {url: "`+broken.URL+`", format: discord}
  - name: bot
    webhook: {url: "${BOT_URL}", format: json, headers: {Authorization: "Bearer ${BOT_TOKEN}"}}
`)
	env := map[string]string{"BOT_URL": ok.URL + "/bot", "BOT_TOKEN": "t"}

	// No database yet: a made-up story.
	missing := filepath.Join(t.TempDir(), "none.db")
	r := policywatch(t, env, "alerts", "test", "russia", "--config", cfg, "--db", missing)
	if r.code != exitOK {
		t.Fatalf("alerts test: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"Answer:  HTTP 200 OK", "made-up story (no database at " + missing, "Webhook: " + ok.URL + "/…", "accepted"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	posts := ok.posts()
	if len(posts) != 1 || !strings.HasPrefix(posts[0]["text"].(string), "[TEST] 🚫 RU blocks telegram") {
		t.Fatalf("webhook got %v; want one slack test message about a sample RU story", posts)
	}

	// With a database: its newest story the rule matches.
	db := filepath.Join(t.TempDir(), "policywatch.db")
	fillDB(t, db, "events.jsonl")
	r = policywatch(t, env, "alerts", "test", "bot", "--config", cfg, "--db", db)
	if r.code != exitOK || !strings.Contains(r.stdout, "Sample:  stored story") {
		t.Fatalf("alerts test bot: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	posts = ok.posts()
	if len(posts) != 2 || posts[1]["test"] != true || posts[1]["rule"] != "bot" || posts[1]["story"].(map[string]any)["id"] == "sample" {
		t.Errorf("json test post %v; want a stored story marked as a test", posts[len(posts)-1])
	}
	// Nothing was recorded: the test does not use up the story's alert.
	d, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := d.Alerts("")
	d.Close()
	if err != nil || len(recs) != 0 {
		t.Errorf("alerts test recorded %v, %v", recs, err)
	}

	// A webhook that fails: exit 1, once, saying what it answered.
	r = policywatch(t, env, "alerts", "test", "broken", "--config", cfg, "--db", missing)
	if r.code != exitFailure {
		t.Errorf("alerts test against a 500: exit %d, want 1", r.code)
	}
	if !strings.Contains(r.stdout, "Answer:  HTTP 500 Internal Server Error") ||
		!strings.Contains(r.stderr, `alert "broken": the webhook did not take the test: HTTP 500 Internal Server Error: test hook says Internal Server Error`) {
		t.Errorf("failure not explained:\nstdout %s\nstderr %s", r.stdout, r.stderr)
	}
	if n := len(broken.posts()); n != 1 {
		t.Errorf("a test made %d requests; want 1, so the answer comes at once", n)
	}

	// An unknown rule is a usage error naming the rules there are.
	r = policywatch(t, env, "alerts", "test", "nope", "--config", cfg)
	if r.code != exitUsage || !strings.Contains(r.stderr, `no alert rule "nope" in `+cfg+"; its rules are russia, broken, bot") {
		t.Errorf("unknown rule: exit %d, stderr %q", r.code, r.stderr)
	}
	if r = policywatch(t, env, "alerts", "test", "--config", cfg); r.code != exitUsage {
		t.Errorf("alerts test without a rule: exit %d", r.code)
	}
	// A rule whose variable is unset fails as a configuration error.
	if r = policywatch(t, nil, "alerts", "test", "russia", "--config", cfg); r.code != exitFailure ||
		!strings.Contains(r.stderr, `alert "bot": webhook.url uses environment variable BOT_URL, which is not set`) {
		t.Errorf("unset variable: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestAlertsList(t *testing.T) {
	t.Parallel()
	cfg := alertsConfig(t, `  - name: iran-telegram
    countries: [Iran]
    services: [Telegram]
    min_confidence: 0.6
    webhook: {url: "https://hooks.slack.com/services/T0/B0/secret", format: slack}
  - name: everything
    new_stories_only: false
    webhook: {url: "https://bots.example.org", format: json}
`)
	out := must(t, "alerts", "list", "--config", cfg)
	if strings.Contains(out, "secret") {
		t.Errorf("list shows the webhook's secret path:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("list has %d lines:\n%s", len(lines), out)
	}
	for i, want := range [][]string{
		{"NAME", "FORMAT", "WEBHOOK", "NEW ONLY", "FILTERS"},
		{"iran-telegram", "slack", "https://hooks.slack.com/…", "yes", "countries IR; services telegram; min confidence 0.60"},
		{"everything", "json", "https://bots.example.org", "no", "every story"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
	bad := alertsConfig(t, "  - name: x\n    webhook: {url: https://example.org, format: teams}\n")
	r := policywatch(t, nil, "alerts", "list", "--config", bad)
	if r.code != exitFailure || !strings.Contains(r.stderr, bad+`:8: alert "x": webhook.format "teams" is not one of slack, discord, json`) {
		t.Errorf("bad config: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestAlertsStatus(t *testing.T) {
	t.Parallel()
	cfg := alertsConfig(t, "  - name: iran\n    webhook: {url: https://example.org, format: json}\n  - name: quiet\n    webhook: {url: https://example.org, format: json}\n")
	path := filepath.Join(t.TempDir(), "policywatch.db")
	fillDB(t, path, "events.jsonl")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		rule, story string
		state       store.AlertState
		err         string
	}{
		{"iran", "s-sent-1", store.AlertSent, ""},
		{"iran", "s-sent-2", store.AlertSent, ""},
		{"iran", "s-failed", store.AlertFailed, "HTTP 502 Bad Gateway"},
		{"iran", "s-crashed", "", ""}, // claimed, never finished
		{"old-rule", "s-gave-up", store.AlertGaveUp, "HTTP 404 Not Found"},
	} {
		if _, _, err := db.ClaimAlert(c.rule, c.story, at); err != nil {
			t.Fatal(err)
		}
		if c.state != "" {
			if _, err := db.FinishAlert(c.rule, c.story, c.state, c.err, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.Close()

	out := must(t, "alerts", "status", "--config", cfg, "--db", path)
	for _, want := range []string{
		"RULE                      SENT  FAILED  GAVE UP  UNKNOWN",
		"iran                      2     1       0        1",
		"quiet                     0     0       0        0",
		"old-rule (not in config)  0     0       1        0",
		"iran  story s-failed  failed, tried again next run  (1 attempt, 2024-05-01T03:00:00Z)",
		"HTTP 502 Bad Gateway",
		"iran  story s-crashe  delivery unknown, not posted again",
		"old-rule  story s-gave-u  failed, given up",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	var st []ruleStatus
	if err := json.Unmarshal([]byte(must(t, "alerts", "status", "--config", cfg, "--db", path, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st) != 3 || st[0].Rule != "iran" || st[0].Sent != 2 || st[0].Unknown != 1 || len(st[0].Problems) != 2 {
		t.Errorf("status --json %+v", st)
	}
}

// The nightly run posts each new story once, reports what it sent, and
// is not failed by a dead webhook.
func TestRunPostsAlerts(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	feeds, err := demo.Feeds(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	feeds = feeds[1:2] // one feed: extraction is slow under -race
	hook, dead := newWebhook(t, http.StatusOK), newWebhook(t, http.StatusNotFound)
	cfgPath := writeConfig(t, feeds)
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "alerts:\n  - name: all\n    webhook: {url: \""+hook.URL+"\", format: json}\n"+
		"  - name: dead\n    webhook: {url: \""+dead.URL+"\", format: slack}\n")
	f.Close()
	db := filepath.Join(t.TempDir(), "policywatch.db")

	r := policywatch(t, nil, "run", "--config", cfgPath, "--db", db, "--json")
	if r.code != exitOK {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	var rep runReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.NewStories == 0 || rep.Alerts == nil || len(rep.Alerts.Rules) != 2 {
		t.Fatalf("run --json: %d new stories, alerts %+v", rep.NewStories, rep.Alerts)
	}
	all, deadRule := rep.Alerts.Rules[0], rep.Alerts.Rules[1]
	if all.Sent != rep.NewStories || len(hook.posts()) != rep.NewStories {
		t.Errorf("rule all sent %d, hook got %d; want one per new story (%d)", all.Sent, len(hook.posts()), rep.NewStories)
	}
	if deadRule.Failed != rep.NewStories || deadRule.Sent != 0 {
		t.Errorf("dead rule %+v; want every story failed", deadRule)
	}

	// The second run finds nothing new: no post, and the failures are
	// tried again (and fail again), shown in the human summary.
	r = policywatch(t, nil, "run", "--config", cfgPath, "--db", db)
	if r.code != exitOK {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
	}
	if n := len(hook.posts()); n != rep.NewStories {
		t.Errorf("second run posted again: hook has %d posts", n)
	}
	for _, want := range []string{"Alerts:   all: 0 sent", "dead: ", "failed (tried again next run)", "Alert problems (see policywatch alerts status):", "HTTP 404 Not Found"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("second run summary lacks %q:\n%s", want, r.stdout)
		}
	}

	// --no-alerts leaves the webhooks alone.
	before := len(dead.posts())
	if r = policywatch(t, nil, "run", "--config", cfgPath, "--db", db, "--no-alerts"); r.code != exitOK || strings.Contains(r.stdout, "Alerts:") || len(dead.posts()) != before {
		t.Errorf("run --no-alerts: exit %d, %d new posts\n%s", r.code, len(dead.posts())-before, r.stdout)
	}
}

// demo --alerts posts the demo's stories by the rules of a file.
func TestDemoAlerts(t *testing.T) {
	t.Parallel()
	hook := newWebhook(t, http.StatusOK)
	cfg := alertsConfig(t, "  - name: russia\n    countries: [Russia]\n    webhook: {url: \""+hook.URL+"\", format: discord}\n")
	out := must(t, "demo", "--alerts", cfg)
	posts := hook.posts()
	if len(posts) == 0 || !strings.Contains(out, "Alerts:   russia: "+strconv.Itoa(len(posts))+" sent\n") {
		t.Fatalf("demo --alerts: %d posts; output:\n%s", len(posts), out)
	}
	for _, p := range posts {
		if c, _ := p["content"].(string); !strings.Contains(c, " RU ") {
			t.Errorf("rule russia posted %q", c)
		}
	}
	r := policywatch(t, nil, "alerts", "frob")
	if r.code != exitUsage || !strings.Contains(r.stderr, `unknown alerts command "frob"`) {
		t.Errorf("alerts frob: exit %d, stderr %q", r.code, r.stderr)
	}
}
