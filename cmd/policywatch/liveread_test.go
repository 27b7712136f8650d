package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/policywatch/policywatch/demo/demotest"
	"github.com/policywatch/policywatch/pipeline"
	"github.com/policywatch/policywatch/store"
)

// reader is one way of reading the store, tried again and again while a
// run writes.
type reader struct {
	name string
	read func() (events int, err error)

	counts []int    // what each read saw
	errs   []string // reads that failed
}

// loop reads until stop is closed, and tells midRun of each read that
// found events.
func (r *reader) loop(stop <-chan struct{}, midRun func(*reader)) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		n, err := r.read()
		if err != nil {
			r.errs = append(r.errs, err.Error())
		} else {
			r.counts = append(r.counts, n)
			if n > 0 {
				midRun(r)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pageHold holds a run's article pages, once a number of them have been
// asked for, until every reader has read some of what the run stored: so
// each reads mid-run however fast the machine runs the readers and the
// run. The 2 minutes are only a failsafe.
type pageHold struct {
	after   int64 // pages let through before the hold
	started atomic.Int64
	want    int // readers
	mu      sync.Mutex
	read    map[*reader]bool
	open    chan struct{}
	release sync.Once
}

func newPageHold(after int64, readers int) *pageHold {
	return &pageHold{after: after, want: readers, read: make(map[*reader]bool), open: make(chan struct{})}
}

func (h *pageHold) let() { h.release.Do(func() { close(h.open) }) }

// page is the newsroom's beforeArticle.
func (h *pageHold) page() {
	if h.started.Add(1) <= h.after {
		return
	}
	select {
	case <-h.open:
	case <-time.After(2 * time.Minute):
		h.let()
	}
}

// midRun records a reader's read of events while pages are held.
func (h *pageHold) midRun(r *reader) {
	if h.started.Load() <= h.after {
		return // not held yet
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.read[r] = true; len(h.read) == h.want {
		h.let()
	}
}

// command runs the binary and returns its standard output, or an error
// with its exit code and standard error.
func command(bin string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "POLICYWATCH_DB=")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := runWatched(cmd, childLimit, sayStderr); err != nil {
		return nil, fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// getJSON gets url and decodes its JSON answer into v; anything but 200
// is an error.
func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s (Retry-After %q)", url, resp.Status, resp.Header.Get("Retry-After"))
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// While a run fetches slowly and commits batch after batch, query,
// export and a running serve all keep answering, each time with at
// least what they saw before; and the run, taking the write lock for
// every batch between their reads, is not held up by them. This is the
// design of store.Handle: the run opens the file read-write for one
// batch at a time, the readers open it read-only per command or request
// and wait up to their timeout (1 s, serve 2 s) for a batch to finish.
func TestReadsDuringRun(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	// 36 articles at 50 ms a page, two at a time, with a commit every
	// 100 ms; a third of the way, the pages wait for the readers.
	const nFeeds, nItems = 6, 6
	nr := newNewsroom(t, demotest.Options{Feeds: nFeeds, Items: nItems, PageDelay: 50 * time.Millisecond})
	config := writeConfig(t, nr.Feeds(nr.srv.URL))
	path := filepath.Join(t.TempDir(), "policywatch.db")

	serve := start(t, "serve", "--db", path, "--addr", "127.0.0.1:0")
	base := serve.stderr.await(t, regexp.MustCompile(`msg=serving url=(http://127\.0\.0\.1:\d+)/`))[1]

	// A third of the way, article pages wait for the 4 readers below.
	hold := newPageHold(nFeeds*nItems/3, 4)
	page := hold.page
	nr.beforeArticle.Store(&page)
	run := start(t, "run", "--config", config, "--db", path, "--no-progress", "--json", "--commit-every", "100ms")
	// The run creates the database before it fetches the first feed.
	awaitCount(run, &nr.feeds, 1)

	readers := []*reader{
		{name: "query", read: func() (int, error) {
			out, err := command(bin, "query", "--db", path, "--format", "json")
			if err != nil {
				return 0, err
			}
			var events []json.RawMessage
			err = json.Unmarshal(out, &events)
			return len(events), err
		}},
		{name: "export", read: func() (int, error) {
			out, err := command(bin, "export", "--db", path, "--format", "jsonl")
			return bytes.Count(out, []byte("\n")), err
		}},
		{name: "serve /events", read: func() (int, error) {
			var body struct{ Count int }
			err := getJSON(base+"/events?limit=1000", &body)
			return body.Count, err
		}},
		{name: "serve /healthz", read: func() (int, error) {
			var body struct {
				Status string
				Events int
			}
			if err := getJSON(base+"/healthz", &body); err != nil {
				return 0, err
			}
			if body.Status != "ok" {
				return 0, fmt.Errorf("healthz: status %q", body.Status)
			}
			return body.Events, nil
		}},
	}
	if len(readers) != hold.want {
		t.Fatalf("%d readers, the hold waits for %d", len(readers), hold.want)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, r := range readers {
		wg.Go(func() { r.loop(stop, hold.midRun) })
	}
	code := run.wait(t)
	close(stop)
	wg.Wait()

	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, run.stderr.String())
	}
	var sum pipeline.Summary
	if err := json.Unmarshal(run.stdout.Bytes(), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.NewArticles != nFeeds*nItems || sum.ArticlesFailed != 0 {
		t.Errorf("run stored %d articles, %d failed; want all %d", sum.NewArticles, sum.ArticlesFailed, nFeeds*nItems)
	}
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := db.Counts()
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	final := counts.Events

	for _, r := range readers {
		for _, e := range r.errs {
			t.Errorf("%s failed during the run: %s", r.name, e)
		}
		during := 0
		for i, n := range r.counts {
			if i > 0 && n < r.counts[i-1] {
				t.Errorf("%s saw %d events after %d", r.name, n, r.counts[i-1])
			}
			if n > final {
				t.Errorf("%s saw %d events; the run stored %d", r.name, n, final)
			}
			if n > 0 && n < final {
				during++
			}
		}
		t.Logf("%s: %d reads, %d failed, %d of them mid-run: %v", r.name, len(r.counts)+len(r.errs), len(r.errs), during, r.counts)
		if during == 0 {
			t.Errorf("%s never read while the run was half done: %v of %d events", r.name, r.counts, final)
		}
	}
	// After the run the readers see all of it.
	for _, r := range readers {
		if n, err := r.read(); err != nil || n != final {
			t.Errorf("%s after the run: %d events (%v), want %d", r.name, n, err, final)
		}
	}

	serve.cmd.Process.Signal(syscall.SIGTERM)
	if code := serve.wait(t); code != exitInterrupted {
		t.Errorf("serve: exit %d after SIGTERM\n%s", code, serve.stderr.String())
	}
}
