package main

import (
	"encoding/json"
	"fmt"
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
	// A rule whose variable is unset cannot be tested, and is a warning
	// when testing another.
	unset := `alert "bot": webhook.url uses environment variable BOT_URL, which is not set`
	if r = policywatch(t, nil, "alerts", "test", "bot", "--config", cfg); r.code != exitFailure ||
		!strings.Contains(r.stderr, `alert rule "bot" cannot be used: `+cfg+`:13: `+unset) {
		t.Errorf("unset variable: exit %d, stderr %q", r.code, r.stderr)
	}
	if r = policywatch(t, nil, "alerts", "test", "russia", "--config", cfg, "--db", missing); r.code != exitOK ||
		!strings.Contains(r.stderr, "warning: alert rule skipped: "+cfg+":13: "+unset) {
		t.Errorf("another rule's variable unset: exit %d, stderr %q", r.code, r.stderr)
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
	// A broken rule: the others are listed, it is reported, exit 1.
	bad := alertsConfig(t, "  - name: x\n    webhook: {url: https://example.org, format: teams}\n  - name: fine\n    webhook: {url: https://example.org, format: json}\n")
	r := policywatch(t, nil, "alerts", "list", "--config", bad)
	if r.code != exitFailure || !strings.Contains(r.stderr, "1 alert rule cannot be used; 'policywatch run' skips each until it is fixed:\n"+bad+`:8: alert "x": webhook.format "teams" is not one of slack, discord, json`) {
		t.Errorf("bad config: exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "fine ") || strings.Contains(r.stdout, "x ") {
		t.Errorf("bad config: list shows\n%s\nwant the good rule only", r.stdout)
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
		{"iran", "s-crashed", "", ""}, // claimed long ago, never finished
		{"iran", "s-timed-out", store.AlertUnknown, "no answer: timed out after the request was sent"},
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
	// A run is posting this one now.
	if _, _, err := db.ClaimAlert("quiet", "s-busy", time.Now()); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out := must(t, "alerts", "status", "--config", cfg, "--db", path)
	for _, want := range []string{
		"RULE                      SENT  FAILED  GAVE UP  UNKNOWN  QUEUED",
		"iran                      2     1       0        2        0",
		"quiet                     0     0       0        0        0",
		"old-rule (not in config)  0     0       1        0        0",
		"iran  story s-failed  failed, tried again next run  (1 attempt, 2024-05-01T03:00:00Z)",
		"HTTP 502 Bad Gateway",
		"iran  story s-crashe  delivery unknown, not posted again",
		"iran  story s-timed-  delivery unknown, not posted again",
		"no answer: timed out after the request was sent",
		"quiet  story s-busy  being posted by a run now",
		"old-rule  story s-gave-u  failed, given up",
		"policywatch alerts resend RULE STORY",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	var st []ruleStatus
	if err := json.Unmarshal([]byte(must(t, "alerts", "status", "--config", cfg, "--db", path, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st) != 3 || st[0].Rule != "iran" || st[0].Sent != 2 || st[0].Unknown != 2 || len(st[0].Problems) != 3 || st[1].InFlight != 1 {
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

	// The dead webhook's alerts were not sent: the data is stored, and
	// the exit code says so.
	r := policywatch(t, nil, "run", "--config", cfgPath, "--db", db, "--json")
	if r.code != exitAlertsNotSent || !strings.Contains(r.stderr, "the data is stored, but some alerts were not sent") {
		t.Fatalf("run: exit %d, want %d\n%s", r.code, exitAlertsNotSent, r.stderr)
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
	if r.code != exitAlertsNotSent {
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

// appendConfig adds text to a configuration file.
func appendConfig(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// postsBy counts the json posts a webhook got from each rule.
func postsBy(h *webhook) map[string]int {
	out := map[string]int{}
	for _, p := range h.posts() {
		rule, _ := p["rule"].(string)
		out[rule]++
	}
	return out
}

// A broken rule (here a webhook variable cron does not set) used to stop
// the batch before it fetched anything. It is reported and skipped, the
// data is stored, the other rules post, and the exit code says that some
// alerts were not sent. Once fixed, the rule posts what it missed.
func TestRunSkipsBrokenRule(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	feeds, err := demo.Feeds(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	feeds = feeds[1:2] // one feed: extraction is slow under -race
	hook := newWebhook(t, http.StatusOK)
	cfgPath := writeConfig(t, feeds)
	base := lineCount(t, cfgPath)
	appendConfig(t, cfgPath, "alerts:\n"+ // line base+1
		"  - name: good\n    webhook: {url: \""+hook.URL+"/good\", format: json}\n"+
		"  - name: cron-env\n"+ // line base+4
		"    webhook:\n      url: \""+hook.URL+"/${HOOK_PATH}\"\n      format: json\n")
	db := filepath.Join(t.TempDir(), "policywatch.db")

	r := policywatch(t, nil, "run", "--config", cfgPath, "--db", db, "--json")
	if r.code != exitAlertsNotSent {
		t.Fatalf("run: exit %d, want %d\n%s", r.code, exitAlertsNotSent, r.stderr)
	}
	if !strings.Contains(r.stderr, "the data is stored, but some alerts were not sent (1 alert rule skipped)") {
		t.Errorf("stderr does not say why:\n%s", r.stderr)
	}
	var rep runReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	wantErr := fmt.Sprintf(`%s:%d: alert "cron-env": webhook.url uses environment variable HOOK_PATH, which is not set`, cfgPath, base+6)
	if len(rep.Skipped) != 1 || rep.Skipped[0] != (skippedRule{Rule: "cron-env", Index: 2, Line: base + 4, Error: wantErr}) {
		t.Errorf("alert_rules_skipped %+v; want cron-env at line %d: %s", rep.Skipped, base+4, wantErr)
	}
	if !strings.Contains(r.stdout, `"alert_rules_skipped": [`) {
		t.Errorf("run --json has no alert_rules_skipped:\n%s", r.stdout)
	}
	if rep.NewStories == 0 || rep.NewEvents == 0 {
		t.Fatalf("the batch stored nothing: %+v", rep.Summary)
	}
	if stored := parseJSONL(t, must(t, "query", "--db", db, "--format", "jsonl")); len(stored) != rep.NewEvents {
		t.Errorf("run says %d new events; the database holds %d", rep.NewEvents, len(stored))
	}
	if got := postsBy(hook); got["good"] != rep.NewStories || got["cron-env"] != 0 {
		t.Errorf("posts by rule %v; want %d by good only", got, rep.NewStories)
	}

	// Still unset: the human summary lists it too.
	r = policywatch(t, nil, "run", "--config", cfgPath, "--db", db)
	if r.code != exitAlertsNotSent || !strings.Contains(r.stdout, "Alert rules skipped (fix them; the first run after posts what they missed):\n  "+wantErr+"\n") {
		t.Errorf("second run: exit %d\n%s", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf(`msg="alert rule skipped" rule=cron-env line=%d`, base+4)) {
		t.Errorf("the skipped rule is not logged:\n%s", r.stderr)
	}

	// Fixed: it posts the stories it missed, and all is well.
	r = policywatch(t, map[string]string{"HOOK_PATH": "env"}, "run", "--config", cfgPath, "--db", db)
	if r.code != exitOK {
		t.Fatalf("run with the variable set: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got := postsBy(hook); got["good"] != rep.NewStories || got["cron-env"] != rep.NewStories {
		t.Errorf("posts by rule %v; want %d by each", got, rep.NewStories)
	}
}

// An alerts section that cannot be read at all stops no batch either.
func TestRunAlertsSectionBroken(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	feeds, err := demo.Feeds(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := writeConfig(t, feeds[1:2])
	base := lineCount(t, cfgPath)
	appendConfig(t, cfgPath, "alerts:\n  name: not-a-list\n")
	db := filepath.Join(t.TempDir(), "policywatch.db")
	r := policywatch(t, nil, "run", "--config", cfgPath, "--db", db, "--json")
	if r.code != exitAlertsNotSent || !strings.Contains(r.stderr, "the alert rules could not be read") {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	var rep runReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.NewEvents == 0 || len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Error, fmt.Sprintf("%s:%d: alerts must be a list", cfgPath, base+2)) {
		t.Errorf("run --json: %d new events, skipped %+v", rep.NewEvents, rep.Skipped)
	}
}

// lineCount is the number of lines in the file at path, so a test that
// appends to a config can say on which line what it appended lands.
func lineCount(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// storyIDsIn lists the ids of the stories in a database.
func storyIDsIn(t *testing.T, path string) []string {
	t.Helper()
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stories, err := db.Stories(store.StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range stories {
		ids = append(ids, s.ID)
	}
	return ids
}

// alertsIn reads back the alert records of a database, by rule/story.
func alertsIn(t *testing.T, path string) map[string]store.AlertRecord {
	t.Helper()
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, err := db.Alerts("")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.AlertRecord{}
	for _, r := range recs {
		out[r.Rule+"/"+r.Story] = r
	}
	return out
}

func TestAlertsResend(t *testing.T) {
	t.Parallel()
	hook, down := newWebhook(t, http.StatusOK), newWebhook(t, http.StatusServiceUnavailable)
	cfg := alertsConfig(t, "  - name: bot\n    webhook: {url: \""+hook.URL+"\", format: json}\n"+
		"  - name: down\n    webhook: {url: \""+down.URL+"\", format: json}\n")
	path := filepath.Join(t.TempDir(), "policywatch.db")
	fillDB(t, path, "events.jsonl")
	ids := storyIDsIn(t, path)
	if len(ids) < 2 {
		t.Fatalf("fixture has %d stories", len(ids))
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	long := time.Now().Add(-time.Hour)
	db.ClaimAlert("bot", ids[0], long)
	db.FinishAlert("bot", ids[0], store.AlertUnknown, "no answer: timed out after the request was sent", long)
	db.ClaimAlert("bot", ids[1], time.Now()) // a run is posting it
	db.Close()

	// By the start of the id, as status shows it.
	r := policywatch(t, nil, "alerts", "resend", "bot", ids[0][:8], "--config", cfg, "--db", path)
	if r.code != exitOK || !strings.Contains(r.stdout, "Answer:  HTTP 200 OK") || !strings.Contains(r.stdout, "Story:   "+ids[0]) {
		t.Fatalf("resend: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	posts := hook.posts()
	if len(posts) != 1 || posts[0]["story"].(map[string]any)["id"] != ids[0] {
		t.Errorf("hook got %v; want story %s", posts, ids[0])
	}
	if rec := alertsIn(t, path)["bot/"+ids[0]]; rec.State != store.AlertSent || rec.Attempts != 2 {
		t.Errorf("after resend: %+v; want sent, 2 attempts", rec)
	}

	// Refused while a run posts it.
	r = policywatch(t, nil, "alerts", "resend", "bot", ids[1], "--config", cfg, "--db", path)
	if r.code != exitFailure || !strings.Contains(r.stderr, "alert is being posted by a run now") || len(hook.posts()) != 1 {
		t.Errorf("resend in flight: exit %d, stderr %q", r.code, r.stderr)
	}
	// A webhook that fails: exit 1, recorded as failed for the next run.
	r = policywatch(t, nil, "alerts", "resend", "down", ids[0], "--config", cfg, "--db", path)
	if r.code != exitFailure || !strings.Contains(r.stderr, "failed, tried again next run: HTTP 503 Service Unavailable") {
		t.Errorf("resend to a failing webhook: exit %d, stderr %q", r.code, r.stderr)
	}
	if rec := alertsIn(t, path)["down/"+ids[0]]; rec.State != store.AlertFailed {
		t.Errorf("after a failed resend: %+v", rec)
	}
	// Wrong rule or story: usage errors.
	for _, args := range [][]string{{"nope", ids[0]}, {"bot", "zzzz"}, {"bot"}} {
		r = policywatch(t, nil, append([]string{"alerts", "resend", "--config", cfg, "--db", path}, args...)...)
		if r.code != exitUsage {
			t.Errorf("resend %v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

func TestAlertsClear(t *testing.T) {
	t.Parallel()
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
	}{
		{"a", "s-sent", store.AlertSent},
		{"a", "s-failed", store.AlertFailed},
		{"a", "s-gave-up", store.AlertGaveUp},
		{"a", "s-unknown", store.AlertUnknown},
		{"a", "s-dead-claim", ""},
		{"b", "s-failed", store.AlertFailed},
	} {
		if _, _, err := db.ClaimAlert(c.rule, c.story, at); err != nil {
			t.Fatal(err)
		}
		if c.state != "" {
			if _, err := db.FinishAlert(c.rule, c.story, c.state, "was "+string(c.state), at); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.Close()

	state := func(k string) store.AlertState { return alertsIn(t, path)[k].State }
	out := must(t, "alerts", "clear", "--rule", "a", "--db", path)
	if !strings.Contains(out, "Queued 2 failed alerts for the next run:") || !strings.Contains(out, "a  story s-gave-up  was failed, given up") {
		t.Errorf("clear --rule a:\n%s", out)
	}
	for k, want := range map[string]store.AlertState{
		"a/s-failed": store.AlertQueued, "a/s-gave-up": store.AlertQueued, "a/s-unknown": store.AlertUnknown,
		"a/s-sent": store.AlertSent, "b/s-failed": store.AlertFailed, "a/s-dead-claim": store.AlertSending,
	} {
		if got := state(k); got != want {
			t.Errorf("after clear --rule a: %s is %s, want %s", k, got, want)
		}
	}
	out = must(t, "alerts", "clear", "--unknown", "--db", path)
	if !strings.Contains(out, "Queued 2 unknown alerts") || state("a/s-unknown") != store.AlertQueued || state("a/s-dead-claim") != store.AlertQueued || state("b/s-failed") != store.AlertFailed {
		t.Errorf("clear --unknown:\n%s\nstates %v", out, alertsIn(t, path))
	}
	out = must(t, "alerts", "clear", "--story", "s-fai", "--failed", "--unknown", "--db", path)
	if !strings.Contains(out, "Queued 1 failed or unknown alert") || state("b/s-failed") != store.AlertQueued {
		t.Errorf("clear --story s-fai:\n%s", out)
	}
	if out = must(t, "alerts", "clear", "--db", path); !strings.Contains(out, "No failed alerts to clear.") {
		t.Errorf("clear with nothing left:\n%s", out)
	}
	status := must(t, "alerts", "status", "--db", path)
	for _, want := range []string{"a (not in config)  1     0       0        0        4", "a  story s-unknow  queued, posted by the next run"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
}
