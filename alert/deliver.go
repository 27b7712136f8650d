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
	"net/url"
	"strconv"
	"strings"
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
	// Err says why it failed; nil when the webhook accepted the message.
	Err error `json:"-"`
	// Unknown means the run was stopped while a request was in flight:
	// the webhook may or may not have the message.
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

// post delivers body, retrying 5xx answers, 429s and transport errors
// (timeouts among them) with backoff, up to n.Attempts requests.
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
		status, retry, retryAfter, err := n.request(ctx, wh, body)
		res.Status, res.Err = status, err
		if err == nil {
			return res
		}
		if ctx.Err() != nil {
			// Stopped mid-request: it may have arrived. A stop between
			// requests is a plain failure, as every answer was a refusal.
			res.Unknown = status == 0
			return res
		}
		if !retry || res.Requests >= attempts {
			if retry && res.Requests > 1 {
				res.Err = fmt.Errorf("%w (after %d requests)", err, res.Requests)
			}
			return res
		}
		d := wait
		if retryAfter > 0 {
			if max := cmp.Or(n.MaxRetryAfter, DefaultMaxRetryAfter); retryAfter > max {
				res.Err = fmt.Errorf("%w; Retry-After %s is longer than this run waits (%s)", err, retryAfter, max)
				return res
			}
			d = retryAfter
		}
		if err := n.sleep(ctx, d); err != nil {
			res.Err = fmt.Errorf("%w; stopped before retrying", res.Err)
			return res
		}
		wait *= 2
	}
}

// request makes one POST. It says whether a failure is worth retrying
// and how long the server asked to wait.
func (n *Notifier) request(ctx context.Context, wh Webhook, body []byte) (status int, retry bool, retryAfter time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, wh.URL, bytes.NewReader(body))
	if err != nil {
		return 0, false, 0, fmt.Errorf("build request: %w", redact(err))
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
		if errors.As(err, &ne) && ne.Timeout() {
			return 0, true, 0, fmt.Errorf("timed out: %w", err)
		}
		// Refused connections and resets are as passing as a 503.
		return 0, true, 0, err
	}
	defer resp.Body.Close()
	// Read a little of the answer: a webhook says what it disliked there
	// ("invalid_payload", "channel_not_found"). Drain the rest so the
	// connection can be reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, false, 0, nil
	}
	err = fmt.Errorf("HTTP %s", resp.Status)
	if s := strings.Join(strings.Fields(string(snippet)), " "); s != "" {
		err = fmt.Errorf("%w: %s", err, truncate(s, 200))
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return resp.StatusCode, true, parseRetryAfter(resp.Header.Get("Retry-After"), n.now()), err
	case resp.StatusCode >= 500:
		return resp.StatusCode, true, 0, err
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return resp.StatusCode, false, 0, fmt.Errorf("%w (redirects are not followed: set webhook.url to where it points)", err)
	}
	return resp.StatusCode, false, 0, err
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
