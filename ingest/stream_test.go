package ingest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Open streams a body of any size, gives up on a body that stops coming
// for longer than the timeout, fails on a status other than 200 with
// the URL, and holds the host's turn until the body is closed.
func TestOpen(t *testing.T) {
	big := bytes.Repeat([]byte("WARC record bytes\n"), 1<<16) // over any page cap set below
	stall := make(chan struct{})
	t.Cleanup(func() { close(stall) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big.warc.gz":
			w.Write(big)
		case "/stalls.warc.gz":
			w.Write(big[:1000])
			w.(http.Flusher).Flush()
			select {
			case <-stall:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	f := testFetcher(t, func(c *Config) {
		c.MaxBodyBytes = 1000
		c.Timeout = 300 * time.Millisecond
	})
	ctx := context.Background()

	rc, err := f.Open(ctx, srv.URL+"/big.warc.gz")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read %d of %d bytes: %v", len(got), len(big), err)
	}

	rc, err = f.Open(ctx, srv.URL+"/stalls.warc.gz")
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(rc)
	rc.Close()
	if !errors.Is(err, context.DeadlineExceeded) || len(got) != 1000 {
		t.Errorf("a stalled download: %d bytes, %v; want the first 1000, then a timeout", len(got), err)
	}

	_, err = f.Open(ctx, srv.URL+"/missing.warc.gz")
	if err == nil || !strings.Contains(err.Error(), "/missing.warc.gz") || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := f.Open(ctx, "ftp://x.example/a.warc"); err == nil || !strings.Contains(err.Error(), "unsupported URL scheme") {
		t.Errorf("ftp: %v", err)
	}
}
