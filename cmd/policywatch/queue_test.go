package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/policywatch/policywatch/backfill/warctest"
	"github.com/policywatch/policywatch/demo/demotest"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/store/pgstore"
)

// jobStates counts the queue's jobs by state, the alert jobs that feed
// jobs queue apart, as "alerts " and their state.
func jobStates(t *testing.T, dsn string) map[string]int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), `SELECT CASE WHEN kind = 'policywatch_alerts' THEN 'alerts ' ELSE '' END || state::text, count(*)
FROM river_job GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]int)
	var state string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&state, &n}, func() error { out[state] = n; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// changes is closed at the sink's next write.
func (l *logSink) changes() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed == nil {
		l.changed = make(chan struct{})
	}
	return l.changed
}

// awaitCompleted waits until the queue holds n feed or WARC jobs, all
// completed, and the alert jobs the feed jobs queued are completed too. A
// worker logs each job it has done after the job's transaction commits,
// so the queue is looked at again whenever a worker writes to its log or
// ends; the 3 minutes are a failsafe, above the rescue of a killed
// worker's job (its delay, plus up to River's 30 seconds between rescues,
// plus an election if the killed worker led).
func awaitCompleted(t *testing.T, dsn string, n int, workers ...*process) {
	t.Helper()
	failsafe := time.NewTimer(3 * time.Minute)
	defer failsafe.Stop()
	for {
		// Taken before the look, so no write between the two is missed.
		var wake []<-chan struct{}
		for _, w := range workers {
			if !w.exited() {
				wake = append(wake, w.stderr.changes(), w.done)
			}
		}
		states := jobStates(t, dsn)
		if states["completed"] == n && (len(states) == 1 || len(states) == 2 && states["alerts completed"] > 0) {
			return
		}
		if len(wake) == 0 {
			t.Fatalf("every worker has ended with jobs %v; want %d completed", states, n)
		}
		cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(failsafe.C)}}
		for _, c := range wake {
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c)})
		}
		if i, _, _ := reflect.Select(cases); i == 0 {
			var logs strings.Builder
			for i, w := range workers {
				fmt.Fprintf(&logs, "worker %d:\n%s\n", i, w.stderr.String())
			}
			t.Fatalf("jobs %v after 3 minutes; want %d completed\n%s", states, n, logs.String())
		}
	}
}

// stopWorker sends SIGTERM and checks the worker exits 0.
func stopWorker(t *testing.T, w *process) {
	t.Helper()
	w.cmd.Process.Signal(syscall.SIGTERM)
	if code := w.wait(t); code != exitOK {
		t.Errorf("worker after SIGTERM: exit %d\n%s", code, w.stderr.String())
	}
}

// sameStore checks that the PostgreSQL database holds what the bbolt
// file of an uninterrupted run holds: the same events, none twice (query
// and export print them alike), stories, articles and feed states.
func sameStore(t *testing.T, file, pgURL string) {
	t.Helper()
	want, got := exportLines(t, file), exportLines(t, pgURL)
	ids := make(map[any]bool)
	for _, e := range got {
		if ids[e["id"]] {
			t.Errorf("event %v exported twice", e["id"])
		}
		ids[e["id"]] = true
	}
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("export from PostgreSQL, %d events, differs from the run's, %d events:\n%v\nwant\n%v", len(got), len(want), got, want)
	}
	// Stories too: workers saving one episode at once must group it as
	// one run does. A story's id hashes the event that founded it, and
	// stories of one day are listed newest-made first: both depend on
	// which feed was saved first, so ids are masked and lines sorted.
	for _, args := range [][]string{{"query"}, {"query", "--format", "csv"}, {"query", "--stories"}} {
		mask := func(out string) string {
			out = anyFirstSeen.ReplaceAllString(out, "FIRST-SEEN")
			if args[len(args)-1] == "--stories" {
				lines := strings.Split(storyIDColumn.ReplaceAllString(out, "  STORY-ID"), "\n")
				slices.Sort(lines)
				out = strings.Join(lines, "\n")
			}
			return out
		}
		fromFile := mask(must(t, append(args, "--db", file)...))
		fromPG := mask(must(t, append(args, "--db", pgURL)...))
		if fromPG != fromFile {
			t.Errorf("%s from PostgreSQL:\n%s\nfrom the run's file:\n%s", args, fromPG, fromFile)
		}
	}

	fdb, err := store.Open(file, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fdb.Close()
	pdb, err := pgstore.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	fc, err := fdb.Counts()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := pdb.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if pc != fc {
		t.Errorf("PostgreSQL holds %+v, the run's file %+v", pc, fc)
	}
	fs, err := fdb.FeedStates()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := pdb.FeedStates()
	if err != nil {
		t.Fatal(err)
	}
	strip := func(ss []ingest.FeedState) []ingest.FeedState {
		for i := range ss {
			ss[i].LastFetched, ss[i].LastOK = time.Time{}, time.Time{}
		}
		return ss
	}
	if !reflect.DeepEqual(strip(ps), strip(fs)) {
		t.Errorf("feed states in PostgreSQL %+v\nin the run's file %+v", ps, fs)
	}
}

// storyIDColumn is the id that ends a line of query --stories.
var storyIDColumn = regexp.MustCompile(`(?m)  [0-9a-f]{8}$`)

var enqueued = regexp.MustCompile(`^(\d+) (feed|WARC file) jobs? added, (\d+) already queued, in PostgreSQL database`)

// mustEnqueue runs enqueue and returns the jobs it added and found
// queued.
func mustEnqueue(t *testing.T, args ...string) (added, queued int) {
	t.Helper()
	out := must(t, append([]string{"enqueue"}, args...)...)
	m := enqueued.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("enqueue printed %q", out)
	}
	added, _ = strconv.Atoi(m[1])
	queued, _ = strconv.Atoi(m[3])
	return added, queued
}

// TestEnqueueTwice: enqueueing the same feeds or WARC files again, while
// their jobs wait, queues nothing more; a bbolt file is refused.
func TestEnqueueTwice(t *testing.T) {
	pgURL := postgresURL(t)
	config := writeConfig(t, []ingest.Feed{
		{Name: "One", URL: "http://127.0.0.1:1/one.xml"},
		{Name: "Two", URL: "http://127.0.0.1:1/two.xml"},
		{Name: "Three", URL: "http://127.0.0.1:1/three.xml"},
	})
	if a, q := mustEnqueue(t, "--db", pgURL, "--config", config); a != 3 || q != 0 {
		t.Errorf("first enqueue: %d added, %d queued; want 3, 0", a, q)
	}
	if a, q := mustEnqueue(t, "--db", pgURL, "--config", config); a != 0 || q != 3 {
		t.Errorf("second enqueue: %d added, %d queued; want 0, 3", a, q)
	}

	dir := t.TempDir()
	listing := filepath.Join(dir, "warc.paths")
	if err := os.WriteFile(listing, []byte("a.warc.gz\nb.warc.gz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// b.warc.gz is given twice: listed, and by its path.
	args := []string{"--db", pgURL, "--warc", listing, filepath.Join(dir, "b.warc.gz")}
	if a, q := mustEnqueue(t, args...); a != 2 || q != 1 {
		t.Errorf("first WARC enqueue: %d added, %d queued; want 2, 1", a, q)
	}
	if a, q := mustEnqueue(t, args...); a != 0 || q != 3 {
		t.Errorf("second WARC enqueue: %d added, %d queued; want 0, 3", a, q)
	}
	if got := jobStates(t, pgURL); !reflect.DeepEqual(got, map[string]int{"available": 5}) {
		t.Errorf("jobs %v, want 5 available", got)
	}
	if out := must(t, "enqueue", "--db", pgURL, "--config", config, "--json"); !strings.Contains(out, `"already_queued": 3`) {
		t.Errorf("enqueue --json printed %s", out)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"enqueue", "--db", filepath.Join(dir, "pw.db"), "--config", config}, "enqueue needs a PostgreSQL database"},
		{[]string{"worker", "--db", filepath.Join(dir, "pw.db")}, "worker needs a PostgreSQL database"},
		{[]string{"enqueue", "--db", pgURL, "--warc"}, "enqueue --warc needs WARC files"},
		{[]string{"enqueue", "--db", pgURL, "x.warc.gz"}, "give --warc"},
		{[]string{"worker", "--db", pgURL, "--rescue-after", "1m", "--job-timeout", "2m"}, "--rescue-after (1m0s) at least --job-timeout"},
		{[]string{"worker", "--db", pgURL, "--workers", "0"}, "--workers must be at least 1"},
	} {
		r := policywatch(t, nil, c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d saying %q", c.args, r.code, r.stderr, exitUsage, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pw.db")); !os.IsNotExist(err) {
		t.Errorf("enqueue or worker made the bbolt file (err %v)", err)
	}
}

// TestWorkerMatchesRun: one worker process works every feed job, and the
// PostgreSQL store then holds what 'policywatch run' stores in a file from
// the same feeds. Enqueued again once done, the feeds are queued anew.
func TestWorkerMatchesRun(t *testing.T) {
	t.Parallel()
	const nFeeds = 4
	nr := newNewsroom(t, demotest.Options{Feeds: nFeeds, Items: 5})
	config := writeConfig(t, nr.Feeds(nr.srv.URL))
	ref := filepath.Join(t.TempDir(), "run.db")
	policywatchRun(t, config, ref)

	pgURL := postgresURL(t)
	if a, q := mustEnqueue(t, "--db", pgURL, "--config", config); a != nFeeds || q != 0 {
		t.Fatalf("enqueue: %d added, %d queued; want %d, 0", a, q, nFeeds)
	}
	w := start(t, "worker", "--db", pgURL, "--config", config, "--workers", "2")
	awaitCompleted(t, pgURL, nFeeds, w)
	stopWorker(t, w)
	sameStore(t, ref, pgURL)

	if a, q := mustEnqueue(t, "--db", pgURL, "--config", config); a != nFeeds || q != 0 {
		t.Errorf("enqueue after the jobs were done: %d added, %d queued; want %d, 0", a, q, nFeeds)
	}
}

// TestWorkersSIGKILL: three worker processes share the feed jobs; one is
// SIGKILLed while it fetches an article of its job. Its job is rescued
// and done by another worker, and the store ends as a single run's, with
// nothing stored twice.
func TestWorkersSIGKILL(t *testing.T) {
	t.Parallel()
	const nFeeds, nItems, victimFeed = 6, 5, 2
	nr, err := demotest.New(demotest.Options{Feeds: nFeeds, Items: nItems})
	if err != nil {
		t.Fatal(err)
	}
	// The newsroom holds back one article, the last its feed lists, until
	// the worker that asked for it is dead; everything else it answers.
	victim := fmt.Sprintf("/articles/%d/0.html", victimFeed)
	asked, release := make(chan struct{}), make(chan struct{})
	var askedOnce, releaseOnce sync.Once
	hold := true
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		held := hold && r.URL.Path == victim
		mu.Unlock()
		if held {
			askedOnce.Do(func() { close(asked) })
			<-release
		}
		nr.ServeHTTP(w, r)
	}))
	// Registered before the server's Close, run after it: Close waits for
	// a handler held back.
	t.Cleanup(srv.Close)
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
	feeds := nr.Feeds(srv.URL)
	config := writeConfig(t, feeds)

	// The single run answers the article at once.
	mu.Lock()
	hold = false
	mu.Unlock()
	ref := filepath.Join(t.TempDir(), "run.db")
	policywatchRun(t, config, ref)
	mu.Lock()
	hold = true
	mu.Unlock()

	// The workers alert every story, the killed worker's included.
	hook := newWebhook(t, http.StatusOK)
	appendConfig(t, config, "alerts:\n  - name: all\n    new_stories_only: false\n    webhook: {url: \""+hook.URL+"\", format: json}\n")

	pgURL := postgresURL(t)
	if a, _ := mustEnqueue(t, "--db", pgURL, "--config", config); a != nFeeds {
		t.Fatalf("enqueue added %d jobs, want %d", a, nFeeds)
	}
	// Each article stored is told on a channel, so that the test can wait,
	// without polling, for the job's other articles to be committed: the
	// worker dies in the middle of its job, with part of it stored.
	conn, err := pgx.Connect(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, sql := range []string{
		`CREATE FUNCTION tell_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('article_stored', NEW.feed); RETURN NEW; END $$`,
		"CREATE TRIGGER tell_article AFTER INSERT ON articles FOR EACH ROW EXECUTE FUNCTION tell_article()",
		"LISTEN article_stored",
	} {
		if _, err := conn.Exec(t.Context(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}

	// A job a live worker holds never runs 10 seconds here; a dead
	// worker's is rescued after them.
	var workers []*process
	for range 3 {
		workers = append(workers, start(t, "worker", "--db", pgURL, "--config", config,
			"--job-timeout", "10s", "--rescue-after", "10s", "--grace", "1m"))
	}
	select {
	case <-asked:
	case <-time.After(3 * time.Minute):
		t.Fatalf("no worker asked for %s in 3 minutes", victim)
	}
	var stored int
	waitCtx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	for {
		if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM articles WHERE feed = $1", feeds[victimFeed].Name).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == nItems-1 {
			break
		}
		if _, err := conn.WaitForNotification(waitCtx); err != nil {
			t.Fatalf("%d of the %d other articles of %s stored: %v", stored, nItems-1, feeds[victimFeed].Name, err)
		}
	}
	var jobID int64
	var holder string
	err = conn.QueryRow(t.Context(), `SELECT id, attempted_by[array_upper(attempted_by, 1)] FROM river_job
WHERE state = 'running' AND args->>'url' = $1`, feeds[victimFeed].URL).Scan(&jobID, &holder)
	if err != nil {
		t.Fatalf("the job of %s is not running while its article is asked for: %v", feeds[victimFeed].URL, err)
	}
	var killed *process
	for _, w := range workers {
		if strings.Contains(holder, fmt.Sprintf("-%d-", w.cmd.Process.Pid)) {
			killed = w
		}
	}
	if killed == nil {
		t.Fatalf("job %d is held by %q, none of the workers", jobID, holder)
	}
	killed.cmd.Process.Signal(syscall.SIGKILL)
	if code := killed.wait(t); code != -1 {
		t.Fatalf("the worker holding job %d ended with exit %d before the kill\n%s", jobID, code, killed.stderr.String())
	}
	var states int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM feeds WHERE url = $1", feeds[victimFeed].URL).Scan(&states); err != nil {
		t.Fatal(err)
	}
	if states != 0 {
		t.Errorf("the state of %s is stored before its last article", feeds[victimFeed].URL)
	}
	t.Logf("killed worker %s in job %d, with %d of its feed's %d articles stored", holder, jobID, stored, nItems)
	// The dead worker's request is answered now, to nobody; the next
	// worker's is not held.
	mu.Lock()
	hold = false
	mu.Unlock()
	releaseOnce.Do(func() { close(release) })

	var survivors []*process
	for _, w := range workers {
		if w != killed {
			survivors = append(survivors, w)
		}
	}
	awaitCompleted(t, pgURL, nFeeds, survivors...)
	var attempt int
	var by []string
	if err := conn.QueryRow(t.Context(), "SELECT attempt, attempted_by FROM river_job WHERE id = $1", jobID).Scan(&attempt, &by); err != nil {
		t.Fatal(err)
	}
	if attempt < 2 || len(by) < 2 || by[len(by)-1] == holder {
		t.Errorf("job %d was done at attempt %d by %v; want a second attempt by another worker than %s", jobID, attempt, by, holder)
	}
	for _, w := range survivors {
		stopWorker(t, w)
	}
	sameStore(t, ref, pgURL)
	checkPosted(t, pgURL, hook, true)
}

// postedOnce checks that the webhook got every story the database holds
// once, and no other, and returns those stories.
func postedOnce(t *testing.T, pgURL string, hook *webhook) []store.Story {
	t.Helper()
	return checkPosted(t, pgURL, hook, false)
}

// checkPosted is postedOnce; with deadClaims, a worker was killed, and a
// story whose delivery it had claimed (its alert still "sending", or
// "unknown" once the claim expired) may have reached the webhook or not:
// such a claim is never posted again unasked (at most once, as run does
// it), so that story may be posted once or not at all.
func checkPosted(t *testing.T, pgURL string, hook *webhook, deadClaims bool) []store.Story {
	t.Helper()
	pdb, err := pgstore.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	stories, err := pdb.Stories(store.StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stories) == 0 {
		t.Fatal("the database holds no stories to alert")
	}
	posted := map[string]int{}
	for _, p := range hook.posts() {
		s, _ := p["story"].(map[string]any)
		id, _ := s["id"].(string)
		posted[id]++
	}
	inFlight := map[string]store.AlertState{}
	if deadClaims {
		recs, err := pdb.Alerts("")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.State == store.AlertSending || r.State == store.AlertUnknown {
				inFlight[r.Story] = r.State
			}
		}
	}
	for _, s := range stories {
		switch {
		case posted[s.ID] == 0 && inFlight[s.ID] != "":
			t.Logf("story %s (%s %s %s) not posted: the killed worker's claim is %s", s.ID, s.Country, s.Action, s.Service, inFlight[s.ID])
		case posted[s.ID] != 1:
			t.Errorf("story %s (%s %s %s) posted %d times, want once", s.ID, s.Country, s.Action, s.Service, posted[s.ID])
		}
		delete(posted, s.ID)
	}
	if len(posted) > 0 {
		t.Errorf("posted stories the database does not hold: %v", posted)
	}
	return stories
}

// TestWorkerWARC: WARC jobs store what backfill stores from the same
// files, and each file is recorded as read with its job's completion.
func TestWorkerWARC(t *testing.T) {
	t.Parallel()
	pages := backfillPages(t)
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "a.warc.gz"), filepath.Join(dir, "b.warc.gz")}
	for i, f := range files {
		half := pages[i*len(pages)/2 : (i+1)*len(pages)/2]
		if err := os.WriteFile(f, warctest.Write(half, true), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	config := writeConfig(t, []ingest.Feed{{Name: "unused", URL: "http://127.0.0.1:1/feed.xml"}})
	ref := filepath.Join(dir, "backfill.db")
	if p := start(t, append([]string{"backfill", "--config", config, "--db", ref, "--no-progress"}, files...)...); p.wait(t) != exitOK {
		t.Fatalf("backfill: %s", p.stderr.String())
	}

	pgURL := postgresURL(t)
	if a, _ := mustEnqueue(t, append([]string{"--db", pgURL, "--config", config, "--warc"}, files...)...); a != len(files) {
		t.Fatalf("enqueue added %d jobs, want %d", a, len(files))
	}
	w := start(t, "worker", "--db", pgURL, "--config", config, "--workers", "2")
	awaitCompleted(t, pgURL, len(files), w)
	stopWorker(t, w)
	want, got := exportLines(t, ref), exportLines(t, pgURL)
	if len(want) < 50 || !reflect.DeepEqual(got, want) {
		t.Errorf("WARC jobs stored %d events, backfill %d; they differ", len(got), len(want))
	}
	pdb, err := pgstore.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	for _, f := range files {
		if rec, done, err := pdb.WARCFileDone(f); err != nil || !done || rec.Articles == 0 {
			t.Errorf("%s: recorded %v as read (%+v, %v)", f, done, rec, err)
		}
	}
}

// TestWorkerStopReleasesJob: a worker stopped while a job waits on a
// page gives the job its grace, then cancels it and exits 0; the job
// goes back to the queue at once, not counted as a failure, and another
// worker does it without waiting for a rescue.
func TestWorkerStopReleasesJob(t *testing.T) {
	t.Parallel()
	nr, err := demotest.New(demotest.Options{Feeds: 1, Items: 3})
	if err != nil {
		t.Fatal(err)
	}
	asked, release := make(chan struct{}), make(chan struct{})
	var askedOnce, releaseOnce sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/articles/0/0.html" {
			askedOnce.Do(func() { close(asked) })
			<-release
		}
		nr.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
	config := writeConfig(t, nr.Feeds(srv.URL))
	pgURL := postgresURL(t)
	mustEnqueue(t, "--db", pgURL, "--config", config)

	w := start(t, "worker", "--db", pgURL, "--config", config, "--grace", "100ms")
	select {
	case <-asked:
	case <-time.After(3 * time.Minute):
		t.Fatal("the worker did not ask for the article in 3 minutes")
	}
	stopWorker(t, w)
	if !strings.Contains(w.stderr.String(), "cancelling them") {
		t.Errorf("the worker did not say it cancelled its job:\n%s", w.stderr.String())
	}
	var state string
	var errs int
	conn, err := pgx.Connect(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(t.Context(), "SELECT state::text, coalesce(array_length(errors, 1), 0) FROM river_job").Scan(&state, &errs); err != nil {
		t.Fatal(err)
	}
	if state != "available" || errs != 0 {
		t.Errorf("the cancelled job is %s with %d errors; want available, none", state, errs)
	}

	releaseOnce.Do(func() { close(release) })
	w = start(t, "worker", "--db", pgURL, "--config", config)
	awaitCompleted(t, pgURL, 1, w)
	stopWorker(t, w)
}
