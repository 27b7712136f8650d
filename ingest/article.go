package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
)

const pageAccept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

// FetchArticle fetches item.Link and extracts its main text. When the page
// cannot be had (HTTP error, timeout, not HTML, no text, disallowed by the
// site's robots.txt) it falls back to
// the item's Content, else its Summary, with TextFrom "feed", and returns
// the page's failure as pageErr for the caller to log. err is non-nil only
// when there is no text at all, or when ctx was cancelled: a batch being
// stopped is not a broken page, and its articles should not be stored with
// second-best text.
func (f *Fetcher) FetchArticle(ctx context.Context, item Item) (art Article, pageErr error, err error) {
	art = Article{
		ID:        ArticleID(item.Key()),
		Key:       item.Key(),
		Feed:      item.Feed,
		URL:       item.Link,
		Title:     item.Title,
		Published: item.Published,
		Fetched:   f.clock.Now(),
	}

	page, finalURL, pageErr := f.fetchPage(ctx, item.Link)
	if ctx.Err() != nil {
		return art, pageErr, fmt.Errorf("fetch article %s: %w", item.Link, ctx.Err())
	}
	if pageErr == nil {
		art.URL = finalURL
		if art.Title == "" {
			art.Title = page.Title
		}
		if art.Published.IsZero() {
			art.Published = publishedTime(page.Published, art.Fetched)
		}
		art.Text, art.TextFrom = page.Text, "page"
		return art, nil, nil
	}

	text := HTMLText(item.Content)
	if text == "" {
		text = HTMLText(item.Summary)
	}
	if text == "" {
		return art, pageErr, fmt.Errorf("article %s: no text: %w, and the feed item has no content or summary", item.Key(), pageErr)
	}
	art.Text, art.TextFrom = text, "feed"
	f.log.DebugContext(ctx, "article text from feed", "url", item.Link, "err", pageErr)
	return art, pageErr, nil
}

// fetchPage gets an article page and reads its main text; any failure,
// including a page without recognisable text, is an error naming the URL.
func (f *Fetcher) fetchPage(ctx context.Context, link string) (Page, string, error) {
	if link == "" {
		return Page{}, "", errors.New("fetch article: the item has no link")
	}
	fail := func(err error) (Page, string, error) {
		return Page{}, "", fmt.Errorf("fetch article %s: %w", link, err)
	}
	h := http.Header{}
	h.Set("Accept", pageAccept)
	resp, err := f.get(ctx, link, h, true)
	switch {
	case err != nil:
		return fail(err)
	case resp.Code != http.StatusOK:
		return fail(resp.statusError())
	case len(bytes.TrimSpace(resp.Body)) == 0:
		return fail(errors.New("empty body"))
	}
	ct := resp.Header.Get("Content-Type")
	kind := ct
	if kind == "" {
		// Sniff only the type: the sniffer's "charset=utf-8" is a guess
		// that must not override the page's own <meta charset>.
		kind = http.DetectContentType(resp.Body)
	}
	if mt, _, err := mime.ParseMediaType(kind); err != nil || (mt != "text/html" && mt != "application/xhtml+xml") {
		return fail(fmt.Errorf("not an HTML page (%s)", kind))
	}
	page, err := ReadPage(bytes.NewReader(resp.Body), ct)
	if err != nil {
		return fail(err)
	}
	if page.Text == "" {
		return fail(errors.New("no article text found in the page"))
	}
	return page, resp.URL, nil
}
