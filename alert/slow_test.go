package alert

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/store"
)

// slowHook is a webhook that takes every post and answers none of them
// until the test ends, as one that answers after a minute does to a
// client that gives up after seconds. It counts the posts of each story.
type slowHook struct {
	*httptest.Server
	mu      sync.Mutex
	byStory map[string]int
}

func newSlowHook(t *testing.T) *slowHook {
	t.Helper()
	h := &slowHook{byStory: map[string]int{}}
	release := make(chan struct{})
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m jsonMessage
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("slow hook got a body that is not JSON: %v", err)
		}
		h.mu.Lock()
		h.byStory[m.Story.ID]++
		h.mu.Unlock()
		// The message has arrived; only the answer is late. The handler
		// ignores the client going away, as a slow server does.
		<-release
		w.WriteHeader(http.StatusOK)
	}))
	// Cleanups run last first: release the handlers, then close, which
	// waits for them.
	t.Cleanup(h.Close)
	t.Cleanup(func() { close(release) })
	return h
}

func (h *slowHook) posts() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]int, len(h.byStory))
	for k, v := range h.byStory {
		out[k] = v
	}
	return out
}

// A webhook that answers after the client gave up got each story three
// times in a run (one per retry of the timeout) and again in every later
// run, as the timeout was recorded as a failure. The request arrived:
// its outcome is unknown, and an unknown alert is never posted again.
func TestSlowWebhookGetsEachStoryOnce(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	h := newSlowHook(t)
	n, _ := notifier(db)
	// The hook never answers before the test ends, so the timeout always
	// fires after the request was sent; a second leaves connecting over
	// loopback ample time on a loaded machine.
	n.Client = NewClient(time.Second)
	rules := Rules{rule("slow", h.URL)}

	since := save(t, db, irTelegram, ruTwitter)
	rep, err := n.Notify(t.Context(), rules, since)
	if err != nil {
		t.Fatal(err)
	}
	posts := h.posts()
	if len(posts) != 2 {
		t.Fatalf("run 1: the hook got posts of %d stories, want 2: %v", len(posts), posts)
	}
	for id, c := range posts {
		if c != 1 {
			t.Errorf("run 1: story %s was posted %d times, want once", id, c)
		}
	}
	if rr := rep.Rules[0]; rr.Unknown != 2 || rr.Failed+rr.Sent+rr.GaveUp != 0 {
		t.Errorf("run 1 report %+v; want both deliveries unknown", rr)
	}
	for _, d := range rep.Rules[0].Deliveries {
		if d.State != store.AlertUnknown || d.Requests != 1 {
			t.Errorf("run 1 delivery %+v; want unknown after 1 request", d)
		}
	}
	recs, err := db.Alerts("slow")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.State != store.AlertUnknown {
			t.Errorf("stored %+v; want unknown", r)
		}
	}

	// Later runs leave them alone.
	for run := 2; run <= 3; run++ {
		if _, err := n.Notify(t.Context(), rules, time.Now()); err != nil {
			t.Fatal(err)
		}
		for id, c := range h.posts() {
			if c != 1 {
				t.Errorf("after run %d: story %s was posted %d times, want once", run, id, c)
			}
		}
	}
}

// A request that never reached the webhook is a plain failure: it is
// tried again in the run and by the next runs.
func TestRefusedWebhookIsRetried(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	// A port that was just open and is now closed refuses connections.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	n, sl := notifier(db)
	since := save(t, db, irTelegram)
	rep, err := n.Notify(t.Context(), Rules{rule("r", url)}, since)
	if err != nil {
		t.Fatal(err)
	}
	d := rep.Rules[0].Deliveries[0]
	if d.State != store.AlertFailed || d.Requests != DefaultAttempts || len(sl.got()) != DefaultAttempts-1 {
		t.Errorf("delivery %+v after %d waits; want failed after %d requests", d, len(sl.got()), DefaultAttempts)
	}
}

// Resend posts an alert again on purpose, whatever became of it, but
// never while a run is posting it.
func TestResend(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	h := newHook(t, reply{status: 504})
	n, _ := notifier(db)
	r := rule("r", h.URL)
	since := save(t, db, irTelegram)
	rep, err := n.Notify(t.Context(), Rules{r}, since)
	if err != nil || rep.Rules[0].Unknown != 1 {
		t.Fatalf("run: %+v, %v; want the alert unknown", rep, err)
	}
	id := rep.Rules[0].Deliveries[0].Story

	d, err := n.Resend(t.Context(), r, id)
	if err != nil || d.State != store.AlertSent || d.Attempts != 2 || h.count() != 2 {
		t.Fatalf("resend of an unknown alert: %+v, %v, %d posts", d, err, h.count())
	}
	// Sent: a run leaves it alone, a resend posts it again.
	if _, err := n.Notify(t.Context(), Rules{r}, since); err != nil || h.count() != 2 {
		t.Fatalf("run after the resend: %v, %d posts", err, h.count())
	}
	if d, err = n.Resend(t.Context(), r, id); err != nil || d.State != store.AlertSent || h.count() != 3 {
		t.Errorf("resend of a sent alert: %+v, %v, %d posts", d, err, h.count())
	}

	// A claim of a moment ago is a run posting it now.
	other := save(t, db, ruTwitter)
	stories, _ := db.Stories(store.StoryFilter{Filter: store.Filter{Countries: []string{"RU"}}})
	if _, ok, err := db.ClaimAlert("r", stories[0].ID, other); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, err := n.Resend(t.Context(), r, stories[0].ID); !errors.Is(err, store.ErrAlertInFlight) || h.count() != 3 {
		t.Errorf("resend of an alert in flight: %v, %d posts; want ErrAlertInFlight and no post", err, h.count())
	}
	if _, err := n.Resend(t.Context(), r, "0123456789abcdef01234567"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("resend of a story not stored: %v; want ErrNotFound", err)
	}
}

// A webhook slower than the timeout leaves each alert unknown; after a
// few in a row the rest of the rule's alerts are not tried this run, and
// as they were surely not sent, the next run tries them.
func TestSlowWebhookBreaks(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	h := newSlowHook(t)
	n, _ := notifier(db)
	n.Client = NewClient(time.Second)
	n.BreakAfter = 2
	since := save(t, db, irTelegram, ruTwitter, trWikipedia)
	rep, err := n.Notify(t.Context(), Rules{rule("slow", h.URL)}, since)
	if err != nil {
		t.Fatal(err)
	}
	rr := rep.Rules[0]
	if rr.Unknown != 2 || rr.Failed != 1 || len(h.posts()) != 2 {
		t.Errorf("report %+v, hook got %v; want 2 unknown after a post each, 1 not tried", rr, h.posts())
	}
	for _, d := range rr.Deliveries {
		if d.State == store.AlertFailed && (d.Requests != 0 || !strings.HasPrefix(d.Error, "not tried")) {
			t.Errorf("failed delivery %+v; want it not tried", d)
		}
	}
}

// An alert put back by ClearAlerts is posted by the next run, though it
// is no longer among the run's stories.
func TestNotifyPostsCleared(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	h := newHook(t, reply{status: 504})
	n, _ := notifier(db)
	rules := Rules{rule("r", h.URL)}
	since := save(t, db, irTelegram)
	if rep, err := n.Notify(t.Context(), rules, since); err != nil || rep.Rules[0].Unknown != 1 {
		t.Fatalf("run 1: %+v, %v", rep, err)
	}
	if rep, err := n.Notify(t.Context(), rules, time.Now()); err != nil || h.count() != 1 || len(rep.Rules[0].Deliveries) != 0 {
		t.Fatalf("run 2 touched the unknown alert: %+v, %v, %d posts", rep, err, h.count())
	}
	if got, err := db.ClearAlerts("r", "", []store.AlertState{store.AlertUnknown}, time.Now()); err != nil || len(got) != 1 {
		t.Fatalf("clear: %v, %v", got, err)
	}
	rep, err := n.Notify(t.Context(), rules, time.Now())
	if err != nil || rep.Rules[0].Sent != 1 || h.count() != 2 {
		t.Errorf("run after clear: %+v, %v, %d posts; want it posted", rep, err, h.count())
	}
}
