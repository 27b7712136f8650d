// Package demotest serves the demo corpus at scale, for tests and
// benchmarks of whole runs: any number of feeds whose items are the
// corpus's articles under distinct URLs, so every item is a new article
// whose page reads and extracts like real news. Feeds grow night by
// night, as real ones do, and answer conditional requests.
package demotest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/policywatch/policywatch/demo"
	"github.com/policywatch/policywatch/ingest"
)

// Options shape a Newsroom.
type Options struct {
	Feeds int // how many feeds
	Items int // items each feed lists
	// NewPerNight is how many items a feed publishes on a night it
	// changes. Every third feed (a different third each night) publishes
	// nothing and answers 304 to a client that has its ETag.
	NewPerNight int
	// YearSpan spreads the copies of a corpus article over time: item k
	// of feed f has every year in its page, feed text and publication
	// date moved (f+k)%YearSpan years later, so its events fall in other
	// stories than the original's, as the next night's news would. 0 or 1
	// keeps the corpus's dates, and every copy of an article reports the
	// same story.
	YearSpan int
	// PageDelay is how long an article page takes to answer.
	PageDelay time.Duration
}

// Newsroom is an http.Handler serving the feeds at /feeds/<n>.xml (RSS
// 2.0, with an ETag) and their articles at /articles/<feed>/<item>.html.
// It is safe for concurrent use.
type Newsroom struct {
	opts     Options
	articles []article
	night    atomic.Int64
}

// article is one corpus article as the demo server serves it.
type article struct {
	id          string
	title       string
	published   time.Time
	summary     string // the first paragraph, as HTML
	text        string // the whole text, as HTML
	contentType string
	page        []byte // nil: the page is missing (404) and feeds carry the text
}

// New loads the corpus and builds a newsroom.
func New(opts Options) (*Newsroom, error) {
	if opts.Feeds < 1 || opts.Items < 1 || opts.NewPerNight < 0 || opts.YearSpan < 0 {
		return nil, fmt.Errorf("demotest: invalid options %+v", opts)
	}
	h, err := demo.Handler()
	if err != nil {
		return nil, err
	}
	var arts []article
	sc := bufio.NewScanner(bytes.NewReader(demo.Gold()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var g struct{ ID, Title, Published, Text string }
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			return nil, fmt.Errorf("demotest: demo gold: %w", err)
		}
		pub, err := time.Parse(time.DateOnly, g.Published)
		if err != nil {
			return nil, fmt.Errorf("demotest: demo article %s: %w", g.ID, err)
		}
		a := article{id: g.ID, title: g.Title, published: pub.Add(9 * time.Hour)}
		paras := strings.Split(g.Text, "\n\n")
		for i, p := range paras {
			p = "<p>" + html.EscapeString(p) + "</p>"
			if i == 0 {
				a.summary = p
			}
			a.text += p
		}
		// The page exactly as the demo serves it: its bytes, charset and
		// Content-Type, or its absence.
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/articles/"+g.ID+".html", nil))
		if rec.Code == http.StatusOK {
			a.page, a.contentType = rec.Body.Bytes(), rec.Header().Get("Content-Type")
		}
		arts = append(arts, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("demotest: demo gold: %w", err)
	}
	if len(arts) == 0 {
		return nil, errors.New("demotest: the demo corpus has no articles")
	}
	return &Newsroom{opts: opts, articles: arts}, nil
}

// SetNight makes the feeds list what they have published by night n;
// night 0 is each feed's first Items items.
func (nr *Newsroom) SetNight(n int) { nr.night.Store(int64(n)) }

// Feeds are the newsroom's feeds as served at base, e.g.
// "http://127.0.0.1:41234".
func (nr *Newsroom) Feeds(base string) []ingest.Feed {
	base = strings.TrimSuffix(base, "/")
	out := make([]ingest.Feed, nr.opts.Feeds)
	for f := range out {
		out[f] = ingest.Feed{Name: feedName(f), URL: fmt.Sprintf("%s/feeds/%d.xml", base, f)}
	}
	return out
}

// Keys are the item keys (ingest.Item.Key) feed f lists tonight.
func (nr *Newsroom) Keys(f int) []string {
	lo, hi := nr.window(f, int(nr.night.Load()))
	keys := make([]string, 0, hi-lo)
	for k := lo; k < hi; k++ {
		keys = append(keys, itemKey(f, k))
	}
	return keys
}

// Published is how many items feed f has published by night n.
func (nr *Newsroom) Published(f, n int) int {
	total := nr.opts.Items
	for m := 1; m <= n; m++ {
		if changes(f, m) {
			total += nr.opts.NewPerNight
		}
	}
	return total
}

// changes reports whether feed f publishes on night m.
func changes(f, m int) bool { return (f+m)%3 != 0 }

// window is the range of item numbers feed f lists on night n.
func (nr *Newsroom) window(f, n int) (lo, hi int) {
	hi = nr.Published(f, n)
	return hi - nr.opts.Items, hi
}

func feedName(f int) string { return fmt.Sprintf("Newsroom %03d", f) }

func itemKey(f, k int) string { return fmt.Sprintf("tag:newsroom.test,2026:%d/%d", f, k) }

// source is the corpus article item k of feed f copies, and how many
// years later it is moved.
func (nr *Newsroom) source(f, k int) (*article, int) {
	// 31 is prime, so a feed's items and the feeds' n-th items both go
	// round the whole corpus.
	a := &nr.articles[(f*31+k)%len(nr.articles)]
	shift := 0
	if nr.opts.YearSpan > 1 {
		shift = (f + k) % nr.opts.YearSpan
	}
	return a, shift
}

func (nr *Newsroom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/feeds/"); ok {
		nr.serveFeed(w, r, strings.TrimSuffix(rest, ".xml"))
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/articles/"); ok {
		nr.servePage(w, r, strings.TrimSuffix(rest, ".html"))
		return
	}
	http.NotFound(w, r)
}

func (nr *Newsroom) serveFeed(w http.ResponseWriter, r *http.Request, name string) {
	f, err := strconv.Atoi(name)
	if err != nil || f < 0 || f >= nr.opts.Feeds {
		http.NotFound(w, r)
		return
	}
	base := "http://" + r.Host
	lo, hi := nr.window(f, int(nr.night.Load()))
	doc := rss{Version: "2.0", Channel: channel{
		Title: feedName(f), Link: base + "/", Description: "A feed of the test newsroom",
	}}
	for k := hi - 1; k >= lo; k-- { // newest first, as feeds list them
		a, shift := nr.source(f, k)
		text := a.summary
		if a.page == nil {
			text = a.text
		}
		doc.Channel.Items = append(doc.Channel.Items, rssItem{
			Title:       a.title,
			Link:        fmt.Sprintf("%s/articles/%d/%d.html", base, f, k),
			GUID:        rssGUID{IsPermaLink: "false", Value: itemKey(f, k)},
			PubDate:     a.published.AddDate(shift, 0, 0).Format(time.RFC1123Z),
			Description: string(shiftYears([]byte(text), shift)),
		})
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	body = append([]byte(xml.Header), body...)
	sum := sha256.Sum256(body)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func (nr *Newsroom) servePage(w http.ResponseWriter, r *http.Request, name string) {
	fs, ks, ok := strings.Cut(name, "/")
	f, ferr := strconv.Atoi(fs)
	k, kerr := strconv.Atoi(ks)
	if !ok || ferr != nil || kerr != nil || f < 0 || f >= nr.opts.Feeds || k < 0 {
		http.NotFound(w, r)
		return
	}
	if d := nr.opts.PageDelay; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	a, shift := nr.source(f, k)
	if a.page == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Write(shiftYears(a.page, shift))
}

// shiftYears moves every year in b n years later: every 19xx or 20xx
// with no letter, digit or underscore on either side, as the expression
// \b(19|20)\d\d\b finds them (TestShiftYearsMatchesRegexp). The
// corpus's pages are in UTF-8 or single-byte legacy charsets, where
// digits are ASCII and no byte of another character is a word character.
// Scanned by hand, not by that expression: a benchmark's server shares
// the cores with the run it serves, and the regexp engine was a tenth of
// a run's CPU besides extraction's.
func shiftYears(b []byte, n int) []byte {
	if n == 0 {
		return b
	}
	var out []byte
	last := 0
	for i := 0; i+4 <= len(b); i++ {
		if !isYear(b, i) {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+8)
		}
		v, _ := strconv.Atoi(string(b[i : i+4]))
		out = strconv.AppendInt(append(out, b[last:i]...), int64(v+n), 10)
		last = i + 4
		i += 3
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// isYear reports whether b[i:i+4] is a year shiftYears moves.
func isYear(b []byte, i int) bool {
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	isWord := func(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
	if !(b[i] == '1' && b[i+1] == '9' || b[i] == '2' && b[i+1] == '0') || !isDigit(b[i+2]) || !isDigit(b[i+3]) {
		return false
	}
	return (i == 0 || !isWord(b[i-1])) && (i+4 == len(b) || !isWord(b[i+4]))
}

type rss struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel channel  `xml:"channel"`
}

type channel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Description string    `xml:"description"`
	Items       []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Description string  `xml:"description"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}
