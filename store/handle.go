package store

import (
	"errors"
	"io/fs"

	"github.com/policywatch/policywatch/ingest"
)

// Handle is a database used in short visits: each call opens the file,
// does its work and closes it again. A nightly batch that spends minutes
// on the network writes through a Handle, so it holds the file lock only
// while it reads or writes, and a server or a query reading the same file
// gets in between (bbolt allows one writer or many readers, across
// processes).
type Handle struct {
	Path string
	// Options for each open; Timeout is how long one visit waits for the
	// lock.
	Options Options
}

// Do opens the database, calls fn and closes it.
func (h Handle) Do(fn func(*DB) error) error {
	db, err := Open(h.Path, h.Options)
	if err != nil {
		return err
	}
	err = fn(db)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// view opens the database read-only, calls fn and closes it. A shared
// lock lets the visits that only look (several at once, and readers in
// other processes) in together. A file not yet made is made, as by Do.
func (h Handle) view(fn func(*DB) error) error {
	ro := h
	ro.Options.ReadOnly = true
	err := ro.Do(fn)
	if errors.Is(err, fs.ErrNotExist) {
		return h.Do(fn)
	}
	return err
}

// FeedState is DB.FeedState in one read-only visit.
func (h Handle) FeedState(url string) (st ingest.FeedState, err error) {
	err = h.view(func(db *DB) error { st, err = db.FeedState(url); return err })
	return st, err
}

// Seen is DB.Seen in one read-only visit.
func (h Handle) Seen(keys []string) (seen map[string]bool, err error) {
	err = h.view(func(db *DB) error { seen, err = db.Seen(keys); return err })
	return seen, err
}

// Save is DB.Save in one visit.
func (h Handle) Save(b Batch) (st SaveStats, err error) {
	err = h.Do(func(db *DB) error { st, err = db.Save(b); return err })
	return st, err
}
