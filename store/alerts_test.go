package store

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestClaimAlertLifecycle(t *testing.T) {
	t.Parallel()
	db := openTemp(t)
	t0 := time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC)

	rec, ok, err := db.ClaimAlert("iran", "s1", t0)
	if err != nil || !ok {
		t.Fatalf("first claim: %v, %v; want claimed", ok, err)
	}
	if rec.State != AlertSending || rec.Attempts != 1 || !rec.At.Equal(t0) {
		t.Errorf("first claim recorded %+v", rec)
	}
	// A claim held (or left by a crash) is not taken again.
	if rec, ok, err = db.ClaimAlert("iran", "s1", t0.Add(time.Minute)); err != nil || ok || rec.State != AlertSending {
		t.Fatalf("claim of a claimed alert: %+v, %v, %v; want the claim, not taken", rec, ok, err)
	}
	// Another rule, same story: its own record.
	if _, ok, err := db.ClaimAlert("any", "s1", t0); err != nil || !ok {
		t.Fatalf("claim by another rule: %v, %v", ok, err)
	}

	if rec, err = db.FinishAlert("iran", "s1", AlertFailed, "HTTP 502", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if rec.State != AlertFailed || rec.LastError != "HTTP 502" || rec.Attempts != 1 {
		t.Errorf("failed record %+v", rec)
	}
	// A failed alert is claimed again, one attempt more.
	rec, ok, err = db.ClaimAlert("iran", "s1", t0.Add(24*time.Hour))
	if err != nil || !ok || rec.Attempts != 2 || rec.State != AlertSending {
		t.Fatalf("reclaim of a failed alert: %+v, %v, %v", rec, ok, err)
	}
	if _, err := db.FinishAlert("iran", "s1", AlertSent, "", t0.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if rec, ok, err = db.ClaimAlert("iran", "s1", t0.Add(48*time.Hour)); err != nil || ok || rec.State != AlertSent {
		t.Errorf("claim of a sent alert: %+v, %v, %v; want not taken", rec, ok, err)
	}
	// Finishing twice would overwrite what the first finish recorded.
	if _, err := db.FinishAlert("iran", "s1", AlertFailed, "late", t0); !errors.Is(err, ErrAlertNotClaimed) {
		t.Errorf("finish of a sent alert: %v; want ErrAlertNotClaimed", err)
	}
	if _, err := db.FinishAlert("iran", "never", AlertSent, "", t0); !errors.Is(err, ErrAlertNotClaimed) {
		t.Errorf("finish of an alert never claimed: %v; want ErrAlertNotClaimed", err)
	}

	if _, err := db.FinishAlert("any", "s1", AlertGaveUp, "HTTP 404", t0); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.ClaimAlert("any", "s1", t0); ok {
		t.Error("an alert given up was claimed again")
	}
}

func TestAlertsOrderAndPrefix(t *testing.T) {
	t.Parallel()
	db := openTemp(t)
	at := time.Now()
	// "a" must not list "ab"'s records: the key separator keeps them apart.
	for _, k := range [][2]string{{"ab", "s1"}, {"a", "s2"}, {"a", "s1"}, {"b", "s0"}} {
		if _, _, err := db.ClaimAlert(k[0], k[1], at); err != nil {
			t.Fatal(err)
		}
	}
	keys := func(recs []AlertRecord) []string {
		var out []string
		for _, r := range recs {
			out = append(out, r.Rule+"/"+r.Story)
		}
		return out
	}
	all, err := db.Alerts("")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keys(all), []string{"a/s1", "a/s2", "ab/s1", "b/s0"}; !slices.Equal(got, want) {
		t.Errorf("Alerts(\"\") = %v, want %v", got, want)
	}
	a, err := db.Alerts("a")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keys(a), []string{"a/s1", "a/s2"}; !slices.Equal(got, want) {
		t.Errorf("Alerts(a) = %v, want %v", got, want)
	}
	if _, _, err := db.ClaimAlert("bad\x00rule", "s1", at); err == nil {
		t.Error("a rule name holding NUL was accepted")
	}
	if _, _, err := db.ClaimAlert("a", "", at); err == nil {
		t.Error("an empty story id was accepted")
	}
}

// A claim outlives the process that made it: a run that dies between
// claim and delivery leaves it, and the next one sees it and keeps off.
func TestAlertClaimSurvivesReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	if _, ok, err := db.ClaimAlert("iran", "s1", at); err != nil || !ok {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	if err := db.Close(); err != nil { // the "crash"
		t.Fatal(err)
	}

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ro.Alert("iran", "s1")
	ro.Close()
	if err != nil || rec.State != AlertSending || rec.Attempts != 1 || !rec.At.Equal(at) {
		t.Fatalf("read back %+v, %v", rec, err)
	}

	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, ok, err := db.ClaimAlert("iran", "s1", at.Add(time.Hour)); err != nil || ok {
		t.Errorf("claim after a crash: %v, %v; want not taken", ok, err)
	}
}

// A store that never alerted has no alerts bucket; reading it, even
// read-only, finds nothing rather than failing.
func TestAlertsEmptyStore(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	recs, err := ro.Alerts("")
	if err != nil || len(recs) != 0 {
		t.Errorf("Alerts on a fresh store: %v, %v", recs, err)
	}
	if _, err := ro.Alert("iran", "s1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Alert on a fresh store: %v; want ErrNotFound", err)
	}
	if _, _, err := ro.ClaimAlert("iran", "s1", time.Now()); err == nil {
		t.Error("a read-only store took a claim")
	}
}

func TestAlertsCovered(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.AlertsCovered(); err != nil || !got.IsZero() {
		t.Fatalf("fresh store: %v, %v; want zero", got, err)
	}
	t1 := time.Date(2024, 5, 1, 3, 0, 0, 123456789, time.FixedZone("X", 3600))
	if err := db.SetAlertsCovered(t1); err != nil {
		t.Fatal(err)
	}
	// An earlier mark does not move it back.
	if err := db.SetAlertsCovered(t1.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got, err := ro.AlertsCovered(); err != nil || !got.Equal(t1) {
		t.Errorf("read back %v, %v; want %v to the nanosecond", got, err, t1)
	}
}

// stateOf reads back the state of one alert.
func stateOf(t *testing.T, db *DB, rule, story string) AlertRecord {
	t.Helper()
	rec, err := db.Alert(rule, story)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// alertIn records rule's alert for story in state, as a run would have.
func alertIn(t *testing.T, db *DB, rule, story string, state AlertState, at time.Time) {
	t.Helper()
	if _, ok, err := db.ClaimAlert(rule, story, at); err != nil || !ok {
		t.Fatalf("claim %s/%s: %v, %v", rule, story, ok, err)
	}
	if state == AlertSending {
		return
	}
	if _, err := db.FinishAlert(rule, story, state, "was "+string(state), at); err != nil {
		t.Fatal(err)
	}
}

// An alert whose outcome is unknown is never claimed by a run again.
func TestAlertUnknownIsNotClaimed(t *testing.T) {
	t.Parallel()
	db := openTemp(t)
	t0 := time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC)
	alertIn(t, db, "r", "s1", AlertUnknown, t0)
	if rec, ok, err := db.ClaimAlert("r", "s1", t0.Add(24*time.Hour)); err != nil || ok || rec.State != AlertUnknown {
		t.Errorf("claim of an unknown alert: %+v, %v, %v; want not taken", rec, ok, err)
	}
	if _, err := db.FinishAlert("r", "s1", AlertSending, "", t0); err == nil {
		t.Error("FinishAlert accepted sending as how a delivery ends")
	}
}

func TestExpireAlertClaims(t *testing.T) {
	t.Parallel()
	db := openTemp(t)
	t0 := time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC)
	alertIn(t, db, "r", "old", AlertSending, t0)                  // a run died posting it
	alertIn(t, db, "r", "fresh", AlertSending, t0.Add(time.Hour)) // a run posts it now
	alertIn(t, db, "other", "old", AlertSending, t0)
	alertIn(t, db, "r", "failed", AlertFailed, t0)

	now := t0.Add(time.Hour + time.Minute)
	got, err := db.ExpireAlertClaims("r", t0.Add(30*time.Minute), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Story != "old" || got[0].State != AlertUnknown || !got[0].At.Equal(now) ||
		!strings.Contains(got[0].LastError, "claimed at 2024-05-01T03:00:00Z") {
		t.Fatalf("expired %+v; want only r/old, now unknown", got)
	}
	for _, c := range []struct {
		rule, story string
		want        AlertState
	}{{"r", "old", AlertUnknown}, {"r", "fresh", AlertSending}, {"other", "old", AlertSending}, {"r", "failed", AlertFailed}} {
		if rec := stateOf(t, db, c.rule, c.story); rec.State != c.want {
			t.Errorf("%s/%s is %s, want %s", c.rule, c.story, rec.State, c.want)
		}
	}
	// Every rule, when none is named.
	if got, err := db.ExpireAlertClaims("", t0.Add(30*time.Minute), now); err != nil || len(got) != 1 || got[0].Rule != "other" {
		t.Errorf("expire for every rule: %+v, %v; want other/old", got, err)
	}
}

func TestResendAlert(t *testing.T) {
	t.Parallel()
	db := openTemp(t)
	t0 := time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC)
	stale := t0.Add(30 * time.Minute)
	for _, s := range []AlertState{AlertSent, AlertFailed, AlertGaveUp, AlertUnknown} {
		alertIn(t, db, "r", string(s), s, t0)
	}
	alertIn(t, db, "r", "dead-claim", AlertSending, t0)
	alertIn(t, db, "r", "live-claim", AlertSending, t0.Add(time.Hour))

	for _, story := range []string{"sent", "failed", "gave_up", "unknown", "dead-claim", "never-tried"} {
		rec, err := db.ResendAlert("r", story, t0.Add(2*time.Hour), stale)
		if err != nil {
			t.Errorf("resend %s: %v", story, err)
			continue
		}
		want := 2
		if story == "never-tried" {
			want = 1
		}
		if rec.State != AlertSending || rec.Attempts != want {
			t.Errorf("resend %s: %+v; want a claim, attempt %d", story, rec, want)
		}
	}
	if _, err := db.ResendAlert("r", "live-claim", t0.Add(2*time.Hour), stale); !errors.Is(err, ErrAlertInFlight) {
		t.Errorf("resend of an alert a run is posting: %v; want ErrAlertInFlight", err)
	}
}

func TestClearAlerts(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name, rule, story string
		states            []AlertState
		cleared           []string // rule/story
	}{
		{"failed of every rule", "", "", []AlertState{AlertFailed, AlertGaveUp}, []string{"a/failed", "a/gave_up", "b/failed"}},
		{"unknown of one rule", "a", "", []AlertState{AlertUnknown}, []string{"a/unknown"}},
		{"one story", "", "failed", []AlertState{AlertFailed}, []string{"a/failed", "b/failed"}},
		{"one rule and story", "b", "failed", []AlertState{AlertFailed, AlertUnknown}, []string{"b/failed"}},
		{"nothing matches", "c", "", []AlertState{AlertFailed}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openTemp(t)
			for _, s := range []AlertState{AlertSent, AlertFailed, AlertGaveUp, AlertUnknown, AlertSending} {
				alertIn(t, db, "a", string(s), s, t0)
			}
			alertIn(t, db, "b", "failed", AlertFailed, t0)
			alertIn(t, db, "b", "unknown", AlertUnknown, t0)

			got, err := db.ClearAlerts(tt.rule, tt.story, tt.states, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, r := range got {
				keys = append(keys, r.Rule+"/"+r.Story)
				if r.State != AlertState(r.Story) {
					t.Errorf("cleared %+v; want it as it was", r)
				}
			}
			if !slices.Equal(keys, tt.cleared) {
				t.Fatalf("cleared %v, want %v", keys, tt.cleared)
			}
			for _, k := range tt.cleared {
				rule, story, _ := strings.Cut(k, "/")
				rec := stateOf(t, db, rule, story)
				if rec.State != AlertQueued || rec.Attempts != 0 || rec.LastError != "" {
					t.Errorf("%s after clear: %+v; want queued afresh", k, rec)
				}
				// The next run claims it.
				if rec, ok, err := db.ClaimAlert(rule, story, t0.Add(2*time.Hour)); err != nil || !ok || rec.Attempts != 1 {
					t.Errorf("claim of cleared %s: %+v, %v, %v", k, rec, ok, err)
				}
			}
			if rec := stateOf(t, db, "a", "sent"); rec.State != AlertSent {
				t.Errorf("a sent alert was touched: %+v", rec)
			}
			if rec := stateOf(t, db, "a", "sending"); rec.State != AlertSending {
				t.Errorf("a claim was touched: %+v", rec)
			}
		})
	}
	db := openTemp(t)
	for _, s := range []AlertState{AlertSent, AlertSending} {
		if _, err := db.ClearAlerts("", "", []AlertState{s}, t0); err == nil {
			t.Errorf("ClearAlerts of %s alerts was accepted", s)
		}
	}
}

func TestAlertsHeld(t *testing.T) {
	t.Parallel()
	db := openTemp(t)
	t1 := time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC)
	if got, err := db.AlertsHeld("r"); err != nil || !got.IsZero() {
		t.Fatalf("fresh store: %v, %v", got, err)
	}
	for _, at := range []time.Time{t1, t1.Add(time.Hour)} { // the earlier stands
		if err := db.HoldAlerts("r", at); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.AlertsHeld("r"); err != nil || !got.Equal(t1) {
		t.Errorf("held %v, %v; want %v", got, err, t1)
	}
	if got, _ := db.AlertsHeld("other"); !got.IsZero() {
		t.Errorf("another rule is held from %v", got)
	}
	if err := db.ReleaseAlerts("r"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.AlertsHeld("r"); err != nil || !got.IsZero() {
		t.Errorf("after release: %v, %v", got, err)
	}
}
