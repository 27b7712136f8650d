package main

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/policywatch/policywatch/demo/demotest"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/store/pgstore"
)

// logTime is the time of a log line, which differs between two runs.
var logTime = regexp.MustCompile(`time=\S+`)

// TestAlertsPostgres gives a bbolt file and a PostgreSQL database the
// same events and the same alert records, and wants every alerts command
// to print the same from either and leave the same records behind.
func TestAlertsPostgres(t *testing.T) {
	hook, down := newWebhook(t, http.StatusOK), newWebhook(t, http.StatusServiceUnavailable)
	cfg := alertsConfig(t, "  - name: bot\n    webhook: {url: \""+hook.URL+"\", format: json}\n"+
		"  - name: down\n    webhook: {url: \""+down.URL+"\", format: json}\n"+
		"  - name: russia\n    countries: [Russia]\n    webhook: {url: \""+hook.URL+"/ru\", format: slack}\n")
	pgURL := postgresURL(t)
	file := filepath.Join(t.TempDir(), "pw.db")
	fillDB(t, file, "events.jsonl")
	pdb, err := pgstore.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	if _, err := pdb.Save(fixtureBatch(t, "events.jsonl")); err != nil {
		t.Fatal(err)
	}
	ids := storyIDsIn(t, file)
	if len(ids) < 4 {
		t.Fatalf("fixture has %d stories", len(ids))
	}
	fdb, err := store.Open(file, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	long := time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC)
	for _, db := range []store.AlertStore{fdb, pdb} {
		for _, c := range []struct {
			rule, story string
			state       store.AlertState
			err         string
		}{
			{"bot", ids[0], store.AlertUnknown, "no answer: timed out after the request was sent"},
			{"bot", ids[1], store.AlertFailed, "HTTP 502 Bad Gateway"},
			{"bot", ids[2], store.AlertSent, ""},
			{"down", ids[0], store.AlertGaveUp, "HTTP 404 Not Found"},
			{"old-rule", ids[3], "", ""}, // a run died posting it
		} {
			if _, _, err := db.ClaimAlert(c.rule, c.story, long); err != nil {
				t.Fatal(err)
			}
			if c.state != "" {
				if _, err := db.FinishAlert(c.rule, c.story, c.state, c.err, long); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	fdb.Close()

	same := func(t *testing.T, args ...string) {
		t.Helper()
		rf := policywatch(t, nil, append(args, "--db", file)...)
		rp := policywatch(t, nil, append(args, "--db", pgURL)...)
		rf.stderr = logTime.ReplaceAllString(rf.stderr, "time=T")
		rp.stderr = logTime.ReplaceAllString(rp.stderr, "time=T")
		// A command stamps the records it changes (clear, resend) with
		// its own clock: the two commands may run seconds apart on a busy
		// machine. The fixture's times stay compared.
		rf.stdout, rp.stdout = stampedNow(rf.stdout, long), stampedNow(rp.stdout, long)
		if rp != rf {
			t.Errorf("%s: PostgreSQL gave exit %d\n%s%s\nthe file exit %d\n%s%s", strings.Join(args, " "),
				rp.code, rp.stdout, rp.stderr, rf.code, rf.stdout, rf.stderr)
		}
		if strings.TrimSpace(rf.stdout) == "" {
			t.Errorf("%s printed nothing to compare; stderr %s", strings.Join(args, " "), rf.stderr)
		}
	}
	recordsSame := func(t *testing.T) {
		t.Helper()
		fromPG, err := pdb.Alerts("")
		if err != nil {
			t.Fatal(err)
		}
		fromFile := alertsIn(t, file)
		if len(fromPG) != len(fromFile) {
			t.Errorf("PostgreSQL holds %d alert records, the file %d", len(fromPG), len(fromFile))
		}
		for _, p := range fromPG {
			f := fromFile[p.Rule+"/"+p.Story]
			// Times are stamped by each command as it runs.
			if p.State != f.State || p.Attempts != f.Attempts || p.LastError != f.LastError {
				t.Errorf("alert %s/%s: PostgreSQL %+v, the file %+v", p.Rule, p.Story, p, f)
			}
		}
	}

	same(t, "alerts", "list", "--config", cfg)
	same(t, "alerts", "status", "--config", cfg)
	same(t, "alerts", "status", "--config", cfg, "--json")
	// The sample is the newest stored story the rule matches, the same
	// in either.
	same(t, "alerts", "test", "russia", "--config", cfg)
	if posts := hook.posts(); len(posts) != 2 || posts[0]["text"] != posts[1]["text"] || !strings.Contains(posts[0]["text"].(string), "[TEST]") {
		t.Errorf("alerts test posted %v; want the same test message twice", posts)
	}
	// Resend by the start of an id, as status shows it.
	same(t, "alerts", "resend", "bot", ids[0][:8], "--config", cfg)
	same(t, "alerts", "resend", "down", ids[2], "--config", cfg)
	if posts := hook.posts(); len(posts) != 4 || posts[2]["story"].(map[string]any)["id"] != ids[0] || posts[3]["story"].(map[string]any)["id"] != ids[0] {
		t.Errorf("hook got %d posts; want the resent story %s twice", len(posts), ids[0])
	}
	recordsSame(t)
	same(t, "alerts", "clear", "--unknown", "--failed")
	recordsSame(t)
	if rec, err := pdb.Alert("old-rule", ids[3]); err != nil || rec.State != store.AlertQueued {
		t.Errorf("a dead run's claim after clear --unknown: %+v, %v; want queued", rec, err)
	}
	same(t, "alerts", "status", "--config", cfg)
}

// TestWorkersPostAlertsOnce: two worker processes share the feed jobs and
// one webhook, each posting the alerts of its jobs as they finish, and
// often the same stories at once (the feeds report the same episodes).
// Every story the database holds arrives once, and the records say sent.
func TestWorkersPostAlertsOnce(t *testing.T) {
	t.Parallel()
	const nFeeds = 4
	nr := newNewsroom(t, demotest.Options{Feeds: nFeeds, Items: 5})
	hook := newWebhook(t, http.StatusOK)
	config := writeConfig(t, nr.Feeds(nr.srv.URL))
	appendConfig(t, config, "alerts:\n  - name: all\n    new_stories_only: false\n    webhook: {url: \""+hook.URL+"\", format: json}\n")

	pgURL := postgresURL(t)
	// Both wait for jobs before there are any, so that both take some.
	w1 := start(t, "worker", "--db", pgURL, "--config", config)
	w2 := start(t, "worker", "--db", pgURL, "--config", config)
	awaitLog(t, w1, "worker started")
	awaitLog(t, w2, "worker started")
	if a, _ := mustEnqueue(t, "--db", pgURL, "--config", config); a != nFeeds {
		t.Fatalf("enqueue added %d jobs, want %d", a, nFeeds)
	}
	// Waits for the alert jobs the feed jobs queued too.
	awaitCompleted(t, pgURL, nFeeds, w1, w2)
	stopWorker(t, w1)
	stopWorker(t, w2)

	stories := postedOnce(t, pgURL, hook)
	if len(stories) < 2 {
		t.Fatalf("the workers made %d stories; want several to alert", len(stories))
	}
	pdb, err := pgstore.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	for _, s := range stories {
		if rec, err := pdb.Alert("all", s.ID); err != nil || rec.State != store.AlertSent || rec.Attempts != 1 {
			t.Errorf("alert of story %s: %+v, %v; want sent at the first attempt", s.ID, rec, err)
		}
	}
	// Which worker took which job is River's choice: say, not require.
	for i, w := range []*process{w1, w2} {
		t.Logf("worker %d posted alerts after %d jobs", i+1, strings.Count(w.stderr.String(), "msg=alerts"))
	}
}

// awaitLog waits until p has logged want, or has ended.
func awaitLog(t *testing.T, p *process, want string) {
	t.Helper()
	failsafe := time.NewTimer(2 * time.Minute)
	defer failsafe.Stop()
	for {
		changed := p.stderr.changes()
		if strings.Contains(p.stderr.String(), want) {
			return
		}
		select {
		case <-changed:
		case <-p.done:
			t.Fatalf("%s ended without logging %q:\n%s", p.cmd.Args, want, p.stderr.String())
		case <-failsafe.C:
			t.Fatalf("%s did not log %q in 2 minutes:\n%s", p.cmd.Args, want, p.stderr.String())
		}
	}
}

// stampedNow replaces, in out, every time but the fixture's (long) with
// NOW.
func stampedNow(out string, long time.Time) string {
	fixed := long.Format(time.RFC3339)
	return anyFirstSeen.ReplaceAllStringFunc(out, func(ts string) string {
		if ts == fixed {
			return ts
		}
		return "NOW"
	})
}

// TestWorkerAlertsOutliveFailure: a feed job's alerts are a job of their
// own, queued with the feed job's completion, so that what a job stored
// is alerted even when posting fails after the store: here the database
// refuses the first claim of an alert, once, as it would a worker that
// died between the two. River retries the alert job, and every story
// arrives once.
func TestWorkerAlertsOutliveFailure(t *testing.T) {
	t.Parallel()
	nr := newNewsroom(t, demotest.Options{Feeds: 1, Items: 5})
	hook := newWebhook(t, http.StatusOK)
	config := writeConfig(t, nr.Feeds(nr.srv.URL))
	appendConfig(t, config, "alerts:\n  - name: all\n    new_stories_only: false\n    webhook: {url: \""+hook.URL+"\", format: json}\n")

	pgURL := postgresURL(t)
	if a, _ := mustEnqueue(t, "--db", pgURL, "--config", config); a != 1 {
		t.Fatalf("enqueue added %d jobs, want 1", a)
	}
	conn, err := pgx.Connect(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// A sequence is not rolled back with the claim it refuses.
	for _, sql := range []string{
		"CREATE SEQUENCE claims",
		`CREATE FUNCTION refuse_first_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF nextval('claims') = 1 THEN RAISE EXCEPTION 'test refuses the first claim'; END IF; RETURN NEW; END $$`,
		"CREATE TRIGGER refuse_first_claim BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION refuse_first_claim()",
	} {
		if _, err := conn.Exec(t.Context(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}

	w := start(t, "worker", "--db", pgURL, "--config", config)
	awaitCompleted(t, pgURL, 1, w)
	stopWorker(t, w)
	if log := w.stderr.String(); !strings.Contains(log, "test refuses the first claim") {
		t.Errorf("the worker did not log the refused claim:\n%s", log)
	}
	var attempt int
	if err := conn.QueryRow(t.Context(), "SELECT attempt FROM river_job WHERE kind = 'policywatch_alerts'").Scan(&attempt); err != nil {
		t.Fatal(err)
	}
	if attempt != 2 {
		t.Errorf("the alert job was done at attempt %d, want 2", attempt)
	}

	postedOnce(t, pgURL, hook)
}
