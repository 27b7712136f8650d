package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// Requests to one host are spaced by HostDelay however many goroutines
// make them; measured where it matters, on the server.
func TestHostDelaySpacesRequestsToOneHost(t *testing.T) {
	const delay = 100 * time.Millisecond
	const n = 5
	body := readTestdata(t, "feeds", "rights.json")

	var mu sync.Mutex
	var arrivals []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/feed+json")
		w.Write(body)
	}))
	defer srv.Close()

	f := testFetcher(t, func(c *Config) { c.HostDelay = delay })
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			feed := Feed{Name: fmt.Sprint("feed ", i), URL: fmt.Sprintf("%s/feed/%d.json", srv.URL, i)}
			if _, err := f.FetchFeed(context.Background(), feed, FeedState{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(arrivals) != n {
		t.Fatalf("%d requests arrived, want %d", len(arrivals), n)
	}
	slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < n; i++ {
		// Some slack: a busy machine can delay one request between the
		// limiter letting it go and the server seeing it.
		if gap := arrivals[i].Sub(arrivals[i-1]); gap < delay*8/10 {
			t.Errorf("requests %d and %d arrived %v apart, want at least %v", i-1, i, gap, delay)
		}
	}
}

// Different hosts do not wait for each other. The delay is long, so that
// the bound on the three fetches is wide however busy the machine is.
func TestHostDelayDoesNotSerialiseHosts(t *testing.T) {
	const delay = time.Minute
	body := readTestdata(t, "feeds", "rights.json")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/feed+json")
		w.Write(body)
	})
	var servers []*httptest.Server
	for range 3 {
		srv := httptest.NewServer(handler)
		defer srv.Close()
		servers = append(servers, srv)
	}

	f := testFetcher(t, func(c *Config) { c.HostDelay = delay })
	start := time.Now()
	var wg sync.WaitGroup
	for i, srv := range servers {
		wg.Go(func() {
			if _, err := f.FetchFeed(context.Background(), Feed{Name: fmt.Sprint(i), URL: srv.URL}, FeedState{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if elapsed := time.Since(start); elapsed > delay/2 {
		t.Errorf("three hosts took %v, as if they waited for each other", elapsed)
	}
}

func TestHostLimiterWaitHonoursContext(t *testing.T) {
	l := newHostLimiter(time.Hour, time.Minute, realClock{})
	release, err := l.acquire(context.Background(), "example.org")
	if err != nil {
		t.Fatalf("first acquire: %v", err)
	}
	release()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = l.acquire(ctx, "EXAMPLE.org") // hosts compare case-insensitively
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 30*time.Second { // the limiter would wait an hour
		t.Errorf("waited %v despite the context", elapsed)
	}
	release, err = l.acquire(context.Background(), "other.example")
	if err != nil {
		t.Fatalf("other host: %v", err)
	}
	release()
}

func TestHostLimiterForgetsIdleHosts(t *testing.T) {
	l := newHostLimiter(time.Nanosecond, time.Minute, realClock{})
	for i := range maxTrackedHosts + 10 {
		release, err := l.acquire(context.Background(), fmt.Sprintf("h%d.example", i))
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	time.Sleep(time.Millisecond)
	release, _ := l.acquire(context.Background(), "last.example")
	release()
	if n := len(l.hosts); n > maxTrackedHosts {
		t.Errorf("limiter remembers %d hosts", n)
	}
}
