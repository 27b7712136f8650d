package alert

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

var (
	irTelegram = report{key: "https://a.example/ir-telegram", feed: "Wire", published: "2018-04-30",
		country: "IR", service: "telegram", action: event.Block, date: "2018-04-30", reason: "national security"}
	irTelegram2 = report{key: "https://b.example/ir-telegram", feed: "Daily", published: "2018-05-01",
		country: "IR", service: "telegram", action: event.Block, date: "2018-04-30", reason: "national security"}
	ruTwitter = report{key: "https://a.example/ru-twitter", feed: "Wire", published: "2018-03-10",
		country: "RU", service: "twitter", action: event.Throttle, date: "2018-03-10"}
	trWikipedia = report{key: "https://a.example/tr-wikipedia", feed: "Wire", published: "2017-04-29",
		country: "TR", service: "wikipedia", action: event.Block, date: "2017-04-29", confidence: 0.95}
)

// storyIDs are the ids of the stories in the json bodies a hook got.
func storyIDs(t *testing.T, h *hook) []string {
	t.Helper()
	var ids []string
	for _, m := range received[jsonMessage](t, h) {
		ids = append(ids, m.Story.ID)
	}
	return ids
}

func TestNotifyOncePerStoryAcrossRuns(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	a, b := newHook(t), newHook(t)
	n, _ := notifier(db)
	rules := Rules{rule("every", a.URL), rule("also-every", b.URL)}

	// Run 1 makes two stories: each rule posts each once.
	since := save(t, db, irTelegram, ruTwitter)
	rep, err := n.Notify(t.Context(), rules, since)
	if err != nil {
		t.Fatal(err)
	}
	if a.count() != 2 || b.count() != 2 {
		t.Fatalf("run 1: hooks got %d and %d posts; want 2 each", a.count(), b.count())
	}
	if tot := rep.Totals(); tot.Sent != 4 || tot.Failed+tot.GaveUp+tot.Unknown != 0 {
		t.Errorf("run 1 report %+v", rep)
	}
	first := storyIDs(t, a)
	if !slices.Equal(first, storyIDs(t, b)) || first[0] == first[1] {
		t.Errorf("rules posted different stories: %v, %v", first, storyIDs(t, b))
	}

	// Run 2 stores a second report of a known story: no new story, no post.
	since = save(t, db, irTelegram2)
	if rep, err = n.Notify(t.Context(), rules, since); err != nil {
		t.Fatal(err)
	}
	if a.count() != 2 || b.count() != 2 || rep.Totals().Sent != 0 {
		t.Fatalf("run 2 with no new story: hooks have %d and %d posts, report %+v", a.count(), b.count(), rep)
	}
	// Nor does a run that is told the old start again: the store remembers.
	if rep, err = n.Notify(t.Context(), rules, since.Add(-time.Hour)); err != nil || rep.Totals().Sent != 0 || a.count() != 2 {
		t.Fatalf("re-notify of posted stories: %+v, %v; hook has %d", rep, err, a.count())
	}

	// Run 3 makes one more story: exactly one more post per rule.
	since = save(t, db, trWikipedia)
	if rep, err = n.Notify(t.Context(), rules, since); err != nil {
		t.Fatal(err)
	}
	if a.count() != 3 || b.count() != 3 {
		t.Fatalf("run 3: hooks have %d and %d posts; want 3 each", a.count(), b.count())
	}
	if got := received[jsonMessage](t, a)[2].Story; got.Country != "TR" || got.Service != "wikipedia" {
		t.Errorf("run 3 posted %s/%s, want the new TR/wikipedia story", got.Country, got.Service)
	}
	if rep.Rules[0].Sent != 1 || rep.Rules[1].Sent != 1 || len(rep.Rules[0].Deliveries) != 1 {
		t.Errorf("run 3 report %+v", rep)
	}

	recs, err := db.Alerts("")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 {
		t.Errorf("store records %d alerts, want 3 stories x 2 rules", len(recs))
	}
	for _, r := range recs {
		if r.State != store.AlertSent || r.Attempts != 1 {
			t.Errorf("record %+v; want sent on the first attempt", r)
		}
	}
}

// The payloads as a webhook receives them, in each format.
func TestNotifyPayloadFormats(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	slack, discord, js := newHook(t), newHook(t), newHook(t)
	n, _ := notifier(db)
	rules := Rules{
		{Name: "to-slack", NewStoriesOnly: true, Webhook: Webhook{URL: slack.URL, Format: Slack}},
		{Name: "to-discord", NewStoriesOnly: true, Webhook: Webhook{URL: discord.URL, Format: Discord}},
		{Name: "to-json", NewStoriesOnly: true, Webhook: Webhook{URL: js.URL, Format: JSON, Headers: map[string]string{"Authorization": "Bearer t0k"}}},
	}
	hi := irTelegram2
	hi.confidence = 0.9 // the best source to link to
	since := save(t, db, irTelegram, hi)
	if _, err := n.Notify(t.Context(), rules, since); err != nil {
		t.Fatal(err)
	}
	stories, err := db.Stories(store.StoryFilter{})
	if err != nil || len(stories) != 1 {
		t.Fatalf("stories %v, %v", stories, err)
	}
	story := stories[0]

	for _, h := range []*hook{slack, discord, js} {
		if h.count() != 1 {
			t.Fatalf("%s got %d posts, want 1", h.URL, h.count())
		}
		if ct := h.headers[0].Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	}
	if got := js.headers[0].Get("Authorization"); got != "Bearer t0k" {
		t.Errorf("json hook got Authorization %q", got)
	}

	s := received[slackMessage](t, slack)[0]
	if want := "🚫 IR blocks telegram — 2 sources"; !strings.HasPrefix(s.Text, want) || !strings.Contains(s.Text, hi.key) {
		t.Errorf("slack text %q; want it to start %q and link %s", s.Text, want, hi.key)
	}
	var kinds []string
	for _, b := range s.Blocks {
		kinds = append(kinds, b.Type)
	}
	if !slices.Equal(kinds, []string{"header", "section", "context"}) {
		t.Fatalf("slack blocks %v", kinds)
	}
	section := s.Blocks[1].Text.Text
	for _, want := range []string{"*Date:* 2018-04-30", "*Reason:* national security", "*Source:* <" + hi.key + "|Report " + hi.key + " (Daily, 2018-05-01)>", "<" + irTelegram.key + "|"} {
		if !strings.Contains(section, want) {
			t.Errorf("slack section lacks %q:\n%s", want, section)
		}
	}
	if ctx := s.Blocks[2].Elements[0].Text; !strings.Contains(ctx, "to-slack") || !strings.Contains(ctx, story.ID[:8]) {
		t.Errorf("slack context %q names neither rule nor story", ctx)
	}

	d := received[discordMessage](t, discord)[0]
	if !strings.HasPrefix(d.Content, "🚫 IR blocks telegram — 2 sources") || len(d.Embeds) != 1 {
		t.Fatalf("discord message %+v", d)
	}
	e := d.Embeds[0]
	if e.Title != "IR blocks telegram" || e.URL != hi.key || !strings.Contains(e.Description, "national security") {
		t.Errorf("discord embed %+v", e)
	}
	if ts, err := time.Parse(time.RFC3339, e.Timestamp); err != nil || !ts.Equal(story.Created.Truncate(time.Second)) {
		t.Errorf("discord timestamp %q (%v); want the story's creation %v", e.Timestamp, err, story.Created)
	}
	fields := map[string]string{}
	for _, f := range e.Fields {
		fields[f.Name] = f.Value
	}
	if fields["Date"] != "2018-04-30" || fields["Sources"] != "2" || !strings.Contains(fields["Reports"], "]("+irTelegram.key+")") {
		t.Errorf("discord fields %v", fields)
	}
	if p, ok := d.AllowedMentions["parse"]; !ok || len(p) != 0 {
		t.Errorf("discord allowed_mentions %v; want parse: [] so nobody is pinged", d.AllowedMentions)
	}

	j := received[jsonMessage](t, js)[0]
	if j.Rule != "to-json" || j.Test || j.Story.ID != story.ID || j.Story.Sources != 2 {
		t.Errorf("json message %+v", j)
	}
	var evIDs []string
	for _, ev := range j.Events {
		evIDs = append(evIDs, ev.ID)
	}
	if len(evIDs) != 2 || !slices.Equal(evIDs, j.Story.EventIDs) {
		t.Errorf("json events %v, story event ids %v", evIDs, j.Story.EventIDs)
	}
}

func TestNotifyRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		script     []reply
		maxWait    time.Duration
		state      store.AlertState
		requests   int
		sleeps     []time.Duration
		errContain string
	}{
		{"5xx then ok", []reply{{status: 500}, {status: 502}, {status: 200}}, 0,
			store.AlertSent, 3, []time.Duration{500 * time.Millisecond, time.Second}, ""},
		{"always 5xx", []reply{{status: 500}, {status: 503}, {status: 500}, {status: 200}}, 0,
			store.AlertFailed, 3, []time.Duration{500 * time.Millisecond, time.Second}, "HTTP 500 Internal Server Error: 500 from the test hook (after 3 requests)"},
		{"429 honours Retry-After", []reply{{status: 429, retryAfter: "7"}, {status: 204}}, 0,
			store.AlertSent, 2, []time.Duration{7 * time.Second}, ""},
		{"429 with an HTTP date", []reply{{status: 429, retryAfter: inAnHour}, {status: 200}}, 2 * time.Hour,
			store.AlertSent, 2, nil, ""},
		{"429 waits too long", []reply{{status: 429, retryAfter: "3600"}}, 0,
			store.AlertFailed, 1, nil, "Retry-After 1h0m0s is longer than this run waits (30s)"},
		{"400 is final", []reply{{status: 400}, {status: 200}}, 0,
			store.AlertFailed, 1, nil, "HTTP 400 Bad Request"},
		{"404 is final", []reply{{status: 404}}, 0,
			store.AlertFailed, 1, nil, "HTTP 404 Not Found"},
		{"redirect is not followed", []reply{{status: 301}}, 0,
			store.AlertFailed, 1, nil, "redirects are not followed"},
		// The gateway's timeout is as ours: the webhook may have it.
		{"504 is unknown", []reply{{status: 504}, {status: 200}}, 0,
			store.AlertUnknown, 1, nil, "HTTP 504 Gateway Timeout: 504 from the test hook; a gateway gave up waiting on the webhook, so it may have arrived; not posted again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openStore(t)
			h := newHook(t, tt.script...)
			n, sl := notifier(db)
			n.MaxRetryAfter = tt.maxWait
			since := save(t, db, irTelegram)
			rep, err := n.Notify(t.Context(), Rules{rule("r", h.URL)}, since)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Rules) != 1 || len(rep.Rules[0].Deliveries) != 1 {
				t.Fatalf("report %+v", rep)
			}
			d := rep.Rules[0].Deliveries[0]
			if d.State != tt.state || d.Requests != tt.requests || h.count() != tt.requests {
				t.Errorf("delivery %+v, hook got %d; want %s after %d requests", d, h.count(), tt.state, tt.requests)
			}
			got := sl.got()
			if tt.sleeps == nil && tt.name == "429 with an HTTP date" {
				if len(got) != 1 || got[0] < 59*time.Minute || got[0] > time.Hour {
					t.Errorf("slept %v; want about an hour, as the date says", got)
				}
			} else if !slices.Equal(got, tt.sleeps) {
				t.Errorf("slept %v, want %v", got, tt.sleeps)
			}
			if !strings.Contains(d.Error, tt.errContain) {
				t.Errorf("error %q lacks %q", d.Error, tt.errContain)
			}
			rec, err := db.Alert("r", d.Story)
			if err != nil || rec.State != tt.state || rec.LastError != d.Error {
				t.Errorf("stored %+v, %v; want %s with the error", rec, err, tt.state)
			}
			if strings.Contains(d.Error, h.URL) {
				t.Errorf("error %q shows the webhook URL, a secret", d.Error)
			}
		})
	}
}

// A webhook that never answers costs the run one timeout per alert, not
// its result, and is not asked again: it may have the message.
func TestNotifyHangingWebhook(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	h := newHook(t, reply{hang: true}, reply{hang: true}, reply{hang: true})
	ok := newHook(t)
	n, sl := notifier(db)
	// Long enough for the live hook to answer on a loaded machine.
	n.Client = NewClient(time.Second)
	since := save(t, db, irTelegram)
	rep, err := n.Notify(t.Context(), Rules{rule("dead", h.URL), rule("alive", ok.URL)}, since)
	if err != nil {
		t.Fatal(err)
	}
	dead, alive := rep.Rules[0], rep.Rules[1]
	if dead.Unknown != 1 || dead.Sent+dead.Failed != 0 || dead.Deliveries[0].Requests != 1 || h.count() != 1 ||
		!strings.Contains(dead.Deliveries[0].Error, "timed out after the request was sent, so it may have arrived") {
		t.Errorf("dead hook: %+v, %d requests; want unknown after one", dead, h.count())
	}
	if strings.Contains(dead.Deliveries[0].Error, h.URL) {
		t.Errorf("error %q shows the webhook URL", dead.Deliveries[0].Error)
	}
	if got := sl.got(); len(got) != 0 {
		t.Errorf("slept %v; want no retry of a request that may have arrived", got)
	}
	if alive.Sent != 1 || ok.count() != 1 {
		t.Errorf("the rule after a dead one: %+v, %d posts", alive, ok.count())
	}
}

// A failed alert is tried by the next runs, and given up after
// MaxDeliveries of them.
func TestNotifyRetriesNextRun(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	down := newHook(t, reply{status: 503})
	n, _ := notifier(db)
	n.Attempts = 1
	since := save(t, db, irTelegram)
	rep, err := n.Notify(t.Context(), Rules{rule("r", down.URL)}, since)
	if err != nil || rep.Rules[0].Failed != 1 {
		t.Fatalf("run 1: %+v, %v", rep, err)
	}

	// Run 2 makes no story, yet posts the one that failed.
	since = time.Now()
	rep, err = n.Notify(t.Context(), Rules{rule("r", down.URL)}, since)
	if err != nil || rep.Rules[0].Sent != 1 || down.count() != 2 {
		t.Fatalf("run 2: %+v, %v, %d posts; want the failed alert sent", rep, err, down.count())
	}
	recs, _ := db.Alerts("r")
	if len(recs) != 1 || recs[0].State != store.AlertSent || recs[0].Attempts != 2 || recs[0].LastError != "" {
		t.Errorf("record after the retry: %+v", recs)
	}

	// Run 3: nothing more.
	if rep, _ = n.Notify(t.Context(), Rules{rule("r", down.URL)}, time.Now()); down.count() != 2 || rep.Totals().Sent != 0 {
		t.Errorf("run 3 posted again: %d posts, %+v", down.count(), rep)
	}
}

func TestNotifyGivesUp(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	gone := newHook(t, reply{status: 404}, reply{status: 404}, reply{status: 404})
	n, _ := notifier(db)
	n.MaxDeliveries = 2
	rules := Rules{rule("r", gone.URL)}
	since := save(t, db, irTelegram)
	var states []store.AlertState
	for range 3 {
		rep, err := n.Notify(t.Context(), rules, since)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range rep.Rules[0].Deliveries {
			states = append(states, d.State)
		}
	}
	if want := []store.AlertState{store.AlertFailed, store.AlertGaveUp}; !slices.Equal(states, want) || gone.count() != 2 {
		t.Errorf("deliveries %v over 3 runs, %d posts; want %v and 2 posts", states, gone.count(), want)
	}
}

// A run that dies between claim and post leaves a claim. Once it is
// older than any delivery takes, the next run records it as unknown and
// reports it; no run posts it. A younger claim may be another run's,
// posting now: it is left alone.
func TestNotifyCrashAfterClaim(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	since := save(t, db, irTelegram, ruTwitter, trWikipedia)
	id := func(country string) string {
		stories, err := db.Stories(store.StoryFilter{Filter: store.Filter{Countries: []string{country}}})
		if err != nil || len(stories) != 1 {
			t.Fatal(stories, err)
		}
		return stories[0].ID
	}
	crashed, busy := id("IR"), id("TR")
	// The crashed run claimed the IR story an hour ago and died before
	// posting; another run claimed the TR story a moment ago.
	if _, ok, err := db.ClaimAlert("r", crashed, since.Add(-time.Hour)); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, ok, err := db.ClaimAlert("r", busy, since); err != nil || !ok {
		t.Fatal(ok, err)
	}
	db.Close()

	// The next run goes through a handle, as policywatch run does.
	h := newHook(t)
	n, _ := notifier(Visits(store.Handle{Path: path}))
	rep, err := n.Notify(t.Context(), Rules{rule("r", h.URL)}, since)
	if err != nil {
		t.Fatal(err)
	}
	rr := rep.Rules[0]
	if rr.Unknown != 1 || rr.Sent != 1 || !slices.ContainsFunc(rr.Deliveries, func(d Delivery) bool {
		return d.Story == crashed && d.State == store.AlertUnknown && strings.Contains(d.Error, "may have arrived")
	}) {
		t.Errorf("run 1 report %+v; want the crashed claim unknown and the RU story sent", rr)
	}
	// Recorded once, it is not reported by every later run: alerts
	// status lists it.
	if rep, err = n.Notify(t.Context(), Rules{rule("r", h.URL)}, since); err != nil || len(rep.Rules[0].Deliveries) != 0 {
		t.Errorf("run 2 report %+v, %v; want nothing", rep, err)
	}
	if got := storyIDs(t, h); len(got) != 1 || got[0] == crashed || got[0] == busy {
		t.Errorf("hook got %v; want only the RU story", got)
	}
	ro, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if rec, err := ro.Alert("r", crashed); err != nil || rec.State != store.AlertUnknown {
		t.Errorf("crashed claim is now %+v, %v; want unknown", rec, err)
	}
	if rec, err := ro.Alert("r", busy); err != nil || rec.State != store.AlertSending {
		t.Errorf("the other run's claim is now %+v, %v; want it left alone", rec, err)
	}
}

// A run stopped while a request is in flight cannot know whether it
// arrived: the alert is recorded as unknown and never posted again.
func TestNotifyStoppedMidRequest(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	h := newHook(t, reply{hang: true})
	n, _ := notifier(db)
	ctx, cancel := context.WithCancel(t.Context())
	since := save(t, db, irTelegram)
	go func() {
		for h.count() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	rep, err := n.Notify(ctx, Rules{rule("r", h.URL)}, since)
	if err != nil {
		t.Fatal(err)
	}
	if rr := rep.Rules[0]; rr.Unknown != 1 || rr.Sent+rr.Failed != 0 || !rep.Interrupted || !strings.Contains(rr.Deliveries[0].Error, "stopped") {
		t.Errorf("report %+v", rep)
	}
	rep, err = n.Notify(t.Context(), Rules{rule("r", h.URL)}, since)
	if err != nil || len(rep.Rules[0].Deliveries) != 0 || h.count() != 1 {
		t.Errorf("next run: %+v, %v, %d posts; want it left alone", rep, err, h.count())
	}
	recs, err := db.Alerts("r")
	if err != nil || len(recs) != 1 || recs[0].State != store.AlertUnknown {
		t.Errorf("stored %+v, %v; want unknown", recs, err)
	}
}

func TestNotifyFilters(t *testing.T) {
	t.Parallel()
	const cfg = `alerts:
  - name: iran-by-name
    countries: [Iran]
    webhook: {url: "${HOOK}/iran", format: json}
  - name: x-by-alias
    services: ["X"]
    webhook: {url: "${HOOK}/x", format: json}
  - name: blocks
    actions: [block]
    webhook: {url: "${HOOK}/blocks", format: json}
  - name: confident
    min_confidence: 0.9
    webhook: {url: "${HOOK}/confident", format: json}
  - name: wire-2018
    feeds: [Wire]
    since: 2018
    webhook: {url: "${HOOK}/wire", format: json}
`
	db := openStore(t)
	got := map[string][]string{} // path -> countries posted
	h := newHook(t)
	rules, err := parseFile([]byte(cfg), "feeds.yaml", gaz(), env(map[string]string{"HOOK": h.URL}))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := notifier(db)
	since := save(t, db, irTelegram, ruTwitter, trWikipedia)
	if _, err := n.Notify(t.Context(), rules, since); err != nil {
		t.Fatal(err)
	}
	for _, m := range received[jsonMessage](t, h) {
		got[m.Rule] = append(got[m.Rule], m.Story.Country)
	}
	want := map[string][]string{
		"iran-by-name": {"IR"},
		"x-by-alias":   {"RU"},
		"blocks":       {"TR", "IR"}, // oldest first
		"confident":    {"TR"},
		"wire-2018":    {"RU", "IR"},
	}
	for r, w := range want {
		if !slices.Equal(got[r], w) {
			t.Errorf("rule %s posted %v, want %v", r, got[r], w)
		}
	}
}

// new_stories_only false also posts a story that gained a report, once.
func TestNotifyUpdatedStories(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	h := newHook(t)
	n, _ := notifier(db)
	only := rule("new-only", h.URL+"/new")
	also := rule("also-updated", h.URL+"/updated")
	also.NewStoriesOnly = false

	// Run 1, before the rules existed, makes the IR and RU stories.
	save(t, db, irTelegram, ruTwitter)
	// Run 2 adds a report to the IR story and makes none.
	since := save(t, db, irTelegram2)
	rep, err := n.Notify(t.Context(), Rules{only, also}, since)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rules[0].Sent != 0 {
		t.Errorf("new_stories_only posted %d old stories", rep.Rules[0].Sent)
	}
	msgs := received[jsonMessage](t, h)
	if len(msgs) != 1 || msgs[0].Rule != "also-updated" || msgs[0].Story.Country != "IR" || msgs[0].Story.Sources != 2 {
		t.Fatalf("posts %+v; want the IR story, now with 2 sources, by also-updated", msgs)
	}

	// Run 3 adds a third report: the story was posted, so not again.
	third := irTelegram2
	third.key = "https://c.example/ir-telegram"
	since = save(t, db, third)
	if rep, err = n.Notify(t.Context(), Rules{only, also}, since); err != nil || h.count() != 1 {
		t.Errorf("run 3: %+v, %v, %d posts; want no second post of a story", rep, err, h.count())
	}
}

// The store failing is the one error Notify returns.
func TestNotifyStoreError(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	h := newHook(t)
	since := save(t, db, irTelegram)
	n, _ := notifier(failingClaims{db})
	rep, err := n.Notify(t.Context(), Rules{rule("r", h.URL)}, since)
	if err == nil || !strings.Contains(err.Error(), `alert "r"`) || h.count() != 0 {
		t.Errorf("Notify with a failing store: %+v, %v, %d posts", rep, err, h.count())
	}
}

type failingClaims struct{ *store.DB }

func (failingClaims) ClaimAlert(string, string, time.Time) (store.AlertRecord, bool, error) {
	return store.AlertRecord{}, false, errors.New("disk full")
}

// A webhook that keeps failing is given up on for the rest of the run
// after a few stories, and every story is still tried by the next run.
func TestNotifyBreaksOnDeadWebhook(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	var script []reply
	for range 10 {
		script = append(script, reply{status: 503})
	}
	h := newHook(t, script...)
	n, _ := notifier(db)
	n.Attempts = 1
	var reports []report
	for _, c := range []string{"IR", "RU", "TR", "CN", "IN", "PK"} {
		r := irTelegram
		r.key, r.country = "https://a.example/"+c, c
		reports = append(reports, r)
	}
	since := save(t, db, reports...)
	rep, err := n.Notify(t.Context(), Rules{rule("r", h.URL)}, since)
	if err != nil {
		t.Fatal(err)
	}
	rr := rep.Rules[0]
	if rr.Failed != 6 || h.count() != 3 {
		t.Fatalf("report %+v, %d requests; want 6 failed after 3 requests", rr, h.count())
	}
	for i, d := range rr.Deliveries {
		if skipped := strings.HasPrefix(d.Error, "not tried: the webhook failed or did not answer 3 deliveries in a row"); skipped != (i >= 3) || d.Attempts != 1 {
			t.Errorf("delivery %d: %+v", i, d)
		}
	}

	// The webhook is back.
	h.mu.Lock()
	h.script = nil
	h.mu.Unlock()
	if rep, err = n.Notify(t.Context(), Rules{rule("r", h.URL)}, time.Now()); err != nil || rep.Rules[0].Sent != 6 {
		t.Errorf("next run: %+v, %v; want all 6 sent", rep, err)
	}
}

// A run stopped before its alerts leaves its stories to the next run.
func TestNotifyAfterStoppedRun(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	h := newHook(t)
	n, _ := notifier(db)
	rules := Rules{rule("r", h.URL)}

	// Run 1 covers what was there; run 2 stores two stories and is
	// stopped before it could alert.
	if _, err := n.Notify(t.Context(), rules, time.Now()); err != nil {
		t.Fatal(err)
	}
	since := save(t, db, irTelegram, ruTwitter)
	stopped, cancel := context.WithCancel(t.Context())
	cancel()
	rep, err := n.Notify(stopped, rules, since)
	if err != nil || !rep.Interrupted || h.count() != 0 {
		t.Fatalf("stopped run: %+v, %v, %d posts", rep, err, h.count())
	}

	// Run 3 stores one more and posts all three.
	since = save(t, db, trWikipedia)
	if rep, err = n.Notify(t.Context(), rules, since); err != nil || rep.Rules[0].Sent != 3 {
		t.Fatalf("run after the stopped one: %+v, %v; want its 2 stories and the new one", rep, err)
	}
	// Run 4: covered, nothing again.
	if rep, err = n.Notify(t.Context(), rules, time.Now()); err != nil || h.count() != 3 {
		t.Errorf("run 4: %+v, %v, %d posts", rep, err, h.count())
	}
}

// Skip, for a run without alerts, keeps its stories from the next run
// that alerts.
func TestSkip(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	h := newHook(t)
	n, _ := notifier(db)
	rules := Rules{rule("r", h.URL)}
	if _, err := n.Notify(t.Context(), rules, time.Now()); err != nil {
		t.Fatal(err)
	}
	save(t, db, irTelegram, ruTwitter) // a run with --no-alerts
	if err := Skip(db, time.Now()); err != nil {
		t.Fatal(err)
	}
	since := save(t, db, trWikipedia)
	rep, err := n.Notify(t.Context(), rules, since)
	if err != nil {
		t.Fatal(err)
	}
	if got := storyIDs(t, h); rep.Rules[0].Sent != 1 || len(got) != 1 || received[jsonMessage](t, h)[0].Story.Country != "TR" {
		t.Errorf("after a skipped run: %+v; want only the TR story of the alerting run", rep)
	}
}

// A rule a run had to skip, broken for a while, posts what it missed
// once it is fixed; the rules that ran meanwhile do not post it again.
func TestHoldSkippedRule(t *testing.T) {
	t.Parallel()
	db := openStore(t)
	h := newHook(t)
	n, _ := notifier(db)
	good, fixed := rule("good", h.URL+"/good"), rule("fixed", h.URL+"/fixed")
	if _, err := n.Notify(t.Context(), Rules{good, fixed}, time.Now()); err != nil {
		t.Fatal(err)
	}

	// Two runs while "fixed" is broken: its webhook variable is unset.
	for _, r := range []report{irTelegram, ruTwitter} {
		since := save(t, db, r)
		if err := Hold(db, []string{"fixed"}, since); err != nil {
			t.Fatal(err)
		}
		if _, err := n.Notify(t.Context(), Rules{good}, since); err != nil {
			t.Fatal(err)
		}
	}
	// Fixed: it posts both stories it missed and the new one.
	since := save(t, db, trWikipedia)
	rep, err := n.Notify(t.Context(), Rules{good, fixed}, since)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rules[0].Sent != 1 || rep.Rules[1].Sent != 3 {
		t.Errorf("report %+v; want good to post the new story and fixed all 3", rep)
	}
	// Released: the next run posts nothing again.
	if rep, err = n.Notify(t.Context(), Rules{good, fixed}, time.Now()); err != nil || rep.Totals().Sent != 0 || h.count() != 6 {
		t.Errorf("run after: %+v, %v, %d posts; want 6 posts in all", rep, err, h.count())
	}
}
