package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	// A claim still there after the run ended means the run died
	// mid-delivery; whether the webhook got it is unknown, so it is never
	// posted again.
	AlertSending AlertState = "sending"
	// AlertSent means the webhook accepted it.
	AlertSent AlertState = "sent"
	// AlertFailed means the webhook refused it or could not be reached;
	// a later run may claim it again.
	AlertFailed AlertState = "failed"
	// AlertGaveUp means it failed too many times to be tried again.
	AlertGaveUp AlertState = "gave_up"
)

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
// An alert that is already sent, being sent (or left so by a crash), or
// given up is not claimed: it returns the stored record and false. Only
// an alert never tried, or one that failed, can be claimed.
func (db *DB) ClaimAlert(rule, story string, at time.Time) (AlertRecord, bool, error) {
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
			if rec.State != AlertFailed {
				return nil
			}
		}
		rec.State, rec.At = AlertSending, at.UTC()
		rec.Attempts++
		claimed = true
		return putAlert(b, key, rec)
	})
	if err != nil {
		return AlertRecord{}, false, fmt.Errorf("claim alert %s for story %s in %s: %w", rule, story, db.path, err)
	}
	return rec, claimed, nil
}

// FinishAlert records how a claimed delivery ended: state is AlertSent,
// AlertFailed or AlertGaveUp, with the error that made it fail; or
// AlertSending again, to note why its outcome is unknown. It fails with
// ErrAlertNotClaimed unless the alert is in the state AlertSending, so a
// run cannot overwrite what another recorded.
func (db *DB) FinishAlert(rule, story string, state AlertState, lastError string, at time.Time) (AlertRecord, error) {
	key, err := alertKey(rule, story)
	if err != nil {
		return AlertRecord{}, err
	}
	switch state {
	case AlertSent, AlertFailed, AlertGaveUp, AlertSending:
	default:
		return AlertRecord{}, fmt.Errorf("finish alert %s for story %s: unknown state %q", rule, story, state)
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
