package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// bucketAlertsSent records, per alert rule and story, what became of the
// alert. It is created by the first claim rather than by Open: a store
// that never alerts has no use for it, and its absence reads as empty.
var bucketAlertsSent = []byte("alerts_sent")

// AlertState is where the delivery of one alert stands.
type AlertState string

const (
	// AlertSending is a claim: a run took the alert and is posting it.
	// At most one run holds it at a time. A claim still there long after
	// it was taken was left by a run that died while posting: see
	// ExpireAlertClaims.
	AlertSending AlertState = "sending"
	// AlertSent means the webhook accepted it.
	AlertSent AlertState = "sent"
	// AlertFailed means the webhook refused it or could not be reached,
	// so it did not take it; a later run may claim it again.
	AlertFailed AlertState = "failed"
	// AlertGaveUp means it failed too many times to be tried again.
	AlertGaveUp AlertState = "gave_up"
	// AlertUnknown means the request may have reached the webhook but no
	// answer came: it timed out, or the run was stopped or died while
	// waiting. It is never claimed again by a run, as posting it twice is
	// worse than not at all; only ResendAlert or ClearAlerts move it on.
	AlertUnknown AlertState = "unknown"
	// AlertQueued is an alert put back by ClearAlerts: the next run
	// claims it as it does a failed one, with the count of attempts
	// started again.
	AlertQueued AlertState = "queued"
)

// Claimable reports whether a run may claim an alert in state s: one
// that failed, or was put back by ClearAlerts.
func (s AlertState) Claimable() bool { return s == AlertFailed || s == AlertQueued }

// AlertRecord is what the store knows of one rule's alert for one story.
type AlertRecord struct {
	Rule  string     `json:"-"` // from the key
	Story string     `json:"-"` // from the key
	State AlertState `json:"state"`
	// At is when the state was last set.
	At time.Time `json:"at"`
	// Attempts counts the deliveries claimed, one per run; each may have
	// made several HTTP requests.
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error,omitempty"`
}

// ErrAlertNotClaimed is FinishAlert on an alert no run holds a claim on.
var ErrAlertNotClaimed = errors.New("alert not claimed")

// ClaimAlert takes the alert of rule for story, in one transaction, so
// that of two runs at most one posts it: it records the state
// AlertSending with one more attempt and returns the new record and true.
// An alert in any other state than failed or queued (sent, being sent,
// unknown, given up) is not claimed: it returns the stored record and
// false. Only an alert never tried, failed, or queued can be claimed.
func (db *DB) ClaimAlert(rule, story string, at time.Time) (AlertRecord, bool, error) {
	rec, claimed, err := db.claim(rule, story, at, func(rec AlertRecord) (bool, error) {
		return rec.State.Claimable(), nil
	})
	if err != nil {
		return AlertRecord{}, false, fmt.Errorf("claim alert %s for story %s in %s: %w", rule, story, db.path, err)
	}
	return rec, claimed, nil
}

// ErrAlertInFlight is ResendAlert on an alert a run is posting now.
var ErrAlertInFlight = errors.New("alert is being posted by a run now")

// ResendAlert claims rule's alert for story whatever became of it, to
// post it again on purpose: sent, failed, given up, unknown, or never
// tried. Only a claim taken at or after staleBefore is respected, as a
// run may be posting it now (ErrAlertInFlight); an older one was left by
// a run that died.
func (db *DB) ResendAlert(rule, story string, at, staleBefore time.Time) (AlertRecord, error) {
	rec, _, err := db.claim(rule, story, at, func(rec AlertRecord) (bool, error) {
		if rec.State == AlertSending && !rec.At.Before(staleBefore) {
			return false, fmt.Errorf("%w (claimed at %s)", ErrAlertInFlight, rec.At.UTC().Format(time.RFC3339))
		}
		return true, nil
	})
	if err != nil {
		return AlertRecord{}, fmt.Errorf("resend alert %s for story %s in %s: %w", rule, story, db.path, err)
	}
	return rec, nil
}

// claim records rule's alert for story as AlertSending, one attempt
// more, if there is no record yet or may says the stored one may be
// claimed.
func (db *DB) claim(rule, story string, at time.Time, may func(AlertRecord) (bool, error)) (AlertRecord, bool, error) {
	key, err := alertKey(rule, story)
	if err != nil {
		return AlertRecord{}, false, err
	}
	rec := AlertRecord{Rule: rule, Story: story}
	claimed := false
	err = db.update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketAlertsSent)
		if err != nil {
			return err
		}
		if raw := b.Get(key); raw != nil {
			if err := json.Unmarshal(raw, &rec); err != nil {
				return corrupt("decode: %w", err)
			}
			if ok, err := may(rec); !ok || err != nil {
				return err
			}
		}
		rec.State, rec.At = AlertSending, at.UTC()
		rec.Attempts++
		claimed = true
		return putAlert(b, key, rec)
	})
	if err != nil {
		return AlertRecord{}, false, err
	}
	return rec, claimed, nil
}

// FinishAlert records how a claimed delivery ended: state is AlertSent,
// AlertFailed, AlertGaveUp or AlertUnknown, with the error that made it
// fail or its outcome unknown. It fails with ErrAlertNotClaimed unless
// the alert is in the state AlertSending, so a run cannot overwrite what
// another recorded.
func (db *DB) FinishAlert(rule, story string, state AlertState, lastError string, at time.Time) (AlertRecord, error) {
	key, err := alertKey(rule, story)
	if err != nil {
		return AlertRecord{}, err
	}
	switch state {
	case AlertSent, AlertFailed, AlertGaveUp, AlertUnknown:
	default:
		return AlertRecord{}, fmt.Errorf("finish alert %s for story %s: %q is not how a delivery ends", rule, story, state)
	}
	rec := AlertRecord{Rule: rule, Story: story}
	err = db.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAlertsSent)
		var raw []byte
		if b != nil {
			raw = b.Get(key)
		}
		if raw == nil {
			return ErrAlertNotClaimed
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			return corrupt("decode: %w", err)
		}
		if rec.State != AlertSending {
			return fmt.Errorf("%w: it is %s", ErrAlertNotClaimed, rec.State)
		}
		rec.State, rec.At, rec.LastError = state, at.UTC(), lastError
		return putAlert(b, key, rec)
	})
	if err != nil {
		return AlertRecord{}, fmt.Errorf("finish alert %s for story %s in %s: %w", rule, story, db.path, err)
	}
	return rec, nil
}

// ExpireAlertClaims turns the claims of rule (of every rule when rule is
// empty) taken before staleBefore into AlertUnknown, and returns them as
// they are now. No delivery holds a claim that long, so the run that took it
// died while posting: the webhook may have the message.
func (db *DB) ExpireAlertClaims(rule string, staleBefore, at time.Time) ([]AlertRecord, error) {
	_, out, err := db.updateAlerts(rule, "", func(rec *AlertRecord) bool {
		if rec.State != AlertSending || !rec.At.Before(staleBefore) {
			return false
		}
		rec.State = AlertUnknown
		rec.LastError = fmt.Sprintf("a run stopped while posting it (claimed at %s); it may have arrived", rec.At.UTC().Format(time.RFC3339))
		rec.At = at.UTC()
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("expire alert claims in %s: %w", db.path, err)
	}
	return out, nil
}

// ClearAlerts puts back the alerts of rule (every rule when empty) for
// story (every story when empty) that are in one of states, so that the
// next run posts them: they become AlertQueued, with no attempts and no
// error. Only failed, given-up and unknown alerts can be put back; a sent
// one is posted again only by ResendAlert, and a claim is a run's. It
// returns the alerts it changed, as they were before.
func (db *DB) ClearAlerts(rule, story string, states []AlertState, at time.Time) ([]AlertRecord, error) {
	for _, s := range states {
		switch s {
		case AlertFailed, AlertGaveUp, AlertUnknown, AlertQueued:
		default:
			return nil, fmt.Errorf("clear alerts: %s alerts cannot be cleared", s)
		}
	}
	out, _, err := db.updateAlerts(rule, story, func(rec *AlertRecord) bool {
		if !slices.Contains(states, rec.State) {
			return false
		}
		rec.State, rec.At, rec.Attempts, rec.LastError = AlertQueued, at.UTC(), 0, ""
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("clear alerts in %s: %w", db.path, err)
	}
	return out, nil
}

// updateAlerts applies change to the records of rule (every rule when
// empty) and story (every story when empty) in one transaction, storing
// those it reports changed, and returns them as they were and as they
// are now.
func (db *DB) updateAlerts(rule, story string, change func(*AlertRecord) bool) (was, now []AlertRecord, err error) {
	if strings.ContainsRune(rule, 0) || strings.ContainsRune(story, 0) {
		return nil, nil, fmt.Errorf("invalid rule %q or story %q", rule, story)
	}
	var prefix []byte
	if rule != "" {
		prefix = append([]byte(rule), 0)
	}
	err = db.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAlertsSent)
		if b == nil {
			return nil
		}
		type put struct {
			key []byte
			rec AlertRecord
		}
		var puts []put
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			r, s, ok := bytes.Cut(k, []byte{0})
			if !ok {
				return fmt.Errorf("%s: malformed key %q", bucketAlertsSent, k)
			}
			if story != "" && string(s) != story {
				continue
			}
			rec := AlertRecord{Rule: string(r), Story: string(s)}
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("%s: decode %q: %w", bucketAlertsSent, k, err)
			}
			before := rec
			if change(&rec) {
				was, now = append(was, before), append(now, rec)
				puts = append(puts, put{bytes.Clone(k), rec})
			}
		}
		// Not while the cursor walks: a put may move what it points at.
		for _, p := range puts {
			if err := putAlert(b, p.key, p.rec); err != nil {
				return err
			}
		}
		return nil
	})
	return was, now, err
}

// Alert returns the record of rule's alert for story, or an error
// wrapping ErrNotFound when the rule never took up the story.
func (db *DB) Alert(rule, story string) (AlertRecord, error) {
	key, err := alertKey(rule, story)
	if err != nil {
		return AlertRecord{}, err
	}
	rec := AlertRecord{Rule: rule, Story: story}
	err = db.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAlertsSent)
		if b == nil {
			return ErrNotFound
		}
		return getJSON(b, string(key), &rec)
	})
	if err != nil {
		return AlertRecord{}, fmt.Errorf("alert %s for story %s: %w", rule, story, err)
	}
	return rec, nil
}

// Alerts returns the records of one rule, or of every rule when rule is
// empty, ordered by rule and then story id.
func (db *DB) Alerts(rule string) ([]AlertRecord, error) {
	var prefix []byte
	if rule != "" {
		if strings.ContainsRune(rule, 0) {
			return nil, fmt.Errorf("alerts: rule name %q holds a NUL byte", rule)
		}
		prefix = append([]byte(rule), 0)
	}
	var out []AlertRecord
	err := db.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAlertsSent)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			r, s, ok := bytes.Cut(k, []byte{0})
			if !ok {
				return corrupt("%s: malformed key %q", bucketAlertsSent, k)
			}
			rec := AlertRecord{Rule: string(r), Story: string(s)}
			if err := json.Unmarshal(v, &rec); err != nil {
				return corrupt("%s: decode %q: %w", bucketAlertsSent, k, err)
			}
			out = append(out, rec)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("alerts in %s: %w", db.path, err)
	}
	return out, nil
}

func putAlert(b *bbolt.Bucket, key []byte, rec AlertRecord) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return b.Put(key, raw)
}

// alertKey is rule \x00 story id.
func alertKey(rule, story string) ([]byte, error) {
	if rule == "" || story == "" || strings.ContainsRune(rule, 0) || strings.ContainsRune(story, 0) {
		return nil, fmt.Errorf("alert key: invalid rule %q or story %q", rule, story)
	}
	return pairKey(rule, story), nil
}

// bucketAlertsMeta holds keyAlertsCovered: the time up to which every
// story the store made has been considered for alerts. A run that stops
// before alerting leaves it behind, so the next run also considers the
// stories the stopped one made.
var (
	bucketAlertsMeta = []byte("alerts_meta")
	keyAlertsCovered = []byte("covered")
)

// AlertsCovered returns the time up to which every story made has been
// considered for alerts; zero when none was recorded.
func (db *DB) AlertsCovered() (time.Time, error) {
	var t time.Time
	err := db.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAlertsMeta)
		if b == nil {
			return nil
		}
		raw := b.Get(keyAlertsCovered)
		if raw == nil {
			return nil
		}
		return t.UnmarshalText(raw)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("alerts covered in %s: %w", db.path, err)
	}
	return t, nil
}

// SetAlertsCovered records that every story made before t has been
// considered for alerts. It never moves the time back: of two runs
// finishing out of order, the later mark stands.
func (db *DB) SetAlertsCovered(t time.Time) error {
	err := db.update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketAlertsMeta)
		if err != nil {
			return err
		}
		if raw := b.Get(keyAlertsCovered); raw != nil {
			var prev time.Time
			if err := prev.UnmarshalText(raw); err == nil && !t.After(prev) {
				return nil
			}
		}
		raw, err := t.UTC().MarshalText()
		if err != nil {
			return err
		}
		return b.Put(keyAlertsCovered, raw)
	})
	if err != nil {
		return fmt.Errorf("set alerts covered in %s: %w", db.path, err)
	}
	return nil
}

// keyAlertsHeld prefixes, in bucketAlertsMeta, the hold of each rule
// that a run had to skip: the time from which it has missed stories.
var keyAlertsHeld = []byte("held\x00")

// AlertsHeld returns the time from which rule has missed stories, as
// HoldAlerts recorded it; zero when it has missed none.
func (db *DB) AlertsHeld(rule string) (time.Time, error) {
	var t time.Time
	err := db.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAlertsMeta)
		if b == nil {
			return nil
		}
		raw := b.Get(append(bytes.Clone(keyAlertsHeld), rule...))
		if raw == nil {
			return nil
		}
		return t.UnmarshalText(raw)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("alerts held for %s in %s: %w", rule, db.path, err)
	}
	return t, nil
}

// HoldAlerts records that rule misses the stories made from t on, as a
// run could not use it: the first run that can considers them, however
// far AlertsCovered has moved on. Of two holds the earlier stands.
func (db *DB) HoldAlerts(rule string, t time.Time) error {
	if rule == "" {
		return fmt.Errorf("hold alerts in %s: no rule named", db.path)
	}
	err := db.update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketAlertsMeta)
		if err != nil {
			return err
		}
		key := append(bytes.Clone(keyAlertsHeld), rule...)
		if raw := b.Get(key); raw != nil {
			var prev time.Time
			if err := prev.UnmarshalText(raw); err == nil && !t.Before(prev) {
				return nil
			}
		}
		raw, err := t.UTC().MarshalText()
		if err != nil {
			return err
		}
		return b.Put(key, raw)
	})
	if err != nil {
		return fmt.Errorf("hold alerts for %s in %s: %w", rule, db.path, err)
	}
	return nil
}

// ReleaseAlerts drops rule's hold, once a run has considered the stories
// it missed.
func (db *DB) ReleaseAlerts(rule string) error {
	err := db.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketAlertsMeta)
		if b == nil {
			return nil
		}
		return b.Delete(append(bytes.Clone(keyAlertsHeld), rule...))
	})
	if err != nil {
		return fmt.Errorf("release alerts for %s in %s: %w", rule, db.path, err)
	}
	return nil
}
