package alert

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/config"
	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// openStore opens a fresh store in the test's temp dir.
func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "policywatch.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// report is one article's event as a test writes it.
type report struct {
	key, feed, published string // published YYYY-MM-DD
	country, service     string
	action               event.Action
	date, reason         string
	confidence           float64
}

// save stores reports as one batch, one article each, and returns the
// time just before, which is what a run passes to Notify as its start.
func save(t *testing.T, db *store.DB, reports ...report) time.Time {
	t.Helper()
	start := time.Now()
	var b store.Batch
	for _, r := range reports {
		pub, err := time.Parse(time.DateOnly, r.published)
		if err != nil {
			t.Fatal(err)
		}
		a := ingest.Article{
			ID: ingest.ArticleID(r.key), Key: r.key, Feed: r.feed, URL: r.key,
			Title: "Report " + r.key, Published: pub, Text: "Text of " + r.key,
			TextFrom: "page", Fetched: pub.Add(time.Hour),
		}
		conf := r.confidence
		if conf == 0 {
			conf = 0.8
		}
		e := event.Event{
			ID:      event.ID(a.ID, r.country, r.service, r.action),
			Country: r.country, Service: r.service, Action: r.action,
			Date: r.date, Reason: r.reason,
			Evidence:   []string{"Evidence that " + r.country + " acted on " + r.service + "."},
			Confidence: conf, ArticleID: a.ID, SourceURL: a.URL, SourceTitle: a.Title,
			Published: r.published, Feed: r.feed,
		}
		b.Articles = append(b.Articles, store.ArticleEvents{Article: a, Events: []event.Event{e}})
	}
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	return start
}

// hook is a webhook server that answers from a script and records what
// it was sent.
type hook struct {
	*httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
	script  []reply // consumed in order; then 200
}

type reply struct {
	status     int
	retryAfter string // or inAnHour
	hang       bool   // never answer, until the client gives up
}

func newHook(t *testing.T, script ...reply) *hook {
	t.Helper()
	h := &hook{script: script}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, body)
		h.headers = append(h.headers, r.Header.Clone())
		rep := reply{status: http.StatusOK}
		if len(h.script) > 0 {
			rep, h.script = h.script[0], h.script[1:]
		}
		h.mu.Unlock()
		if rep.hang {
			<-r.Context().Done()
			return
		}
		if rep.retryAfter == inAnHour {
			// An HTTP date made as it is sent, not when the test began.
			w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		} else if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		w.WriteHeader(rep.status)
		io.WriteString(w, strconv.Itoa(rep.status)+" from the test hook")
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.bodies)
}

// received decodes every body the hook got.
func received[T any](t *testing.T, h *hook) []T {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]T, len(h.bodies))
	for i, b := range h.bodies {
		if err := json.Unmarshal(b, &out[i]); err != nil {
			t.Fatalf("body %d is not the JSON expected: %v\n%s", i, err, b)
		}
	}
	return out
}

// sleeps records the waits a Notifier asks for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// notifier is a Notifier on db that does not wait between retries.
func notifier(db Store) (*Notifier, *sleeps) {
	s := &sleeps{}
	return &Notifier{Store: db, Sleep: s.sleep, Client: NewClient(5 * time.Second)}, s
}

// rule is a rule matching every story, posting json to url.
func rule(name, url string) Rule {
	return Rule{Name: name, NewStoriesOnly: true, Webhook: Webhook{URL: url, Format: JSON}}
}

// gaz loads the gazetteer once per test binary; it is read-only.
var gaz = sync.OnceValue(func() *event.Catalog {
	g, err := event.LoadCatalog()
	if err != nil {
		panic(err)
	}
	return g
})

// parseFile reads the rules of a whole configuration as the commands do:
// package config splits the file, and ParseRules reads alert's part.
func parseFile(data []byte, name string, gaz *event.Catalog, getenv func(string) string) (Rules, error) {
	f, err := config.Parse(data, name)
	if err != nil {
		return nil, err
	}
	return ParseRules(f.Alerts, name, gaz, getenv)
}

// inAnHour as a reply's retryAfter asks for an HTTP date an hour after the
// reply is sent.
const inAnHour = "in an hour"
