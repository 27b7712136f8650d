package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/url"
	"strings"

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

	parsed, err := gofeed.NewParser().Parse(bytes.NewReader(feedUTF8(resp)))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) && looksLikeHTML(resp) {
			err = fmt.Errorf("got an HTML page (%s), not a feed", resp.Header.Get("Content-Type"))
		}
		return fail("parse", err)
	}
	base, _ := url.Parse(resp.URL)
	res.Items = feedItems(feed.Name, base, parsed)
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

// feedItems converts gofeed's items, resolving relative links against the
// feed's own URL and dropping items that cannot be told apart (no GUID and
// no link) or that repeat an earlier item's key.
func feedItems(feedName string, base *url.URL, parsed *gofeed.Feed) []Item {
	items := make([]Item, 0, len(parsed.Items))
	seen := make(map[string]bool, len(parsed.Items))
	for _, it := range parsed.Items {
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
			item.Published = *it.PublishedParsed
		case it.UpdatedParsed != nil:
			item.Published = *it.UpdatedParsed
		}
		if item.GUID == "" && item.Link == "" {
			continue
		}
		if k := item.Key(); seen[k] {
			continue
		} else {
			seen[k] = true
		}
		items = append(items, item)
	}
	return items
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
	return clean(html.UnescapeString(s))
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
