package pipeline_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/demo"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/pipeline"
	"github.com/policywatch/policywatch/store"
)

// goldIDs are the ids of the demo corpus's articles: each is served at
// /articles/<id>.html, or is missing there and only in its feed.
func goldIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(demo.Gold()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a struct{ ID string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// missingPages counts the corpus articles whose page answers 404.
func missingPages(t *testing.T, s *site, ids []string) int {
	t.Helper()
	n := 0
	for _, id := range ids {
		resp, err := http.Get(s.srv.URL + "/articles/" + id + ".html")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			n++
		}
	}
	s.requests()
	return n
}

func isFeedPath(p string) bool {
	return strings.HasPrefix(p, "/feeds/") || strings.HasPrefix(p, "/test/")
}

func TestRunDemoCorpusThenNotModified(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := openDB(t)
	r := newRunner(t, db)
	feeds := s.demoFeeds()
	ids := goldIDs(t)
	missing := missingPages(t, s, ids)

	sum := run(t, r, feeds...)
	if sum.Feeds != len(feeds) || sum.FeedsOK != len(feeds) || sum.FeedsFailed != 0 || sum.FeedsNotModified != 0 {
		t.Errorf("feeds: %d, %d ok, %d not modified, %d failed; want all %d ok", sum.Feeds, sum.FeedsOK, sum.FeedsNotModified, sum.FeedsFailed, len(feeds))
	}
	if sum.Items != len(ids) || sum.NewItems != len(ids) || sum.NewArticles != len(ids) {
		t.Errorf("items %d, new %d, new articles %d; want %d of each", sum.Items, sum.NewItems, sum.NewArticles, len(ids))
	}
	if sum.ArticlesFailed != 0 || len(sum.Failures) != 0 {
		t.Errorf("failures: %d articles, %+v", sum.ArticlesFailed, sum.Failures)
	}
	if missing == 0 || sum.FromFeedText != missing {
		t.Errorf("FromFeedText = %d, want the %d corpus pages that answer 404", sum.FromFeedText, missing)
	}
	if sum.NothingFetched() || sum.Interrupted {
		t.Errorf("NothingFetched %v, Interrupted %v", sum.NothingFetched(), sum.Interrupted)
	}
	perFeed := 0
	for _, n := range sum.PerFeed {
		perFeed += n
	}
	if perFeed != sum.NewArticles {
		t.Errorf("PerFeed adds up to %d, NewArticles is %d", perFeed, sum.NewArticles)
	}

	// Every article of the corpus is stored, with the events extraction
	// gives for its stored text.
	keys := itemKeys(t, feeds...)
	before := snapshot(t, db, keys)
	if before.counts.Articles != len(ids) || len(before.articles) != len(ids) {
		t.Fatalf("stored %d articles, %d of the feeds' items; want %d", before.counts.Articles, len(before.articles), len(ids))
	}
	var urls []string
	nEvents, checked := 0, 0
	x := sharedExtractor(t)
	for _, k := range keys {
		a, err := db.Article(ingest.ArticleID(k))
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, strings.TrimSuffix(strings.TrimPrefix(a.URL, s.srv.URL+"/articles/"), ".html"))
		// Extraction is slow under the race detector: compare a page and
		// the articles read from feed text, not all 28.
		if a.TextFrom == "feed" || strings.HasSuffix(a.URL, "/ru-telegram-block.html") {
			checked++
			want := x.Extract(extract.Document{ID: a.ID, URL: a.URL, Title: a.Title, Text: a.Text, Published: a.Published, Feed: a.Feed})
			var wantIDs []string
			for _, e := range want {
				wantIDs = append(wantIDs, e.ID)
			}
			slices.Sort(wantIDs)
			if got := before.articles[a.ID]; len(wantIDs) == 0 || !slices.Equal(got, wantIDs) {
				t.Errorf("%s: stored events %v, extraction gives %v", a.URL, got, wantIDs)
			}
		}
		for _, id := range before.articles[a.ID] {
			e := before.events[id]
			if e.ArticleID != a.ID || e.Feed != a.Feed || e.SourceURL != a.URL || e.FirstSeen.IsZero() {
				t.Errorf("event %s: provenance %q %q %q first seen %v; article %s %q %q", id, e.ArticleID, e.Feed, e.SourceURL, e.FirstSeen, a.ID, a.Feed, a.URL)
			}
		}
		nEvents += len(before.articles[a.ID])
	}
	if checked != 1+missing {
		t.Errorf("compared the events of %d articles with extraction, want %d", checked, 1+missing)
	}
	slices.Sort(urls)
	if !slices.Equal(urls, ids) {
		t.Errorf("stored article pages %v\nwant the corpus's %v", urls, ids)
	}
	if nEvents == 0 || nEvents != before.counts.Events || sum.NewEvents != nEvents {
		t.Errorf("events: %d by article, %d stored, %d new in the summary", nEvents, before.counts.Events, sum.NewEvents)
	}
	newIDs := slices.Clone(sum.EventIDs)
	slices.Sort(newIDs)
	if !slices.Equal(newIDs, before.eventIDs()) {
		t.Errorf("summary's EventIDs differ from the stored events")
	}

	// The second run asks with each feed's ETag, gets 304s, and fetches
	// and stores nothing.
	etags := make(map[string]string)
	for _, req := range s.requests() {
		if isFeedPath(req.Path) {
			etags[req.Path] = req.ETag
		}
	}
	sum2 := run(t, r, feeds...)
	reqs := s.requests()
	if len(reqs) != len(feeds) {
		t.Errorf("second run made %d requests, want one per feed: %+v", len(reqs), reqs)
	}
	for _, req := range reqs {
		if !isFeedPath(req.Path) {
			t.Errorf("second run fetched %s", req.Path)
			continue
		}
		if req.IfNoneMatch == "" || req.IfNoneMatch != etags[req.Path] {
			t.Errorf("%s: If-None-Match %q, want the first run's ETag %q", req.Path, req.IfNoneMatch, etags[req.Path])
		}
		if req.Status != http.StatusNotModified {
			t.Errorf("%s: status %d, want 304", req.Path, req.Status)
		}
	}
	if sum2.FeedsNotModified != len(feeds) || sum2.FeedsOK != 0 || sum2.NewItems != 0 || sum2.NewArticles != 0 || sum2.NewEvents != 0 || sum2.UpdatedEvents != 0 {
		t.Errorf("second run: %+v; want every feed not modified and nothing new", sum2)
	}
	if sum2.NothingFetched() {
		t.Error("a run of 304s counts as fetched")
	}
	if after := snapshot(t, db, keys); !reflect.DeepEqual(before, after) {
		t.Errorf("second run changed the store: %+v, was %+v", after.counts, before.counts)
	}
}

func TestRunRefetchedFeedStoresNothingTwice(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	feeds := []ingest.Feed{s.feed("Wire Roundup", "five.rss.xml"), s.feed("Agency Wire", "wire.rss.xml")}
	// The server ignores validators, as many do: every run gets 200s and
	// the full feeds.
	for _, f := range feeds {
		s.route(strings.TrimPrefix(f.URL, s.srv.URL), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Del("If-None-Match")
			r.Header.Del("If-Modified-Since")
			testFeed(t, path.Base(r.URL.Path)).ServeHTTP(w, r)
		}))
	}
	db := openDB(t)
	r := newRunner(t, db)
	first := run(t, r, feeds...)
	if first.NewArticles != 7 {
		t.Fatalf("first run stored %d articles, want 7", first.NewArticles)
	}
	keys := itemKeys(t, feeds...)
	s.requests()
	before := snapshot(t, db, keys)

	sum := run(t, r, feeds...)
	if sum.FeedsOK != len(feeds) || sum.Items != first.Items {
		t.Errorf("second run: %d feeds ok, %d items; want %d and %d", sum.FeedsOK, sum.Items, len(feeds), first.Items)
	}
	if sum.NewItems != 0 || sum.NewArticles != 0 || sum.NewEvents != 0 || sum.UpdatedEvents != 0 || len(sum.EventIDs) != 0 {
		t.Errorf("second run: %+v; want nothing new", sum)
	}
	for _, req := range s.requests() {
		if !isFeedPath(req.Path) {
			t.Errorf("second run fetched the stored article %s", req.Path)
		}
	}
	if after := snapshot(t, db, keys); !reflect.DeepEqual(before, after) {
		t.Errorf("store changed: %+v, was %+v", after.counts, before.counts)
	}
}

// hang answers only when the client gives up.
func hang(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Minute): // a failsafe: the timeout is far shorter
			t.Errorf("%s: client never gave up", r.URL.Path)
		}
	})
}

func TestRunFeedFailureDoesNotStopBatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		path    string
		handler http.Handler // nil: the site's own
		wantErr string
	}{
		{"HTTP 500", "/feeds/down.xml", status(http.StatusInternalServerError), "500"},
		{"malformed XML", "/test/malformed.rss.xml", nil, "parse"},
		{"timeout", "/feeds/slow.xml", hang(t), "timeout"},
		{"HTML page", "/articles/ru-telegram-block.html", nil, "HTML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t)
			if tt.handler != nil {
				s.route(tt.path, tt.handler)
			}
			db := openDB(t)
			r := newRunner(t, db)
			if tt.wantErr == "timeout" {
				// Short enough to wait for the hung feed, long enough for
				// the good one's requests on a loaded machine.
				r.Fetcher = newFetcher(3 * time.Second)
			}
			bad := ingest.Feed{Name: "Broken Times", URL: s.srv.URL + tt.path}
			good := s.feed("Agency Wire", "wire.rss.xml")

			sum := run(t, r, bad, good)
			if sum.Feeds != 2 || sum.FeedsOK != 1 || sum.FeedsFailed != 1 {
				t.Errorf("feeds %d, ok %d, failed %d; want 2, 1, 1", sum.Feeds, sum.FeedsOK, sum.FeedsFailed)
			}
			if sum.NothingFetched() {
				t.Error("NothingFetched with one feed fetched")
			}
			if len(sum.Failures) != 1 {
				t.Fatalf("failures %+v, want the broken feed", sum.Failures)
			}
			f := sum.Failures[0]
			if f.Feed != bad.Name || f.URL != bad.URL || !strings.Contains(f.Error, tt.wantErr) {
				t.Errorf("failure %+v, want feed %q, url %s, error with %q", f, bad.Name, bad.URL, tt.wantErr)
			}

			keys := itemKeys(t, good)
			seen, err := db.Seen(keys)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				if !seen[k] {
					t.Errorf("good feed's %s not stored", k)
				}
			}
			if sum.NewArticles != len(keys) {
				t.Errorf("NewArticles %d, want %d", sum.NewArticles, len(keys))
			}
			// The failure is remembered, and nothing that would make the
			// next run skip the feed.
			st, err := db.FeedState(bad.URL)
			if err != nil {
				t.Fatal(err)
			}
			if st.LastError == "" || st.ETag != "" || !st.LastOK.IsZero() {
				t.Errorf("broken feed's state %+v, want its error and no validators", st)
			}
		})
	}
}

func TestRunEveryFeedFails(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.route("/feeds/down.xml", status(http.StatusBadGateway))
	db := openDB(t)
	r := newRunner(t, db)
	feeds := []ingest.Feed{
		{Name: "Down", URL: s.srv.URL + "/feeds/down.xml"},
		s.feed("Broken Times", "malformed.rss.xml"),
		{Name: "Gone", URL: s.srv.URL + "/feeds/gone.xml"},
	}
	sum := run(t, r, feeds...)
	if !sum.NothingFetched() {
		t.Errorf("NothingFetched false for %+v", sum)
	}
	if sum.FeedsFailed != len(feeds) || len(sum.Failures) != len(feeds) {
		t.Errorf("failed %d, failures %+v; want all %d", sum.FeedsFailed, sum.Failures, len(feeds))
	}
	for i, f := range sum.Failures {
		if f.Feed != feeds[i].Name || f.URL != feeds[i].URL {
			t.Errorf("failure %d names %q %s, want %q %s", i, f.Feed, f.URL, feeds[i].Name, feeds[i].URL)
		}
	}
	c, err := db.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if c.Articles != 0 || c.Events != 0 || c.Feeds != len(feeds) {
		t.Errorf("counts %+v, want only the feeds' states", c)
	}

	if (pipeline.Summary{}).NothingFetched() {
		t.Error("a run with no feeds configured reports NothingFetched")
	}
}

func TestRunArticleFallbackAndRetry(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := openDB(t)
	r := newRunner(t, db)
	feed := s.feed("Frontier Notes", "fallback.rss.xml")
	s.route("/articles/flaky.html", status(http.StatusServiceUnavailable))
	keys := map[string]string{ // page -> item key
		"tr-wikipedia-unblock": "tag:frontier.test,2020-01-15:wikipedia",
		"withdrawn":            "tag:frontier.test,2021-01-13:uganda",
		"flaky":                "tag:frontier.test,2022-01-13:nigeria",
	}
	article := func(page string) (ingest.Article, bool) {
		t.Helper()
		a, err := db.Article(ingest.ArticleID(keys[page]))
		if err != nil {
			return a, false
		}
		return a, true
	}

	sum := run(t, r, feed)
	if sum.NewItems != 3 || sum.NewArticles != 2 || sum.FromFeedText != 1 || sum.ArticlesFailed != 1 {
		t.Errorf("first run: %d items, %d articles, %d from feed text, %d failed; want 3, 2, 1, 1",
			sum.NewItems, sum.NewArticles, sum.FromFeedText, sum.ArticlesFailed)
	}
	if len(sum.Failures) != 1 || sum.Failures[0].Feed != feed.Name || !strings.HasSuffix(sum.Failures[0].URL, "/articles/flaky.html") {
		t.Errorf("failures %+v, want the flaky article", sum.Failures)
	}
	if a, ok := article("withdrawn"); !ok || a.TextFrom != "feed" || !strings.Contains(a.Text, "Uganda Communications Commission") {
		t.Errorf("withdrawn article: stored %v, from %q, text %q; want the feed's text", ok, a.TextFrom, a.Text)
	}
	if a, ok := article("tr-wikipedia-unblock"); !ok || a.TextFrom != "page" {
		t.Errorf("article with a page: stored %v, from %q", ok, a.TextFrom)
	}
	if _, ok := article("flaky"); ok {
		t.Error("article with neither page nor feed text was stored")
	}
	st, err := db.FeedState(feed.URL)
	if err != nil {
		t.Fatal(err)
	}
	if st.ETag != "" || st.LastModified != "" {
		t.Errorf("feed with a failed article kept validators %q %q; the next run would skip it", st.ETag, st.LastModified)
	}

	// The page is back: the next run fetches the feed in full and gets
	// the article it missed, and only that one.
	s.route("/articles/flaky.html", s.serveAs("/articles/ng-twitter-lifted.html"))
	s.requests()
	sum = run(t, r, feed)
	var paths []string
	for _, req := range s.requests() {
		paths = append(paths, req.Path)
		if isFeedPath(req.Path) && (req.IfNoneMatch != "" || req.Status != http.StatusOK) {
			t.Errorf("retry fetched the feed with If-None-Match %q, status %d; want a full fetch", req.IfNoneMatch, req.Status)
		}
	}
	if want := []string{"/test/fallback.rss.xml", "/articles/flaky.html"}; !slices.Equal(paths, want) {
		t.Errorf("retry fetched %v, want %v", paths, want)
	}
	if sum.NewItems != 1 || sum.NewArticles != 1 || sum.ArticlesFailed != 0 || sum.FromFeedText != 0 {
		t.Errorf("retry: %+v; want the one missed article", sum)
	}
	if a, ok := article("flaky"); !ok || a.TextFrom != "page" || !strings.Contains(a.Text, "Twitter") {
		t.Errorf("retried article: stored %v, from %q", ok, a.TextFrom)
	}
	if st, _ = db.FeedState(feed.URL); st.ETag == "" {
		t.Error("feed done in full, but its ETag is not stored")
	}

	// Now the feed is complete, it is asked for conditionally.
	sum = run(t, r, feed)
	reqs := s.requests()
	if sum.FeedsNotModified != 1 || len(reqs) != 1 || reqs[0].IfNoneMatch != st.ETag || reqs[0].Status != http.StatusNotModified {
		t.Errorf("third run: %+v, requests %+v; want one 304", sum, reqs)
	}
}

func TestRunInterruptedResumes(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	feed := s.feed("Wire Roundup", "five.rss.xml")
	keys := itemKeys(t, feed)
	order := []string{ // the feed's items, in its order
		"tag:roundup.test,2018-04-17:ru-telegram-block",
		"tag:roundup.test,2021-03-10:ru-twitter-throttle",
		"tag:roundup.test,2017-04-29:tr-wikipedia-block",
		"tag:roundup.test,2020-06-30:in-tiktok-ban",
		"tag:roundup.test,2020-10-19:pk-tiktok-unblock",
	}

	// What an uninterrupted run stores.
	ref := openDB(t)
	run(t, newRunner(t, ref), feed)
	want := snapshot(t, ref, keys)

	// One article at a time; the fourth hangs until the run is stopped.
	db := openDB(t)
	r := newRunner(t, db)
	r.Concurrency = 1
	arrived := make(chan struct{})
	var once sync.Once
	s.route("/articles/in-tiktok-ban.html", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		once.Do(func() { close(arrived) })
		<-req.Context().Done()
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-arrived:
		case <-time.After(2 * time.Minute): // a failsafe
			t.Error("the fourth article was never requested")
		}
		cancel()
	}()
	sum, err := r.Run(ctx, []ingest.Feed{feed})
	if err != nil {
		t.Fatalf("interrupted Run: %v", err)
	}
	if !sum.Interrupted || sum.NewArticles != 3 || sum.ArticlesFailed != 0 || len(sum.Failures) != 0 {
		t.Errorf("interrupted run: %+v; want 3 articles stored and no failures", sum)
	}
	seen, err := db.Seen(order)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range order {
		if seen[k] != (i < 3) {
			t.Errorf("after the interruption, %s stored = %v", k, seen[k])
		}
	}
	if st, err := db.FeedState(feed.URL); err != nil || !st.LastFetched.IsZero() || st.ETag != "" {
		t.Errorf("interrupted feed's state %+v (%v); want none stored", st, err)
	}

	s.route("/articles/in-tiktok-ban.html", nil)
	s.requests()
	sum = run(t, r, feed)
	if sum.Interrupted || sum.NewArticles != 2 {
		t.Errorf("resumed run: %+v; want the 2 remaining articles", sum)
	}
	for _, req := range s.requests() {
		if isFeedPath(req.Path) {
			if req.IfNoneMatch != "" {
				t.Errorf("resumed run sent If-None-Match %q for a feed it had not finished", req.IfNoneMatch)
			}
			continue
		}
		if p := req.Path; p != "/articles/in-tiktok-ban.html" && p != "/articles/pk-tiktok-unblock.html" {
			t.Errorf("resumed run fetched the stored %s", p)
		}
	}

	got := snapshot(t, db, keys)
	if !reflect.DeepEqual(got.counts, want.counts) || !reflect.DeepEqual(got.articles, want.articles) {
		t.Errorf("resumed store %+v %v\nuninterrupted %+v %v", got.counts, got.articles, want.counts, want.articles)
	}
	if !slices.Equal(got.eventIDs(), want.eventIDs()) {
		t.Errorf("event ids %v\nuninterrupted %v", got.eventIDs(), want.eventIDs())
	}
	for id, e := range got.events {
		w := want.events[id]
		e.FirstSeen, w.FirstSeen = time.Time{}, time.Time{}
		if !reflect.DeepEqual(e, w) {
			t.Errorf("event %s: %+v\nuninterrupted %+v", id, e, w)
		}
	}
}

// A run commits its articles in batches of at most BatchSize, loses none,
// and stores a feed's state only with or after its last article. How the
// articles split into batches is not asserted beyond that: CommitEvery
// commits whatever is in hand when fetching is slow, and how slow it is
// depends on the machine. With CommitEvery out of the way, only the
// batch size decides, and every batch but the last is full.
func TestRunCommitsInBatches(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		commitEvery time.Duration
	}{
		{"by size only", time.Hour},
		{"by size and time", time.Nanosecond}, // commits after every article
		{"default commit interval", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t)
			feed := s.feed("Wire Roundup", "five.rss.xml")
			cs := &countingStore{Store: openDB(t)}
			r := newRunner(t, cs)
			r.BatchSize = 2
			r.CommitEvery = tt.commitEvery

			sum := run(t, r, feed)
			if sum.NewArticles != 5 {
				t.Fatalf("NewArticles %d, want 5", sum.NewArticles)
			}
			var sizes []int
			seen := map[string]bool{}
			for i, b := range cs.batches {
				sizes = append(sizes, len(b.Articles))
				for _, a := range b.Articles {
					if seen[a.Article.ID] {
						t.Errorf("article %s saved twice", a.Article.ID)
					}
					seen[a.Article.ID] = true
				}
				// A feed is marked done only with, or after, its last article.
				if len(b.Feeds) > 0 && i != len(cs.batches)-1 {
					t.Errorf("batch %d of %d stores the feed's state before its articles are all in", i+1, len(cs.batches))
				}
			}
			if len(seen) != 5 {
				t.Errorf("%d distinct articles saved, want all 5", len(seen))
			}
			for i, n := range sizes {
				if n > r.BatchSize {
					t.Errorf("batch %d holds %d articles, more than BatchSize %d: %v", i+1, n, r.BatchSize, sizes)
				}
				if n == 0 && i != len(sizes)-1 {
					t.Errorf("batch %d is empty: %v", i+1, sizes)
				}
			}
			if tt.commitEvery == time.Hour {
				if want := []int{2, 2, 1}; !slices.Equal(sizes, want) {
					t.Errorf("articles per transaction %v; want full batches, %v", sizes, want)
				}
			}
			if last := cs.batches[len(cs.batches)-1]; len(last.Feeds) != 1 || last.Feeds[0].URL != feed.URL || last.Feeds[0].ETag == "" {
				t.Errorf("last batch's feeds %+v, want the feed's state with its ETag", last.Feeds)
			}
		})
	}
}

func TestRunSameItemInTwoFeeds(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := openDB(t)
	r := newRunner(t, db)
	feeds := []ingest.Feed{s.feed("Agency Wire", "wire.rss.xml"), s.feed("Evening Dispatch", "dispatch.atom.xml")}

	sum := run(t, r, feeds...)
	if sum.Items != 4 || sum.NewItems != 3 || sum.NewArticles != 3 {
		t.Errorf("items %d, new %d, articles %d; want 4, 3, 3", sum.Items, sum.NewItems, sum.NewArticles)
	}
	fetched := 0
	for _, req := range s.requests() {
		if req.Path == "/articles/ng-twitter-suspended.html" {
			fetched++
		}
	}
	if fetched != 1 {
		t.Errorf("the shared article was fetched %d times", fetched)
	}
	c, err := db.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if c.Articles != 3 {
		t.Errorf("%d articles stored, want 3", c.Articles)
	}
	for _, f := range feeds {
		if st, err := db.FeedState(f.URL); err != nil || st.ETag == "" {
			t.Errorf("%s: state %+v (%v); want its ETag, both feeds are done", f.Name, st, err)
		}
	}
	if sum := run(t, r, feeds...); sum.FeedsNotModified != 2 || sum.NewArticles != 0 {
		t.Errorf("second run: %+v", sum)
	}
	if c2, _ := db.Counts(); c2 != c {
		t.Errorf("second run changed counts to %+v from %+v", c2, c)
	}
}

// A store.Handle, as the CLI uses, serves a run as well as an open DB.
func TestRunThroughHandle(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	h := store.Handle{Path: t.TempDir() + "/policywatch.db"}
	r := newRunner(t, h)
	feed := s.feed("Agency Wire", "wire.rss.xml")
	if sum := run(t, r, feed); sum.NewArticles != 2 {
		t.Errorf("NewArticles %d, want 2", sum.NewArticles)
	}
	if sum := run(t, r, feed); sum.FeedsNotModified != 1 || sum.NewArticles != 0 {
		t.Errorf("second run: %+v", sum)
	}
	db, err := store.Open(h.Path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if c, _ := db.Counts(); c.Articles != 2 || c.Feeds != 1 {
		t.Errorf("counts %+v", c)
	}
}

// progress records what a run tells its progress bar.
type progress struct {
	mu                    sync.Mutex
	started, added, ended int
}

func (p *progress) Start(total int) { p.mu.Lock(); p.started += total; p.mu.Unlock() }
func (p *progress) Add(n int)       { p.mu.Lock(); p.added += n; p.mu.Unlock() }
func (p *progress) Finish()         { p.mu.Lock(); p.ended++; p.mu.Unlock() }

func TestRunReportsProgress(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	r := newRunner(t, openDB(t))
	p := &progress{}
	r.Progress = p
	feed := s.feed("Frontier Notes", "fallback.rss.xml") // one of its three articles fails
	run(t, r, feed)
	if p.started != 3 || p.added != 3 || p.ended != 1 {
		t.Errorf("progress started at %d, advanced %d, finished %d times; want 3, 3, 1", p.started, p.added, p.ended)
	}
	// The next run has only the failed article to retry.
	p2 := &progress{}
	r.Progress = p2
	s.route("/articles/flaky.html", status(http.StatusNotFound))
	run(t, r, feed)
	if p2.started != 1 || p2.added != 1 {
		t.Errorf("retry: progress started at %d, advanced %d; want 1, 1", p2.started, p2.added)
	}
}

// failingStore fails every write that holds articles.
type failingStore struct {
	pipeline.Store
}

func (f failingStore) Save(b store.Batch) (store.SaveStats, error) {
	if len(b.Articles) > 0 {
		return store.SaveStats{}, errors.New("disk full")
	}
	return f.Store.Save(b)
}

// A store that cannot write ends the run with an error, and marks no feed
// as done. It ends it at once: fetching the rest of a night's articles
// only to drop them would hold the failure back for hours.
func TestRunStoreFailure(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	db := openDB(t)
	r := newRunner(t, failingStore{db})
	r.BatchSize = 1
	r.Concurrency = 1
	feed := s.feed("Wire Roundup", "five.rss.xml")

	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		_, err = r.Run(context.Background(), []ingest.Feed{feed})
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute): // a failsafe
		t.Fatal("Run hangs after a failed write")
	}
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "store batch") {
		t.Errorf("Run error %v, want the store's, in context", err)
	}
	c, cerr := db.Counts()
	if cerr != nil {
		t.Fatal(cerr)
	}
	if c != (store.Counts{}) {
		t.Errorf("counts %+v after every write failed", c)
	}
	// The first article's write fails. By then the run may have taken a
	// batch more while the writer was in the store and the one worker
	// have begun another, but no more are fetched.
	var pages []string
	for _, req := range s.requests() {
		if !isFeedPath(req.Path) && req.Path != "/robots.txt" {
			pages = append(pages, req.Path)
		}
	}
	if max := 1 + r.BatchSize + r.Concurrency; len(pages) > max {
		t.Errorf("after the store failed, the run went on to fetch %v, more than %d", pages, max)
	}
}

// A run stopped while it fetches the feeds reports an interruption, not
// broken feeds, and remembers nothing of them.
func TestRunInterruptedFetchingFeeds(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	arrived := make(chan struct{})
	var once sync.Once
	s.route("/feeds/slow.xml", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		once.Do(func() { close(arrived) })
		<-req.Context().Done()
	}))
	db := openDB(t)
	r := newRunner(t, db)
	feeds := []ingest.Feed{s.feed("Wire Roundup", "five.rss.xml"), {Name: "Slow Post", URL: s.srv.URL + "/feeds/slow.xml"}}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-arrived:
		case <-time.After(10 * time.Second):
			t.Error("the slow feed was never requested")
		}
		cancel()
	}()
	sum, err := r.Run(ctx, feeds)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Interrupted || sum.FeedsFailed != 0 || len(sum.Failures) != 0 || sum.NewArticles != 0 {
		t.Errorf("summary %+v; want an interruption, with no feed failed", sum)
	}
	if c, _ := db.Counts(); c != (store.Counts{}) {
		t.Errorf("counts %+v; want nothing stored", c)
	}
}

// A story that reports in many batches add to is one story of the run:
// counted once, as new when the run made it, not once per batch.
func TestRunCountsEachStoryOnce(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	feed := s.feed("One Story", "one-story.rss.xml")
	db := openDB(t)
	r := newRunner(t, db)
	r.BatchSize = 1
	r.CommitEvery = time.Hour

	sum := run(t, r, feed)
	if sum.NewArticles != 6 || sum.FromFeedText != 6 {
		t.Fatalf("%d new articles, %d from feed text; want all 6 from the feed's text", sum.NewArticles, sum.FromFeedText)
	}
	stories, err := db.Stories(store.StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stories) != 1 || stories[0].Sources != 6 {
		t.Fatalf("%d stories stored (%+v), want one of 6 reports", len(stories), stories)
	}
	if sum.NewStories != 1 || sum.UpdatedStories != 0 || len(sum.NewStoryIDs) != 1 {
		t.Errorf("summary: %d new stories (%d ids), %d updated; want the one story, new", sum.NewStories, len(sum.NewStoryIDs), sum.UpdatedStories)
	}
}

// panickingStore panics on every write that holds articles: a bug.
type panickingStore struct {
	pipeline.Store
}

func (p panickingStore) Save(b store.Batch) (store.SaveStats, error) {
	if len(b.Articles) > 0 {
		panic("index out of range in Save")
	}
	return p.Store.Save(b)
}

// A panic in the writer goroutine reaches the goroutine that called Run,
// where the command's handler reports it as a bug (exit 70); unrecovered
// there, it would end the whole process with the runtime's exit 2.
func TestRunCarriesWriterPanic(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	r := newRunner(t, panickingStore{openDB(t)})
	var got any
	func() {
		defer func() { got = recover() }()
		r.Run(context.Background(), []ingest.Feed{s.feed("Wire Roundup", "five.rss.xml")})
	}()
	msg, _ := got.(string)
	if !strings.Contains(msg, "index out of range in Save") || !strings.Contains(msg, "goroutine that panicked") {
		t.Fatalf("Run's caller recovered %v; want the writer's panic with its stack", got)
	}
}
