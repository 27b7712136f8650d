package backfill

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/policywatch/policywatch/backfill/warctest"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/internal/textbench"
)

var (
	xOnce   sync.Once
	xShared *extract.Extractor
	xErr    error
)

func extractor(t testing.TB) *extract.Extractor {
	t.Helper()
	xOnce.Do(func() { xShared, xErr = extract.New() })
	if xErr != nil {
		t.Fatal(xErr)
	}
	return xShared
}

type warcPage = warctest.Page

// corpusPages are the demo corpus's article pages as a crawler would have
// fetched them from news.example.
func corpusPages(t testing.TB) []warcPage {
	t.Helper()
	pages, err := warctest.CorpusPages("https://news.example/")
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 20 {
		t.Fatalf("only %d corpus pages", len(pages))
	}
	return pages
}

// ordinaryPages are the article-text benchmark's pages: news of every
// kind, nearly none of it about states acting against services.
func ordinaryPages(t testing.TB) []warcPage {
	t.Helper()
	pages, err := textbench.Load("../ingest/testdata/article-text")
	if err != nil {
		t.Fatal(err)
	}
	var out []warcPage
	for _, p := range pages {
		out = append(out, warcPage{URI: p.URL, ContentType: "text/html", Status: 200, Body: p.HTML})
	}
	return out
}

// noise are records a crawl also holds, which a backfill must skip: an
// image, a redirect, a page not found, a feed.
func noise() []warcPage {
	return []warcPage{
		{URI: "https://news.example/logo.png", ContentType: "image/png", Status: 200, Body: []byte("\x89PNG\r\n\x1a\nnot really")},
		{URI: "https://news.example/old", ContentType: "text/html", Status: 301, Body: []byte("<a href=/new>moved</a>")},
		{URI: "https://news.example/gone.html", ContentType: "text/html", Status: 404, Body: []byte("<html><body><p>Russia blocked Telegram. Not found.</p></body></html>")},
		{URI: "https://news.example/feed.xml", ContentType: "application/rss+xml", Status: 200, Body: []byte("<rss><channel><title>x</title></channel></rss>")},
	}
}

var warcDate = warctest.Date

// writeWARC writes pages as a WARC file (see warctest.Write).
func writeWARC(t testing.TB, path string, pages []warcPage, gz bool) {
	t.Helper()
	if err := os.WriteFile(path, warctest.Write(pages, gz), 0o644); err != nil {
		t.Fatal(err)
	}
}

func background() context.Context { return context.Background() }
