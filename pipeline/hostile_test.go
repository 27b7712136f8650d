package pipeline_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policywatch/policywatch/ingest"
)

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(b.buf.String(), "\n")
}

// logged reports whether one log line has msg, url and reason.
func (b *syncBuffer) logged(msg, url, reason string) bool {
	for _, l := range b.lines() {
		if strings.Contains(l, `msg="`+msg+`"`) && strings.Contains(l, "url="+url+" ") && strings.Contains(l, reason) {
			return true
		}
	}
	return false
}

// hostileFeeds serves, each at its own path, a feed that breaks in its own
// way.
func hostileFeeds(t *testing.T) http.Handler {
	t.Helper()
	page, err := io.ReadAll(mustGet(t, "/articles/ve-x-block.html"))
	if err != nil {
		t.Fatal(err)
	}
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>`))
	zw.Write(make([]byte, 8<<20)) // 8 MB of zeros, over the 5 MB cap
	zw.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("/malformed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><item><title>Cut off`))
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(page)
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
	})
	mux.Handle("/gone", http.NotFoundHandler())
	mux.Handle("/broken", status(http.StatusInternalServerError))
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		chunk := bytes.Repeat([]byte("<!-- padding -->"), 4096)
		for range (100 << 20) / len(chunk) { // 100 MB, streamed
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/trickle", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		for range 2000 { // 100 s, unless the client gives up first
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(50 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	return mux
}

// mustGet reads a page of the demo corpus.
func mustGet(t *testing.T, path string) io.Reader {
	t.Helper()
	s := newSite(t)
	resp, err := http.Get(s.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

// One run over good feeds and every kind of broken one: each failure is in
// the summary and the log with its URL and reason, and the good feeds'
// articles are stored.
func TestRunHostileFeeds(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	// The site keeps one article from robots; another's page is broken and
	// its item has no text of its own.
	s.route("/robots.txt", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("User-agent: *\nDisallow: /articles/ve-x-block.html\n"))
	}))
	s.route("/articles/broken.html", status(http.StatusInternalServerError))
	// An internal server, on a loopback address the fetcher is not
	// allowed: a feed of its own and a link from a good feed lead there.
	var insideAsked atomic.Int32
	inside := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		insideAsked.Add(1)
		io.WriteString(w, "<html><body><p>Internal.</p></body></html>")
	}))
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	inside.Listener.Close()
	inside.Listener = ln
	inside.Start()
	defer inside.Close()
	internalLink := inside.URL + "/wiki/secrets"
	s.route("/custom.rss", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Custom</title>
<item><title>Internal wiki</title><link>` + internalLink + `</link><description>Russia blocks Telegram, the feed says.</description></item>
<item><title>Broken page, no text</title><link>/articles/broken.html</link></item>
<item><title>Neither link nor GUID</title><description>Lost.</description></item>
<item><title>Pakistan lifts its TikTok ban</title><link>/articles/pk-tiktok-unblock.html</link><guid>custom-1</guid><pubDate>Mon, 04 Feb 2999 10:00:00 +0000</pubDate></item>
</channel></rss>`))
	}))
	// The fetcher sends one request at a time to a host, so the hostile
	// feeds are on hosts of their own, where their slowness holds no good
	// feed back; the trickle, which holds its host for the whole timeout,
	// has one to itself, or the redirect loop's hops would queue behind it
	// until the loop timed out instead.
	h := hostileFeeds(t)
	hostile := httptest.NewServer(h)
	defer hostile.Close()
	slow := httptest.NewServer(h)
	defer slow.Close()
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "come back later", http.StatusTooManyRequests)
	}))
	defer busy.Close()
	untrusted := httptest.NewUnstartedServer(http.NotFoundHandler())
	untrusted.Config.ErrorLog = log.New(io.Discard, "", 0)
	untrusted.StartTLS()
	defer untrusted.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL + "/feed"
	down.Close()

	good := []ingest.Feed{
		s.feed("Agency Wire", "wire.rss.xml"),
		s.feed("Evening Dispatch", "dispatch.atom.xml"), // shares a story with the wire
		{Name: "Custom", URL: s.srv.URL + "/custom.rss"},
	}
	bad := []struct {
		feed   ingest.Feed
		reason string
	}{
		{ingest.Feed{Name: "Malformed", URL: hostile.URL + "/malformed"}, "XML syntax error"},
		{ingest.Feed{Name: "Page", URL: hostile.URL + "/html"}, "got an HTML page (application/rss+xml), not a feed"},
		{ingest.Feed{Name: "Empty", URL: hostile.URL + "/empty"}, "empty body"},
		{ingest.Feed{Name: "Gone", URL: hostile.URL + "/gone"}, "HTTP 404 Not Found"},
		{ingest.Feed{Name: "Broken", URL: hostile.URL + "/broken"}, "HTTP 500 Internal Server Error"},
		{ingest.Feed{Name: "Bomb", URL: hostile.URL + "/bomb"}, "body exceeds the limit of 5242880 bytes"},
		{ingest.Feed{Name: "Endless", URL: hostile.URL + "/endless"}, "body exceeds the limit of 5242880 bytes"},
		{ingest.Feed{Name: "Trickle", URL: slow.URL + "/trickle"}, "timeout after 15s"},
		{ingest.Feed{Name: "Loop", URL: hostile.URL + "/loop"}, "stopped after 10 redirects"},
		{ingest.Feed{Name: "Busy", URL: busy.URL + "/feed"}, "HTTP 429 Too Many Requests: its Retry-After of 1h0m0s is more than the max_retry_wait of 2m0s"},
		{ingest.Feed{Name: "Untrusted", URL: untrusted.URL + "/feed"}, "certificate signed by unknown authority"},
		{ingest.Feed{Name: "Down", URL: downURL}, "connection refused"},
		{ingest.Feed{Name: "Internal", URL: inside.URL + "/feed"}, "refused to connect to 127.0.0.2, a loopback address"},
	}
	feeds := append([]ingest.Feed(nil), good...)
	for _, b := range bad {
		feeds = append(feeds, b.feed)
	}

	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db := openDB(t)
	r := newRunner(t, db)
	r.Logger = logger
	r.Fetcher = ingest.NewFetcher(ingest.Config{
		// Long enough for a TLS handshake, 5 MB or ten redirects queued
		// behind them on one host, on a loaded machine under the race
		// detector; the trickle (100 s) outlasts it.
		Timeout:      15 * time.Second,
		MaxBodyBytes: ingest.DefaultMaxBodyBytes,
		HostDelay:    time.Microsecond,
		MaxRetries:   ingest.DefaultMaxRetries,
		MaxRetryWait: ingest.DefaultMaxRetryWait,
		AllowPrivate: []string{"127.0.0.1"}, // not inside's 127.0.0.2
	}, logger)

	sum := run(t, r, feeds...)

	if sum.Feeds != len(feeds) || sum.FeedsOK != len(good) || sum.FeedsFailed != len(bad) || sum.NothingFetched() {
		t.Errorf("feeds %d, ok %d, failed %d; want %d, %d, %d", sum.Feeds, sum.FeedsOK, sum.FeedsFailed, len(feeds), len(good), len(bad))
	}
	failures := make(map[string]string) // URL -> error
	for _, f := range sum.Failures {
		failures[f.URL] = f.Error
	}
	for _, b := range bad {
		if err, ok := failures[b.feed.URL]; !ok || !strings.Contains(err, b.feed.URL) || !strings.Contains(err, b.reason) {
			t.Errorf("%s: failure %q in the summary, want its URL and %q", b.feed.Name, err, b.reason)
		}
		if !logs.logged("feed failed", b.feed.URL, b.reason) {
			t.Errorf("%s: no log line with its URL and %q", b.feed.Name, b.reason)
		}
	}

	// The article with neither page nor text is a failure; the one robots
	// keeps us from is stored from its feed's text, and said why.
	brokenURL := s.srv.URL + "/articles/broken.html"
	if err := failures[brokenURL]; !strings.Contains(err, "HTTP 500") || sum.ArticlesFailed != 1 {
		t.Errorf("broken article: failure %q, %d articles failed", err, sum.ArticlesFailed)
	}
	if !logs.logged("article failed", brokenURL, "HTTP 500") {
		t.Errorf("no log line for the broken article")
	}
	if len(sum.Failures) != len(bad)+1 {
		t.Errorf("%d failures, want %d: %+v", len(sum.Failures), len(bad)+1, sum.Failures)
	}
	disallowedURL := s.srv.URL + "/articles/ve-x-block.html"
	unavailable := make(map[string]string)
	for _, u := range sum.Unavailable {
		unavailable[u.URL] = u.Error
	}
	wantUnavailable := map[string]string{
		disallowedURL: "fetch article " + disallowedURL + ": disallowed by robots.txt",
		internalLink: "fetch article " + internalLink + ": refused to connect to 127.0.0.2, a loopback address; " +
			"list it under allow_private in the configuration to fetch it",
	}
	if fmt.Sprint(unavailable) != fmt.Sprint(wantUnavailable) || sum.FromFeedText != 2 {
		t.Errorf("pages unavailable %+v (%d from feed text), want the one robots.txt disallows and the internal one", sum.Unavailable, sum.FromFeedText)
	}
	if n := insideAsked.Load(); n != 0 {
		t.Errorf("the internal server was asked %d times", n)
	}
	if !logs.logged("article page unavailable, using feed text", disallowedURL, "disallowed by robots.txt") {
		t.Errorf("no log line for the disallowed article")
	}
	if !logs.logged("feed item skipped", s.srv.URL+"/custom.rss", `reason="no link and no GUID"`) {
		t.Errorf("no log line for the item without link or GUID")
	}

	// The good feeds' articles are all stored, the shared one once, and
	// the one dated 2999 is not dated so.
	keys := itemKeys(t, good...)
	seen, err := db.Seen(keys)
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	for _, k := range keys {
		if seen[k] {
			stored++
		}
	}
	if want := len(keys) - 1; stored != want || sum.NewArticles != want { // all but the broken one
		t.Errorf("stored %d of the good feeds' %d items (%d new articles), want %d", stored, len(keys), sum.NewArticles, want)
	}
	a, err := db.Article(ingest.ArticleID("custom-1"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Published.Year() > time.Now().Year()+1 {
		t.Errorf("article stored as published %v", a.Published)
	}
	shared := 0
	for _, req := range s.requests() {
		if req.Path == "/articles/ng-twitter-suspended.html" {
			shared++
		}
		if req.Path == "/articles/ve-x-block.html" {
			t.Error("the page robots.txt disallows was fetched")
		}
	}
	if shared != 1 {
		t.Errorf("the story in two feeds was fetched %d times", shared)
	}
}
