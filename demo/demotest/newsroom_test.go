package demotest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/ingest"
)

func fetcher() *ingest.Fetcher {
	// One loopback host: politeness is moot, and 0 would mean the default.
	return ingest.NewFetcher(ingest.Config{Concurrency: 2, Timeout: time.Minute, HostDelay: time.Nanosecond, AllowPrivate: []string{"127.0.0.1"}}, nil)
}

// The feeds parse as a run parses them, list distinct items whose keys
// Keys gives, and their articles read as the corpus's, with every year
// moved as the item says.
func TestNewsroomFeedsAndPages(t *testing.T) {
	nr, err := New(Options{Feeds: 3, Items: 4, YearSpan: 5})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(nr)
	defer srv.Close()
	fe := fetcher()
	seen := make(map[string]bool)
	for f, feed := range nr.Feeds(srv.URL) {
		res, err := fe.FetchFeed(context.Background(), feed, ingest.FeedState{URL: feed.URL})
		if err != nil {
			t.Fatalf("%s: %v", feed.URL, err)
		}
		var keys []string
		for _, it := range res.Items {
			keys = append(keys, it.Key())
			if seen[it.Key()] {
				t.Errorf("%s listed twice", it.Key())
			}
			seen[it.Key()] = true
		}
		if want := nr.Keys(f); !slices.Equal(sorted(keys), sorted(want)) {
			t.Errorf("feed %d lists %v, Keys says %v", f, keys, want)
		}
		if res.State.ETag == "" {
			t.Errorf("feed %d has no ETag", f)
		}
		for k, it := range res.Items {
			a, shift := nr.source(f, nr.opts.Items-1-k)
			if it.Title != a.title || it.Published.Year() != a.published.Year()+shift {
				t.Errorf("item %s: %q published %v; want %q in %d", it.Key(), it.Title, it.Published, a.title, a.published.Year()+shift)
			}
			art, pageErr, err := fe.FetchArticle(context.Background(), it)
			if err != nil {
				t.Fatalf("%s: %v", it.Link, err)
			}
			if (pageErr == nil) != (a.page != nil) || art.Text == "" {
				t.Errorf("%s: page error %v, text %d bytes; page in the corpus: %v", it.Link, pageErr, len(art.Text), a.page != nil)
			}
		}
	}
	if len(seen) != 3*4 {
		t.Errorf("%d distinct items, want 12", len(seen))
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// Each night two feeds in three publish new items and change their ETag;
// the third answers 304 to its ETag.
func TestNewsroomNights(t *testing.T) {
	nr, err := New(Options{Feeds: 6, Items: 5, NewPerNight: 2})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(nr)
	defer srv.Close()
	fe := fetcher()
	feeds := nr.Feeds(srv.URL)
	states := make([]ingest.FeedState, len(feeds))
	keys := make([][]string, len(feeds))
	for f, feed := range feeds {
		res, err := fe.FetchFeed(context.Background(), feed, ingest.FeedState{URL: feed.URL})
		if err != nil {
			t.Fatal(err)
		}
		states[f], keys[f] = res.State, nr.Keys(f)
	}
	nr.SetNight(1)
	changed := 0
	for f, feed := range feeds {
		res, err := fe.FetchFeed(context.Background(), feed, states[f])
		if err != nil {
			t.Fatal(err)
		}
		now := nr.Keys(f)
		if res.NotModified {
			if !slices.Equal(now, keys[f]) {
				t.Errorf("feed %d answered 304 but lists %v, was %v", f, now, keys[f])
			}
			continue
		}
		changed++
		fresh := 0
		for _, k := range now {
			if !slices.Contains(keys[f], k) {
				fresh++
			}
		}
		if fresh != 2 || len(res.Items) != 5 {
			t.Errorf("feed %d: %d new of %d items, want 2 of 5", f, fresh, len(res.Items))
		}
	}
	if changed != 4 {
		t.Errorf("%d of 6 feeds changed, want 4", changed)
	}
}

func TestShiftYears(t *testing.T) {
	got := string(shiftYears([]byte("In April 2018, 1999 and 2000 people; not 12018 or 3018."), 3))
	if want := "In April 2021, 2002 and 2003 people; not 12018 or 3018."; got != want {
		t.Errorf("shiftYears = %q, want %q", got, want)
	}
}

// yearRE is what shiftYears moved before it scanned by hand.
var yearRE = regexp.MustCompile(`\b(19|20)\d\d\b`)

func shiftYearsByRegexp(b []byte, n int) []byte {
	return yearRE.ReplaceAllFunc(b, func(y []byte) []byte {
		v, _ := strconv.Atoi(string(y))
		return strconv.AppendInt(nil, int64(v+n), 10)
	})
}

// TestShiftYearsMatchesRegexp holds shiftYears to the expression it
// replaced, on every page of the corpus and on fuzzed text
// (FuzzShiftYears).
func TestShiftYearsMatchesRegexp(t *testing.T) {
	nr, err := New(Options{Feeds: 1, Items: 1})
	if err != nil {
		t.Fatal(err)
	}
	pages := 0
	for _, a := range nr.articles {
		for _, b := range [][]byte{a.page, []byte(a.text), []byte(a.summary)} {
			if got, want := shiftYears(b, 7), shiftYearsByRegexp(b, 7); !bytes.Equal(got, want) {
				t.Errorf("article %s: shiftYears differs from the regexp's", a.id)
			}
			pages++
		}
	}
	if pages < 50 {
		t.Errorf("compared %d texts", pages)
	}
}

func FuzzShiftYears(f *testing.F) {
	for _, s := range []string{"In April 2018, 1999 and 2000 people; not 12018 or 3018.", "2019", "_2019", "2019_", "é2019é", "\xff2019\xff", "19999", "20201", "1920 2020", "x1999y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := shiftYears([]byte(s), 3), shiftYearsByRegexp([]byte(s), 3); !bytes.Equal(got, want) {
			t.Errorf("shiftYears(%q) = %q, want %q", s, got, want)
		}
	})
}

func TestNewsroomUnknownPaths(t *testing.T) {
	nr, err := New(Options{Feeds: 1, Items: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(nr)
	defer srv.Close()
	for _, p := range []string{"/feeds/1.xml", "/feeds/x.xml", "/articles/0.html", "/articles/2/0.html", "/"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d %s", p, resp.StatusCode, strings.TrimSpace(string(body)))
		}
	}
	if _, err := New(Options{Feeds: 0, Items: 1}); err == nil {
		t.Error("New accepted a newsroom without feeds")
	}
}
