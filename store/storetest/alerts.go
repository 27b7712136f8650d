package storetest

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/store"
)

// The alert checks run on a store that keeps alerts (store.AlertStore).
// Their times are whole seconds, which every store keeps exactly.

var t0 = time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC)

func openAlerts(t *testing.T, open Open) store.AlertStore {
	t.Helper()
	db, ok := open(t).(store.AlertStore)
	if !ok {
		t.Skip("the store keeps no alerts")
	}
	return db
}

// alertIn puts rule's alert for story in state, as runs would, at at.
func alertIn(t *testing.T, db store.AlertStore, rule, story string, state store.AlertState, at time.Time) {
	t.Helper()
	if _, ok, err := db.ClaimAlert(rule, story, at); err != nil || !ok {
		t.Fatalf("claim %s/%s: %v, %v", rule, story, ok, err)
	}
	switch state {
	case store.AlertSending:
		return
	case store.AlertQueued:
		if _, err := db.FinishAlert(rule, story, store.AlertFailed, "HTTP 500", at); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ClearAlerts(rule, story, []store.AlertState{store.AlertFailed}, at); err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := db.FinishAlert(rule, story, state, "", at); err != nil {
		t.Fatalf("finish %s/%s as %s: %v", rule, story, state, err)
	}
}

func alertOf(t *testing.T, db store.AlertStore, rule, story string) store.AlertRecord {
	t.Helper()
	rec, err := db.Alert(rule, story)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func testAlertsLifecycle(t *testing.T, open Open) {
	db := openAlerts(t, open)
	rec, ok, err := db.ClaimAlert("iran", "s1", t0)
	if err != nil || !ok {
		t.Fatalf("first claim: %v, %v; want claimed", ok, err)
	}
	want := store.AlertRecord{Rule: "iran", Story: "s1", State: store.AlertSending, At: t0, Attempts: 1}
	if rec != want {
		t.Errorf("first claim recorded %+v, want %+v", rec, want)
	}
	// A claim held (or left by a crash) is not taken again.
	if rec, ok, err = db.ClaimAlert("iran", "s1", t0.Add(time.Minute)); err != nil || ok || rec != want {
		t.Fatalf("claim of a claimed alert: %+v, %v, %v; want the claim, not taken", rec, ok, err)
	}
	// Another rule, same story: its own record.
	if _, ok, err := db.ClaimAlert("any", "s1", t0); err != nil || !ok {
		t.Fatalf("claim by another rule: %v, %v", ok, err)
	}
	if rec, err = db.FinishAlert("iran", "s1", store.AlertFailed, "HTTP 502", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if rec.State != store.AlertFailed || rec.LastError != "HTTP 502" || rec.Attempts != 1 || !rec.At.Equal(t0.Add(time.Second)) {
		t.Errorf("failed record %+v", rec)
	}
	// A failed alert is claimed again, one attempt more, its error kept.
	rec, ok, err = db.ClaimAlert("iran", "s1", t0.Add(24*time.Hour))
	if err != nil || !ok || rec.Attempts != 2 || rec.State != store.AlertSending || rec.LastError != "HTTP 502" {
		t.Fatalf("reclaim of a failed alert: %+v, %v, %v", rec, ok, err)
	}
	if _, err := db.FinishAlert("iran", "s1", store.AlertSent, "", t0.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if rec, ok, err = db.ClaimAlert("iran", "s1", t0.Add(48*time.Hour)); err != nil || ok || rec.State != store.AlertSent {
		t.Errorf("claim of a sent alert: %+v, %v, %v; want not taken", rec, ok, err)
	}
	if _, err := db.FinishAlert("iran", "s1", store.AlertFailed, "late", t0); !errors.Is(err, store.ErrAlertNotClaimed) {
		t.Errorf("finish of a sent alert: %v; want ErrAlertNotClaimed", err)
	}
	if _, err := db.FinishAlert("iran", "never", store.AlertSent, "", t0); !errors.Is(err, store.ErrAlertNotClaimed) {
		t.Errorf("finish of an alert never claimed: %v; want ErrAlertNotClaimed", err)
	}
	if _, err := db.FinishAlert("any", "s1", store.AlertSending, "", t0); err == nil {
		t.Error("FinishAlert accepted sending as how a delivery ends")
	}
	for _, s := range []store.AlertState{store.AlertGaveUp, store.AlertUnknown} {
		alertIn(t, db, "r", string(s), s, t0)
		if rec, ok, err := db.ClaimAlert("r", string(s), t0.Add(time.Hour)); err != nil || ok || rec.State != s {
			t.Errorf("claim of a %s alert: %+v, %v, %v; want not taken", s, rec, ok, err)
		}
	}
	for _, bad := range [][2]string{{"", "s1"}, {"r", ""}, {"r\x00", "s1"}} {
		if _, _, err := db.ClaimAlert(bad[0], bad[1], t0); err == nil {
			t.Errorf("ClaimAlert(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func testAlertsList(t *testing.T, open Open) {
	db := openAlerts(t, open)
	if recs, err := db.Alerts(""); err != nil || recs != nil {
		t.Errorf("alerts of an empty store: %v, %v; want nil", recs, err)
	}
	if _, err := db.Alert("r", "s"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("alert never taken: %v; want ErrNotFound", err)
	}
	// Rules that are prefixes of each other, stories out of order.
	for _, k := range [][2]string{{"ab", "s2"}, {"a", "s9"}, {"ab", "s1"}, {"a", "s10"}, {"b", "s1"}} {
		alertIn(t, db, k[0], k[1], store.AlertSent, t0)
	}
	keys := func(recs []store.AlertRecord) (out []string) {
		for _, r := range recs {
			out = append(out, r.Rule+"/"+r.Story)
		}
		return out
	}
	for rule, want := range map[string][]string{
		"":  {"a/s10", "a/s9", "ab/s1", "ab/s2", "b/s1"},
		"a": {"a/s10", "a/s9"},
		"c": nil,
	} {
		recs, err := db.Alerts(rule)
		if err != nil || !slices.Equal(keys(recs), want) {
			t.Errorf("Alerts(%q) = %v, %v; want %v", rule, keys(recs), err, want)
		}
	}
	if rec := alertOf(t, db, "ab", "s1"); rec.State != store.AlertSent || !rec.At.Equal(t0) || rec.Attempts != 1 {
		t.Errorf("Alert(ab, s1) = %+v", rec)
	}
}

func testAlertsExpire(t *testing.T, open Open) {
	db := openAlerts(t, open)
	alertIn(t, db, "r", "old", store.AlertSending, t0)                  // a run died posting it
	alertIn(t, db, "r", "fresh", store.AlertSending, t0.Add(time.Hour)) // a run posts it now
	alertIn(t, db, "other", "old", store.AlertSending, t0)
	alertIn(t, db, "r", "failed", store.AlertFailed, t0)

	now := t0.Add(time.Hour + time.Minute)
	got, err := db.ExpireAlertClaims("r", t0.Add(30*time.Minute), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Story != "old" || got[0].State != store.AlertUnknown || !got[0].At.Equal(now) ||
		!strings.Contains(got[0].LastError, "claimed at 2024-05-01T03:00:00Z") {
		t.Fatalf("expired %+v; want only r/old, now unknown", got)
	}
	for _, c := range []struct {
		rule, story string
		want        store.AlertState
	}{{"r", "old", store.AlertUnknown}, {"r", "fresh", store.AlertSending}, {"other", "old", store.AlertSending}, {"r", "failed", store.AlertFailed}} {
		if rec := alertOf(t, db, c.rule, c.story); rec.State != c.want {
			t.Errorf("%s/%s is %s, want %s", c.rule, c.story, rec.State, c.want)
		}
	}
	if got, err := db.ExpireAlertClaims("", t0.Add(30*time.Minute), now); err != nil || len(got) != 1 || got[0].Rule != "other" {
		t.Errorf("expire for every rule: %+v, %v; want other/old", got, err)
	}
}

func testAlertsResend(t *testing.T, open Open) {
	db := openAlerts(t, open)
	stale := t0.Add(30 * time.Minute)
	for _, s := range []store.AlertState{store.AlertSent, store.AlertFailed, store.AlertGaveUp, store.AlertUnknown} {
		alertIn(t, db, "r", string(s), s, t0)
	}
	alertIn(t, db, "r", "dead-claim", store.AlertSending, t0)
	alertIn(t, db, "r", "live-claim", store.AlertSending, t0.Add(time.Hour))

	at := t0.Add(2 * time.Hour)
	for _, story := range []string{"sent", "failed", "gave_up", "unknown", "dead-claim", "never-tried"} {
		rec, err := db.ResendAlert("r", story, at, stale)
		if err != nil {
			t.Errorf("resend %s: %v", story, err)
			continue
		}
		want := 2
		if story == "never-tried" {
			want = 1
		}
		if rec.State != store.AlertSending || rec.Attempts != want || !rec.At.Equal(at) {
			t.Errorf("resend %s: %+v; want a claim at %v, attempt %d", story, rec, at, want)
		}
	}
	_, err := db.ResendAlert("r", "live-claim", at, stale)
	if !errors.Is(err, store.ErrAlertInFlight) || !strings.Contains(err.Error(), "claimed at 2024-05-01T04:00:00Z") {
		t.Errorf("resend of an alert a run is posting: %v; want ErrAlertInFlight, claimed at 04:00", err)
	}
	if rec := alertOf(t, db, "r", "live-claim"); rec.Attempts != 1 || !rec.At.Equal(t0.Add(time.Hour)) {
		t.Errorf("a refused resend changed the claim: %+v", rec)
	}
}

func testAlertsClear(t *testing.T, open Open) {
	tests := []struct {
		name, rule, story string
		states            []store.AlertState
		cleared           []string // rule/story
	}{
		{"failed of every rule", "", "", []store.AlertState{store.AlertFailed, store.AlertGaveUp}, []string{"a/failed", "a/gave_up", "b/failed"}},
		{"unknown of one rule", "a", "", []store.AlertState{store.AlertUnknown}, []string{"a/unknown"}},
		{"one story", "", "failed", []store.AlertState{store.AlertFailed}, []string{"a/failed", "b/failed"}},
		{"one rule and story", "b", "failed", []store.AlertState{store.AlertFailed, store.AlertUnknown}, []string{"b/failed"}},
		{"nothing matches", "c", "", []store.AlertState{store.AlertFailed}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openAlerts(t, open)
			for _, s := range []store.AlertState{store.AlertSent, store.AlertFailed, store.AlertGaveUp, store.AlertUnknown, store.AlertSending} {
				alertIn(t, db, "a", string(s), s, t0)
			}
			alertIn(t, db, "b", "failed", store.AlertFailed, t0)
			alertIn(t, db, "b", "unknown", store.AlertUnknown, t0)

			got, err := db.ClearAlerts(tt.rule, tt.story, tt.states, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, r := range got {
				keys = append(keys, r.Rule+"/"+r.Story)
				if r.State != store.AlertState(r.Story) || r.Attempts != 1 {
					t.Errorf("cleared %+v; want it as it was", r)
				}
			}
			if !slices.Equal(keys, tt.cleared) {
				t.Fatalf("cleared %v, want %v", keys, tt.cleared)
			}
			for _, k := range tt.cleared {
				rule, story, _ := strings.Cut(k, "/")
				rec := alertOf(t, db, rule, story)
				if rec.State != store.AlertQueued || rec.Attempts != 0 || rec.LastError != "" || !rec.At.Equal(t0.Add(time.Hour)) {
					t.Errorf("%s after clear: %+v; want queued afresh", k, rec)
				}
				if rec, ok, err := db.ClaimAlert(rule, story, t0.Add(2*time.Hour)); err != nil || !ok || rec.Attempts != 1 {
					t.Errorf("claim of cleared %s: %+v, %v, %v", k, rec, ok, err)
				}
			}
			if rec := alertOf(t, db, "a", "sent"); rec.State != store.AlertSent {
				t.Errorf("a sent alert was touched: %+v", rec)
			}
			if rec := alertOf(t, db, "a", "sending"); rec.State != store.AlertSending {
				t.Errorf("a claim was touched: %+v", rec)
			}
		})
	}
	db := openAlerts(t, open)
	for _, s := range []store.AlertState{store.AlertSent, store.AlertSending} {
		if _, err := db.ClearAlerts("", "", []store.AlertState{s}, t0); err == nil {
			t.Errorf("ClearAlerts of %s alerts was accepted", s)
		}
	}
}

func testAlertsCoveredHeld(t *testing.T, open Open) {
	db := openAlerts(t, open)
	if got, err := db.AlertsCovered(); err != nil || !got.IsZero() {
		t.Fatalf("covered in an empty store: %v, %v; want zero", got, err)
	}
	// Of two runs finishing out of order, the later mark stands.
	for _, at := range []time.Time{t0.Add(time.Hour), t0, t0.Add(2 * time.Hour), t0.Add(time.Minute)} {
		if err := db.SetAlertsCovered(at); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.AlertsCovered(); err != nil || !got.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("covered %v, %v; want %v", got, err, t0.Add(2*time.Hour))
	}

	if got, err := db.AlertsHeld("r"); err != nil || !got.IsZero() {
		t.Fatalf("held in an empty store: %v, %v", got, err)
	}
	for _, at := range []time.Time{t0.Add(time.Hour), t0, t0.Add(2 * time.Hour)} { // the earlier stands
		if err := db.HoldAlerts("r", at); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.AlertsHeld("r"); err != nil || !got.Equal(t0) {
		t.Errorf("held %v, %v; want %v", got, err, t0)
	}
	if got, _ := db.AlertsHeld("other"); !got.IsZero() {
		t.Errorf("another rule is held from %v", got)
	}
	if err := db.HoldAlerts("", t0); err == nil {
		t.Error("HoldAlerts with no rule was accepted")
	}
	if err := db.ReleaseAlerts("r"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.AlertsHeld("r"); err != nil || !got.IsZero() {
		t.Errorf("after release: %v, %v", got, err)
	}
}

// testAlertsClaimRace: many callers claim one alert at once, as workers
// finishing the same story would; exactly one is given it, whether it
// was never tried or failed before.
func testAlertsClaimRace(t *testing.T, open Open) {
	db := openAlerts(t, open)
	ClaimRace(t, []store.AlertStore{db})
}

// ClaimRace has 8 callers per store of stores, all at once, claim each
// of a few alerts (some never tried, some failed before) and fails t
// unless each alert was claimed exactly once. Stores may be several
// handles on one database, as in several processes.
func ClaimRace(t *testing.T, stores []store.AlertStore) {
	t.Helper()
	first := stores[0]
	stories := []string{"new1", "new2", "failed1", "failed2", "queued"}
	alertIn(t, first, "r", "failed1", store.AlertFailed, t0)
	alertIn(t, first, "r", "failed2", store.AlertFailed, t0)
	alertIn(t, first, "r", "queued", store.AlertQueued, t0)
	const perStore = 8
	var (
		mu   sync.Mutex
		wins = map[string]int{}
		errs []error
		wg   sync.WaitGroup
		// start lets every caller go at once.
		start = make(chan struct{})
	)
	for _, db := range stores {
		for range perStore {
			wg.Go(func() {
				<-start
				for _, s := range stories {
					_, ok, err := db.ClaimAlert("r", s, t0.Add(time.Hour))
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					}
					if ok {
						wins[s]++
					}
					mu.Unlock()
				}
			})
		}
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, s := range stories {
		if wins[s] != 1 {
			t.Errorf("alert r/%s claimed %d times by %d callers, want once", s, wins[s], perStore*len(stores))
		}
		if rec := alertOf(t, first, "r", s); rec.State != store.AlertSending {
			t.Errorf("r/%s after the race: %+v", s, rec)
		}
	}
}
