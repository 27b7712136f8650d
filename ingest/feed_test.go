package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testFetcher returns a Fetcher with test-sized settings; adjust may change them.
// testFetcher is a fetcher for the tests. Its timeout is only a failsafe,
// however slow the machine: a test of timeouts sets a short one.
func testFetcher(t *testing.T, adjust func(*Config)) *Fetcher {
	t.Helper()
	cfg := Config{
		UserAgent:    "policywatch-test/1.0",
		Timeout:      time.Minute,
		HostDelay:    time.Millisecond,
		MaxBodyBytes: 1 << 20,
		AllowPrivate: testServers, // the tests' servers are on loopback
	}
	if adjust != nil {
		adjust(&cfg)
	}
	return NewFetcher(cfg, nil)
}

// testServers allows what httptest.NewServer listens on.
var testServers = []string{"127.0.0.1"}

// serveFile answers every request with a testdata file.
func serveFile(t *testing.T, contentType string, elem ...string) http.HandlerFunc {
	body := readTestdata(t, elem...)
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}
}

func TestFetchFeedFormats(t *testing.T) {
	ist := time.FixedZone("", 5*3600+1800)
	edt := time.FixedZone("", -4*3600)
	pkt := time.FixedZone("", 5*3600)
	msk := time.FixedZone("", 3*3600)

	tests := []struct {
		name        string
		file        string
		contentType string
		want        []Item // Content and Summary are checked through wantText
		wantText    []string
	}{
		{
			name:        "RSS 2.0 from WordPress",
			file:        "wordpress.rss",
			contentType: "application/rss+xml; charset=UTF-8",
			want: []Item{
				{
					GUID:      "https://www.medianama.com/?p=183205",
					Link:      "https://www.medianama.com/2024/02/223-meity-orders-blocking-119-apps-section-69a/",
					Title:     "MeitY orders blocking of 119 apps under Section 69A of the IT Act",
					Published: time.Date(2024, 2, 23, 10, 30, 12, 0, time.UTC),
				},
				{
					GUID:  "https://www.medianama.com/?p=183190",
					Link:  "{server}/2024/02/224-proton-mail-madras-high-court-block/", // relative in the feed
					Title: "Proton Mail blocked in Tamil Nadu? Madras High Court asks Centre to act",
				},
				{
					Link:      "https://www.medianama.com/2024/02/225-karnataka-mobile-internet-suspension-exam/?utm_source=rss&utm_medium=rss",
					Title:     "Karnataka suspends mobile internet in three districts ahead of exam",
					Published: time.Date(2024, 2, 22, 16, 5, 0, 0, ist),
				},
			},
			wantText: []string{
				// content:encoded, without figure caption or the "appeared first" line
				"The Ministry of Electronics and Information Technology (MeitY) has ordered the blocking of 119 mobile applications, most of them video chat and dating apps, under Section 69A of the Information Technology Act, 2000.\n\n" +
					"According to people familiar with the matter, the order was issued on February 21 and app stores were asked to remove the apps “with immediate effect”. The government did not publish the order, as is usual for Section 69A orders, which are confidential.\n\n" +
					"Why it matters\n\n" +
					"Blocking orders under Section 69A cannot be challenged by users who never see them, a point the Internet Freedom Foundation has raised in court.",
				"The Madras High Court has asked the Union government to consider blocking Proton Mail after a hoax bomb threat was sent from the service.",
				"Mobile data services were suspended from 7am to 1pm on exam days.",
			},
		},
		{
			name:        "Atom 1.0 from Vox Media",
			file:        "verge.atom",
			contentType: "application/atom+xml; charset=utf-8",
			want: []Item{
				{
					GUID:      "https://www.theverge.com/2024/4/2/24118602/turkey-instagram-block-btk",
					Link:      "https://www.theverge.com/2024/4/2/24118602/turkey-instagram-block-btk",
					Title:     "Turkey’s internet regulator orders Instagram blocked for ‘censorship’",
					Published: time.Date(2024, 4, 2, 14, 31, 8, 0, edt),
				},
				{
					GUID:      "tag:theverge.com,2024:24117000",
					Link:      "{server}/2024/4/1/24117000/eu-fine-apple-music-streaming",
					Title:     "The EU fines Apple €1.8 billion over music streaming",
					Published: time.Date(2024, 4, 1, 9, 12, 44, 0, edt), // <updated>, as there is no <published>
				},
				{
					GUID:  "https://www.theverge.com/2024/3/31/undated",
					Link:  "https://www.theverge.com/2024/3/31/undated",
					Title: "An entry with neither date nor content",
				},
			},
			wantText: []string{
				"Turkey’s Information and Communication Technologies Authority (BTK) has blocked access to Instagram, according to a notice posted on the regulator’s website.\n\n" +
					"The notice does not give a reason, but a senior official had accused the platform of censoring condolence posts a day earlier.",
				"The European Commission says Apple abused its dominant position.",
				"",
			},
		},
		{
			name:        "JSON Feed 1.1",
			file:        "rights.json",
			contentType: "application/feed+json",
			want: []Item{
				{
					GUID:      "https://watch.example.org/2024/01/pakistan-x-restricted",
					Link:      "https://watch.example.org/2024/01/pakistan-x-restricted",
					Title:     "Pakistan restricts X nationwide on election day",
					Published: time.Date(2024, 2, 8, 6, 10, 0, 0, pkt),
				},
				{
					GUID:      "2024-01-senegal-mobile",
					Link:      "{server}/2024/01/senegal-mobile-data-cut",
					Title:     "Senegal cuts mobile data again",
					Published: time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC),
				},
				{
					GUID:      "note-without-url",
					Published: time.Date(2024, 2, 4, 10, 0, 0, 0, time.UTC),
				},
			},
			wantText: []string{
				"Metrics show X was restricted across Pakistan from 8am local time.\n\nThe Pakistan Telecommunication Authority has not commented.",
				"Mobile data was cut in Senegal on Monday.\n\nThe ministry cited \"hateful and subversive messages\".",
				"A short note with an id but no url.",
			},
		},
		{
			// Only the XML prolog names the encoding; the header has none.
			name:        "RSS in windows-1251",
			file:        "regional-windows1251.rss",
			contentType: "text/xml",
			want: []Item{
				{
					GUID:      "https://news.example.ru/news/2024/08/06/youtube-zamedlenie.html",
					Link:      "https://news.example.ru/news/2024/08/06/youtube-zamedlenie.html",
					Title:     "Роскомнадзор замедлил YouTube на стационарных устройствах",
					Published: time.Date(2024, 8, 6, 18, 15, 0, 0, msk),
				},
				{
					Link:      "https://news.example.ru/news/2024/08/05/telegram-shtraf.html",
					Title:     "Суд оштрафовал Telegram на 4 млн рублей",
					Published: time.Date(2024, 8, 5, 11, 0, 0, 0, msk),
				},
			},
			wantText: []string{
				"Скорость загрузки видео упала на 40% — «из-за износа оборудования Google», утверждают в ведомстве.",
				"Мессенджер не удалил запрещённые материалы, решил мировой суд Таганского района.",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(serveFile(t, tc.contentType, "feeds", tc.file))
			defer srv.Close()
			feed := Feed{Name: "Test feed", URL: srv.URL + "/feed"}

			res, err := testFetcher(t, nil).FetchFeed(context.Background(), feed, FeedState{})
			if err != nil {
				t.Fatal(err)
			}
			if res.NotModified || res.Feed.Name != feed.Name {
				t.Errorf("result = %+v", res)
			}
			if len(res.Items) != len(tc.want) {
				t.Fatalf("%d items, want %d: %+v", len(res.Items), len(tc.want), res.Items)
			}
			for i, got := range res.Items {
				want := tc.want[i]
				want.Feed = feed.Name
				want.Link = strings.Replace(want.Link, "{server}", srv.URL, 1)
				if got.Feed != want.Feed || got.GUID != want.GUID || got.Link != want.Link ||
					got.Title != want.Title || !got.Published.Equal(want.Published) {
					t.Errorf("item %d:\n got %+v\nwant %+v", i, brief(got), brief(want))
				}
				text := HTMLText(got.Content)
				if text == "" {
					text = HTMLText(got.Summary)
				}
				if text != tc.wantText[i] {
					t.Errorf("item %d text:\n got %q\nwant %q", i, text, tc.wantText[i])
				}
			}
		})
	}
}

// brief drops an item's HTML so failures stay readable.
func brief(it Item) Item {
	it.Content, it.Summary = "", ""
	return it
}

func TestFetchFeedConditionalGET(t *testing.T) {
	const etag = `W/"5f3c-18d8e7a4b10"`
	const lastMod = "Fri, 23 Feb 2024 11:02:41 GMT"
	body := readTestdata(t, "feeds", "wordpress.rss")

	var mu sync.Mutex
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	defer srv.Close()

	f := testFetcher(t, nil)
	feed := Feed{Name: "MediaNama", URL: srv.URL + "/feed/"}
	first, err := f.FetchFeed(context.Background(), feed, FeedState{})
	if err != nil {
		t.Fatal(err)
	}
	st := first.State
	if first.NotModified || len(first.Items) != 3 || st.ETag != etag || st.LastModified != lastMod ||
		st.LastStatus != 200 || st.URL != feed.URL || st.LastError != "" ||
		st.LastFetched.IsZero() || !st.LastOK.Equal(st.LastFetched) {
		t.Fatalf("first fetch: notModified=%v items=%d state=%+v", first.NotModified, len(first.Items), st)
	}

	second, err := f.FetchFeed(context.Background(), feed, st)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || len(second.Items) != 0 {
		t.Errorf("second fetch: notModified=%v items=%d", second.NotModified, len(second.Items))
	}
	if s := second.State; s.LastStatus != 304 || s.ETag != etag || s.LastModified != lastMod || !s.LastOK.Equal(s.LastFetched) {
		t.Errorf("second state = %+v", s)
	}

	// A feed whose URL changed in the config must not send the old URL's validators.
	moved := Feed{Name: "MediaNama", URL: srv.URL + "/rss/"}
	third, err := f.FetchFeed(context.Background(), moved, st)
	if err != nil || third.NotModified {
		t.Errorf("moved feed: notModified=%v err=%v", third.NotModified, err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 {
		t.Fatalf("server saw %d requests", len(seen))
	}
	if seen[0].Get("If-None-Match") != "" || seen[0].Get("If-Modified-Since") != "" {
		t.Errorf("first request was conditional: %v", seen[0])
	}
	if seen[1].Get("If-None-Match") != etag || seen[1].Get("If-Modified-Since") != lastMod {
		t.Errorf("second request validators: %q %q", seen[1].Get("If-None-Match"), seen[1].Get("If-Modified-Since"))
	}
	if seen[2].Get("If-None-Match") != "" {
		t.Errorf("moved feed sent the old ETag")
	}
	for i, h := range seen {
		if h.Get("User-Agent") != "policywatch-test/1.0" {
			t.Errorf("request %d User-Agent = %q", i, h.Get("User-Agent"))
		}
	}
}

func TestFetchFeedGzip(t *testing.T) {
	body := readTestdata(t, "feeds", "verge.atom")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			http.Error(w, "gzip only", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write(body)
		zw.Close()
	}))
	defer srv.Close()

	res, err := testFetcher(t, nil).FetchFeed(context.Background(), Feed{Name: "The Verge", URL: srv.URL}, FeedState{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 3 || res.Items[0].Title != "Turkey’s internet regulator orders Instagram blocked for ‘censorship’" {
		t.Errorf("items = %+v", res.Items)
	}
}

func TestFetchFeedRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/old", http.RedirectHandler("/moved", http.StatusMovedPermanently))
	mux.Handle("/moved", http.RedirectHandler("/feeds/current.json", http.StatusFound))
	mux.Handle("/feeds/current.json", serveFile(t, "application/feed+json", "feeds", "rights.json"))
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop?n=x"+r.URL.Query().Get("n"), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := testFetcher(t, nil)

	res, err := f.FetchFeed(context.Background(), Feed{Name: "Watch", URL: srv.URL + "/old"}, FeedState{})
	if err != nil {
		t.Fatal(err)
	}
	// Relative links resolve against where the feed really is.
	if got, want := res.Items[1].Link, srv.URL+"/2024/01/senegal-mobile-data-cut"; got != want {
		t.Errorf("link = %q, want %q", got, want)
	}
	if res.State.URL != srv.URL+"/old" {
		t.Errorf("state URL = %q, want the configured URL", res.State.URL)
	}

	_, err = f.FetchFeed(context.Background(), Feed{Name: "Loop", URL: srv.URL + "/loop"}, FeedState{})
	if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") || !strings.Contains(err.Error(), `fetch feed "Loop" `+srv.URL+"/loop") {
		t.Errorf("redirect loop: err = %v", err)
	}
}

func TestFetchFeedErrors(t *testing.T) {
	rss := readTestdata(t, "feeds", "wordpress.rss")
	page := readTestdata(t, "pages", "bbc.html")

	tests := []struct {
		name       string
		handler    http.HandlerFunc
		adjust     func(*Config)
		tls        bool     // served over TLS with a certificate the client does not trust
		wantErr    []string // {url} is the feed's URL
		wantStatus int
	}{
		{
			name: "HTTP 500",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "upstream failed", http.StatusInternalServerError)
			},
			wantErr:    []string{`fetch feed "Broken" {url}: HTTP 500 Internal Server Error`},
			wantStatus: 500,
		},
		{
			name:       "HTTP 404",
			handler:    http.NotFound,
			wantErr:    []string{`fetch feed "Broken" {url}: HTTP 404 Not Found`},
			wantStatus: 404,
		},
		{
			name: "malformed XML",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write(rss[:len(rss)/2]) // cut off mid-item
			},
			wantErr:    []string{`parse feed "Broken" {url}: XML syntax error`},
			wantStatus: 200,
		},
		{
			name: "HTML page instead of a feed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write(page)
			},
			wantErr:    []string{`parse feed "Broken" {url}: got an HTML page (text/html; charset=utf-8), not a feed`},
			wantStatus: 200,
		},
		{
			name: "body over the cap, length announced",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Header().Set("Content-Length", fmt.Sprint(len(rss)))
				w.Write(rss)
			},
			adjust:     func(c *Config) { c.MaxBodyBytes = 1000 },
			wantErr:    []string{`fetch feed "Broken" {url}: body exceeds the limit of 1000 bytes`},
			wantStatus: 200,
		},
		{
			name: "body over the cap, streamed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				for i := 0; i < len(rss); i += 512 {
					w.Write(rss[i:min(i+512, len(rss))])
					w.(http.Flusher).Flush() // chunked: no Content-Length to check up front
				}
			},
			adjust:     func(c *Config) { c.MaxBodyBytes = 1000 },
			wantErr:    []string{`fetch feed "Broken" {url}: body exceeds the limit of 1000 bytes`},
			wantStatus: 200,
		},
		{
			name: "empty body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
			},
			wantErr:    []string{`parse feed "Broken" {url}: empty body`},
			wantStatus: 200,
		},
		{
			name: "nothing but white space",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write([]byte("\r\n  \n"))
			},
			wantErr:    []string{`parse feed "Broken" {url}: empty body`},
			wantStatus: 200,
		},
		{
			name: "HTML page labelled as RSS",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write(page)
			},
			wantErr:    []string{`parse feed "Broken" {url}: got an HTML page (application/rss+xml), not a feed`},
			wantStatus: 200,
		},
		{
			name: "not XML at all",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write([]byte("\x00\x01\x02 binary garbage \xff\xfe"))
			},
			wantErr:    []string{`parse feed "Broken" {url}: neither RSS, Atom nor JSON Feed (application/octet-stream)`},
			wantStatus: 200,
		},
		{
			name: "a server that trickles bytes",
			handler: func(w http.ResponseWriter, r *http.Request) {
				// Each byte comes well within any idle timeout; only a
				// deadline on the whole request stops it.
				w.Header().Set("Content-Type", "application/rss+xml")
				for _, b := range rss {
					if _, err := w.Write([]byte{b}); err != nil {
						return
					}
					w.(http.Flusher).Flush()
					select {
					case <-time.After(20 * time.Millisecond):
					case <-r.Context().Done():
						return
					}
				}
			},
			adjust:     func(c *Config) { c.Timeout = 300 * time.Millisecond },
			wantErr:    []string{`fetch feed "Broken" {url}: timeout after 300ms`},
			wantStatus: 200,
		},
		{
			name: "redirect loop between two URLs",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/feed.xml" {
					http.Redirect(w, r, "/feed.rss", http.StatusMovedPermanently)
					return
				}
				http.Redirect(w, r, "/feed.xml", http.StatusFound)
			},
			wantErr:    []string{`fetch feed "Broken" {url}: stopped after 10 redirects`},
			wantStatus: 0,
		},
		{
			name:       "TLS certificate not trusted",
			handler:    func(w http.ResponseWriter, r *http.Request) { w.Write(rss) },
			tls:        true,
			wantErr:    []string{`fetch feed "Broken" https://`, `/feed.xml: tls: failed to verify certificate: x509: certificate signed by unknown authority`},
			wantStatus: 0,
		},
		{
			name: "429 without Retry-After",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "slow down", http.StatusTooManyRequests)
			},
			wantErr:    []string{`fetch feed "Broken" {url}: HTTP 429 Too Many Requests`},
			wantStatus: 429,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(tc.handler)
			if tc.tls {
				srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			feed := Feed{Name: "Broken", URL: srv.URL + "/feed.xml"}
			prev := FeedState{URL: feed.URL, ETag: `"old"`, LastOK: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}

			res, err := testFetcher(t, tc.adjust).FetchFeed(context.Background(), feed, prev)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wantErr {
				w = strings.ReplaceAll(w, "{url}", feed.URL)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			st := res.State
			if st.LastStatus != tc.wantStatus || st.LastError != err.Error() || st.LastFetched.IsZero() {
				t.Errorf("state does not record the attempt: %+v", st)
			}
			if !st.LastOK.Equal(prev.LastOK) || st.ETag != prev.ETag {
				t.Errorf("failed fetch changed LastOK or ETag: %+v", st)
			}
			if len(res.Items) != 0 {
				t.Errorf("%d items from a failed fetch", len(res.Items))
			}
		})
	}
}

func TestFetchFeedStatusErrorType(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusGone)
	}))
	defer srv.Close()
	_, err := testFetcher(t, nil).FetchFeed(context.Background(), Feed{Name: "Gone", URL: srv.URL}, FeedState{})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusGone {
		t.Errorf("err = %v, want a *StatusError with 410", err)
	}
}

func TestFetchFeedTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Minute):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	f := testFetcher(t, func(c *Config) { c.Timeout = 200 * time.Millisecond })
	feed := Feed{Name: "Slow", URL: srv.URL + "/feed"}

	start := time.Now()
	res, err := f.FetchFeed(context.Background(), feed, FeedState{})
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("no error")
	}
	if want := `fetch feed "Slow" ` + feed.URL + ": timeout after 200ms"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err does not match context.DeadlineExceeded")
	}
	if elapsed > time.Minute { // the server waits 2 minutes
		t.Errorf("took %v", elapsed)
	}
	if res.State.LastError != err.Error() || res.State.LastStatus != 0 {
		t.Errorf("state = %+v", res.State)
	}
}

func TestFetchFeedTimeoutWhileReadingBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel>`))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // headers sent, body never finishes
	}))
	defer srv.Close()
	f := testFetcher(t, func(c *Config) { c.Timeout = 200 * time.Millisecond })
	_, err := f.FetchFeed(context.Background(), Feed{Name: "Trickle", URL: srv.URL}, FeedState{})
	if err == nil || !strings.Contains(err.Error(), "timeout after 200ms") {
		t.Errorf("err = %v", err)
	}
}

func TestFetchFeedUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/feed"
	srv.Close() // nothing listens there any more
	_, err := testFetcher(t, nil).FetchFeed(context.Background(), Feed{Name: "Down", URL: url}, FeedState{})
	if err == nil || !strings.HasPrefix(err.Error(), `fetch feed "Down" `+url+": ") {
		t.Errorf("err = %v", err)
	}
}

func TestFetchFeedCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := testFetcher(t, nil).FetchFeed(ctx, Feed{Name: "X", URL: srv.URL}, FeedState{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// Feeds whose encoding only the Content-Type header names, and UTF-8 feeds
// the header mislabels.
func TestFetchFeedHeaderCharset(t *testing.T) {
	cp1251 := bytes.Replace(readTestdata(t, "feeds", "regional-windows1251.rss"),
		[]byte(`<?xml version="1.0" encoding="windows-1251"?>`), []byte(`<?xml version="1.0"?>`), 1)
	tests := []struct {
		name, contentType string
		body              []byte
		wantTitle         string
	}{
		{"windows-1251 named by the header only", "text/xml; charset=windows-1251", cp1251,
			"Роскомнадзор замедлил YouTube на стационарных устройствах"},
		{"prolog wins over the header", "application/rss+xml; charset=iso-8859-1", readTestdata(t, "feeds", "regional-windows1251.rss"),
			"Роскомнадзор замедлил YouTube на стационарных устройствах"},
		{"UTF-8 feed labelled ISO-8859-1", "text/xml; charset=ISO-8859-1", readTestdata(t, "feeds", "verge.atom"),
			"Turkey’s internet regulator orders Instagram blocked for ‘censorship’"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.Write(tc.body)
			}))
			defer srv.Close()
			res, err := testFetcher(t, nil).FetchFeed(context.Background(), Feed{Name: "X", URL: srv.URL}, FeedState{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Items) == 0 || res.Items[0].Title != tc.wantTitle {
				t.Errorf("first item = %+v, want title %q", res.Items, tc.wantTitle)
			}
		})
	}
}

func TestItemTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  Iran blocks\n  Telegram ", "Iran blocks Telegram"},
		{"AT&amp;T fined", "AT&T fined"}, // escaped twice in the feed
		{"Iran <em>blocks</em> Telegram", "Iran blocks Telegram"},
		{"Speeds fall to < 1 Mbps", "Speeds fall to < 1 Mbps"},
	}
	for _, tc := range tests {
		if got := itemTitle(tc.in); got != tc.want {
			t.Errorf("itemTitle(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
