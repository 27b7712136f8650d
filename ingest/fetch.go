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
	"strconv"
	"strings"
	"sync"
	"time"
)

const maxRedirects = 10

// Fetcher fetches feeds and article pages politely: one HTTP client for
// everything, a per-request timeout, a cap on every body, one request at
// a time to a host with a gap between two, Retry-After honoured within
// bounds, and robots.txt for article pages. It is safe for concurrent use.
type Fetcher struct {
	cfg     Config
	client  *http.Client
	limiter *hostLimiter
	guard   *addrGuard
	robots  *robotsCache
	log     *slog.Logger
	clock   clock
}

// NewFetcher returns a Fetcher for cfg's settings; those that cannot be
// zero take their defaults when they are (see Config). A nil logger
// discards.
func NewFetcher(cfg Config, logger *slog.Logger) *Fetcher {
	return newFetcher(cfg, logger, realClock{})
}

func newFetcher(cfg Config, logger *slog.Logger, c clock) *Fetcher {
	cfg.applyDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f := &Fetcher{
		cfg:     cfg,
		guard:   newAddrGuard(cfg.AllowPrivate),
		limiter: newHostLimiter(cfg.HostDelay, cfg.MaxRetryWait, c),
		robots:  newRobotsCache(),
		log:     logger,
		clock:   c,
	}
	dialTimeout := min(10*time.Second, cfg.Timeout)
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	f.client = &http.Client{
		// No Accept-Encoding is ever set by hand, so the transport asks for
		// gzip and decompresses it itself.
		Transport: &http.Transport{
			Proxy:                 func(req *http.Request) (*url.URL, error) { return f.guard.proxyFor(req) },
			DialContext:           f.guard.dialContext(dialer),
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   dialTimeout,
			ResponseHeaderTimeout: cfg.Timeout,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   2,
		},
		CheckRedirect: f.checkRedirect,
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
	Detail string // why the Fetcher gave up on it, when it tried again
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("HTTP %d", e.Code)
	if e.Status != "" {
		msg = "HTTP " + e.Status
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
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

var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", maxRedirects)

// response is a fetched body and what is needed to interpret it.
type response struct {
	URL    string // after redirects
	Code   int
	Status string
	Header http.Header
	Body   []byte
	detail string // why a 429 or 503 was not retried (further)
}

// statusError describes a response that is not the one asked for.
func (r *response) statusError() *StatusError {
	return &StatusError{URL: r.URL, Code: r.Code, Status: r.Status, Detail: r.detail}
}

// get performs a GET, waiting for the host's turn first, and reads the
// body through the cap. A 429 or 503 that says when to come back is tried
// again then, within the configured bounds. A non-2xx response is
// returned with a nil error; the caller decides what each status means.
// With robots set, every URL on the way, redirects included, must be
// allowed by its site's robots.txt.
func (f *Fetcher) get(ctx context.Context, rawURL string, header http.Header, robots bool) (*response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("unsupported URL scheme %q", u.Scheme)
	}
	for retries := 0; ; retries++ {
		resp, err := f.getOnce(ctx, u, header, robots)
		if err != nil || (resp.Code != http.StatusTooManyRequests && resp.Code != http.StatusServiceUnavailable) {
			return resp, err
		}
		now := f.clock.Now()
		wait, ok := retryAfter(resp.Header.Get("Retry-After"), now)
		if !ok {
			return resp, nil
		}
		host := u.Host
		if ru, err := url.Parse(resp.URL); err == nil {
			host = ru.Host
		}
		// The whole host is asked to wait, not just this URL: the
		// limiter holds its other requests too, or fails them at once
		// when the wait is over the bound.
		f.limiter.backoff(host, now.Add(wait))
		switch {
		case wait > f.cfg.MaxRetryWait:
			resp.detail = fmt.Sprintf("its Retry-After of %s is more than the max_retry_wait of %s", wait, f.cfg.MaxRetryWait)
			return resp, nil
		case retries == f.cfg.MaxRetries:
			resp.detail = fmt.Sprintf("still so after %d retries as its Retry-After asked", retries)
			return resp, nil
		}
		f.log.InfoContext(ctx, "retrying as asked", "url", resp.URL, "status", resp.Code, "after", wait)
	}
}

// retryAfter reads a Retry-After header, in seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(0, t.Sub(now)), true
}

// hop is one request of get on its way through redirects: the host whose
// turn it holds, and whether robots.txt applies. Only one turn is ever
// held, so two requests redirected across each other's hosts cannot
// deadlock.
type hop struct {
	robots  bool
	release func()

	mu    sync.Mutex // proxy is set by the transport's goroutines
	proxy string     // host:port of the proxy the request goes through
}

func (h *hop) setProxy(addr string) {
	h.mu.Lock()
	h.proxy = addr
	h.mu.Unlock()
}

// viaProxy reports whether a dial of addr is to the request's proxy.
func (h *hop) viaProxy(addr string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.proxy != "" && h.proxy == addr
}

type hopKey struct{}

// enter waits until u may be requested: robots.txt first, as fetching it
// takes the host's turn itself, then the host's turn.
func (f *Fetcher) enter(ctx context.Context, h *hop, u *url.URL) error {
	if h.robots {
		if err := f.robotsAllow(ctx, u); err != nil {
			return err
		}
	}
	release, err := f.limiter.acquire(ctx, u.Host)
	if err != nil {
		return err
	}
	h.release = release
	return nil
}

func (h *hop) leave() {
	if h.release != nil {
		h.release()
		h.release = nil
	}
}

// checkRedirect treats each redirect as another request: to its host's
// robots.txt and turn.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errTooManyRedirects
	}
	h, ok := req.Context().Value(hopKey{}).(*hop)
	if !ok {
		return nil
	}
	h.leave()
	return f.enter(req.Context(), h, req.URL)
}

// getOnce performs one GET, redirects included.
func (f *Fetcher) getOnce(ctx context.Context, u *url.URL, header http.Header, robots bool) (*response, error) {
	h := &hop{robots: robots}
	ctx = context.WithValue(ctx, hopKey{}, h)
	// The wait is outside the timeout: a request queued behind others to
	// the same host has not started yet.
	if err := f.enter(ctx, h, u); err != nil {
		return nil, err
	}
	defer h.leave()
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
		return nil, f.requestError(ctx, u, err)
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
	// The cap counts bytes after the transport has inflated a gzip body,
	// so a small compressed bomb is stopped as early as a large page.
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBodyBytes+1))
	if err != nil {
		return out, f.requestError(ctx, u, err)
	}
	if int64(len(body)) > f.cfg.MaxBodyBytes {
		return out, &tooLargeError{f.cfg.MaxBodyBytes}
	}
	out.Body = body
	return out, nil
}

// requestError names a timeout as such, and strips the "Get URL:" prefix
// of url.Error, since callers name the URL they asked for themselves; an
// internal address refused on the way names the redirect that led there.
func (f *Fetcher) requestError(parent context.Context, u *url.URL, err error) error {
	if parent.Err() != nil {
		return parent.Err() // the caller gave up; not the server's fault
	}
	var ie *internalAddrError
	if errors.As(err, &ie) {
		var ue *url.Error
		if errors.As(err, &ue) && ue.URL != u.String() {
			return fmt.Errorf("redirected to %s: %w", ue.URL, ie)
		}
		return ie
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
