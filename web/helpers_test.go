package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// The fixture: testdata/stories.jsonl, saved in two batches so that the
// stories of the second were made later. It holds 10 events in 9
// stories; the IR telegram restriction is one story of two reports.
const (
	fixtureEvents  = 10
	fixtureStories = 9
	firstBatch     = 5 // articles in the first Save
)

var (
	gazOnce sync.Once
	gaz     *event.Catalog
	gazErr  error
)

// gazetteer loads the real gazetteer once for the whole test binary.
func gazetteer(t testing.TB) *event.Catalog {
	t.Helper()
	gazOnce.Do(func() { gaz, gazErr = event.LoadCatalog() })
	if gazErr != nil {
		t.Fatal(gazErr)
	}
	return gaz
}

// fixtureArticles reads the fixture, filling the ids and provenance
// extraction fills.
func fixtureArticles(t testing.TB) []store.ArticleEvents {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "stories.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []store.ArticleEvents
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ae store.ArticleEvents
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ae); err != nil {
			t.Fatalf("stories.jsonl: %v", err)
		}
		a := &ae.Article
		a.ID = ingest.ArticleID(a.Key)
		a.Fetched = a.Published.Add(time.Hour)
		for i := range ae.Events {
			e := &ae.Events[i]
			e.ID = event.ID(a.ID, e.Country, e.Service, e.Action)
			e.ArticleID, e.SourceURL, e.SourceTitle, e.Feed = a.ID, a.URL, a.Title, a.Feed
			e.Published = a.Published.Format(time.DateOnly)
		}
		out = append(out, ae)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fixtureDB makes a database of the fixture in a temporary directory and
// returns its path, closed.
func fixtureDB(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	articles := fixtureArticles(t)
	for _, batch := range [][]store.ArticleEvents{articles[:firstBatch], articles[firstBatch:]} {
		if _, err := db.Save(store.Batch{Articles: batch}); err != nil {
			t.Fatal(err)
		}
		// Created times of the two batches must differ.
		time.Sleep(10 * time.Millisecond)
	}
	return path
}

// emptyDB makes a database with nothing in it.
func emptyDB(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "empty.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// readDB runs fn on the database, read-only, for what a test expects.
func readDB(t testing.TB, path string, fn func(*store.DB) error) {
	t.Helper()
	if err := (store.Handle{Path: path, Options: store.Options{ReadOnly: true}}).Do(fn); err != nil {
		t.Fatal(err)
	}
}

func newServer(t testing.TB, path string) *Server {
	t.Helper()
	s, err := New(Options{DB: path, Gazetteer: gazetteer(t), LockTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// response is what one request got.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get sends a GET through the real server over loopback.
func get(t testing.TB, srv *httptest.Server, path string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

// start serves path over loopback for one test.
func start(t testing.TB, path string) *httptest.Server {
	t.Helper()
	return start2(t, newServer(t, path))
}

func start2(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// decode parses a JSON response, failing on a wrong status or type.
func decode[T any](t testing.TB, r response, status int) T {
	t.Helper()
	var v T
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

// triples names events as country/service/action, in order.
func triples(events []event.Record) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Country + "/" + e.Service + "/" + string(e.Action)
	}
	return out
}

func storyTriples(stories []store.Story) []string {
	out := make([]string, len(stories))
	for i, s := range stories {
		out[i] = s.Country + "/" + s.Service + "/" + string(s.Action)
	}
	return out
}

func joined(ss []string) string { return strings.Join(ss, " ") }
