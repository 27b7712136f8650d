package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A body far over the cap is refused after reading just past the cap: the
// server, streaming 100 MB without a length, gets to send little of it.
func TestFetchHugeBodyStopsEarly(t *testing.T) {
	const huge = 100 << 20
	const limit = 1 << 20
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(r.URL.Path, ".xml") {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>`))
		} else {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<html><body><article><p>`))
		}
		chunk := bytes.Repeat([]byte("all work and no play "), 1600) // 33.6 kB
		for sent.Load() < huge {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return // the client hung up
			}
		}
	}))
	defer srv.Close()
	f := testFetcher(t, func(c *Config) { c.MaxBodyBytes = limit })

	feed := Feed{Name: "Endless", URL: srv.URL + "/feed.xml"}
	_, err := f.FetchFeed(context.Background(), feed, FeedState{})
	if want := `fetch feed "Endless" ` + feed.URL + ": body exceeds the limit of 1048576 bytes"; err == nil || err.Error() != want {
		t.Errorf("feed: err = %v, want %q", err, want)
	}

	sent.Store(0)
	link := srv.URL + "/endless.html"
	art, pageErr, err := f.FetchArticle(context.Background(), Item{Feed: "Endless", Link: link, Summary: "The feed's text."})
	if err != nil || art.TextFrom != "feed" {
		t.Fatalf("article: err %v, text from %q", err, art.TextFrom)
	}
	if want := "fetch article " + link + ": body exceeds the limit of 1048576 bytes"; pageErr == nil || pageErr.Error() != want {
		t.Errorf("article: pageErr = %v, want %q", pageErr, want)
	}
	// Socket buffers let the server write ahead of the reader; what matters
	// is that it is nowhere near the whole.
	srv.CloseClientConnections()
	if n := sent.Load(); n > 20*limit {
		t.Errorf("server sent %d MB before the client gave up", n>>20)
	}
}

// A gzip bomb is a small compressed body that inflates past the cap: the
// cap counts the inflated bytes.
func TestFetchGzipBomb(t *testing.T) {
	const limit = 1 << 20
	var zipped bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zipped, gzip.BestCompression)
	zw.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>`))
	zeros := make([]byte, 1<<20)
	for range 64 { // 64 MB inflated
		zw.Write(zeros)
	}
	zw.Close()
	if zipped.Len() > limit/4 {
		t.Fatalf("the bomb is %d bytes compressed; it should be far under the cap", zipped.Len())
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", fmt.Sprint(zipped.Len()))
		w.Write(zipped.Bytes())
	}))
	defer srv.Close()
	feed := Feed{Name: "Bomb", URL: srv.URL + "/feed.xml"}
	_, err := testFetcher(t, func(c *Config) { c.MaxBodyBytes = limit }).FetchFeed(context.Background(), feed, FeedState{})
	if want := `fetch feed "Bomb" ` + feed.URL + ": body exceeds the limit of 1048576 bytes"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// fakeClock lets a test see how long the Fetcher would wait for a host,
// without the wait: Sleep moves the time on at once.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		c.mu.Lock()
		c.slept = append(c.slept, d)
		c.now = c.now.Add(d)
		c.mu.Unlock()
	}
	return ctx.Err()
}

func (c *fakeClock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

func TestFetchRetryAfter(t *testing.T) {
	body := readTestdata(t, "feeds", "rights.json")
	start := time.Now().UTC().Truncate(time.Second)
	tests := []struct {
		name       string
		answers    []string // status and Retry-After of each answer before a 200, "" for none
		wantErr    string   // "" for success
		wantWaits  []time.Duration
		wantAsked  int
		thenBlocks bool // a second request to the host fails without being sent
	}{
		{
			name:      "429 with seconds",
			answers:   []string{"429 3"},
			wantWaits: []time.Duration{3 * time.Second},
			wantAsked: 2,
		},
		{
			name:      "503 with an HTTP date",
			answers:   []string{"503 " + start.Add(90*time.Second).Format(http.TimeFormat)},
			wantWaits: []time.Duration{90 * time.Second},
			wantAsked: 2,
		},
		{
			name:      "a date in the past retries at once",
			answers:   []string{"503 " + start.Add(-time.Hour).Format(http.TimeFormat)},
			wantAsked: 2,
		},
		{
			name:      "twice, then served",
			answers:   []string{"429 1", "429 2"},
			wantWaits: []time.Duration{time.Second, 2 * time.Second},
			wantAsked: 3,
		},
		{
			name:      "over the retry count",
			answers:   []string{"503 1", "503 1", "503 1"},
			wantErr:   "HTTP 503 Service Unavailable: still so after 2 retries as its Retry-After asked",
			wantWaits: []time.Duration{time.Second, time.Second},
			wantAsked: 3,
		},
		{
			name:       "over the longest wait",
			answers:    []string{"429 3600"},
			wantErr:    "HTTP 429 Too Many Requests: its Retry-After of 1h0m0s is more than the max_retry_wait of 2m0s",
			wantAsked:  1,
			thenBlocks: true,
		},
		{
			name:      "a Retry-After that is neither",
			answers:   []string{"429 soon"},
			wantErr:   "HTTP 429 Too Many Requests",
			wantAsked: 1,
		},
		{
			name:      "a 500 is not retried",
			answers:   []string{"500 1"},
			wantErr:   "HTTP 500 Internal Server Error",
			wantAsked: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var asked atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(asked.Add(1))
				if n <= len(tc.answers) {
					var code int
					var after string
					fmt.Sscanf(tc.answers[n-1], "%d", &code)
					_, after, _ = strings.Cut(tc.answers[n-1], " ")
					w.Header().Set("Retry-After", after)
					http.Error(w, http.StatusText(code), code)
					return
				}
				w.Header().Set("Content-Type", "application/feed+json")
				w.Write(body)
			}))
			defer srv.Close()
			clock := &fakeClock{now: start}
			f := newFetcher(Config{HostDelay: time.Millisecond, Timeout: time.Minute,
				MaxRetries: DefaultMaxRetries, MaxRetryWait: DefaultMaxRetryWait, AllowPrivate: testServers}, nil, clock)
			feed := Feed{Name: "Busy", URL: srv.URL + "/feed.json"}

			res, err := f.FetchFeed(context.Background(), feed, FeedState{})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("err = %v", err)
			case tc.wantErr == "" && len(res.Items) != 3:
				t.Errorf("%d items", len(res.Items))
			case tc.wantErr != "" && (err == nil || err.Error() != `fetch feed "Busy" `+feed.URL+": "+tc.wantErr):
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
			var waits []time.Duration
			for _, d := range clock.waits() {
				if d > time.Millisecond { // not the host delay
					waits = append(waits, d)
				}
			}
			if fmt.Sprint(waits) != fmt.Sprint(tc.wantWaits) {
				t.Errorf("waited %v, want %v", waits, tc.wantWaits)
			}
			if n := int(asked.Load()); n != tc.wantAsked {
				t.Errorf("server asked %d times, want %d", n, tc.wantAsked)
			}
			if !tc.thenBlocks {
				return
			}
			// The host asked for an hour's peace: its other URLs are not
			// asked either, until then.
			link := srv.URL + "/article.html"
			_, pageErr, _ := f.FetchArticle(context.Background(), Item{Link: link, Summary: "Text."})
			host := strings.TrimPrefix(srv.URL, "http://")
			want := "fetch article " + link + ": " + host + " asked not to be fetched before " +
				start.Add(time.Hour).Format(time.RFC3339) + " (Retry-After), more than the max_retry_wait of 2m0s from now"
			if pageErr == nil || pageErr.Error() != want {
				t.Errorf("next request: pageErr = %v, want %q", pageErr, want)
			}
			if n := int(asked.Load()); n != tc.wantAsked {
				t.Errorf("server asked %d times after it asked for peace", n-tc.wantAsked)
			}
		})
	}
}

// The wait is real: measured on the server, the retry comes after the
// second Retry-After asked for.
func TestFetchRetryAfterWaits(t *testing.T) {
	body := readTestdata(t, "feeds", "rights.json")
	var mu sync.Mutex
	var arrivals []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		n := len(arrivals)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/feed+json")
		w.Write(body)
	}))
	defer srv.Close()
	f := testFetcher(t, func(c *Config) { c.MaxRetries, c.MaxRetryWait = 1, time.Minute })
	if _, err := f.FetchFeed(context.Background(), Feed{Name: "Busy", URL: srv.URL}, FeedState{}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(arrivals) != 2 {
		t.Fatalf("%d requests, want 2", len(arrivals))
	}
	if gap := arrivals[1].Sub(arrivals[0]); gap < 900*time.Millisecond {
		t.Errorf("retried after %v, want a second", gap)
	}
}

// However many goroutines fetch from one host, it sees one request at a
// time, each starting at least the delay after the last one ended.
func TestHostConcurrencyOne(t *testing.T) {
	const delay = 50 * time.Millisecond
	page := readTestdata(t, "pages", "bbc.html")
	feed := readTestdata(t, "feeds", "rights.json")
	type span struct{ start, end time.Time }
	var mu sync.Mutex
	var spans []span
	var inFlight, most atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		start := time.Now()
		time.Sleep(20 * time.Millisecond) // a server that takes its time
		switch {
		case r.URL.Path == "/robots.txt":
			http.NotFound(w, r)
		case strings.HasSuffix(r.URL.Path, ".json"):
			w.Header().Set("Content-Type", "application/feed+json")
			w.Write(feed)
		default:
			w.Header().Set("Content-Type", "text/html")
			w.Write(page)
		}
		mu.Lock()
		spans = append(spans, span{start, time.Now()})
		mu.Unlock()
	}))
	defer srv.Close()

	f := testFetcher(t, func(c *Config) { c.HostDelay = delay })
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			if i%2 == 0 {
				if _, err := f.FetchFeed(context.Background(), Feed{Name: "F", URL: fmt.Sprintf("%s/%d.json", srv.URL, i)}, FeedState{}); err != nil {
					t.Error(err)
				}
				return
			}
			if _, pageErr, err := f.FetchArticle(context.Background(), Item{Link: fmt.Sprintf("%s/%d.html", srv.URL, i)}); err != nil || pageErr != nil {
				t.Error(err, pageErr)
			}
		})
	}
	wg.Wait()
	if m := most.Load(); m != 1 {
		t.Errorf("the host saw %d requests at once", m)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(spans) != 7 { // 6 and one robots.txt
		t.Fatalf("%d requests, want 7", len(spans))
	}
	for i := 1; i < len(spans); i++ {
		// Slack for the time between the server's clock reads and the
		// client's.
		if gap := spans[i].start.Sub(spans[i-1].end); gap < delay*8/10 {
			t.Errorf("request %d started %v after request %d ended, want at least %v", i, gap, i-1, delay)
		}
	}
}

// Two requests redirected to each other's host hold one host's turn at a
// time, so neither waits for the other forever.
func TestCrossHostRedirectsDoNotDeadlock(t *testing.T) {
	page := readTestdata(t, "pages", "bbc.html")
	var a, b *httptest.Server
	handler := func(other **httptest.Server) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/robots.txt":
				http.NotFound(w, r)
			case "/go":
				time.Sleep(30 * time.Millisecond) // both redirects in flight at once
				http.Redirect(w, r, (*other).URL+"/story", http.StatusFound)
			default:
				w.Header().Set("Content-Type", "text/html")
				w.Write(page)
			}
		}
	}
	a = httptest.NewServer(handler(&b))
	defer a.Close()
	b = httptest.NewServer(handler(&a))
	defer b.Close()

	f := testFetcher(t, func(c *Config) { c.HostDelay = 10 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 4 {
		for _, srv := range []*httptest.Server{a, b} {
			wg.Go(func() {
				art, pageErr, err := f.FetchArticle(ctx, Item{Link: srv.URL + "/go"})
				if err != nil || pageErr != nil || art.TextFrom != "page" {
					t.Errorf("%s: err %v, pageErr %v", srv.URL, err, pageErr)
				}
			})
		}
	}
	wg.Wait()
}

func TestDefaultUserAgent(t *testing.T) {
	// The tool, its version and where to read about it or complain.
	if ua := DefaultUserAgent; !strings.HasPrefix(ua, "policywatch/0.") ||
		!strings.Contains(ua, "(+https://github.com/policywatch/policywatch)") {
		t.Errorf("DefaultUserAgent = %q", ua)
	}
	var mu sync.Mutex
	agents := make(map[string]string) // path -> User-Agent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents[r.URL.Path] = r.Header.Get("User-Agent")
		mu.Unlock()
		http.NotFound(w, r)
	}))
	defer srv.Close()
	f := NewFetcher(Config{HostDelay: time.Millisecond, AllowPrivate: testServers}, nil)
	f.FetchFeed(context.Background(), Feed{Name: "F", URL: srv.URL + "/feed"}, FeedState{})
	f.FetchArticle(context.Background(), Item{Link: srv.URL + "/article", Summary: "x"})
	mu.Lock()
	defer mu.Unlock()
	for _, p := range []string{"/feed", "/robots.txt", "/article"} {
		if agents[p] != DefaultUserAgent {
			t.Errorf("%s asked with User-Agent %q, want %q", p, agents[p], DefaultUserAgent)
		}
	}
}
