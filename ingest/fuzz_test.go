package ingest

// Fuzz tests for the steps that read what strangers send: a feed body
// into items, an item's HTML into text, a page into its main text. Their
// seeds are the cases below and in testdata/fuzz/; `make test` runs each
// briefly and `make fuzz` for longer.

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	nethtml "golang.org/x/net/html"
)

var fuzzNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// Seeds cut from the testdata feeds and pages are in testdata/fuzz (a
// feed's first item; a page's head, navigation and first paragraphs), not
// the whole files: with those (up to 10 KB) a 4 s run spent its time
// gathering coverage and minimizing what it found, some 16 executions in
// all. The unit tests read the whole files.

func FuzzParseFeed(f *testing.F) {
	f.Add([]byte(`<rss><channel><item><link>javascript:alert(1)</link><guid>x</guid><pubDate>Mon, 01 Jan 0001 00:00:00 +0000</pubDate></item></channel></rss>`), "text/xml; charset=windows-1256")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_html":"<p>a</p>"},{"id":"1","url":"/x"}]}`), "application/feed+json")
	f.Add([]byte("<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>\xcf\xf0\xe8</title><id>1</id></entry></feed>"), "")
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss><channel><item><title>Caf\xe9\x0b \xe2\x80\x94</title><guid>1</guid></item></channel></rss>"), "text/xml; charset=latin1")

	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		resp := &response{URL: "https://feeds.example/news/rss", Header: http.Header{"Content-Type": {contentType}}, Body: body}
		items, notes, err := parseFeed("Fuzz", resp, fuzzNow)
		items2, notes2, err2 := parseFeed("Fuzz", resp, fuzzNow)
		if fmt.Sprint(err) != fmt.Sprint(err2) || !reflect.DeepEqual(items, items2) || !reflect.DeepEqual(notes, notes2) {
			t.Fatalf("two parses differ:\n%+v %v\n%+v %v", items, err, items2, err2)
		}
		if err != nil {
			if len(items) > 0 {
				t.Errorf("%d items with an error", len(items))
			}
			return
		}
		keys := make(map[string]bool)
		for i, it := range items {
			k := it.Key()
			if k == "" || keys[k] {
				t.Errorf("item %d: key %q empty or repeated", i, k)
			}
			keys[k] = true
			if !utf8.ValidString(it.Title) || it.Title != clean(it.Title) {
				t.Errorf("item %d: title %q not clean UTF-8", i, it.Title)
			}
			if p := it.Published; !p.IsZero() && (p.Before(newsEpoch) || p.After(fuzzNow.Add(24*time.Hour))) {
				t.Errorf("item %d: published %v", i, p)
			}
			for _, h := range []string{it.Content, it.Summary} {
				checkText(t, "HTMLText", HTMLText(h), h)
			}
		}
	})
}

func FuzzHTMLText(f *testing.F) {
	f.Add(`<p>The order was issued on Friday.</p><p><a href="/more">Continue reading…</a></p>`)
	f.Add("Plain text.\n\nWith &amp; paragraphs.")
	f.Add(`<figure><img src="x"><figcaption>Caption</figcaption></figure><p>Text &#x80; &notit; &#0;</p><script>var x;</script>`)
	f.Add("<b>bold</b>\x00<br><br>\xff\xfe<plaintext><p>&lt;raw&gt;")
	f.Fuzz(func(t *testing.T, s string) {
		got := HTMLText(s)
		if again := HTMLText(s); again != got {
			t.Fatalf("not deterministic: %q then %q", got, again)
		}
		checkText(t, "HTMLText", got, s)
	})
}

func FuzzReadPage(f *testing.F) {
	f.Add([]byte("<html><head><meta charset=\"koi8-r\"></head><body><article><p>\xed\xcf\xd3\xcb\xd7\xc1</p></article></body></html>"), "text/html; charset=windows-1251")
	f.Add([]byte("\xef\xbb\xbf<p>BOM, then <p>unclosed <blockquote><p>nested<li>list</blockquote>"), "")
	f.Add([]byte(`<main><h2>Heading</h2><h3>Only headings</h3></main><script type="application/ld+json">{"@graph":[{"datePublished":"2999-01-01"}]}</script>`), "text/html")
	f.Fuzz(func(t *testing.T, raw []byte, contentType string) {
		page, err := ReadPage(strings.NewReader(string(raw)), contentType)
		if err != nil {
			t.Fatalf("ReadPage: %v", err) // an in-memory page always reads
		}
		again, _ := ReadPage(strings.NewReader(string(raw)), contentType)
		if !reflect.DeepEqual(page, again) {
			t.Fatalf("not deterministic:\n%+v\n%+v", page, again)
		}
		if !utf8.ValidString(page.Title) || page.Title != clean(page.Title) {
			t.Errorf("title %q not clean UTF-8", page.Title)
		}
		checkText(t, "ReadPage", page.Text, decodeHTML(raw, contentType))
	})
}

// checkText holds extracted text to what it promises: valid UTF-8,
// paragraphs of collapsed white space separated by one blank line, and no
// letter that its source (as written, or with its entities decoded) does
// not have as often.
func checkText(t *testing.T, what, text, source string) {
	t.Helper()
	if !utf8.ValidString(text) {
		t.Fatalf("%s: invalid UTF-8 %q", what, text)
	}
	if text == "" {
		return
	}
	for i, p := range strings.Split(text, "\n\n") {
		if p == "" || p != clean(p) {
			t.Errorf("%s: paragraph %d %q is empty or not collapsed", what, i, p)
		}
	}
	if !utf8.ValidString(source) {
		// Invalid bytes come out as U+FFFD, which the count below allows.
		source = strings.ToValidUTF8(source, "\uFFFD")
	}
	have := letterCounts(source)
	// The parser's own unescaping: the standard library's leaves "&#1A"
	// alone, where the parser reads U+0001 and an A.
	for r, n := range letterCounts(nethtml.UnescapeString(source)) {
		have[r] = max(have[r], n)
	}
	for r, n := range letterCounts(text) {
		if r != utf8.RuneError && n > have[r] {
			t.Errorf("%s: %q %d times in the text, %d in the source", what, r, n, have[r])
		}
	}
}

func letterCounts(s string) map[rune]int {
	m := make(map[rune]int)
	for _, r := range s {
		if !unicode.IsSpace(r) {
			m[r]++
		}
	}
	return m
}
