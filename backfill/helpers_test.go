package backfill

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

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

// warcPage is an HTTP response to archive.
type warcPage struct {
	uri, contentType string
	status           int
	body             []byte
}

// corpusPages are the demo corpus's article pages as a crawler would have
// fetched them from news.example, with the Content-Type their server
// sends (some declare their legacy charset only there).
func corpusPages(t testing.TB) []warcPage {
	t.Helper()
	raw, err := os.ReadFile("../demo/corpus/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Pages []struct {
			Path        string `yaml:"path"`
			ContentType string `yaml:"content_type"`
			Missing     bool   `yaml:"missing"`
		} `yaml:"pages"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var out []warcPage
	for _, p := range m.Pages {
		if p.Missing {
			continue
		}
		body, err := os.ReadFile(filepath.Join("../demo/corpus", p.Path))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, warcPage{uri: "https://news.example/" + p.Path, contentType: p.ContentType, status: 200, body: body})
	}
	if len(out) < 20 {
		t.Fatalf("only %d corpus pages", len(out))
	}
	return out
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
		out = append(out, warcPage{uri: p.URL, contentType: "text/html", status: 200, body: p.HTML})
	}
	return out
}

// noise are records a crawl also holds, which a backfill must skip: an
// image, a redirect, a page not found, a feed.
func noise() []warcPage {
	return []warcPage{
		{uri: "https://news.example/logo.png", contentType: "image/png", status: 200, body: []byte("\x89PNG\r\n\x1a\nnot really")},
		{uri: "https://news.example/old", contentType: "text/html", status: 301, body: []byte("<a href=/new>moved</a>")},
		{uri: "https://news.example/gone.html", contentType: "text/html", status: 404, body: []byte("<html><body><p>Russia blocked Telegram. Not found.</p></body></html>")},
		{uri: "https://news.example/feed.xml", contentType: "application/rss+xml", status: 200, body: []byte("<rss><channel><title>x</title></channel></rss>")},
	}
}

// warcDate is the crawl time of every record the tests write.
var warcDate = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// writeWARC writes pages as a WARC file as CC-NEWS has them: a warcinfo
// record, then for each page a request and its response, each record a
// gzip member of its own when gz is set.
func writeWARC(t testing.TB, path string, pages []warcPage, gz bool) {
	t.Helper()
	var out bytes.Buffer
	n := 0
	record := func(typ, uri, contentType string, block []byte) {
		n++
		var rec bytes.Buffer
		fmt.Fprintf(&rec, "WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-%012d>\r\nWARC-Date: %s\r\n",
			typ, n, warcDate.Format(time.RFC3339))
		if uri != "" {
			fmt.Fprintf(&rec, "WARC-Target-URI: %s\r\n", uri)
		}
		fmt.Fprintf(&rec, "Content-Type: %s\r\nContent-Length: %d\r\n\r\n", contentType, len(block))
		rec.Write(block)
		rec.WriteString("\r\n\r\n")
		if !gz {
			out.Write(rec.Bytes())
			return
		}
		zw := gzip.NewWriter(&out)
		zw.Write(rec.Bytes())
		zw.Close()
	}
	record("warcinfo", "", "application/warc-fields", []byte("software: policywatch tests\r\nformat: WARC File Format 1.1\r\n"))
	for _, p := range pages {
		record("request", p.uri, "application/http; msgtype=request", []byte("GET / HTTP/1.1\r\nHost: news.example\r\n\r\n"))
		var resp bytes.Buffer
		fmt.Fprintf(&resp, "HTTP/1.1 %d %s\r\n", p.status, statusText(p.status))
		if p.contentType != "" {
			fmt.Fprintf(&resp, "Content-Type: %s\r\n", p.contentType)
		}
		fmt.Fprintf(&resp, "Content-Length: %d\r\n\r\n", len(p.body))
		resp.Write(p.body)
		record("response", p.uri, "application/http; msgtype=response", resp.Bytes())
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 301:
		return "Moved Permanently"
	case 404:
		return "Not Found"
	}
	return "Status"
}

func background() context.Context { return context.Background() }
