package ingest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Open starts a GET of a large file, a WARC file of a gigabyte, and
// returns its body to read as it arrives: no cap on its size and no
// deadline on the whole, but Timeout for the answer and for every pause
// in the bytes. The address guard, the user agent and the host's turn
// apply as for pages (the turn is held until the body is closed, so one
// host serves one download at a time); robots.txt does not, as an
// archive is a data set published to be downloaded, not a page.
func (f *Fetcher) Open(ctx context.Context, rawURL string) (io.ReadCloser, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("open %s: unsupported URL scheme %q", rawURL, u.Scheme)
	}
	h := &hop{}
	ctx, cancel := context.WithCancel(context.WithValue(ctx, hopKey{}, h))
	fail := func(err error) (io.ReadCloser, error) {
		h.leave()
		cancel()
		return nil, fmt.Errorf("open %s: %w", rawURL, err)
	}
	if err := f.enter(ctx, h, u); err != nil {
		return fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(err)
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	resp, err := f.client.Do(req)
	if err != nil {
		return fail(f.requestError(ctx, u, err))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return fail(&StatusError{URL: resp.Request.URL.String(), Code: resp.StatusCode, Status: resp.Status})
	}
	s := &stream{body: resp.Body, cancel: cancel, leave: h.leave, timeout: f.cfg.Timeout}
	s.idle = time.AfterFunc(s.timeout, func() { s.stalled(); cancel() })
	return s, nil
}

// stream is a download's body that fails when the bytes stop coming for
// longer than timeout.
type stream struct {
	body    io.ReadCloser
	cancel  context.CancelFunc
	leave   func()
	timeout time.Duration
	idle    *time.Timer

	mu    sync.Mutex
	stall bool
	once  sync.Once
}

func (s *stream) stalled() {
	s.mu.Lock()
	s.stall = true
	s.mu.Unlock()
}

func (s *stream) Read(p []byte) (int, error) {
	n, err := s.body.Read(p)
	s.idle.Reset(s.timeout)
	if err != nil && err != io.EOF {
		s.mu.Lock()
		stall := s.stall
		s.mu.Unlock()
		if stall {
			return n, &timeoutError{s.timeout}
		}
	}
	return n, err
}

func (s *stream) Close() error {
	err := s.body.Close()
	s.once.Do(func() {
		s.idle.Stop()
		s.cancel()
		s.leave()
	})
	return err
}
