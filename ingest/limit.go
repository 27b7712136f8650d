package ingest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// clock is the time a Fetcher runs on. Tests replace it to check how long
// the Fetcher would wait for a host without waiting.
type clock interface {
	Now() time.Time
	// Sleep returns after d, or earlier with ctx's error.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hostLimiter keeps a batch polite to each site: one request in flight
// per host at a time, whichever goroutine makes it, at least delay between
// the end of one and the start of the next, and none before the time a
// host named in a Retry-After. Hosts do not wait for one another.
type hostLimiter struct {
	delay   time.Duration
	maxWait time.Duration // longest a Retry-After may hold a host's requests
	clock   clock

	mu    sync.Mutex
	hosts map[string]*hostState
}

type hostState struct {
	turn  chan struct{} // holds a token while a request to the host is in flight
	next  time.Time     // earliest start of the next request: the last one's end + delay
	until time.Time     // what the host's last Retry-After asked for
	users int           // goroutines holding or waiting for the turn
}

// maxTrackedHosts bounds the memory of hosts with nothing in flight, for
// long runs over many article hosts.
const maxTrackedHosts = 1024

func newHostLimiter(delay, maxWait time.Duration, c clock) *hostLimiter {
	return &hostLimiter{delay: delay, maxWait: maxWait, clock: c, hosts: make(map[string]*hostState)}
}

// backoffError is a host that asked, with Retry-After, to be left alone
// for longer than the Fetcher is willing to wait.
type backoffError struct {
	host    string
	until   time.Time
	maxWait time.Duration
}

func (e *backoffError) Error() string {
	return fmt.Sprintf("%s asked not to be fetched before %s (Retry-After), more than the max_retry_wait of %s from now",
		e.host, e.until.UTC().Format(time.RFC3339), e.maxWait)
}

// acquire waits for host's turn and returns the function that ends it.
// The caller must call release exactly once, when its request is over:
// body read, connection done with.
func (l *hostLimiter) acquire(ctx context.Context, host string) (release func(), err error) {
	host = strings.ToLower(host)
	l.mu.Lock()
	h := l.hosts[host]
	if h == nil {
		l.forgetIdle()
		h = &hostState{turn: make(chan struct{}, 1)}
		l.hosts[host] = h
	}
	h.users++
	l.mu.Unlock()

	select {
	case h.turn <- struct{}{}:
	case <-ctx.Done():
		l.mu.Lock()
		h.users--
		l.mu.Unlock()
		return nil, ctx.Err()
	}

	l.mu.Lock()
	now := l.clock.Now()
	start := h.next
	if h.until.After(start) {
		start = h.until
	}
	until := h.until
	l.mu.Unlock()

	if until.Sub(now) > l.maxWait {
		l.leave(h, false)
		return nil, &backoffError{host: host, until: until, maxWait: l.maxWait}
	}
	if err := l.clock.Sleep(ctx, start.Sub(now)); err != nil {
		// Nothing was sent: the next caller need not wait on our account.
		l.leave(h, false)
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { l.leave(h, true) }) }, nil
}

// leave gives back the host's turn the caller holds; sent says a request
// went out, so the next one waits the delay from now.
func (l *hostLimiter) leave(h *hostState, sent bool) {
	l.mu.Lock()
	if sent {
		h.next = l.clock.Now().Add(l.delay)
	}
	h.users--
	l.mu.Unlock()
	<-h.turn
}

// backoff makes host's requests wait until the time its Retry-After named.
func (l *hostLimiter) backoff(host string, until time.Time) {
	host = strings.ToLower(host)
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.hosts[host]
	if h == nil {
		h = &hostState{turn: make(chan struct{}, 1)}
		l.hosts[host] = h
	}
	if until.After(h.until) {
		h.until = until
	}
}

// forgetIdle drops hosts with nothing in flight whose wait is over: they
// need no memory. Called with l.mu held.
func (l *hostLimiter) forgetIdle() {
	if len(l.hosts) < maxTrackedHosts {
		return
	}
	now := l.clock.Now()
	for name, h := range l.hosts {
		if h.users == 0 && h.next.Before(now) && h.until.Before(now) {
			delete(l.hosts, name)
		}
	}
}
