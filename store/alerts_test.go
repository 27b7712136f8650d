package store

import (
	"errors"
	"path/filepath"
	"slices"
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
