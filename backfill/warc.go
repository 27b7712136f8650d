package backfill

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/nlnwa/gowarc/v3"
)

// maxPage is the largest HTML payload read; bigger ones are not news
// articles (and would hold a worker's memory).
const maxPage = 8 << 20

// page is an HTML response of a WARC file.
type page struct {
	uri         string
	date        time.Time // WARC-Date: when it was fetched
	offset      int64     // of the record in the file
	length      int64     // of the record in the file, as stored (compressed)
	contentType string
	body        []byte
}

// records reads the WARC records of r, calls tick (if not nil) for each
// and fn with each HTML response that answered 200; it returns how many
// records it read. Other records (requests, metadata, redirects, images)
// are skipped.
func records(r io.Reader, tick func(), fn func(page) error) (int, error) {
	wr, err := gowarc.NewWarcFileReaderFromStream(r, 0)
	if err != nil {
		return 0, err
	}
	defer wr.Close()
	n := 0
	for {
		rec, err := wr.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			rec.Close()
			return n, fmt.Errorf("WARC record %d at offset %d: %w", n+1, rec.Offset, err)
		}
		n++
		if tick != nil {
			tick()
		}
		p, ok, err := htmlResponse(rec)
		rec.Close()
		if err != nil {
			return n, fmt.Errorf("WARC record %d at offset %d: %w", n, rec.Offset, err)
		}
		if !ok {
			continue
		}
		if err := fn(p); err != nil {
			return n, err
		}
	}
}

// htmlResponse returns the page a record holds, if it is a 200 response
// with an HTML payload.
func htmlResponse(rec gowarc.Record) (page, bool, error) {
	wr := rec.WarcRecord
	if wr == nil || wr.Type() != gowarc.Response {
		return page{}, false, nil
	}
	block, ok := wr.Block().(gowarc.HttpResponseBlock)
	if !ok || block.HttpStatusCode() != http.StatusOK {
		return page{}, false, nil
	}
	hdr := block.HttpHeader()
	ct := ""
	if hdr != nil {
		ct = hdr.Get("Content-Type")
		// Archives keep bodies as the server sent them; a compressed or
		// chunked one is not worth the bytes here, and is rare in
		// CC-NEWS, which stores them decoded.
		if ce := strings.ToLower(hdr.Get("Content-Encoding")); ce != "" && ce != "identity" {
			return page{}, false, nil
		}
		if strings.EqualFold(hdr.Get("Transfer-Encoding"), "chunked") {
			return page{}, false, nil
		}
	}
	r, err := block.PayloadBytes()
	if err != nil {
		return page{}, false, fmt.Errorf("payload: %w", err)
	}
	body, err := io.ReadAll(io.LimitReader(r, maxPage+1))
	if err != nil {
		return page{}, false, fmt.Errorf("payload: %w", err)
	}
	if len(body) > maxPage || len(bytes.TrimSpace(body)) == 0 {
		return page{}, false, nil
	}
	kind := ct
	if kind == "" {
		kind = http.DetectContentType(body)
	}
	if mt, _, err := mime.ParseMediaType(kind); err != nil || (mt != "text/html" && mt != "application/xhtml+xml") {
		return page{}, false, nil
	}
	date, _ := wr.Date()
	return page{
		uri:         wr.WarcHeader().Get(gowarc.WarcTargetURI),
		date:        date.UTC(),
		offset:      rec.Offset,
		length:      rec.Size,
		contentType: ct,
		body:        body,
	}, true, nil
}
