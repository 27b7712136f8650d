package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/charset"

	"github.com/policywatch/policywatch/event"
)

type goldEvent struct {
	Country string `json:"country"`
	Service string `json:"service"`
	Action  string `json:"action"`
	Date    string `json:"date"`
	Reason  string `json:"reason"`
}

type goldArticle struct {
	ID        string      `json:"id"`
	URL       string      `json:"url"`
	Title     string      `json:"title"`
	Published string      `json:"published"`
	Text      string      `json:"text"`
	Events    []goldEvent `json:"events"`
}

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := Handler()
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func mustManifest(t *testing.T) manifest {
	t.Helper()
	m, err := loadManifest()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func readGold(t *testing.T) map[string]goldArticle {
	t.Helper()
	byID := make(map[string]goldArticle)
	sc := bufio.NewScanner(bytes.NewReader(Gold()))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var g goldArticle
		if err := dec.Decode(&g); err != nil {
			t.Fatalf("gold line %d: %v", n, err)
		}
		if _, dup := byID[g.ID]; dup {
			t.Fatalf("gold line %d: id %q given twice", n, g.ID)
		}
		byID[g.ID] = g
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return byID
}

func get(t *testing.T, rawURL string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if h := header.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", rawURL, err)
	}
	return resp, body
}

func TestCorpusFilesMatchManifest(t *testing.T) {
	m := mustManifest(t)
	if n := len(m.Feeds); n < 5 || n > 6 {
		t.Errorf("%d feeds, want 5 or 6", n)
	}
	formats := map[string]bool{}
	for _, f := range m.Feeds {
		formats[f.Format] = true
		if _, err := corpus.ReadFile("corpus/" + f.Path); err != nil {
			t.Errorf("feed %q: %v", f.Name, err)
		}
	}
	for _, want := range []string{"rss", "atom", "json"} {
		if !formats[want] {
			t.Errorf("no %s feed", want)
		}
	}
	charsets := map[string]int{}
	missing := 0
	for _, p := range m.Pages {
		_, err := corpus.ReadFile("corpus/" + p.Path)
		switch {
		case p.Missing:
			missing++
			if err == nil {
				t.Errorf("page %s is marked missing but exists", p.Path)
			}
		case err != nil:
			t.Errorf("page %s: %v", p.ID, err)
		default:
			charsets[p.Charset]++
		}
	}
	if missing != 1 {
		t.Errorf("%d missing pages, want 1", missing)
	}
	if charsets["windows-1251"] < 2 || charsets["windows-1254"] < 1 {
		t.Errorf("charsets %v: want at least two windows-1251 pages and one windows-1254", charsets)
	}
}

func TestHandlerServesManifest(t *testing.T) {
	srv := newServer(t)
	m := mustManifest(t)
	for _, f := range m.Feeds {
		resp, body := get(t, srv.URL+"/"+f.Path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", f.Path, resp.StatusCode)
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != f.ContentType {
			t.Errorf("%s: Content-Type %q, want %q", f.Path, got, f.ContentType)
		}
		if bytes.Contains(body, []byte(basePlaceholder)) {
			t.Errorf("%s: %s not replaced", f.Path, basePlaceholder)
		}
		if !bytes.Contains(body, []byte(srv.URL+"/articles/")) {
			t.Errorf("%s: no link under %s/articles/", f.Path, srv.URL)
		}
	}
	for _, p := range m.Pages {
		resp, body := get(t, srv.URL+"/"+p.Path, nil)
		if p.Missing {
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("missing page %s: status %d, want 404", p.Path, resp.StatusCode)
			}
			continue
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", p.Path, resp.StatusCode)
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != p.ContentType {
			t.Errorf("%s: Content-Type %q, want %q", p.Path, got, p.ContentType)
		}
		raw, _ := corpus.ReadFile("corpus/" + p.Path)
		if !bytes.Equal(body, raw) {
			t.Errorf("%s: served bytes differ from the corpus file", p.Path)
		}
	}
}

func TestHandlerRefusesTheRest(t *testing.T) {
	srv := newServer(t)
	for _, p := range []string{
		"/", "/manifest.yaml", "/gold.jsonl", "/README.md", "/corpus/gold.jsonl",
		"/articles/", "/articles/nope.html", "/feeds/", "/feeds/nope.xml",
		"/articles/ru-telegram-block.html/", "/ARTICLES/ru-telegram-block.html",
	} {
		resp, _ := get(t, srv.URL+p, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, resp.StatusCode)
		}
	}
	resp, err := http.Post(srv.URL+"/feeds/globalwire.rss.xml", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
}

func TestConditionalGET(t *testing.T) {
	srv := newServer(t)
	feedURL := srv.URL + "/feeds/steppe.atom.xml"
	first, body := get(t, feedURL, nil)
	etag := first.Header.Get("ETag")
	if first.StatusCode != http.StatusOK || etag == "" {
		t.Fatalf("first GET: status %d, ETag %q", first.StatusCode, etag)
	}
	again, body2 := get(t, feedURL, http.Header{"If-None-Match": {etag}})
	if again.StatusCode != http.StatusNotModified || len(body2) != 0 {
		t.Errorf("GET with If-None-Match %s: status %d, %d bytes; want 304 and no body", etag, again.StatusCode, len(body2))
	}
	stale, _ := get(t, feedURL, http.Header{"If-None-Match": {`"0000"`}})
	if stale.StatusCode != http.StatusOK {
		t.Errorf("GET with a stale tag: status %d, want 200", stale.StatusCode)
	}
	// The same feed under another host name has other links, so another tag.
	other, otherBody := get(t, feedURL, http.Header{"Host": {"demo.test:8080"}})
	if other.Header.Get("ETag") == etag {
		t.Error("feed served for another Host has the same ETag")
	}
	if !bytes.Contains(otherBody, []byte("http://demo.test:8080/articles/")) || bytes.Equal(otherBody, body) {
		t.Error("links were not rewritten for the request's Host")
	}
	page := srv.URL + "/articles/tr-wikipedia-block.html"
	p1, _ := get(t, page, nil)
	p2, _ := get(t, page, http.Header{"If-None-Match": {p1.Header.Get("ETag")}})
	if p2.StatusCode != http.StatusNotModified {
		t.Errorf("page GET with If-None-Match: status %d, want 304", p2.StatusCode)
	}
}

func TestFeedsParseAndLinkServedPages(t *testing.T) {
	srv := newServer(t)
	m := mustManifest(t)
	goldByID := readGold(t)
	pages := map[string]pageEntry{}
	for _, p := range m.Pages {
		pages["/"+p.Path] = p
	}
	linked := map[string]int{}
	for _, f := range m.Feeds {
		_, body := get(t, srv.URL+"/"+f.Path, nil)
		feed, err := gofeed.NewParser().ParseString(string(body))
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		if want := map[string]string{"rss": "rss", "atom": "atom", "json": "json"}[f.Format]; string(feed.FeedType) != want {
			t.Errorf("%s: parsed as %q, manifest says %q", f.Path, feed.FeedType, f.Format)
		}
		if n := len(feed.Items); n < 3 || n > 7 {
			t.Errorf("%s: %d items, want 3 to 7", f.Path, n)
		}
		for _, it := range feed.Items {
			u, err := url.Parse(it.Link)
			if err != nil || it.Link != srv.URL+u.Path {
				t.Errorf("%s: item link %q is not on the demo server", f.Path, it.Link)
				continue
			}
			linked[u.Path]++
			p, ok := pages[u.Path]
			if !ok {
				t.Errorf("%s: item %q links %s, which is not in the manifest", f.Path, it.Title, u.Path)
				continue
			}
			if p.Feed != f.Name {
				t.Errorf("%s: page %s belongs to feed %q in the manifest", f.Path, p.ID, p.Feed)
			}
			g := goldByID[p.ID]
			if it.GUID == "" || it.Description == "" || it.PublishedParsed == nil {
				t.Errorf("%s: item %q lacks a GUID, summary or date", f.Path, it.Title)
			} else if d := it.PublishedParsed.Format("2006-01-02"); d != g.Published {
				t.Errorf("%s: item %s published %s, gold says %s", f.Path, p.ID, d, g.Published)
			}
			if it.Title != g.Title {
				t.Errorf("%s: item title %q, gold title %q", f.Path, it.Title, g.Title)
			}
			resp, _ := get(t, it.Link, nil)
			want := http.StatusOK
			if p.Missing {
				want = http.StatusNotFound
			}
			if resp.StatusCode != want {
				t.Errorf("%s: GET %s: status %d, want %d", f.Path, it.Link, resp.StatusCode, want)
			}
		}
	}
	for p := range pages {
		if linked[p] != 1 {
			t.Errorf("page %s is linked by %d feed items, want exactly 1", p, linked[p])
		}
	}
}

// TestMissingPageTextIsInFeed: the one page the server lacks must have its
// full text in its feed item, or the pipeline has nothing to fall back on.
func TestMissingPageTextIsInFeed(t *testing.T) {
	srv := newServer(t)
	m := mustManifest(t)
	goldByID := readGold(t)
	feedPath := map[string]string{}
	for _, f := range m.Feeds {
		feedPath[f.Name] = f.Path
	}
	for _, p := range m.Pages {
		if !p.Missing {
			continue
		}
		_, body := get(t, srv.URL+"/"+feedPath[p.Feed], nil)
		feed, err := gofeed.NewParser().ParseString(string(body))
		if err != nil {
			t.Fatal(err)
		}
		var content string
		for _, it := range feed.Items {
			if it.Link == srv.URL+"/"+p.Path {
				content = it.Content
			}
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := mainText(doc.Selection), goldByID[p.ID].Text; got != want {
			t.Errorf("feed content of %s differs from gold text:\n got %.200q\nwant %.200q", p.ID, got, want)
		}
	}
}

// mainText is the text of the paragraphs and subheadings in sel, the way
// gold text is written: one block a paragraph, blank lines between.
func mainText(sel *goquery.Selection) string {
	var parts []string
	sel.Find("p, h2").Each(func(_ int, s *goquery.Selection) {
		parts = append(parts, strings.TrimSpace(s.Text()))
	})
	return strings.Join(parts, "\n\n")
}

func TestPagesCarryGoldText(t *testing.T) {
	srv := newServer(t)
	m := mustManifest(t)
	goldByID := readGold(t)
	for _, p := range m.Pages {
		if p.Missing {
			continue
		}
		t.Run(p.ID, func(t *testing.T) {
			resp, raw := get(t, srv.URL+"/"+p.Path, nil)
			ct := resp.Header.Get("Content-Type")
			want, wantName := charset.Lookup(p.Charset)
			if want == nil {
				t.Fatalf("charset %q unknown", p.Charset)
			}
			if isUTF8 := p.Charset == "utf-8"; utf8.Valid(raw) != isUTF8 {
				t.Errorf("page is valid UTF-8: %v, but its charset is %s", !isUTF8, p.Charset)
			}
			// Where the page declares its charset decides who can read it:
			// the header-only page is misread by anyone who drops the header.
			_, fromBody, _ := charset.DetermineEncoding(raw, "text/html")
			_, fromResponse, _ := charset.DetermineEncoding(raw, ct)
			if fromResponse != wantName {
				t.Errorf("charset from the response is %s, want %s", fromResponse, wantName)
			}
			if p.Declared == "header" && p.Charset != "utf-8" {
				if fromBody == wantName {
					t.Errorf("page meant to declare %s only in the header declares it in the body too", wantName)
				}
			} else if fromBody != wantName {
				t.Errorf("charset from the page alone is %s, want %s", fromBody, wantName)
			}
			r, err := charset.NewReader(bytes.NewReader(raw), ct)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := goquery.NewDocumentFromReader(r)
			if err != nil {
				t.Fatal(err)
			}
			g := goldByID[p.ID]
			body := doc.Find(p.Body)
			if body.Length() != 1 {
				t.Fatalf("%d elements match %q, want 1", body.Length(), p.Body)
			}
			if got := mainText(body); got != g.Text {
				t.Errorf("main text differs from gold:\n got %q\nwant %q", got, g.Text)
			}
			if got, _ := doc.Find(`meta[property="og:title"]`).Attr("content"); got != g.Title {
				t.Errorf("og:title %q, gold title %q", got, g.Title)
			}
			published, _ := doc.Find(`meta[property="article:published_time"]`).Attr("content")
			if ts, err := time.Parse(time.RFC3339, published); err != nil || ts.Format("2006-01-02") != g.Published {
				t.Errorf("article:published_time %q, gold published %s", published, g.Published)
			}
		})
	}
}

var (
	countryRE = regexp.MustCompile(`^[A-Z]{2}$`)
	serviceRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	dateRE    = regexp.MustCompile(`^\d{4}(?:-\d{2}(?:-\d{2})?)?$`)
)

func TestGoldLabels(t *testing.T) {
	m := mustManifest(t)
	goldByID := readGold(t)
	pages := map[string]bool{}
	for _, p := range m.Pages {
		pages[p.ID] = true
		if base := strings.TrimSuffix(path.Base(p.Path), ".html"); base != p.ID {
			t.Errorf("page %s has gold id %s; ids are page base names", p.Path, p.ID)
		}
		if _, ok := goldByID[p.ID]; !ok {
			t.Errorf("page %s has no gold line", p.ID)
		}
	}
	withEvents := 0
	for id, g := range goldByID {
		if !pages[id] {
			t.Errorf("gold %s has no page in the manifest", id)
		}
		if g.Title == "" || g.Text == "" || g.Events == nil {
			t.Errorf("gold %s: empty title, text or events", id)
		}
		published, err := time.Parse("2006-01-02", g.Published)
		if err != nil {
			t.Errorf("gold %s: published %q: %v", id, g.Published, err)
		}
		if len(g.Events) > 0 {
			withEvents++
		}
		seen := map[string]bool{}
		for _, e := range g.Events {
			key := e.Country + "/" + e.Service + "/" + e.Action
			if seen[key] {
				t.Errorf("gold %s: %s given twice; one event per (country, service, action)", id, key)
			}
			seen[key] = true
			if !countryRE.MatchString(e.Country) {
				t.Errorf("gold %s: country %q", id, e.Country)
			}
			if !serviceRE.MatchString(e.Service) {
				t.Errorf("gold %s: service %q is not a lower-case slug", id, e.Service)
			}
			if !(event.Action(e.Action)).Valid() {
				t.Errorf("gold %s: action %q is not in the vocabulary", id, e.Action)
			}
			if !dateRE.MatchString(e.Date) || !validDate(e.Date) {
				t.Errorf("gold %s: date %q is not YYYY, YYYY-MM or YYYY-MM-DD", id, e.Date)
			} else if e.Date > g.Published {
				t.Errorf("gold %s: %s dated %s, after publication on %s", id, key, e.Date, published.Format("2006-01-02"))
			}
			if (e.Action == "shutdown") != (e.Service == "internet" || e.Service == "mobile-internet") {
				t.Errorf("gold %s: %s; shutdown is for internet and mobile-internet only", id, key)
			}
			if !strings.Contains(g.Text, e.Reason) {
				t.Errorf("gold %s: %s reason %q is not worded as in the text", id, key, e.Reason)
			}
		}
	}
	if n := len(goldByID); n < 24 {
		t.Errorf("%d articles, want at least 24", n)
	}
	if withEvents < 20 || len(goldByID)-withEvents < 5 {
		t.Errorf("%d articles with events and %d without; want at least 20 and 5", withEvents, len(goldByID)-withEvents)
	}
}

func validDate(s string) bool {
	for _, layout := range []string{"2006", "2006-01", "2006-01-02"} {
		if len(s) == len(layout) {
			_, err := time.Parse(layout, s)
			return err == nil
		}
	}
	return false
}

func TestFeeds(t *testing.T) {
	srv := newServer(t)
	m := mustManifest(t)
	feeds, err := Feeds(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if len(feeds) != len(m.Feeds) {
		t.Fatalf("%d feeds, manifest has %d", len(feeds), len(m.Feeds))
	}
	names := map[string]bool{}
	for i, f := range feeds {
		if f.Name != m.Feeds[i].Name || names[f.Name] || len(f.Tags) == 0 {
			t.Errorf("feed %d: %+v", i, f)
		}
		names[f.Name] = true
		if !strings.HasPrefix(f.URL, srv.URL+"/feeds/") {
			t.Errorf("feed %q: URL %q", f.Name, f.URL)
		}
		if resp, _ := get(t, f.URL, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("feed %q: GET %s: status %d", f.Name, f.URL, resp.StatusCode)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:8080", "/feeds", "ftp://host", "http://"} {
		if _, err := Feeds(bad); err == nil {
			t.Errorf("Feeds(%q): no error", bad)
		}
	}
}

func TestGoldIsACopy(t *testing.T) {
	g := Gold()
	g[0] = 'X'
	if Gold()[0] == 'X' {
		t.Error("Gold returns the embedded bytes; a caller can change them")
	}
}
