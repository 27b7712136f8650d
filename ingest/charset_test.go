package ingest

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// legacyText is an article of testdata/pages in UTF-8, to be served again
// in a legacy encoding.
type legacyText struct {
	lang     string
	label    string // the encoding's name, as a server would declare it
	enc      encoding.Encoding
	page     string // UTF-8, without any declaration of its encoding
	title    string
	text     string // the golden main text
	fromFile encoding.Encoding
}

var charsetMeta = regexp.MustCompile(`(?i)<meta[^>]*charset[^>]*>`)

// legacyTexts are a Russian, a Persian and a Turkish article, each in the
// encoding regional outlets of its country still use.
func legacyTexts(t testing.TB) []legacyText {
	t.Helper()
	// ISO-8859-9 has no curly quotes; windows-1254, the page's own, has.
	straight := strings.NewReplacer("“", `"`, "”", `"`)
	texts := []legacyText{
		{lang: "Russian", label: "windows-1251", enc: charmap.Windows1251, fromFile: charmap.Windows1251,
			page: "regional-windows1251", title: "Роскомнадзор начал блокировать VPN-сервисы"},
		{lang: "Persian", label: "windows-1256", enc: charmap.Windows1256, fromFile: charmap.Windows1256,
			page: "persian-windows1256", title: "دسترسي به تلگرام در ايران محدود شد"},
		{lang: "Turkish", label: "iso-8859-9", enc: charmap.ISO8859_9, fromFile: charmap.Windows1254,
			page: "regional-windows1254", title: "Instagram'a erişim engeli getirildi"},
	}
	for i, lt := range texts {
		raw, err := lt.fromFile.NewDecoder().Bytes(readTestdata(t, "pages", lt.page+".html"))
		if err != nil {
			t.Fatal(err)
		}
		texts[i].page = straight.Replace(charsetMeta.ReplaceAllString(string(raw), ""))
		texts[i].text = straight.Replace(strings.TrimSpace(string(readTestdata(t, "pages", lt.page+".txt"))))
	}
	return texts
}

func (lt legacyText) encode(t testing.TB, s string) []byte {
	t.Helper()
	b, err := lt.enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", lt.label, err)
	}
	return b
}

// feed is an RSS feed of the article: one item per paragraph.
func (lt legacyText) feed(prolog string) string {
	var b strings.Builder
	b.WriteString(prolog + "\n<rss version=\"2.0\"><channel><title>" + html.EscapeString(lt.title) + "</title>\n")
	for i, p := range strings.Split(lt.text, "\n\n") {
		fmt.Fprintf(&b, "<item><title>%s</title><link>https://news.example/%d</link><description>%s</description></item>\n",
			html.EscapeString(lt.title), i, html.EscapeString(p))
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// Pages and feeds in windows-1251, windows-1256 and ISO-8859-9 come out
// right whether the encoding is declared in the header, in the document
// (a <meta> tag, an XML prolog) or nowhere at all.
func TestFetchLegacyEncodings(t *testing.T) {
	for _, lt := range legacyTexts(t) {
		for _, where := range []string{"header", "document", "nowhere"} {
			t.Run(lt.lang+" declared in the "+where, func(t *testing.T) {
				page, feed := lt.page, lt.feed(`<?xml version="1.0"?>`)
				contentType, feedType := "text/html", "application/rss+xml"
				switch where {
				case "header":
					contentType += "; charset=" + lt.label
					feedType += "; charset=" + lt.label
				case "document":
					page = strings.Replace(page, "<head>", `<head><meta charset="`+lt.label+`">`, 1)
					feed = lt.feed(`<?xml version="1.0" encoding="` + lt.label + `"?>`)
				}
				mux := http.NewServeMux()
				mux.HandleFunc("/article", func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", contentType)
					w.Write(lt.encode(t, page))
				})
				mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", feedType)
					w.Write(lt.encode(t, feed))
				})
				srv := httptest.NewServer(mux)
				defer srv.Close()
				f := testFetcher(t, nil)

				art, pageErr, err := f.FetchArticle(context.Background(), Item{Link: srv.URL + "/article"})
				if err != nil || pageErr != nil {
					t.Fatalf("article: %v, %v", err, pageErr)
				}
				if art.Text != lt.text || art.Title != lt.title {
					t.Errorf("article %q:\n%q\nwant %q:\n%q", art.Title, art.Text, lt.title, lt.text)
				}

				res, err := f.FetchFeed(context.Background(), Feed{Name: "F", URL: srv.URL + "/feed"}, FeedState{})
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
			})
		}
	}
}

// A template's <meta charset="utf-8"> over text in windows-1251 is belied
// by the bytes, which are not UTF-8.
func TestReadPageMetaBeliedByBytes(t *testing.T) {
	lt := legacyTexts(t)[0]
	page := strings.Replace(lt.page, "<head>", `<head><meta charset="utf-8">`, 1)
	got, err := ReadPage(strings.NewReader(string(lt.encode(t, page))), "text/html")
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != lt.text {
		t.Errorf("text %q, want %q", got.Text, lt.text)
	}
}

// A page that declares Latin-1 is read as such, not guessed at.
func TestReadPageDeclaredLatin1IsNotGuessed(t *testing.T) {
	page := "<html><head><meta charset=\"iso-8859-1\"></head><body><article><p>Caf\xe9 cr\xe8me, na\xefve \xe0 la fran\xe7aise.</p></article></body></html>"
	got, err := ReadPage(strings.NewReader(page), "text/html")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Café crème, naïve à la française."; got.Text != want {
		t.Errorf("text %q, want %q", got.Text, want)
	}
}

func TestMetaDeclared(t *testing.T) {
	tests := []struct {
		page string
		want bool
	}{
		{`<html><head><meta charset="windows-1252"></head>`, true},
		{`<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head>`, true},
		{"<html><head><title>Caf\xe9</title></head>", false},
		{`<html><head><meta name="description" content="charset"></head>`, false},
		{"", false},
	}
	for _, tc := range tests {
		if got := metaDeclared([]byte(tc.page)); got != tc.want {
			t.Errorf("metaDeclared(%q) = %v, want %v", tc.page, got, tc.want)
		}
	}
}

// What guessing costs: the Russian article in windows-1251, declared
// nowhere, against the same page declaring its encoding.
func BenchmarkReadPageLegacyEncoding(b *testing.B) {
	lt := legacyTexts(b)[0]
	for _, where := range []string{"declared", "undeclared"} {
		page := lt.page
		if where == "declared" {
			page = strings.Replace(page, "<head>", `<head><meta charset="windows-1251">`, 1)
		}
		raw := lt.encode(b, page)
		b.Run(where, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				p, err := ReadPage(bytes.NewReader(raw), "text/html")
				if err != nil || p.Text != lt.text {
					b.Fatalf("text %q, %v", p.Text, err)
				}
			}
		})
	}
}

// The detector scores some byte strings the same for several charsets and
// returns them in whatever order its goroutines finish; the guess must not
// depend on that, or a feed's titles change from one run to the next.
func TestUndeclaredEncodingIsDeterministic(t *testing.T) {
	raw := []byte("<rss><channel><item><link>javascript:alert(1)</link><guid>x</guid><pubDate>Mon, 01 Jan 0001 00:00:00 +0000</pu\x80Date></item></channel></rss>")
	first := decodeHTML(raw, "")
	for i := 0; i < 300; i++ {
		if got := decodeHTML(raw, ""); got != first {
			t.Fatalf("decode %d gave %q, first gave %q", i, got, first)
		}
	}
}
