package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// logSink collects what the command logs, and tells when a line matching
// a pattern has appeared.
type logSink struct {
	mu      sync.Mutex
	buf     strings.Builder
	changed chan struct{} // closed, and replaced, on every write
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
	return l.buf.Write(p)
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// await waits for a log line matching re, written when the command gets
// there however long that takes; the 2 minutes are only a failsafe.
func (l *logSink) await(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	failsafe := time.NewTimer(2 * time.Minute)
	defer failsafe.Stop()
	for {
		l.mu.Lock()
		m := re.FindStringSubmatch(l.buf.String())
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		changed := l.changed
		l.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-changed:
		case <-failsafe.C:
			t.Fatalf("no log line matching %s in 2 minutes:\n%s", re, l.String())
			return nil
		}
	}
}

// startServe runs `policywatch serve` as main would until the test cancels
// it, and returns the address it listens at.
func startServe(t *testing.T, args ...string) (base string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var stderr logSink
	var stdout strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	}()
	m := stderr.await(t, regexp.MustCompile(`msg=serving url=(http://127\.0\.0\.1:\d+)/`))
	return m[1], func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, stderr.String()
		case <-time.After(2 * time.Minute):
			t.Fatal("serve did not stop in 2 minutes after its context ended")
			return 0, ""
		}
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "policywatch.db")
	events := fillDB(t, db, "events.jsonl")
	base, stop := startServe(t, "--db", db, "--log-level", "debug")

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health struct {
		Status  string
		Events  int
		Stories int
	}
	err = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || health.Status != "ok" || health.Events != len(events) || health.Stories == 0 {
		t.Errorf("healthz: %d %+v %v", resp.StatusCode, health, err)
	}

	resp, err = http.Get(base + "/events.csv?country=Russia")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(body), strings.Join(csvHeader, ",")+"\n") {
		t.Errorf("/events.csv does not start with the export's header:\n%s", body)
	}
	// The same bytes as the export of the same filter.
	if export := must(t, "export", "--db", db, "--country", "Russia"); string(body) != export {
		t.Errorf("/events.csv differs from export:\n%s\nwant\n%s", body, export)
	}

	// Stopped by a signal, as README says: 130.
	code, logs := stop()
	if code != exitInterrupted {
		t.Errorf("exit %d after the signal, want %d:\n%s", code, exitInterrupted, logs)
	}
	for _, want := range []string{"msg=request method=GET path=/healthz", "status=200", "msg=\"shutting down\""} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the server still answers after it stopped")
	}
}

func TestServeMissingDB(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "later.db")
	base, stop := startServe(t, "--db", path)
	resp, err := http.Get(base + "/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("without a database: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Once a run makes it, the same server serves it.
	fillDB(t, path, "events.jsonl")
	resp, err = http.Get(base + "/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after the database appeared: %d", resp.StatusCode)
	}
	code, logs := stop()
	if code != exitInterrupted || !strings.Contains(logs, "database does not exist yet") {
		t.Errorf("exit %d, logs:\n%s", code, logs)
	}
}

func TestServeUsage(t *testing.T) {
	t.Parallel()
	help := must(t, "serve", "--help")
	for _, want := range []string{"--addr", "127.0.0.1:8080", "/feed.atom", "/events.csv", "Retry-After", "Examples:", "curl"} {
		if !strings.Contains(help, want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
	r := policywatch(t, nil, "serve", "--addr", "127.0.0.1:notaport", "--db", filepath.Join(t.TempDir(), "x.db"))
	if r.code != exitFailure || !strings.Contains(r.stderr, "notaport") {
		t.Errorf("a bad address: exit %d, %q", r.code, r.stderr)
	}
	r = policywatch(t, nil, "serve", "extra")
	if r.code != exitUsage {
		t.Errorf("an argument: exit %d, %q", r.code, r.stderr)
	}
}
