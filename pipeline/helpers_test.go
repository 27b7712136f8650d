package pipeline_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/demo"
	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/pipeline"
	"github.com/policywatch/policywatch/store"
)

// The extractor takes about half a second to load; the tests share one,
// as a process would.
var (
	extractorOnce sync.Once
	extractorVal  *extract.Extractor
	extractorErr  error
)

func sharedExtractor(t *testing.T) *extract.Extractor {
	t.Helper()
	extractorOnce.Do(func() { extractorVal, extractorErr = extract.New() })
	if extractorErr != nil {
		t.Fatalf("extract.New: %v", extractorErr)
	}
	return extractorVal
}

// site is a news site for a test: the feeds of testdata/feeds at
// /test/<file>, the demo corpus (its feeds and article pages) everywhere
// else, and per-path handlers a test installs to break or slow a page.
// It records every request.
type site struct {
	t    *testing.T
	srv  *httptest.Server
	demo http.Handler

	mu     sync.Mutex
	routes map[string]http.Handler
	reqs   []request
}

// request is one request the site answered.
type request struct {
	Path        string
	IfNoneMatch string
	Status      int
	ETag        string // the response's
}

func newSite(t *testing.T) *site {
	t.Helper()
	h, err := demo.Handler()
	if err != nil {
		t.Fatalf("demo.Handler: %v", err)
	}
	s := &site{t: t, demo: h, routes: make(map[string]http.Handler)}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

// route answers path with h from now on; nil restores the default.
func (s *site) route(path string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h == nil {
		delete(s.routes, path)
		return
	}
	s.routes[path] = h
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.routes[r.URL.Path]
	s.mu.Unlock()
	if h == nil {
		h = s.demo
		if name, ok := strings.CutPrefix(r.URL.Path, "/test/"); ok {
			h = testFeed(s.t, name)
		}
	}
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	h.ServeHTTP(rw, r)
	s.mu.Lock()
	s.reqs = append(s.reqs, request{
		Path:        r.URL.Path,
		IfNoneMatch: r.Header.Get("If-None-Match"),
		Status:      rw.status,
		ETag:        w.Header().Get("ETag"),
	})
	s.mu.Unlock()
}

// requests returns what was asked since the last call, and forgets it.
func (s *site) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.reqs
	s.reqs = nil
	return out
}

// feed is the test feed testdata/feeds/<file> as served.
func (s *site) feed(name, file string) ingest.Feed {
	return ingest.Feed{Name: name, URL: s.srv.URL + "/test/" + file}
}

// demoFeeds are the demo corpus's feeds as served.
func (s *site) demoFeeds() []ingest.Feed {
	s.t.Helper()
	feeds, err := demo.Feeds(s.srv.URL)
	if err != nil {
		s.t.Fatal(err)
	}
	return feeds
}

// testFeed serves a file of testdata/feeds with an ETag, answering 304
// to a request that has it.
func testFeed(t *testing.T, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join("testdata", "feeds", filepath.Base(name)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256(b)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	})
}

// statusWriter remembers the status a handler sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// status answers every request with code.
func status(code int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, http.StatusText(code), code)
	})
}

// serveAs answers with the demo corpus's page at path.
func (s *site) serveAs(path string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = path
		s.demo.ServeHTTP(w, r2)
	})
}

// newFetcher fetches politely enough for a loopback server, which it is
// allowed to: the host delay is short but not zero, so the limiter still
// runs.
func newFetcher(timeout time.Duration) *ingest.Fetcher {
	return ingest.NewFetcher(ingest.Config{
		Concurrency:  4,
		Timeout:      timeout,
		MaxBodyBytes: ingest.DefaultMaxBodyBytes,
		HostDelay:    time.Microsecond,
		AllowPrivate: []string{"127.0.0.1"},
	}, nil)
}

func newRunner(t *testing.T, db pipeline.Store) *pipeline.Runner {
	t.Helper()
	return &pipeline.Runner{
		Fetcher:   newFetcher(time.Minute), // a failsafe, however slow the machine
		Extractor: sharedExtractor(t),
		DB:        db,
	}
}

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "policywatch.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func run(t *testing.T, r *pipeline.Runner, feeds ...ingest.Feed) pipeline.Summary {
	t.Helper()
	sum, err := r.Run(context.Background(), feeds)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return sum
}

// countingStore is a Store that records every batch saved.
type countingStore struct {
	pipeline.Store

	mu      sync.Mutex
	batches []store.Batch
}

func (c *countingStore) Save(b store.Batch) (store.SaveStats, error) {
	c.mu.Lock()
	c.batches = append(c.batches, b)
	c.mu.Unlock()
	return c.Store.Save(b)
}

// itemKeys fetches feeds the way a run does and returns the keys of
// their items, to look the articles up in a store.
func itemKeys(t *testing.T, feeds ...ingest.Feed) []string {
	t.Helper()
	f := newFetcher(time.Minute)
	var keys []string
	for _, feed := range feeds {
		res, err := f.FetchFeed(context.Background(), feed, ingest.FeedState{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			keys = append(keys, it.Key())
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// contents is what a store holds, for comparing two stores or one store
// at two times.
type contents struct {
	counts store.Counts
	// articles maps each stored article id to its event ids, sorted.
	articles map[string][]string
	events   map[string]event.Record
}

// snapshot reads what db holds of the articles with the given keys, and
// every event.
func snapshot(t *testing.T, db *store.DB, keys []string) contents {
	t.Helper()
	c := contents{articles: make(map[string][]string), events: make(map[string]event.Record)}
	var err error
	if c.counts, err = db.Counts(); err != nil {
		t.Fatal(err)
	}
	seen, err := db.Seen(keys)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !seen[k] {
			continue
		}
		id := ingest.ArticleID(k)
		evs, err := db.ArticleEvents(id)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		slices.Sort(ids)
		c.articles[id] = ids
	}
	all, err := db.Events(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if _, dup := c.events[e.ID]; dup {
			t.Errorf("event %s listed twice", e.ID)
		}
		c.events[e.ID] = e
	}
	return c
}

// eventIDs are the ids of c's events, sorted.
func (c contents) eventIDs() []string {
	ids := make([]string, 0, len(c.events))
	for id := range c.events {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
