package alert

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Delivery defaults; see the Notifier fields.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultAttempts      = 3
	DefaultBackoff       = 500 * time.Millisecond
	DefaultMaxRetryAfter = 30 * time.Second
	DefaultMaxDeliveries = 5
	DefaultBreakAfter    = 3
	DefaultStaleAfter    = 15 * time.Minute
)

// NewClient is the HTTP client a Notifier uses when given none: it gives
// up on a request after timeout and does not follow redirects, which
// would turn the POST into a GET and lose the message.
func NewClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Result is how one delivery went.
type Result struct {
	// Requests is how many HTTP requests it made.
	Requests int `json:"requests"`
	// Status is the HTTP status of the last answer; 0 if none came.
	Status int `json:"status,omitempty"`
	// Err says why it failed or why its outcome is unknown; nil when the
	// webhook accepted the message.
	Err error `json:"-"`
	// Unknown means the last request may have reached the webhook but no
	// answer said what became of it: it timed out after the request was
	// sent, the connection broke then, the run was stopped while waiting,
	// or a gateway answered 504. The webhook may or may not have the
	// message, so it is not sent again.
	Unknown bool `json:"unknown,omitempty"`
}

// OK reports whether the webhook accepted the message.
func (r Result) OK() bool { return r.Err == nil && !r.Unknown }

// Send posts m to the rule's webhook, retrying as a run would, without
// reading or writing the store. 'policywatch alerts test' uses it.
func (n *Notifier) Send(ctx context.Context, rule Rule, m Message) Result {
	body, err := Payload(rule.Webhook.Format, m)
	if err != nil {
		return Result{Err: err}
	}
	return n.post(ctx, rule.Webhook, body)
}

// post delivers body, up to n.Attempts requests, one at a time. A
// request is tried again, after a backoff, only when the webhook surely
// did not take the message: it answered 5xx (but 504) or 429, or the
// request never left (the connection was refused or could not be made).
// Once a request has been sent, a missing answer ends the delivery as
// unknown: another request could post the message twice, and would
// overlap the first if that one is still being served.
func (n *Notifier) post(ctx context.Context, wh Webhook, body []byte) Result {
	attempts := cmp.Or(n.Attempts, DefaultAttempts)
	wait := cmp.Or(n.Backoff, DefaultBackoff)
	var res Result
	for {
		if err := ctx.Err(); err != nil {
			// Nothing is in flight: the message was not sent.
			res.Err = fmt.Errorf("%w; stopped before sending", cmp.Or(res.Err, err))
			return res
		}
		res.Requests++
		a := n.request(ctx, wh, body)
		res.Status, res.Err, res.Unknown = a.status, a.err, a.unknown
		if a.err == nil || a.unknown {
			return res
		}
		if ctx.Err() != nil {
			// Stopped before the request was sent, or between requests
			// after a refusal: the webhook does not have it.
			return res
		}
		if !a.retry || res.Requests >= attempts {
			if a.retry && res.Requests > 1 {
				res.Err = fmt.Errorf("%w (after %d requests)", a.err, res.Requests)
			}
			return res
		}
		d := wait
		if a.retryAfter > 0 {
			if max := cmp.Or(n.MaxRetryAfter, DefaultMaxRetryAfter); a.retryAfter > max {
				res.Err = fmt.Errorf("%w; Retry-After %s is longer than this run waits (%s)", a.err, a.retryAfter, max)
				return res
			}
			d = a.retryAfter
		}
		if err := n.sleep(ctx, d); err != nil {
			res.Err = fmt.Errorf("%w; stopped before retrying", res.Err)
			return res
		}
		wait *= 2
	}
}

// answer is how one request went.
type answer struct {
	status     int
	err        error
	retry      bool          // the webhook surely lacks the message: worth another request
	retryAfter time.Duration // as the server asked
	unknown    bool          // it may have the message, but no answer says so
}

// request makes one POST and tells what its failure means.
func (n *Notifier) request(ctx context.Context, wh Webhook, body []byte) answer {
	// Whether the request left decides what a missing answer means:
	// before a connection was had, the webhook cannot have the message;
	// once writing may have begun, it may. Counting from the connection,
	// not from the end of writing, leaves no moment in which bytes are on
	// their way but the request is thought unsent. The transport reports
	// writing from its own goroutine.
	var connected, wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, wh.URL, bytes.NewReader(body))
	if err != nil {
		return answer{err: fmt.Errorf("build request: %w", redact(err))}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", cmp.Or(n.UserAgent, "policywatch-alerts"))
	for k, v := range wh.Headers {
		req.Header.Set(k, v)
	}
	resp, err := n.client().Do(req)
	if err != nil {
		err = redact(err)
		var ne net.Error
		timeout := errors.As(err, &ne) && ne.Timeout()
		when := "while sending the request"
		if wrote.Load() {
			when = "after the request was sent"
		}
		switch {
		case !connected.Load() && timeout:
			return answer{retry: true, err: fmt.Errorf("timed out before the request was sent: %w", err)}
		case !connected.Load():
			// Refused connections and the like are as passing as a 503.
			return answer{retry: true, err: err}
		case ctx.Err() != nil:
			return answer{unknown: true, err: fmt.Errorf("stopped %s, so it may have arrived: %w", when, err)}
		case timeout:
			return answer{unknown: true, err: fmt.Errorf("no answer: timed out %s, so it may have arrived: %w", when, err)}
		}
		return answer{unknown: true, err: fmt.Errorf("no answer: the connection failed %s, so it may have arrived: %w", when, err)}
	}
	defer resp.Body.Close()
	// Read a little of the answer: a webhook says what it disliked there
	// ("invalid_payload", "channel_not_found"). Drain the rest so the
	// connection can be reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	a := answer{status: resp.StatusCode}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return a
	}
	a.err = fmt.Errorf("HTTP %s", resp.Status)
	if s := strings.Join(strings.Fields(string(snippet)), " "); s != "" {
		a.err = fmt.Errorf("%w: %s", a.err, truncate(s, 200))
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		a.retry, a.retryAfter = true, parseRetryAfter(resp.Header.Get("Retry-After"), n.now())
	case resp.StatusCode == http.StatusGatewayTimeout:
		// A gateway gave up waiting on the server behind it, which may
		// have posted the message all the same: as our own timeout.
		a.unknown = true
		a.err = fmt.Errorf("%w; a gateway gave up waiting on the webhook, so it may have arrived", a.err)
	case resp.StatusCode >= 500:
		a.retry = true
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.err = fmt.Errorf("%w (redirects are not followed: set webhook.url to where it points)", a.err)
	}
	return a
}

// parseRetryAfter reads a Retry-After header: seconds, or an HTTP date.
// Slack and Discord send seconds; Discord's may have a fraction.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// redact drops the URL from a transport error: a Slack or Discord
// webhook URL is a secret, and the error goes to logs and the store.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToUpper(ue.Op), ue.Err)
	}
	return err
}

// defaultClient serves notifiers given no client; it holds no state of
// its own beyond idle connections.
var defaultClient = NewClient(DefaultTimeout)

func (n *Notifier) client() *http.Client {
	if n.Client != nil {
		return n.Client
	}
	return defaultClient
}

func (n *Notifier) sleep(ctx context.Context, d time.Duration) error {
	if n.Sleep != nil {
		return n.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}
