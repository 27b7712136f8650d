package web

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/policywatch/policywatch/store"
)

// atomDoc reads a feed back with encoding/xml, by the Atom namespace, so
// elements outside it do not count.
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"http://www.w3.org/2005/Atom id"`
	Title   string   `xml:"http://www.w3.org/2005/Atom title"`
	Updated string   `xml:"http://www.w3.org/2005/Atom updated"`
	Author  []struct {
		Name string `xml:"http://www.w3.org/2005/Atom name"`
	} `xml:"http://www.w3.org/2005/Atom author"`
	Links   []atomDocLink `xml:"http://www.w3.org/2005/Atom link"`
	Entries []struct {
		ID         string        `xml:"http://www.w3.org/2005/Atom id"`
		Title      string        `xml:"http://www.w3.org/2005/Atom title"`
		Updated    string        `xml:"http://www.w3.org/2005/Atom updated"`
		Published  string        `xml:"http://www.w3.org/2005/Atom published"`
		Summary    string        `xml:"http://www.w3.org/2005/Atom summary"`
		Links      []atomDocLink `xml:"http://www.w3.org/2005/Atom link"`
		Categories []struct {
			Term   string `xml:"term,attr"`
			Scheme string `xml:"scheme,attr"`
			Label  string `xml:"label,attr"`
		} `xml:"http://www.w3.org/2005/Atom category"`
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

type atomDocLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

func link(links []atomDocLink, rel string) string {
	for _, l := range links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func getFeed(t *testing.T, r response) atomDoc {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	var doc atomDoc
	if err := xml.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("not Atom: %v\n%s", err, r.body)
	}
	return doc
}

func TestFeedIsAtom(t *testing.T) {
	path := fixtureDB(t)
	srv := start(t, path)
	r := get(t, srv, "/feed.atom")
	doc := getFeed(t, r)

	var stories []store.Story
	readDB(t, path, func(db *store.DB) (err error) { stories, err = db.Stories(store.StoryFilter{}); return err })
	byURN := map[string]store.Story{}
	for _, s := range stories {
		byURN["urn:policywatch:story:"+s.ID] = s
	}

	// RFC 4287: the feed has an id, title, updated, an author and a self
	// link; every entry an id, title, updated and, without content, an
	// alternate link.
	if doc.ID != srv.URL+"/feed.atom" || doc.Title == "" || len(doc.Author) != 1 || doc.Author[0].Name == "" {
		t.Errorf("feed head: id %q title %q author %+v", doc.ID, doc.Title, doc.Author)
	}
	if self := link(doc.Links, "self"); self != srv.URL+"/feed.atom" {
		t.Errorf("self link %q", self)
	}
	if len(doc.Entries) != fixtureStories {
		t.Fatalf("%d entries, want one per story (%d)", len(doc.Entries), fixtureStories)
	}
	var newest time.Time
	var ids []string
	for _, e := range doc.Entries {
		s, ok := byURN[e.ID]
		if !ok {
			t.Errorf("entry %q is no story", e.ID)
			continue
		}
		ids = append(ids, e.ID)
		updated, err1 := time.Parse(time.RFC3339, e.Updated)
		published, err2 := time.Parse(time.RFC3339, e.Published)
		if err1 != nil || err2 != nil {
			t.Errorf("%s: updated %q published %q are not RFC 3339", e.ID, e.Updated, e.Published)
		}
		if !updated.Equal(s.Updated.Truncate(time.Second)) || !published.Equal(s.Created.Truncate(time.Second)) {
			t.Errorf("%s: updated %v published %v, want the story's %v and %v", e.ID, updated, published, s.Updated, s.Created)
		}
		if updated.After(newest) {
			newest = updated
		}
		if alt := link(e.Links, "alternate"); !strings.HasPrefix(alt, "https://news.test/") {
			t.Errorf("%s: alternate link %q is not a source", e.ID, alt)
		}
		if rel := link(e.Links, "related"); rel != srv.URL+"/stories/"+s.ID {
			t.Errorf("%s: related link %q", e.ID, rel)
		}
		if !strings.Contains(e.Summary, s.Date) || !strings.Contains(e.Summary, plural(s.Sources, "source", "sources")) ||
			(s.Reason != "" && !strings.Contains(e.Summary, s.Reason)) {
			t.Errorf("%s: summary %q lacks the date %s, reason %q or %d sources", e.ID, e.Summary, s.Date, s.Reason, s.Sources)
		}
		var terms []string
		for _, c := range e.Categories {
			terms = append(terms, c.Scheme+"="+c.Term)
		}
		want := []string{schemeCountry + "=" + s.Country, schemeService + "=" + s.Service, schemeAction + "=" + string(s.Action)}
		if !slices.Equal(terms, want) {
			t.Errorf("%s: categories %v, want %v", e.ID, terms, want)
		}
	}
	if feedUpdated, err := time.Parse(time.RFC3339, doc.Updated); err != nil || !feedUpdated.Equal(newest) {
		t.Errorf("feed updated %q, want the newest entry's %v", doc.Updated, newest)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
		t.Errorf("entry ids repeat: %v", ids)
	}

	// The same document through a feed reader's parser.
	feed, err := gofeed.NewParser().ParseString(string(r.body))
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	if feed.FeedType != "atom" || feed.FeedVersion != "1.0" || len(feed.Items) != fixtureStories {
		t.Fatalf("gofeed read %s %s with %d items", feed.FeedType, feed.FeedVersion, len(feed.Items))
	}
	v := newServer(t, path).vocab
	for _, item := range feed.Items {
		s := byURN[item.GUID]
		if s.ID == "" {
			t.Errorf("gofeed item %q is no story", item.GUID)
			continue
		}
		if want := v.headline(s.Country, s.Service, s.Action); item.Title != want {
			t.Errorf("title %q, want %q", item.Title, want)
		}
		if item.PublishedParsed == nil || item.UpdatedParsed == nil || item.Link == "" {
			t.Errorf("%s: published %v updated %v link %q", item.GUID, item.PublishedParsed, item.UpdatedParsed, item.Link)
		}
		// gofeed shows a category by its label.
		if want := []string{v.country(s.Country), v.service(s.Service), v.label(s.Action)}; !slices.Equal(item.Categories, want) {
			t.Errorf("%s: categories %v, want %v", item.GUID, item.Categories, want)
		}
	}
}

func TestFeedContent(t *testing.T) {
	srv := start(t, fixtureDB(t))
	doc := getFeed(t, get(t, srv, "/feed.atom"))
	titles := map[string]string{}
	var order []string
	for _, e := range doc.Entries {
		titles[e.Title] = e.Summary
		order = append(order, e.Title)
	}
	for _, want := range []string{
		"Iran restricts Telegram", "Russia blocks Telegram", "Russia throttles Twitter",
		"European Union fines Google", "Turkey unblocks Wikipedia", "Iran shuts down the internet",
	} {
		if _, ok := titles[want]; !ok {
			t.Errorf("no entry %q in %v", want, order)
		}
	}
	// Markup in a reason is text, escaped by the XML encoder and read back
	// as it was.
	if s := titles["European Union fines Google"]; !strings.Contains(s, `"illegally" <b>tying</b> apps & services`) {
		t.Errorf("summary %q", s)
	}
	if s := titles["Iran restricts Telegram"]; !strings.Contains(s, "2 sources (Steppe Dispatch, The Global Wire)") ||
		!strings.Contains(s, "2018-04-30 to 2018-05-01") {
		t.Errorf("summary %q", s)
	}

	// Newest made first: the second batch's stories lead.
	second := []string{"Iran blocks Instagram", "Iran shuts down the internet", "Turkey unblocks Wikipedia"}
	if head := slices.Sorted(slices.Values(order[:3])); !slices.Equal(head, second) {
		t.Errorf("first entries %v, want the stories made last %v", order[:3], second)
	}
}

func TestFeedFilters(t *testing.T) {
	srv := start(t, fixtureDB(t))
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"country=Iran", 3},
		{"action=block&country=IR", 1},
		{"service=telegram", 2},
		{"limit=2", 2},
		{"since=2030", 0},
	} {
		doc := getFeed(t, get(t, srv, "/feed.atom?"+tc.query))
		if len(doc.Entries) != tc.want {
			t.Errorf("%s: %d entries, want %d", tc.query, len(doc.Entries), tc.want)
		}
		if !strings.HasSuffix(doc.ID, "/feed.atom?"+tc.query) || link(doc.Links, "self") != doc.ID {
			t.Errorf("%s: id %q self %q", tc.query, doc.ID, link(doc.Links, "self"))
		}
	}
	// The same filters spelled differently are the same feed.
	a := getFeed(t, get(t, srv, "/feed.atom?service=telegram&country=IR"))
	b := getFeed(t, get(t, srv, "/feed.atom?country=IR&text=&service=telegram"))
	if a.ID != b.ID {
		t.Errorf("feed ids %q and %q differ", a.ID, b.ID)
	}
}

func TestFeedETag(t *testing.T) {
	srv := start(t, fixtureDB(t))
	first := get(t, srv, "/feed.atom")
	second := get(t, srv, "/feed.atom")
	etag := first.header.Get("ETag")
	if etag == "" || !strings.HasPrefix(etag, `"`) || second.header.Get("ETag") != etag || !bytes.Equal(first.body, second.body) {
		t.Fatalf("two polls differ: ETag %q and %q", etag, second.header.Get("ETag"))
	}
	notModified := get(t, srv, "/feed.atom", "If-None-Match", etag)
	if notModified.status != http.StatusNotModified || len(notModified.body) != 0 {
		t.Errorf("If-None-Match %s: %d with %d bytes", etag, notModified.status, len(notModified.body))
	}
	if r := get(t, srv, "/feed.atom", "If-None-Match", `"stale"`); r.status != http.StatusOK {
		t.Errorf("a stale ETag got %d", r.status)
	}
	if r := get(t, srv, "/feed.atom?country=IR"); r.header.Get("ETag") == etag {
		t.Error("a filtered feed has the unfiltered feed's ETag")
	}
	lm := first.header.Get("Last-Modified")
	if r := get(t, srv, "/feed.atom", "If-Modified-Since", lm); lm == "" || r.status != http.StatusNotModified {
		t.Errorf("Last-Modified %q; If-Modified-Since got %d", lm, r.status)
	}
}

func TestFeedEmpty(t *testing.T) {
	srv := start(t, emptyDB(t))
	r := get(t, srv, "/feed.atom")
	doc := getFeed(t, r)
	if len(doc.Entries) != 0 || doc.Updated != "1970-01-01T00:00:00Z" {
		t.Errorf("empty feed: %d entries, updated %q", len(doc.Entries), doc.Updated)
	}
	if _, err := gofeed.NewParser().ParseString(string(r.body)); err != nil {
		t.Errorf("gofeed cannot read an empty feed: %v", err)
	}
}

func TestFeedBaseURL(t *testing.T) {
	s, err := New(Options{DB: fixtureDB(t), Gazetteer: gazetteer(t), BaseURL: "https://example.org/pw/"})
	if err != nil {
		t.Fatal(err)
	}
	srv := start2(t, s)
	doc := getFeed(t, get(t, srv, "/feed.atom?country=TR"))
	if doc.ID != "https://example.org/pw/feed.atom?country=TR" || !strings.HasPrefix(link(doc.Entries[0].Links, "related"), "https://example.org/pw/stories/") {
		t.Errorf("behind a proxy: id %q, related %q", doc.ID, link(doc.Entries[0].Links, "related"))
	}
}
