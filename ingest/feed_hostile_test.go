package ingest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// bigFeed writes an RSS feed of n items, each with a GUID, a link, a date
// and a paragraph of description.
func bigFeed(w *bytes.Buffer, n int) {
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Firehose</title>`)
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(w, `<item><title>Item %d: regulator orders block</title><link>https://firehose.example/%d</link>`+
			`<guid isPermaLink="false">firehose-%d</guid><pubDate>%s</pubDate>`+
			`<description>&lt;p&gt;The regulator ordered access to the service blocked, item %d of the feed.&lt;/p&gt;</description></item>`,
			i, i, i, day.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), i)
	}
	w.WriteString(`</channel></rss>`)
}

func TestFetchFeedTenThousandItems(t *testing.T) {
	const n = 10_000
	var body bytes.Buffer
	bigFeed(&body, n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body.Bytes())
	}))
	defer srv.Close()

	res, err := testFetcher(t, func(c *Config) { c.MaxBodyBytes = DefaultMaxBodyBytes }).
		FetchFeed(context.Background(), Feed{Name: "Firehose", URL: srv.URL}, FeedState{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != n {
		t.Fatalf("%d items, want %d", len(res.Items), n)
	}
	keys := make(map[string]bool, n)
	for _, it := range res.Items {
		keys[it.Key()] = true
	}
	if len(keys) != n {
		t.Errorf("%d distinct keys among %d items", len(keys), n)
	}
	last := res.Items[n-1]
	if last.GUID != "firehose-9999" || last.Link != "https://firehose.example/9999" ||
		!last.Published.Equal(time.Date(2024, 1, 7, 22, 39, 0, 0, time.UTC)) ||
		HTMLText(last.Summary) != "The regulator ordered access to the service blocked, item 9999 of the feed." {
		t.Errorf("last item = %+v", last)
	}
}

func BenchmarkParseFeed10000Items(b *testing.B) {
	var body bytes.Buffer
	bigFeed(&body, 10_000)
	resp := &response{URL: "https://firehose.example/feed", Header: http.Header{"Content-Type": {"application/rss+xml"}}, Body: body.Bytes()}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		items, _, err := parseFeed("Firehose", resp, now)
		if err != nil || len(items) != 10_000 {
			b.Fatalf("%d items, %v", len(items), err)
		}
	}
}

// logBuffer collects a Fetcher's log lines; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Items that cannot be told apart, listed twice, or dated impossibly.
func TestFetchFeedHostileItems(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	rfc := func(t time.Time) string { return t.Format(time.RFC1123Z) }
	const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>No link, no guid</title><description>Orphan text.</description></item>
<item><title>First</title><link>https://t.example/a</link><guid>a</guid><pubDate>%[1]s</pubDate></item>
<item><title>First, listed again</title><link>https://t.example/a</link><guid>a</guid></item>
<item><title>From the future</title><link>https://t.example/future</link><pubDate>Mon, 04 Feb 2999 10:00:00 +0000</pubDate></item>
<item><title>From year one</title><link>https://t.example/one</link><pubDate>Mon, 01 Jan 0001 00:00:00 +0000</pubDate></item>
<item><title>From 1900</title><link>https://t.example/1900</link><pubDate>Mon, 01 Jan 1900 00:00:00 +0000</pubDate></item>
<item><title>A few hours ahead</title><link>https://t.example/skew</link><pubDate>%[2]s</pubDate></item>
<item><title>Not a date</title><link>https://t.example/nodate</link><pubDate>yesterday-ish</pubDate></item>
</channel></rss>`
	body := fmt.Sprintf(rss, rfc(now.Add(-48*time.Hour)), rfc(now.Add(5*time.Hour)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(body))
	}))
	defer srv.Close()
	var logs logBuffer
	f := NewFetcher(Config{HostDelay: time.Millisecond, AllowPrivate: testServers}, logs.logger())
	feed := Feed{Name: "Hostile", URL: srv.URL + "/rss"}
	res, err := f.FetchFeed(context.Background(), feed, FeedState{})
	if err != nil {
		t.Fatal(err)
	}
	fetched := res.State.LastFetched
	want := []struct {
		title     string
		published time.Time
	}{
		{"First", now.Add(-48 * time.Hour)},
		{"From the future", time.Time{}},
		{"From year one", time.Time{}},
		{"From 1900", time.Time{}},
		{"A few hours ahead", fetched},
		{"Not a date", time.Time{}},
	}
	if len(res.Items) != len(want) {
		t.Fatalf("%d items, want %d: %+v", len(res.Items), len(want), res.Items)
	}
	for i, w := range want {
		if got := res.Items[i]; got.Title != w.title || !got.Published.Equal(w.published) {
			t.Errorf("item %d: %q published %v, want %q published %v", i, got.Title, got.Published, w.title, w.published)
		}
	}
	// The orphan is said to be skipped, with the feed and the reason.
	log := logs.String()
	if !strings.Contains(log, `msg="feed item skipped" feed=Hostile url=`+feed.URL+` item="#1 \"No link, no guid\"" reason="no link and no GUID"`) {
		t.Errorf("log does not report the skipped item:\n%s", log)
	}
}

// A feed that gives every item the same GUID has no ids: its items are
// told apart by their links instead of being dropped as repeats.
func TestFeedItemsGUIDReused(t *testing.T) {
	const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>https://t.example/1</link><guid>0</guid></item>
<item><title>Two</title><link>https://t.example/2</link><guid>0</guid></item>
<item><title>Two again</title><link>https://t.example/2?utm_source=rss</link><guid>0</guid></item>
<item><title>No link</title><guid>0</guid></item>
</channel></rss>`
	resp := &response{URL: "https://t.example/feed", Header: http.Header{}, Body: []byte(rss)}
	items, notes, err := parseFeed("T", resp, time.Now())
	if err != nil || len(notes.skipped) != 0 {
		t.Fatalf("err %v, skipped %v", err, notes.skipped)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.Title+" = "+it.Key())
	}
	want := []string{"One = https://t.example/1", "Two = https://t.example/2", "No link = 0"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("items %q, want %q", got, want)
	}
}
