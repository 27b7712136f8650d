package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/temoto/robotstxt"
)

// errDisallowed is an article page a site's robots.txt keeps us from.
var errDisallowed = errors.New("disallowed by robots.txt")

// robotsUnreachableError is a site whose robots.txt could not be had for
// a server or network error. RFC 9309 (2.3.1.4) has a crawler then assume
// it disallows everything, as the site may be in trouble.
type robotsUnreachableError struct {
	site string
	err  error
}

func (e *robotsUnreachableError) Error() string {
	return fmt.Sprintf("disallowed by robots.txt: %s/robots.txt is unreachable (%v), which counts as disallowing all", e.site, e.err)
}

func (e *robotsUnreachableError) Unwrap() []error { return []error{errDisallowed, e.err} }

// robotsCache holds each site's robots.txt for the life of a Fetcher, so a
// run asks each site once however many of its articles it fetches. It
// grows with the sites of one run's articles, which stay few.
type robotsCache struct {
	mu    sync.Mutex
	sites map[string]*robotsEntry // scheme://host
}

type robotsEntry struct {
	mu    sync.Mutex // held while the file is fetched: one fetch per site
	done  bool
	rules *robotstxt.RobotsData // nil when err is set
	err   error
}

func newRobotsCache() *robotsCache {
	return &robotsCache{sites: make(map[string]*robotsEntry)}
}

func (c *robotsCache) entry(site string) *robotsEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.sites[site]
	if e == nil {
		e = &robotsEntry{}
		c.sites[site] = e
	}
	return e
}

// robotsAllow reports, as a nil error, that the site's robots.txt lets
// our user agent fetch u.
func (f *Fetcher) robotsAllow(ctx context.Context, u *url.URL) error {
	site := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
	e := f.robots.entry(site)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.done {
		rules, err := f.fetchRobots(ctx, site)
		var backoff *backoffError
		switch {
		case ctx.Err() != nil:
			// Our caller gave up, not the site: ask again next time.
			return ctx.Err()
		case errors.As(err, &backoff):
			// The site asked for peace a while: ask again after it.
			return err
		}
		e.rules, e.err, e.done = rules, err, true
	}
	if e.err != nil {
		return e.err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !e.rules.TestAgent(path, f.robotsAgent()) {
		return errDisallowed
	}
	return nil
}

// fetchRobots gets and reads a site's robots.txt, by RFC 9309: a 4xx, a
// redirect loop or a file that does not parse allow everything; a 5xx
// (and a 429 that outlasts its retries) or a network error disallow
// everything, returned as a robotsUnreachableError.
func (f *Fetcher) fetchRobots(ctx context.Context, site string) (*robotstxt.RobotsData, error) {
	loc := site + "/robots.txt"
	resp, err := f.get(ctx, loc, nil, false)
	switch {
	case errors.As(err, new(*backoffError)), errors.As(err, new(*internalAddrError)):
		// Not the site's failing: the site is not to be asked.
		return nil, err
	case errors.Is(err, errTooManyRedirects):
		f.log.DebugContext(ctx, "robots.txt redirects in a loop; all allowed", "url", loc)
		return allowAll, nil
	case err != nil:
		f.log.WarnContext(ctx, "robots.txt unreachable; all disallowed", "url", loc, "err", err)
		return nil, &robotsUnreachableError{site: site, err: err}
	case resp.Code >= 500 || resp.Code == 429:
		err := resp.statusError()
		f.log.WarnContext(ctx, "robots.txt unreachable; all disallowed", "url", loc, "err", err)
		return nil, &robotsUnreachableError{site: site, err: err}
	case resp.Code < 200 || resp.Code > 299:
		f.log.DebugContext(ctx, "no robots.txt; all allowed", "url", loc, "status", resp.Code)
		return allowAll, nil
	}
	rules, err := robotstxt.FromBytes(resp.Body)
	if err != nil {
		// The parser rejects a whole file for a rule before any
		// User-agent line; such rules apply to no one.
		f.log.WarnContext(ctx, "robots.txt does not parse; all allowed", "url", loc, "err", err)
		return allowAll, nil
	}
	return rules, nil
}

// allowAll is the rules of a site without a robots.txt.
var allowAll, _ = robotstxt.FromStatusAndBytes(404, nil)

// robotsAgent is the product token of our User-Agent, "policywatch" in
// "policywatch/0.1 (+https://…)", which robots.txt groups name.
func (f *Fetcher) robotsAgent() string {
	ua := strings.TrimSpace(f.cfg.UserAgent)
	if i := strings.IndexAny(ua, "/ "); i > 0 {
		ua = ua[:i]
	}
	return ua
}
