package pgstore

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/policywatch/policywatch/store"
)

// The alert records keep the promises of store.AlertStore, as the bbolt
// store's methods of the same names do. A claim is one statement, so
// that of several processes claiming one alert at once exactly one is
// given it: INSERT ... ON CONFLICT DO UPDATE ... WHERE locks the row of
// (rule, story) and tests the WHERE against the row as the claim before
// it left it, even under READ COMMITTED.
//
// Times are kept to the microsecond, as timestamptz keeps them.

var _ store.AlertStore = (*DB)(nil)

const alertColumns = "rule, story, state, at, attempts, last_error"

func scanAlert(row pgx.CollectableRow) (store.AlertRecord, error) {
	var (
		rec   store.AlertRecord
		state string
	)
	err := row.Scan(&rec.Rule, &rec.Story, &state, &rec.At, &rec.Attempts, &rec.LastError)
	rec.State = store.AlertState(state)
	rec.At = rec.At.UTC()
	return rec, err
}

// oneAlert is the record the query returns, and false when it returns
// none.
func (db *DB) oneAlert(q querier, sql string, args ...any) (store.AlertRecord, bool, error) {
	rows, err := q.Query(callContext(), sql, args...)
	if err != nil {
		return store.AlertRecord{}, false, err
	}
	recs, err := pgx.CollectRows(rows, scanAlert)
	if err != nil || len(recs) == 0 {
		return store.AlertRecord{}, false, err
	}
	return recs[0], true, nil
}

func (db *DB) manyAlerts(q querier, sql string, args ...any) ([]store.AlertRecord, error) {
	rows, err := q.Query(callContext(), sql, args...)
	if err != nil {
		return nil, err
	}
	recs, err := pgx.CollectRows(rows, scanAlert)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	return recs, nil
}

// micro is t as timestamptz keeps it, in UTC.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// ClaimAlert takes the alert of rule for story if it was never tried,
// failed or was queued: see store.DB.ClaimAlert.
func (db *DB) ClaimAlert(rule, story string, at time.Time) (store.AlertRecord, bool, error) {
	fail := func(err error) (store.AlertRecord, bool, error) {
		return store.AlertRecord{}, false, fmt.Errorf("claim alert %s for story %s in %s: %w", rule, story, db.name, err)
	}
	if err := store.CheckAlertKey(rule, story); err != nil {
		return fail(err)
	}
	rec, claimed, err := db.oneAlert(db.pool, `INSERT INTO alerts AS a (`+alertColumns+`) VALUES ($1, $2, 'sending', $3, 1, '')
ON CONFLICT (rule, story) DO UPDATE SET state = 'sending', at = $3, attempts = a.attempts + 1
WHERE a.state IN ('failed', 'queued')
RETURNING `+alertColumns, cleanString(rule), cleanString(story), micro(at))
	if err != nil {
		return fail(err)
	}
	if claimed {
		return rec, true, nil
	}
	rec, found, err := db.oneAlert(db.pool, "SELECT "+alertColumns+" FROM alerts WHERE rule = $1 AND story = $2", cleanString(rule), cleanString(story))
	if err == nil && !found {
		// Only a record there stops the claim, and none is ever deleted.
		err = errors.New("the record that stopped the claim is gone")
	}
	if err != nil {
		return fail(err)
	}
	return rec, false, nil
}

// ResendAlert claims rule's alert for story whatever became of it, unless
// a claim taken at or after staleBefore holds it: see store.DB.ResendAlert.
func (db *DB) ResendAlert(rule, story string, at, staleBefore time.Time) (store.AlertRecord, error) {
	fail := func(err error) (store.AlertRecord, error) {
		return store.AlertRecord{}, fmt.Errorf("resend alert %s for story %s in %s: %w", rule, story, db.name, err)
	}
	if err := store.CheckAlertKey(rule, story); err != nil {
		return fail(err)
	}
	rec, claimed, err := db.oneAlert(db.pool, `INSERT INTO alerts AS a (`+alertColumns+`) VALUES ($1, $2, 'sending', $3, 1, '')
ON CONFLICT (rule, story) DO UPDATE SET state = 'sending', at = $3, attempts = a.attempts + 1
WHERE NOT (a.state = 'sending' AND a.at >= $4)
RETURNING `+alertColumns, cleanString(rule), cleanString(story), micro(at), staleBefore)
	if err != nil {
		return fail(err)
	}
	if claimed {
		return rec, nil
	}
	rec, _, err = db.oneAlert(db.pool, "SELECT "+alertColumns+" FROM alerts WHERE rule = $1 AND story = $2", cleanString(rule), cleanString(story))
	if err != nil {
		return fail(err)
	}
	return fail(fmt.Errorf("%w (claimed at %s)", store.ErrAlertInFlight, rec.At.Format(time.RFC3339)))
}

// FinishAlert records how a claimed delivery ended: see
// store.DB.FinishAlert.
func (db *DB) FinishAlert(rule, story string, state store.AlertState, lastError string, at time.Time) (store.AlertRecord, error) {
	if err := store.CheckAlertKey(rule, story); err != nil {
		return store.AlertRecord{}, err
	}
	switch state {
	case store.AlertSent, store.AlertFailed, store.AlertGaveUp, store.AlertUnknown:
	default:
		return store.AlertRecord{}, fmt.Errorf("finish alert %s for story %s: %q is not how a delivery ends", rule, story, state)
	}
	fail := func(err error) (store.AlertRecord, error) {
		return store.AlertRecord{}, fmt.Errorf("finish alert %s for story %s in %s: %w", rule, story, db.name, err)
	}
	rec, done, err := db.oneAlert(db.pool, `UPDATE alerts SET state = $3, at = $4, last_error = $5
WHERE rule = $1 AND story = $2 AND state = 'sending'
RETURNING `+alertColumns, cleanString(rule), cleanString(story), string(state), micro(at), cleanString(lastError))
	if err != nil {
		return fail(err)
	}
	if done {
		return rec, nil
	}
	rec, found, err := db.oneAlert(db.pool, "SELECT "+alertColumns+" FROM alerts WHERE rule = $1 AND story = $2", cleanString(rule), cleanString(story))
	switch {
	case err != nil:
		return fail(err)
	case !found:
		return fail(store.ErrAlertNotClaimed)
	}
	return fail(fmt.Errorf("%w: it is %s", store.ErrAlertNotClaimed, rec.State))
}

// ExpireAlertClaims turns the claims of rule (every rule when empty)
// taken before staleBefore into AlertUnknown: see
// store.DB.ExpireAlertClaims.
func (db *DB) ExpireAlertClaims(rule string, staleBefore, at time.Time) ([]store.AlertRecord, error) {
	if strings.ContainsRune(rule, 0) {
		return nil, fmt.Errorf("expire alert claims in %s: invalid rule %q", db.name, rule)
	}
	var out []store.AlertRecord
	err := pgx.BeginFunc(callContext(), db.pool, func(tx pgx.Tx) error {
		stale, err := db.manyAlerts(tx, "SELECT "+alertColumns+` FROM alerts
WHERE ($1 = '' OR rule = $1) AND state = 'sending' AND at < $2
ORDER BY rule, story FOR UPDATE`, cleanString(rule), staleBefore)
		if err != nil {
			return err
		}
		for _, rec := range stale {
			rec.State = store.AlertUnknown
			rec.LastError = fmt.Sprintf("a run stopped while posting it (claimed at %s); it may have arrived", rec.At.Format(time.RFC3339))
			rec.At = micro(at)
			if _, err := tx.Exec(callContext(), "UPDATE alerts SET state = $3, at = $4, last_error = $5 WHERE rule = $1 AND story = $2",
				rec.Rule, rec.Story, string(rec.State), rec.At, rec.LastError); err != nil {
				return err
			}
			out = append(out, rec)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("expire alert claims in %s: %w", db.name, err)
	}
	return out, nil
}

// ClearAlerts puts back the alerts of rule and story (every one when
// empty) that are in one of states, for the next run: see
// store.DB.ClearAlerts. It returns them as they were.
func (db *DB) ClearAlerts(rule, story string, states []store.AlertState, at time.Time) ([]store.AlertRecord, error) {
	names := make([]string, 0, len(states))
	for _, s := range states {
		switch s {
		case store.AlertFailed, store.AlertGaveUp, store.AlertUnknown, store.AlertQueued:
		default:
			return nil, fmt.Errorf("clear alerts: %s alerts cannot be cleared", s)
		}
		names = append(names, string(s))
	}
	if strings.ContainsRune(rule, 0) || strings.ContainsRune(story, 0) {
		return nil, fmt.Errorf("clear alerts in %s: invalid rule %q or story %q", db.name, rule, story)
	}
	var out []store.AlertRecord
	err := pgx.BeginFunc(callContext(), db.pool, func(tx pgx.Tx) error {
		var err error
		out, err = db.manyAlerts(tx, "SELECT "+alertColumns+` FROM alerts
WHERE ($1 = '' OR rule = $1) AND ($2 = '' OR story = $2) AND state = ANY($3)
ORDER BY rule, story FOR UPDATE`, cleanString(rule), cleanString(story), names)
		if err != nil || len(out) == 0 {
			return err
		}
		_, err = tx.Exec(callContext(), `UPDATE alerts SET state = 'queued', at = $4, attempts = 0, last_error = ''
WHERE ($1 = '' OR rule = $1) AND ($2 = '' OR story = $2) AND state = ANY($3)`, cleanString(rule), cleanString(story), names, micro(at))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("clear alerts in %s: %w", db.name, err)
	}
	return out, nil
}

// Alert returns the record of rule's alert for story, or an error
// wrapping store.ErrNotFound.
func (db *DB) Alert(rule, story string) (store.AlertRecord, error) {
	if err := store.CheckAlertKey(rule, story); err != nil {
		return store.AlertRecord{}, err
	}
	rec, found, err := db.oneAlert(db.pool, "SELECT "+alertColumns+" FROM alerts WHERE rule = $1 AND story = $2", cleanString(rule), cleanString(story))
	switch {
	case err != nil:
		return store.AlertRecord{}, fmt.Errorf("alert %s for story %s in %s: %w", rule, story, db.name, err)
	case !found:
		return store.AlertRecord{}, fmt.Errorf("alert %s for story %s in %s: %w", rule, story, db.name, store.ErrNotFound)
	}
	return rec, nil
}

// Alerts returns the records of one rule, or of every rule when rule is
// empty, ordered by rule and then story id.
func (db *DB) Alerts(rule string) ([]store.AlertRecord, error) {
	if strings.ContainsRune(rule, 0) {
		return nil, fmt.Errorf("alerts in %s: rule name %q holds a NUL byte", db.name, rule)
	}
	recs, err := db.manyAlerts(db.pool, "SELECT "+alertColumns+" FROM alerts WHERE $1 = '' OR rule = $1 ORDER BY rule, story", cleanString(rule))
	if err != nil {
		return nil, fmt.Errorf("alerts in %s: %w", db.name, err)
	}
	return recs, nil
}

// AlertsCovered returns the time up to which every story made has been
// considered for alerts; zero when none was recorded.
func (db *DB) AlertsCovered() (time.Time, error) {
	var t time.Time
	err := db.pool.QueryRow(callContext(), "SELECT covered FROM alerts_covered").Scan(&t)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("alerts covered in %s: %w", db.name, err)
	}
	return t.UTC(), nil
}

// SetAlertsCovered records that every story made before t has been
// considered for alerts. It never moves the time back. The time is cut
// to the microsecond, down, so that no story made before t is left out.
func (db *DB) SetAlertsCovered(t time.Time) error {
	_, err := db.pool.Exec(callContext(), `INSERT INTO alerts_covered AS c (covered) VALUES ($1)
ON CONFLICT (one) DO UPDATE SET covered = greatest(c.covered, excluded.covered)`, micro(t))
	if err != nil {
		return fmt.Errorf("set alerts covered in %s: %w", db.name, err)
	}
	return nil
}

// AlertsHeld returns the time from which rule has missed stories; zero
// when it has missed none.
func (db *DB) AlertsHeld(rule string) (time.Time, error) {
	var t time.Time
	err := db.pool.QueryRow(callContext(), "SELECT since FROM alerts_held WHERE rule = $1", cleanString(rule)).Scan(&t)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("alerts held for %s in %s: %w", rule, db.name, err)
	}
	return t.UTC(), nil
}

// HoldAlerts records that rule misses the stories made from t on; of two
// holds the earlier stands.
func (db *DB) HoldAlerts(rule string, t time.Time) error {
	if rule == "" {
		return fmt.Errorf("hold alerts in %s: no rule named", db.name)
	}
	_, err := db.pool.Exec(callContext(), `INSERT INTO alerts_held AS h (rule, since) VALUES ($1, $2)
ON CONFLICT (rule) DO UPDATE SET since = least(h.since, excluded.since)`, cleanString(rule), micro(t))
	if err != nil {
		return fmt.Errorf("hold alerts for %s in %s: %w", rule, db.name, err)
	}
	return nil
}

// ReleaseAlerts drops rule's hold.
func (db *DB) ReleaseAlerts(rule string) error {
	if _, err := db.pool.Exec(callContext(), "DELETE FROM alerts_held WHERE rule = $1", cleanString(rule)); err != nil {
		return fmt.Errorf("release alerts for %s in %s: %w", rule, db.name, err)
	}
	return nil
}
