// Package warctest writes WARC files for tests: the demo corpus's pages
// as a crawler would have archived them.
package warctest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/demo"
)

// Page is an HTTP response to archive.
type Page struct {
	URI, ContentType string
	Status           int
	Body             []byte
}

// Date is the crawl time of every record Write writes: after every
// corpus article was published.
var Date = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// CorpusPages are the demo corpus's article pages as fetched from
// base (e.g. "https://news.example/"), with the Content-Type their server
// sends: some declare their legacy charset only there. The page the
// corpus leaves missing is left out.
func CorpusPages(base string) ([]Page, error) {
	corpus := demo.Corpus()
	raw, err := fs.ReadFile(corpus, "manifest.yaml")
	if err != nil {
		return nil, err
	}
	var m struct {
		Pages []struct {
			Path        string `yaml:"path"`
			ContentType string `yaml:"content_type"`
			Missing     bool   `yaml:"missing"`
		} `yaml:"pages"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("demo corpus manifest: %w", err)
	}
	var out []Page
	for _, p := range m.Pages {
		if p.Missing {
			continue
		}
		body, err := fs.ReadFile(corpus, p.Path)
		if err != nil {
			return nil, err
		}
		out = append(out, Page{URI: base + p.Path, ContentType: p.ContentType, Status: 200, Body: body})
	}
	return out, nil
}

// Write returns pages as a WARC file as CC-NEWS has them: a warcinfo
// record, then for each page a request and its response, each record a
// gzip member of its own when gz is set.
func Write(pages []Page, gz bool) []byte {
	var out bytes.Buffer
	n := 0
	record := func(typ, uri, contentType string, block []byte) {
		n++
		var rec bytes.Buffer
		fmt.Fprintf(&rec, "WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-%012d>\r\nWARC-Date: %s\r\n",
			typ, n, Date.Format(time.RFC3339))
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
		record("request", p.URI, "application/http; msgtype=request", []byte("GET / HTTP/1.1\r\nHost: news.example\r\n\r\n"))
		var resp bytes.Buffer
		fmt.Fprintf(&resp, "HTTP/1.1 %d %s\r\n", p.Status, statusText(p.Status))
		if p.ContentType != "" {
			fmt.Fprintf(&resp, "Content-Type: %s\r\n", p.ContentType)
		}
		fmt.Fprintf(&resp, "Content-Length: %d\r\n\r\n", len(p.Body))
		resp.Write(p.Body)
		record("response", p.URI, "application/http; msgtype=response", resp.Bytes())
	}
	return out.Bytes()
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
