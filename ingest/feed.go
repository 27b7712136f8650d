package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	nethtml "golang.org/x/net/html"
)

// FeedResult is one feed fetched: its new state, to store for the next
// run, and its items. NotModified is true when the server answered 304,
// and then Items is empty.
type FeedResult struct {
	Feed        Feed
	State       FeedState
	NotModified bool
	Items       []Item
}

// feedAccept names the feed formats gofeed reads, preferred over anything else.
const feedAccept = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// FetchFeed does a conditional GET of feed with prev's validators, and
// parses the RSS, Atom or JSON Feed it gets. The returned State records the
// attempt even when err is non-nil, so the caller can store it; its
// validators are only replaced by those of a response that parsed, so a
// broken feed is fetched in full again next time.
func (f *Fetcher) FetchFeed(ctx context.Context, feed Feed, prev FeedState) (FeedResult, error) {
	res := FeedResult{Feed: feed}
	st := FeedState{URL: feed.URL, LastOK: prev.LastOK, LastFetched: f.clock.Now()}
	// Validators belong to a URL: a feed moved in the config starts afresh.
	if prev.URL == "" || prev.URL == feed.URL {
		st.ETag, st.LastModified = prev.ETag, prev.LastModified
	}
	fail := func(verb string, err error) (FeedResult, error) {
		err = fmt.Errorf("%s feed %q %s: %w", verb, feed.Name, feed.URL, err)
		st.LastError = err.Error()
		res.State = st
		return res, err
	}

	h := http.Header{}
	h.Set("Accept", feedAccept)
	if st.ETag != "" {
		h.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		h.Set("If-Modified-Since", st.LastModified)
	}
	resp, err := f.get(ctx, feed.URL, h, false)
	if resp != nil {
		st.LastStatus = resp.Code
	}
	switch {
	case err != nil:
		return fail("fetch", err)
	case resp.Code == http.StatusNotModified:
		st.LastOK = st.LastFetched
		if v := resp.Header.Get("ETag"); v != "" {
			st.ETag = v
		}
		if v := resp.Header.Get("Last-Modified"); v != "" {
			st.LastModified = v
		}
		res.State, res.NotModified = st, true
		f.log.DebugContext(ctx, "feed not modified", "feed", feed.Name)
		return res, nil
	case resp.Code != http.StatusOK:
		return fail("fetch", resp.statusError())
	}

	items, notes, err := parseFeed(feed.Name, resp, st.LastFetched)
	for _, r := range notes.repairs {
		f.log.WarnContext(ctx, "feed repaired", "feed", feed.Name, "url", feed.URL, "repair", r)
	}
	if err != nil {
		return fail("parse", err)
	}
	for _, sk := range notes.skipped {
		f.log.WarnContext(ctx, "feed item skipped", "feed", feed.Name, "url", feed.URL, "item", sk.item, "reason", sk.reason)
	}
	res.Items = items
	st.LastOK = st.LastFetched
	st.ETag = resp.Header.Get("ETag")
	st.LastModified = resp.Header.Get("Last-Modified")
	res.State = st
	f.log.DebugContext(ctx, "feed fetched", "feed", feed.Name, "items", len(res.Items))
	return res, nil
}

func looksLikeHTML(resp *response) bool {
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
		return true
	}
	return strings.HasPrefix(http.DetectContentType(resp.Body), "text/html")
}

// skippedItem is a feed item left out, and why.
type skippedItem struct {
	item   string // its position and title, to find it in the feed
	reason string
}

// feedNotes is what reading a feed did besides: the items it left out,
// and what it repaired in the document so as to read it at all.
type feedNotes struct {
	skipped []skippedItem
	repairs []string
}

// parseFeed turns a fetched feed document into its items, as of now: RSS,
// Atom or JSON Feed, in any encoding the document or its header names or
// that can be told from its bytes, repaired where it is broken (see
// repairFeed). The repairs are noted even when the feed cannot be read.
func parseFeed(feedName string, resp *response, now time.Time) ([]Item, feedNotes, error) {
	var notes feedNotes
	if len(bytes.TrimSpace(resp.Body)) == 0 {
		return nil, notes, errors.New("empty body")
	}
	body, repairs := repairFeed(resp.Body, resp.Header.Get("Content-Type"))
	notes.repairs = repairs
	parsed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		switch {
		case !errors.Is(err, gofeed.ErrFeedTypeNotDetected):
		case looksLikeHTML(resp):
			err = fmt.Errorf("got an HTML page (%s), not a feed", resp.Header.Get("Content-Type"))
		default:
			err = fmt.Errorf("neither RSS, Atom nor JSON Feed (%s)", http.DetectContentType(resp.Body))
		}
		return nil, notes, err
	}
	base, _ := url.Parse(resp.URL)
	var items []Item
	items, notes.skipped = feedItems(feedName, base, parsed, now)
	return items, notes, nil
}

// feedItems converts gofeed's items: links resolved against the feed's own
// URL, dates that cannot be right dropped, and each item once. An item
// with neither GUID nor link is skipped, and said why. When one GUID names
// different links the feed's GUIDs are not ids, and its items are keyed by
// their links instead.
func feedItems(feedName string, base *url.URL, parsed *gofeed.Feed, now time.Time) ([]Item, []skippedItem) {
	items := make([]Item, 0, len(parsed.Items))
	var skipped []skippedItem
	for i, it := range parsed.Items {
		if it == nil {
			continue
		}
		link := strings.TrimSpace(it.Link)
		if link == "" && len(it.Links) > 0 {
			link = strings.TrimSpace(it.Links[0])
		}
		guid := strings.TrimSpace(it.GUID)
		if link == "" && isAbsHTTP(guid) {
			link = guid // an RSS guid is a permalink unless it says otherwise
		}
		item := Item{
			Feed:    feedName,
			GUID:    guid,
			Link:    resolve(base, link),
			Title:   itemTitle(it.Title),
			Content: it.Content,
			Summary: it.Description,
		}
		switch {
		case it.PublishedParsed != nil:
			item.Published = publishedTime(*it.PublishedParsed, now)
		case it.UpdatedParsed != nil:
			item.Published = publishedTime(*it.UpdatedParsed, now)
		}
		if item.GUID == "" && item.Link == "" {
			// Nothing to fetch, nothing to know it by next run, and no
			// source to cite for what it reports.
			skipped = append(skipped, skippedItem{fmt.Sprintf("#%d %q", i+1, item.Title), "no link and no GUID"})
			continue
		}
		items = append(items, item)
	}
	if guidsReused(items) {
		for i := range items {
			if items[i].Link != "" {
				items[i].GUID = ""
			}
		}
	}

	seen := make(map[string]bool, len(items))
	kept := items[:0]
	for _, item := range items {
		if k := item.Key(); seen[k] {
			continue // the same item listed twice
		} else {
			seen[k] = true
		}
		kept = append(kept, item)
	}
	return kept, skipped
}

// guidsReused reports whether some GUID of a feed names two different links.
func guidsReused(items []Item) bool {
	links := make(map[string]string, len(items))
	for _, it := range items {
		if it.GUID == "" || it.Link == "" {
			continue
		}
		l := CanonicalURL(it.Link)
		if prev, ok := links[it.GUID]; ok && prev != l {
			return true
		}
		links[it.GUID] = l
	}
	return false
}

// newsEpoch is earlier than any news article on the web.
var newsEpoch = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// publishedTime is a feed's or page's publication time, if it can be one.
// A time before the web's news or more than a day ahead of now comes from
// a broken CMS or clock and is dropped (the zero time), so relative dates
// in the text resolve against something sane; a time less than a day
// ahead is clock or time-zone skew, and is taken as now.
func publishedTime(t, now time.Time) time.Time {
	switch {
	case t.Before(newsEpoch), t.After(now.Add(24 * time.Hour)):
		return time.Time{}
	case t.After(now):
		return now
	}
	return t
}

// itemTitle is a feed title as plain text. Titles are meant to be text, but
// some feeds escape them twice ("AT&amp;amp;T") and Atom allows HTML.
func itemTitle(s string) string {
	if strings.ContainsAny(s, "<>") {
		if root, err := nethtml.Parse(strings.NewReader(s)); err == nil {
			text, _, _ := inlineText(children(root)...)
			return text
		}
	}
	return clean(nethtml.UnescapeString(s))
}

func isAbsHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func resolve(base *url.URL, link string) string {
	if link == "" || base == nil {
		return link
	}
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	return base.ResolveReference(u).String()
}
