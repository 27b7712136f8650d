package web

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/policywatch/policywatch/store"
)

// feedLimit is how many stories the feed carries when the request names
// no limit: enough that a reader polling daily misses nothing.
const feedLimit = 50

// The Atom 1.0 document (RFC 4287), as much of it as the feed uses.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Links      []atomLink     `xml:"link"`
	Summary    string         `xml:"summary"`
	Categories []atomCategory `xml:"category"`
}

type atomLink struct {
	Rel   string `xml:"rel,attr"`
	Type  string `xml:"type,attr,omitempty"`
	Href  string `xml:"href,attr"`
	Title string `xml:"title,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr"`
	Label  string `xml:"label,attr,omitempty"`
}

// Category schemes say which of a story's three terms is which.
const (
	schemeCountry = "urn:policywatch:country"
	schemeService = "urn:policywatch:service"
	schemeAction  = "urn:policywatch:action"
)

// storyURN is the id of a story's entry: stable for as long as the story
// lives, whatever address the server is reached at.
func storyURN(id string) string { return "urn:policywatch:story:" + id }

// handleFeed is GET /feed.atom: the newest stories by the time the store
// made them, one entry each, so a reader sees each new story once. The
// ETag is a hash of the document, so a poll that finds nothing new costs
// a 304.
func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	f, err := s.vocab.parseFilter(query, feedLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var views []storyView
	err = s.visit(func(db reader) error {
		// Stories come newest first by their last date; a feed wants the
		// newest made, so it sorts them all and keeps the head.
		limit := f.Limit
		f.Limit = 0
		all, err := db.Stories(store.StoryFilter{Filter: f})
		if err != nil {
			return err
		}
		slices.SortFunc(all, func(a, b store.Story) int {
			return cmp.Or(b.Created.Compare(a.Created), strings.Compare(a.ID, b.ID))
		})
		views, err = s.vocab.views(db, all[:min(limit, len(all))])
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}

	feed := s.atom(r, f, query, views)
	body, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		s.fail(w, r, fmt.Errorf("encode feed: %w", err))
		return
	}
	body = append([]byte(xml.Header), append(body, '\n')...)
	sum := sha256.Sum256(body)
	h := w.Header()
	h.Set("Content-Type", "application/atom+xml; charset=utf-8")
	h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	h.Set("Cache-Control", "no-cache")
	updated, _ := time.Parse(time.RFC3339, feed.Updated)
	// ServeContent answers If-None-Match and If-Modified-Since with 304.
	http.ServeContent(w, r, "", updated, bytes.NewReader(body))
}

func (s *Server) atom(r *http.Request, f store.Filter, query url.Values, views []storyView) atomFeed {
	canonical := canonicalQuery(query)
	self := s.absURL(r, "/feed.atom"+canonical)
	feed := atomFeed{
		// The feed is identified by its address, filters included: each
		// filtered feed is a feed of its own.
		ID:       self,
		Title:    "policywatch: new stories",
		Subtitle: "Governments acting against online services, as the news reports them",
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: self},
			{Rel: "alternate", Type: "text/html", Href: s.absURL(r, "/"+canonical)},
		},
		Author:    atomPerson{Name: "policywatch"},
		Generator: "policywatch",
		// An empty feed has published nothing; the epoch keeps its
		// document, and so its ETag, the same from poll to poll.
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
	}
	if d := s.vocab.describe(f); d != "" {
		feed.Title += " (" + d + ")"
	}
	var newest time.Time
	for _, v := range views {
		if v.Updated.After(newest) {
			newest = v.Updated
		}
		feed.Entries = append(feed.Entries, s.atomEntry(r, v))
	}
	if !newest.IsZero() {
		feed.Updated = newest.UTC().Format(time.RFC3339)
	}
	return feed
}

func (s *Server) atomEntry(r *http.Request, v storyView) atomEntry {
	story := s.absURL(r, "/stories/"+url.PathEscape(v.ID))
	e := atomEntry{
		ID:        storyURN(v.ID),
		Title:     v.Headline,
		Updated:   v.Updated.UTC().Format(time.RFC3339),
		Published: v.Created.UTC().Format(time.RFC3339),
		Summary:   summary(v),
		Categories: []atomCategory{
			{Term: v.Country, Scheme: schemeCountry, Label: v.CountryName},
			{Term: v.Service, Scheme: schemeService, Label: v.ServiceName},
			{Term: string(v.Action), Scheme: schemeAction, Label: v.ActionLabel},
		},
	}
	// The alternate link is what a reader opens: the article itself. A
	// story without a source URL falls back to its record here, as
	// RFC 4287 wants an alternate link on an entry without content.
	if v.Source.SourceURL != "" {
		e.Links = append(e.Links, atomLink{Rel: "alternate", Type: "text/html", Href: v.Source.SourceURL, Title: v.Source.SourceTitle})
		e.Links = append(e.Links, atomLink{Rel: "related", Type: "application/json", Href: story})
	} else {
		e.Links = append(e.Links, atomLink{Rel: "alternate", Type: "application/json", Href: story})
	}
	return e
}

// summary is the entry's text: date, reason and sources.
func summary(v storyView) string {
	var b strings.Builder
	// "on 2018-04-16", but "in 2018-04" and "in 2017": a date at month or
	// year precision is a period, not a day.
	prep := "on"
	if len(v.Date) < len("2006-01-02") {
		prep = "in"
	}
	fmt.Fprintf(&b, "%s %s %s", v.Headline, prep, v.Date)
	if v.First != v.Last {
		fmt.Fprintf(&b, " (reports span %s to %s)", v.First, v.Last)
	}
	b.WriteString(". ")
	if v.Reason != "" {
		fmt.Fprintf(&b, "Reason: %s. ", strings.TrimRight(v.Reason, ". "))
	} else {
		b.WriteString("No reason given. ")
	}
	fmt.Fprintf(&b, "%s", plural(v.Sources, "source", "sources"))
	if len(v.Feeds) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(v.Feeds, ", "))
	}
	b.WriteString(".")
	return b.String()
}

// canonicalQuery is the query with its parameters sorted and blanks
// dropped, "?"-prefixed, or "" when none is left: the same filters give
// the same feed id and links however a client spelled them.
func canonicalQuery(q url.Values) string {
	clean := url.Values{}
	for k, vs := range q {
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				clean.Add(k, v)
			}
		}
	}
	if len(clean) == 0 {
		return ""
	}
	return "?" + clean.Encode()
}
