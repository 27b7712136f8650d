package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"
)

const maxRedirects = 10

// Fetcher fetches feeds and article pages politely: one HTTP client for
// everything, a per-request timeout, a cap on every body and a minimum gap
// between two requests to the same host. It is safe for concurrent use.
type Fetcher struct {
	cfg     Config
	client  *http.Client
	limiter *hostLimiter
	log     *slog.Logger
	now     func() time.Time
}

// NewFetcher returns a Fetcher for cfg's settings; zero settings take their
// defaults. A nil logger discards.
func NewFetcher(cfg Config, logger *slog.Logger) *Fetcher {
	cfg.applyDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f := &Fetcher{
		cfg:     cfg,
		limiter: newHostLimiter(cfg.HostDelay),
		log:     logger,
		now:     time.Now,
	}
	dialTimeout := min(10*time.Second, cfg.Timeout)
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	f.client = &http.Client{
		// No Accept-Encoding is ever set by hand, so the transport asks for
		// gzip and decompresses it itself.
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   dialTimeout,
			ResponseHeaderTimeout: cfg.Timeout,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   max(2, cfg.Concurrency),
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			// A redirect is another request to a host: it waits its turn too.
			return f.limiter.wait(req.Context(), req.URL.Host)
		},
	}
	return f
}

// Config returns the settings the Fetcher runs with, defaults applied.
func (f *Fetcher) Config() Config { return f.cfg }

// StatusError is an HTTP response other than the one asked for. Callers
// can tell a feed that is gone (404, 410) from one that is failing (5xx).
type StatusError struct {
	URL    string // that answered, after redirects
	Code   int
	Status string // as the server sent it, "500 Internal Server Error"
}

func (e *StatusError) Error() string {
	if e.Status != "" {
		return "HTTP " + e.Status
	}
	return fmt.Sprintf("HTTP %d", e.Code)
}

// timeoutError is a request that ran past the configured timeout. It
// matches context.DeadlineExceeded and reports Timeout() like net errors.
type timeoutError struct{ after time.Duration }

func (e *timeoutError) Error() string   { return "timeout after " + e.after.String() }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Unwrap() error   { return context.DeadlineExceeded }
func (e *timeoutError) Temporary() bool { return true }

// tooLargeError is a body over MaxBodyBytes. Bodies are never truncated:
// half a feed or half a page would be read as if it were whole.
type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("body exceeds the limit of %d bytes", e.limit)
}

// response is a fetched body and what is needed to interpret it.
type response struct {
	URL    string // after redirects
	Code   int
	Status string
	Header http.Header
	Body   []byte
}

// get performs one GET, waiting for the host's turn first, and reads the
// body through the cap. A non-2xx response is returned with a nil error;
// the caller decides what each status means.
func (f *Fetcher) get(ctx context.Context, rawURL string, header http.Header) (*response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("unsupported URL scheme %q", u.Scheme)
	}
	// The wait is outside the timeout: a request queued behind others to
	// the same host has not started yet.
	if err := f.limiter.wait(ctx, u.Host); err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)

	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.requestError(ctx, err)
	}
	defer resp.Body.Close()

	out := &response{
		URL:    resp.Request.URL.String(),
		Code:   resp.StatusCode,
		Status: resp.Status,
		Header: resp.Header,
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// The body of an error page is of no use; drain a little so the
		// connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		return out, nil
	}
	if resp.ContentLength > f.cfg.MaxBodyBytes {
		return out, &tooLargeError{f.cfg.MaxBodyBytes}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBodyBytes+1))
	if err != nil {
		return out, f.requestError(ctx, err)
	}
	if int64(len(body)) > f.cfg.MaxBodyBytes {
		return out, &tooLargeError{f.cfg.MaxBodyBytes}
	}
	out.Body = body
	return out, nil
}

// requestError names a timeout as such, and strips the "Get URL:" prefix
// of url.Error, since callers name the URL themselves.
func (f *Fetcher) requestError(parent context.Context, err error) error {
	if parent.Err() != nil {
		return parent.Err() // the caller gave up; not the server's fault
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &timeoutError{f.cfg.Timeout}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
