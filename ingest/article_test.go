package ingest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFetchArticleFromPage(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/news/articles/c3g5yd8p3zro", serveFile(t, "text/html; charset=utf-8", "pages", "bbc.html"))
	mux.Handle("/go/youtube", http.RedirectHandler("/news/articles/c3g5yd8p3zro", http.StatusMovedPermanently))
	mux.Handle("/ru/vpn.html", serveFile(t, "text/html", "pages", "regional-windows1251.html"))
	mux.Handle("/tr/instagram", serveFile(t, "text/html; charset=windows-1254", "pages", "regional-windows1254.html"))
	mux.Handle("/fa/telegram", serveFile(t, "text/html", "pages", "persian-windows1256.html"))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := testFetcher(t, nil)

	tests := []struct {
		name          string
		item          Item
		golden        string
		wantURL       string
		wantTitle     string
		wantPublished time.Time
	}{
		{
			name:          "through a redirect, title and date from the page",
			item:          Item{Feed: "BBC World", GUID: "https://www.bbc.com/news/articles/c3g5yd8p3zro#0", Link: srv.URL + "/go/youtube"},
			golden:        "bbc.txt",
			wantURL:       srv.URL + "/news/articles/c3g5yd8p3zro",
			wantTitle:     "Russia slows down YouTube as pressure on Google grows",
			wantPublished: time.Date(2024, 7, 25, 14, 32, 11, 0, time.UTC),
		},
		{
			name: "feed's title and date win over the page's",
			item: Item{
				Feed: "BBC World", Link: srv.URL + "/news/articles/c3g5yd8p3zro",
				Title: "YouTube slowed in Russia", Published: time.Date(2024, 7, 25, 15, 0, 0, 0, time.UTC),
			},
			golden:        "bbc.txt",
			wantURL:       srv.URL + "/news/articles/c3g5yd8p3zro",
			wantTitle:     "YouTube slowed in Russia",
			wantPublished: time.Date(2024, 7, 25, 15, 0, 0, 0, time.UTC),
		},
		{
			name:      "windows-1251 declared only in the page",
			item:      Item{Feed: "Новости Прикамья", Link: srv.URL + "/ru/vpn.html"},
			golden:    "regional-windows1251.txt",
			wantURL:   srv.URL + "/ru/vpn.html",
			wantTitle: "Роскомнадзор начал блокировать VPN-сервисы",
		},
		{
			name:          "windows-1254 declared only in the header",
			item:          Item{Feed: "Ege Haber", Link: srv.URL + "/tr/instagram"},
			golden:        "regional-windows1254.txt",
			wantURL:       srv.URL + "/tr/instagram",
			wantTitle:     "Instagram'a erişim engeli getirildi",
			wantPublished: time.Date(2024, 8, 2, 7, 45, 0, 0, time.UTC),
		},
		{
			name:          "windows-1256",
			item:          Item{Feed: "Radio", Link: srv.URL + "/fa/telegram"},
			golden:        "persian-windows1256.txt",
			wantURL:       srv.URL + "/fa/telegram",
			wantTitle:     "دسترسي به تلگرام در ايران محدود شد",
			wantPublished: time.Date(2018, 4, 30, 5, 0, 0, 0, time.UTC),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			art, pageErr, err := f.FetchArticle(context.Background(), tc.item)
			if err != nil || pageErr != nil {
				t.Fatalf("err = %v, pageErr = %v", err, pageErr)
			}
			want := strings.TrimSpace(string(readTestdata(t, "pages", tc.golden)))
			if art.Text != want {
				t.Errorf("text:\n got %q\nwant %q", art.Text, want)
			}
			if art.TextFrom != "page" || art.URL != tc.wantURL || art.Title != tc.wantTitle || !art.Published.Equal(tc.wantPublished) {
				t.Errorf("article = from %q, url %q, title %q, published %v", art.TextFrom, art.URL, art.Title, art.Published)
			}
			if art.Key != tc.item.Key() || art.ID != ArticleID(tc.item.Key()) || art.Feed != tc.item.Feed || art.Fetched.IsZero() {
				t.Errorf("identity = id %q key %q feed %q fetched %v", art.ID, art.Key, art.Feed, art.Fetched)
			}
		})
	}
}

func TestFetchArticleFallsBackToFeed(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/missing", http.NotFoundHandler())
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.7\n"))
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><body><div id="app"></div><script src="/app.js"></script></body></html>`))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/blank", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// Only the page that never answers gets the short timeout it is
	// tested with: the others may take longer on a loaded machine.
	f := testFetcher(t, nil)
	impatient := testFetcher(t, func(c *Config) { c.Timeout = 200 * time.Millisecond })

	const content = `<p>Iran has begun to disrupt certain features of Telegram.</p><figure><figcaption>Photo: AFP</figcaption></figure><p>Images and videos can no longer be sent.</p>`
	const summary = `Iran restricts Telegram &amp; revokes its licence.`

	tests := []struct {
		name        string
		item        Item
		wantText    string
		wantPageErr string // {url} is the item's link
	}{
		{
			name:        "404, content",
			item:        Item{Link: srv.URL + "/missing", Content: content, Summary: summary},
			wantText:    "Iran has begun to disrupt certain features of Telegram.\n\nImages and videos can no longer be sent.",
			wantPageErr: "fetch article {url}: HTTP 404 Not Found",
		},
		{
			name:        "404, summary only",
			item:        Item{Link: srv.URL + "/missing", Summary: summary},
			wantText:    "Iran restricts Telegram & revokes its licence.",
			wantPageErr: "fetch article {url}: HTTP 404 Not Found",
		},
		{
			name:        "not HTML",
			item:        Item{Link: srv.URL + "/pdf", Summary: summary},
			wantText:    "Iran restricts Telegram & revokes its licence.",
			wantPageErr: "fetch article {url}: not an HTML page (application/pdf)",
		},
		{
			name:        "page without text",
			item:        Item{Link: srv.URL + "/empty", Summary: summary},
			wantText:    "Iran restricts Telegram & revokes its licence.",
			wantPageErr: "fetch article {url}: no article text found in the page",
		},
		{
			name:        "timeout",
			item:        Item{Link: srv.URL + "/slow", Summary: summary},
			wantText:    "Iran restricts Telegram & revokes its licence.",
			wantPageErr: "fetch article {url}: timeout after 200ms",
		},
		{
			name:        "empty body",
			item:        Item{Link: srv.URL + "/blank", Summary: summary},
			wantText:    "Iran restricts Telegram & revokes its licence.",
			wantPageErr: "fetch article {url}: empty body",
		},
		{
			name:        "no link at all",
			item:        Item{GUID: "urn:uuid:1", Summary: summary},
			wantText:    "Iran restricts Telegram & revokes its licence.",
			wantPageErr: "fetch article: the item has no link",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.item.Feed, tc.item.Title = "Test", "Iran restricts Telegram"
			f := f
			if strings.Contains(tc.wantPageErr, "timeout after") {
				f = impatient
			}
			art, pageErr, err := f.FetchArticle(context.Background(), tc.item)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if want := strings.ReplaceAll(tc.wantPageErr, "{url}", tc.item.Link); pageErr == nil || pageErr.Error() != want {
				t.Errorf("pageErr = %v, want %q", pageErr, want)
			}
			if art.TextFrom != "feed" || art.Text != tc.wantText {
				t.Errorf("text from %q = %q, want from feed %q", art.TextFrom, art.Text, tc.wantText)
			}
			if art.URL != tc.item.Link || art.Title != tc.item.Title || art.ID != ArticleID(tc.item.Key()) {
				t.Errorf("article = %+v", art)
			}
		})
	}
}

func TestFetchArticleNoTextAnywhere(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	item := Item{Feed: "Test", Link: srv.URL + "/gone", Title: "Gone", Summary: "  <p> </p> "}

	art, pageErr, err := testFetcher(t, nil).FetchArticle(context.Background(), item)
	if err == nil {
		t.Fatalf("no error; article = %+v", art)
	}
	if pageErr == nil || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), srv.URL+"/gone") {
		t.Errorf("err = %v, pageErr = %v", err, pageErr)
	}
	if art.Text != "" || art.TextFrom != "" {
		t.Errorf("article has text %q from %q", art.Text, art.TextFrom)
	}
}

func TestFetchArticleCancelledIsNotAFallback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)

	art, _, err := testFetcher(t, nil).FetchArticle(ctx, Item{Link: srv.URL, Summary: "Feed text."})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if art.TextFrom == "feed" {
		t.Error("a cancelled batch stored feed text as if the page had failed")
	}
}

// A page's own date is held to the same sense as a feed's: one far in the
// future or before the web is no date.
func TestFetchArticleAbsurdPageDate(t *testing.T) {
	page := func(date string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<html><head><meta property="article:published_time" content="` + date + `"></head>` +
				`<body><article><p>The regulator blocked the service.</p></article></body></html>`))
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/future", page("2999-01-01T00:00:00Z"))
	mux.Handle("/ancient", page("0001-01-01T00:00:00Z"))
	mux.Handle("/fine", page("2024-03-04T09:15:27Z"))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := testFetcher(t, nil)
	for path, want := range map[string]time.Time{
		"/future":  {},
		"/ancient": {},
		"/fine":    time.Date(2024, 3, 4, 9, 15, 27, 0, time.UTC),
	} {
		art, pageErr, err := f.FetchArticle(context.Background(), Item{Link: srv.URL + path})
		if err != nil || pageErr != nil {
			t.Fatalf("%s: %v %v", path, err, pageErr)
		}
		if !art.Published.Equal(want) {
			t.Errorf("%s: published %v, want %v", path, art.Published, want)
		}
	}
}
