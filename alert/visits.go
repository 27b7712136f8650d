package alert

import (
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// Visits is a Store that opens the file for each call and closes it
// again, as the nightly batch does: a notifier waiting on a slow webhook
// then holds no lock, and a server reading the file gets in between.
// Reads open it read-only, so they take no write lock either.
func Visits(h store.Handle) Store { return visits{h} }

type visits struct{ h store.Handle }

func (v visits) read(fn func(*store.DB) error) error {
	ro := v.h
	ro.Options.ReadOnly = true
	return ro.Do(fn)
}

func (v visits) Stories(f store.StoryFilter) (out []store.Story, err error) {
	err = v.read(func(db *store.DB) error { out, err = db.Stories(f); return err })
	return out, err
}

func (v visits) Story(id string) (s store.Story, events []event.Record, err error) {
	err = v.read(func(db *store.DB) error { s, events, err = db.Story(id); return err })
	return s, events, err
}

func (v visits) Alerts(rule string) (out []store.AlertRecord, err error) {
	err = v.read(func(db *store.DB) error { out, err = db.Alerts(rule); return err })
	return out, err
}

func (v visits) ClaimAlert(rule, story string, at time.Time) (rec store.AlertRecord, ok bool, err error) {
	err = v.h.Do(func(db *store.DB) error { rec, ok, err = db.ClaimAlert(rule, story, at); return err })
	return rec, ok, err
}

func (v visits) Alert(rule, story string) (rec store.AlertRecord, err error) {
	err = v.read(func(db *store.DB) error { rec, err = db.Alert(rule, story); return err })
	return rec, err
}

func (v visits) ClearAlerts(rule, story string, states []store.AlertState, at time.Time) (out []store.AlertRecord, err error) {
	err = v.h.Do(func(db *store.DB) error { out, err = db.ClearAlerts(rule, story, states, at); return err })
	return out, err
}

func (v visits) ResendAlert(rule, story string, at, staleBefore time.Time) (rec store.AlertRecord, err error) {
	err = v.h.Do(func(db *store.DB) error { rec, err = db.ResendAlert(rule, story, at, staleBefore); return err })
	return rec, err
}

func (v visits) ExpireAlertClaims(rule string, staleBefore, at time.Time) (out []store.AlertRecord, err error) {
	err = v.h.Do(func(db *store.DB) error { out, err = db.ExpireAlertClaims(rule, staleBefore, at); return err })
	return out, err
}

func (v visits) FinishAlert(rule, story string, state store.AlertState, lastError string, at time.Time) (rec store.AlertRecord, err error) {
	err = v.h.Do(func(db *store.DB) error { rec, err = db.FinishAlert(rule, story, state, lastError, at); return err })
	return rec, err
}

func (v visits) AlertsCovered() (t time.Time, err error) {
	err = v.read(func(db *store.DB) error { t, err = db.AlertsCovered(); return err })
	return t, err
}

func (v visits) SetAlertsCovered(t time.Time) error {
	return v.h.Do(func(db *store.DB) error { return db.SetAlertsCovered(t) })
}

func (v visits) AlertsHeld(rule string) (t time.Time, err error) {
	err = v.read(func(db *store.DB) error { t, err = db.AlertsHeld(rule); return err })
	return t, err
}

func (v visits) HoldAlerts(rule string, t time.Time) error {
	return v.h.Do(func(db *store.DB) error { return db.HoldAlerts(rule, t) })
}

func (v visits) ReleaseAlerts(rule string) error {
	return v.h.Do(func(db *store.DB) error { return db.ReleaseAlerts(rule) })
}
