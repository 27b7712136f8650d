package ingest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// One bad byte in one item costs that byte, not the feed: invalid UTF-8
// is replaced, characters XML forbids are blanked, a charset the bytes
// belie is read as what they are, and each repair is logged with the feed.
func TestFetchFeedRepairsBadBytes(t *testing.T) {
	const feed = `<?xml version="1.0" encoding="%s"?>
<rss version="2.0"><channel><title>T</title>
<item><title>Court orders block of Telegram</title><link>https://t.example/1</link></item>
<item><title>%s</title><link>https://t.example/2</link></item>
<item><title>Regulator fines X — again</title><link>https://t.example/3</link></item>
</channel></rss>
`
	tests := []struct {
		name        string
		encoding    string // in the prolog
		contentType string
		title       string // of the second item, as served
		want        string // as read
		wantLog     []string
	}{
		{
			name:     "one invalid byte",
			encoding: "UTF-8",
			title:    "Caf\xe9 owners protest ban",
			want:     "Caf\uFFFD owners protest ban",
			wantLog:  []string{`msg="feed repaired"`, `repair="replaced 1 invalid UTF-8 sequence with U+FFFD (line 4)"`},
		},
		{
			name:        "invalid bytes, UTF-8 in the header only",
			encoding:    "",
			contentType: "application/rss+xml; charset=utf-8",
			title:       "Ban \xff\xfe lifted \xc3",
			want:        "Ban \uFFFD\uFFFD lifted \uFFFD",
			wantLog:     []string{`repair="replaced 3 invalid UTF-8 sequences with U+FFFD (line 4)"`},
		},
		{
			name:     "control characters",
			encoding: "UTF-8",
			title:    "Shutdown\x0bin\x00Tigray\x1a",
			want:     "Shutdown in Tigray",
			wantLog:  []string{`repair="replaced 3 characters XML forbids with spaces (line 4)"`},
		},
		{
			name:     "UTF-8 declared ISO-8859-1",
			encoding: "ISO-8859-1",
			title:    "Türkiye blocks Wikipedia",
			want:     "Türkiye blocks Wikipedia",
			wantLog:  []string{`repair="declared ISO-8859-1 in its XML declaration, but its bytes are UTF-8: read as UTF-8"`},
		},
		{
			name:     "an encoding no one knows",
			encoding: "x-klingon",
			title:    "Türkiye blocks Wikipedia",
			want:     "Türkiye blocks Wikipedia",
			wantLog:  []string{`repair="declared x-klingon, an encoding not known, in its XML declaration: read as utf-8"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.Replace(strings.Replace(feed, "%s", tc.encoding, 1), "%s", tc.title, 1)
			if tc.encoding == "" {
				body = strings.Replace(body, ` encoding=""`, "", 1)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", cmpOr(tc.contentType, "application/rss+xml"))
				w.Write([]byte(body))
			}))
			defer srv.Close()
			var logs logBuffer
			f := testFetcher(t, nil)
			f.log = logs.logger()
			res, err := f.FetchFeed(context.Background(), Feed{Name: "Wire", URL: srv.URL}, FeedState{})
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, it := range res.Items {
				titles = append(titles, it.Title)
			}
			want := []string{"Court orders block of Telegram", tc.want, "Regulator fines X — again"}
			if strings.Join(titles, "|") != strings.Join(want, "|") {
				t.Errorf("titles %q\nwant %q", titles, want)
			}
			log := logs.String()
			for _, w := range append(tc.wantLog, `feed=Wire url=`+srv.URL) {
				if !strings.Contains(log, w) {
					t.Errorf("log does not contain %s:\n%s", w, log)
				}
			}
		})
	}
}

// A feed in windows-1251 or windows-1256 whose header or XML declaration
// says UTF-8 is read in its own encoding, every item of it.
func TestFetchFeedMislabelledUTF8(t *testing.T) {
	for _, lt := range legacyTexts(t) {
		for _, where := range []string{"header", "document", "both"} {
			t.Run(lt.lang+" labelled UTF-8 in the "+where, func(t *testing.T) {
				feed, feedType := lt.feed(`<?xml version="1.0"?>`), "application/rss+xml"
				if where != "document" {
					feedType += "; charset=utf-8"
				}
				if where != "header" {
					feed = lt.feed(`<?xml version="1.0" encoding="UTF-8"?>`)
				}
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", feedType)
					w.Write(lt.encode(t, feed))
				}))
				defer srv.Close()
				var logs logBuffer
				f := testFetcher(t, nil)
				f.log = logs.logger()
				res, err := f.FetchFeed(context.Background(), Feed{Name: "F", URL: srv.URL}, FeedState{})
				if err != nil {
					t.Fatalf("feed: %v", err)
				}
				paras := strings.Split(lt.text, "\n\n")
				if len(res.Items) != len(paras) {
					t.Fatalf("%d items, want %d", len(res.Items), len(paras))
				}
				for i, it := range res.Items {
					if got := HTMLText(it.Summary); it.Title != lt.title || got != paras[i] {
						t.Errorf("item %d: %q: %q\nwant %q: %q", i, it.Title, got, lt.title, paras[i])
					}
				}
				name := map[string]string{"Russian": "windows-1251", "Persian": "windows-1256", "Turkish": "windows-1254"}[lt.lang]
				if w := "but its bytes are not: read as " + name; !strings.Contains(logs.String(), w) {
					t.Errorf("log does not contain %q:\n%s", w, logs.String())
				}
			})
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
