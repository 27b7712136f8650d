package ingest

import (
	"context"
	"strings"
	"sync"
	"time"
)

// hostLimiter spaces requests to one host at least delay apart, whichever
// goroutine makes them, so a batch never hammers a site with its articles.
// Each caller reserves the next free slot of its host and sleeps until it;
// hosts do not wait for one another.
type hostLimiter struct {
	delay time.Duration

	mu   sync.Mutex
	next map[string]time.Time // host -> earliest start of the next request
}

const maxTrackedHosts = 1024

func newHostLimiter(delay time.Duration) *hostLimiter {
	return &hostLimiter{delay: delay, next: make(map[string]time.Time)}
}

// wait blocks until a request to host may start, or ctx is done. A caller
// that gives up keeps its slot reserved: the gap stays at least delay
// either way, and the next caller waits one slot longer at worst.
func (l *hostLimiter) wait(ctx context.Context, host string) error {
	if l.delay <= 0 {
		return ctx.Err()
	}
	host = strings.ToLower(host)
	l.mu.Lock()
	now := time.Now()
	if len(l.next) > maxTrackedHosts {
		// Hosts whose slot has passed need no memory; a long run over
		// many article hosts must not grow the map without bound.
		for h, t := range l.next {
			if t.Before(now) {
				delete(l.next, h)
			}
		}
	}
	start := l.next[host]
	if start.Before(now) {
		start = now
	}
	l.next[host] = start.Add(l.delay)
	l.mu.Unlock()

	d := time.Until(start)
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
