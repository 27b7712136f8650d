package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/policywatch/policywatch/demo/demotest"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

var crashSeed = flag.Uint64("crashseed", 0, "seed of TestRunSurvivesSIGKILL's kill points (0: from the clock)")

func TestMain(m *testing.M) {
	if os.Getenv("POLICYWATCH_TEST_GROW") != "" {
		growChild()
	}
	flag.Parse()
	// Every command run in this process shares one extractor, which is
	// safe for concurrent use; the policywatch binary still builds its own.
	var once sync.Once
	var x *extract.Extractor
	var xErr error
	newExtractor = func() (*extract.Extractor, error) {
		once.Do(func() { x, xErr = extract.New() })
		return x, xErr
	}
	stop := watchMemory(heapBytes, heapLimit, memoryPoll, heapExceeded)
	code := pg.Run(m)
	stop()
	bin.remove()
	os.Exit(code)
}

// bin is the policywatch binary, built once for the tests that run it as
// a separate process: a SIGKILL must hit a real process, and the lock
// between a run and its readers is between processes.
var bin builtBinary

type builtBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// binary builds policywatch (without the race detector: the test is
// about the process, not its goroutines) and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	bin.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			bin.err = fmt.Errorf("the go command is not on PATH: %w", err)
			return
		}
		if bin.dir, bin.err = os.MkdirTemp("", "policywatch-bin-"); bin.err != nil {
			return
		}
		bin.path = filepath.Join(bin.dir, "policywatch")
		out, err := exec.Command(goTool, "build", "-o", bin.path, ".").CombinedOutput()
		if err != nil {
			bin.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if bin.err != nil {
		if errors.Is(bin.err, exec.ErrNotFound) {
			t.Skipf("cannot build policywatch to run it as a process: %v", bin.err)
		}
		t.Fatal(bin.err)
	}
	return bin.path
}

func (b *builtBinary) remove() {
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// newsroom serves a demotest.Newsroom and counts the feeds and article
// pages it has answered.
type newsroom struct {
	*demotest.Newsroom
	srv             *httptest.Server
	feeds, articles atomic.Int64
	// beforeArticle, when set, is called before an article page is
	// answered, for a test to hold pages back.
	beforeArticle atomic.Pointer[func()]
}

func newNewsroom(t *testing.T, opts demotest.Options) *newsroom {
	t.Helper()
	nr, err := demotest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	n := &newsroom{Newsroom: nr}
	n.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := n.beforeArticle.Load(); f != nil && strings.HasPrefix(r.URL.Path, "/articles/") {
			(*f)()
		}
		nr.ServeHTTP(w, r)
		switch {
		case strings.HasPrefix(r.URL.Path, "/feeds/"):
			n.feeds.Add(1)
		case strings.HasPrefix(r.URL.Path, "/articles/"):
			n.articles.Add(1)
		}
	}))
	t.Cleanup(n.srv.Close)
	return n
}

// process is a policywatch command running as its own process.
type process struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer // read it once the process has ended
	stderr logSink      // read it any time
	done   chan struct{}
	err    error // of Wait, once done is closed
}

func start(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(binary(t), args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "POLICYWATCH_DB=") // only --db says where
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	go watchChild(p.cmd.Process, childLimit, memoryPoll, p.done, sayStderr)
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the process to end and returns its exit code, or -1 if
// a signal ended it.
func (p *process) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(2 * time.Minute):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s did not end in 2 minutes:\n%s", p.cmd.Args, p.stderr.String())
	}
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

// policywatchRun runs `policywatch run` to the end and fails the test
// unless it succeeds.
func policywatchRun(t *testing.T, config, db string) {
	t.Helper()
	p := start(t, "run", "--config", config, "--db", db, "--no-progress")
	if code := p.wait(t); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, p.stderr.String())
	}
}

// writeLocked reports whether a process holds the write lock of the
// database: bbolt takes an exclusive flock for a read-write open, which a
// shared one, tried without blocking, runs into.
func writeLocked(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}

// killPoint is when a test SIGKILLs a run.
type killPoint int

const (
	whileFetchingFeeds killPoint = iota // after some feeds were answered
	whileFetchingPages                  // after some article pages were answered
	whileCommitting                     // once article pages were answered, while the run holds the write lock
)

func (k killPoint) String() string {
	return [...]string{"while fetching feeds", "while fetching articles", "while committing a batch"}[k]
}

// A run killed with SIGKILL at any point loses nothing it stored, stores
// nothing twice, and the runs after it end with the store an
// uninterrupted run makes.
func TestRunSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("kill points from seed %d (go test -run SIGKILL -crashseed %d to repeat them)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	// 12 feeds of 10 articles: every copy of a corpus article reports the
	// same story, so stories gather reports from many feeds and batches.
	const nFeeds, nItems = 12, 10
	nr := newNewsroom(t, demotest.Options{Feeds: nFeeds, Items: nItems, PageDelay: 10 * time.Millisecond})
	config := writeConfig(t, nr.Feeds(nr.srv.URL))
	dir := t.TempDir()

	ref := filepath.Join(dir, "uninterrupted.db")
	began := time.Now()
	policywatchRun(t, config, ref)
	t.Logf("uninterrupted run: %v", time.Since(began).Round(time.Millisecond))
	want := readStore(t, ref, nr)
	if len(want.articles) != nFeeds*nItems || len(want.events) == 0 || len(want.stories) >= len(want.events) {
		t.Fatalf("uninterrupted run stored %d articles, %d events, %d stories; want all %d articles and stories of several events",
			len(want.articles), len(want.events), len(want.stories), nFeeds*nItems)
	}

	path := filepath.Join(dir, "killed.db")
	var prev contents
	killed := map[killPoint]int{}
	progressed := 0 // kills after which more was stored than before, but not all
	for _, at := range []killPoint{whileFetchingFeeds, whileFetchingPages, whileCommitting, whileFetchingPages, whileCommitting, whileCommitting} {
		left := nFeeds*nItems - len(prev.articles)
		if left == 0 {
			break
		}
		feeds0, pages0 := nr.feeds.Load(), nr.articles.Load()
		p := start(t, "run", "--config", config, "--db", path, "--no-progress", "--commit-every", "20ms")
		var after int64
		switch at {
		case whileFetchingFeeds:
			after = 1 + rng.Int64N(nFeeds-1)
			awaitCount(p, &nr.feeds, feeds0+after)
		case whileFetchingPages:
			// From half a feed's articles on, so that some kills come
			// after a batch was stored.
			after = nItems/2 + rng.Int64N(int64(max(1, min(left, 4*nItems)-nItems/2)))
			awaitCount(p, &nr.articles, pages0+after)
			time.Sleep(time.Duration(rng.Int64N(int64(20 * time.Millisecond))))
		case whileCommitting:
			after = 1 + rng.Int64N(int64(min(left, 4*nItems)))
			awaitCount(p, &nr.articles, pages0+after)
			for !p.exited() && !writeLocked(path) {
				time.Sleep(200 * time.Microsecond)
			}
		}
		p.cmd.Process.Signal(syscall.SIGKILL)
		if code := p.wait(t); code != -1 {
			// It finished first: nothing more to kill.
			t.Logf("run ended (exit %d) before the kill %s", code, at)
			if code != exitOK {
				t.Fatalf("run: exit %d\n%s", code, p.stderr.String())
			}
			break
		}
		killed[at]++

		got := readStore(t, path, nr)
		got.mustKeep(t, prev)
		t.Logf("killed %s (after %d answered): %d articles, %d events, %d stories stored",
			at, after, len(got.articles), len(got.events), len(got.stories))
		if n := len(got.articles); n > len(prev.articles) && n < nFeeds*nItems {
			progressed++
		}
		prev = got
	}
	if killed[whileFetchingPages] == 0 || killed[whileCommitting] == 0 || progressed == 0 {
		t.Errorf("kills %v, %d of them after a batch was stored; want kills while fetching articles and while committing, mid-run",
			killed, progressed)
	}

	policywatchRun(t, config, path)
	got := readStore(t, path, nr)
	got.mustKeep(t, prev)
	got.mustEqual(t, want)
	if a, b := exportLines(t, ref), exportLines(t, path); !reflect.DeepEqual(a, b) {
		t.Errorf("export after the kills differs from the uninterrupted run's:\n%v\nwant\n%v", b, a)
	}
}

// awaitCount waits until *n reaches target or the process ends.
func awaitCount(p *process, n *atomic.Int64, target int64) {
	for n.Load() < target && !p.exited() {
		time.Sleep(time.Millisecond)
	}
}

// contents is what a store holds, read through the store package.
type contents struct {
	articles map[string]ingest.Article
	// events maps each event id to its JSON, which holds every field.
	events map[string]string
	feeds  map[string]ingest.FeedState
	// stories maps "country service action: event ids" to the story, id
	// and times cleared: a story's id and creation depend on which report
	// came first, which concurrent fetching leaves open.
	stories map[string]store.Story
}

// readStore opens the database read-only, reads what it holds of the
// newsroom's articles, and checks it is whole: every event belongs to a
// stored article and to exactly one story, nothing is listed twice, and a
// feed is marked fetched only once all its articles are in.
func readStore(t *testing.T, path string, nr *newsroom) contents {
	t.Helper()
	db, err := store.Open(path, store.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("open after the kill: %v", err)
	}
	defer db.Close()
	c := contents{
		articles: make(map[string]ingest.Article),
		events:   make(map[string]string),
		feeds:    make(map[string]ingest.FeedState),
		stories:  make(map[string]store.Story),
	}
	counts, err := db.Counts()
	if err != nil {
		t.Fatal(err)
	}
	states, err := db.FeedStates()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range states {
		c.feeds[st.URL] = st
	}

	byArticle := make(map[string][]string)
	for f, feed := range nr.Feeds(nr.srv.URL) {
		keys := nr.Keys(f)
		seen, err := db.Seen(keys)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if !seen[k] {
				if c.feeds[feed.URL].ETag != "" {
					t.Errorf("%s is marked fetched (ETag %s) without its article %s", feed.Name, c.feeds[feed.URL].ETag, k)
				}
				continue
			}
			a, err := db.Article(ingest.ArticleID(k))
			if err != nil {
				t.Fatalf("item %s is seen but its article is not stored: %v", k, err)
			}
			c.articles[a.ID] = a
			evs, err := db.ArticleEvents(a.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				byArticle[a.ID] = append(byArticle[a.ID], e.ID)
			}
		}
	}
	if counts.Articles != len(c.articles) {
		t.Errorf("%d articles stored, %d of them the newsroom's items", counts.Articles, len(c.articles))
	}

	events, err := db.Events(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if _, dup := c.events[e.ID]; dup {
			t.Errorf("event %s listed twice", e.ID)
		}
		if !slices.Contains(byArticle[e.ArticleID], e.ID) {
			t.Errorf("event %s is not among the events of its article %s", e.ID, e.ArticleID)
		}
		raw, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		c.events[e.ID] = string(raw)
	}
	perArticle := 0
	for _, ids := range byArticle {
		perArticle += len(ids)
	}
	if len(c.events) != counts.Events || perArticle != counts.Events {
		t.Errorf("%d events stored, %d listed, %d by article", counts.Events, len(c.events), perArticle)
	}

	stories, err := db.Stories(store.StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	inStory := make(map[string]string)
	for _, s := range stories {
		for _, id := range s.EventIDs {
			if _, ok := c.events[id]; !ok {
				t.Errorf("story %s has event %s, which is not stored", s.ID, id)
			}
			if other, dup := inStory[id]; dup {
				t.Errorf("event %s is in stories %s and %s", id, other, s.ID)
			}
			inStory[id] = s.ID
		}
		ids := slices.Sorted(slices.Values(s.EventIDs))
		key := fmt.Sprintf("%s %s %s: %s", s.Country, s.Service, s.Action, strings.Join(ids, " "))
		s.ID, s.Created, s.Updated, s.EventIDs = "", time.Time{}, time.Time{}, nil
		c.stories[key] = s
	}
	for id := range c.events {
		if _, ok := inStory[id]; !ok {
			t.Errorf("event %s is in no story", id)
		}
	}
	return c
}

// mustKeep checks that c holds everything prev held, unchanged.
func (c contents) mustKeep(t *testing.T, prev contents) {
	t.Helper()
	for id, a := range prev.articles {
		if got, ok := c.articles[id]; !ok || !reflect.DeepEqual(got, a) {
			t.Errorf("article %s (%s) was stored, and is now lost or changed", id, a.URL)
		}
	}
	for id, e := range prev.events {
		if got, ok := c.events[id]; !ok || got != e {
			t.Errorf("event %s was stored, and is now lost or changed:\n%s\nwas\n%s", id, got, e)
		}
	}
}

// mustEqual checks that c holds what want does, but for the times of
// fetching and first storing, which differ between any two runs.
func (c contents) mustEqual(t *testing.T, want contents) {
	t.Helper()
	timeless := func(m map[string]ingest.Article) map[string]ingest.Article {
		out := make(map[string]ingest.Article, len(m))
		for id, a := range m {
			a.Fetched = time.Time{}
			out[id] = a
		}
		return out
	}
	if got, w := timeless(c.articles), timeless(want.articles); !reflect.DeepEqual(got, w) {
		t.Errorf("articles differ from the uninterrupted run's: %d stored, want %d", len(got), len(w))
	}
	firstSeenless := func(m map[string]string) map[string]map[string]any {
		out := make(map[string]map[string]any, len(m))
		for id, raw := range m {
			var v map[string]any
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				t.Fatal(err)
			}
			delete(v, "first_seen")
			out[id] = v
		}
		return out
	}
	got, w := firstSeenless(c.events), firstSeenless(want.events)
	for id, e := range w {
		if !reflect.DeepEqual(got[id], e) {
			t.Errorf("event %s: %v\nuninterrupted run's: %v", id, got[id], e)
		}
	}
	for id := range got {
		if _, ok := w[id]; !ok {
			t.Errorf("event %s is not in the uninterrupted run's store", id)
		}
	}
	// A feed done before the last run answered it 304, which is as good
	// as the uninterrupted run's 200.
	for url, st := range want.feeds {
		g := c.feeds[url]
		if g.ETag != st.ETag || g.LastModified != st.LastModified || g.LastError != st.LastError || g.LastOK.IsZero() ||
			(g.LastStatus != http.StatusOK && g.LastStatus != http.StatusNotModified) {
			t.Errorf("feed %s: state %+v\nuninterrupted run's %+v", url, g, st)
		}
	}
	if len(c.feeds) != len(want.feeds) {
		t.Errorf("%d feed states, want %d", len(c.feeds), len(want.feeds))
	}
	for _, k := range slices.Sorted(maps.Keys(want.stories)) {
		if g, ok := c.stories[k]; !ok || !reflect.DeepEqual(g, want.stories[k]) {
			t.Errorf("story %s:\n%+v\nuninterrupted run's\n%+v", k, g, want.stories[k])
		}
	}
	for k := range c.stories {
		if _, ok := want.stories[k]; !ok {
			t.Errorf("story %s is not in the uninterrupted run's store", k)
		}
	}
}

// exportLines is `policywatch export --format jsonl` of the database, one
// decoded object a line, without first_seen, sorted by id.
func exportLines(t *testing.T, db string) []map[string]any {
	t.Helper()
	p := start(t, "export", "--db", db, "--format", "jsonl")
	if code := p.wait(t); code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, p.stderr.String())
	}
	var out []map[string]any
	for line := range strings.Lines(p.stdout.String()) {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		delete(v, "first_seen")
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b map[string]any) int {
		return strings.Compare(fmt.Sprint(a["id"]), fmt.Sprint(b["id"]))
	})
	return out
}
