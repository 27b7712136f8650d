package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"go.etcd.io/bbolt"
)

// Upgrade upgrades the file at path in place, if an older policywatch
// wrote it, telling opts.Progress how it goes; any read-write Open does
// the same, and this is for saying so before it starts. It first checks
// the file's pages, as bbolt writing into damaged pages spreads the
// damage. It returns the schema version the file had: SchemaVersion when
// there was nothing to do, 0 when there was no file (it is not made).
func Upgrade(path string, opts Options) (from int, err error) {
	if err := CheckPages(path, opts); errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	ro := opts
	ro.ReadOnly = true
	db, err := Open(path, ro)
	if err == nil {
		// Current, or (read-only, before a read-write open has made it
		// whole) missing only what the first read-write open adds.
		from = db.version
		db.Close()
	} else if !errors.Is(err, ErrNeedsUpgrade) {
		return 0, err
	} else if from, err = readVersion(path, opts); err != nil {
		return 0, err
	}
	opts.ReadOnly = false
	if db, err = Open(path, opts); err != nil {
		return from, err
	}
	return from, db.Close()
}

// readVersion reads the schema version of an older file.
func readVersion(path string, opts Options) (int, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultReadTimeout
	}
	bdb, err := bbolt.Open(path, 0, &bbolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer bdb.Close()
	db := &DB{bolt: bdb, path: path}
	v := 0
	err = db.view(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return corrupt("bucket %s missing", bucketMeta)
		}
		v, err = db.checkVersion(meta.Get(keySchemaVersion))
		return err
	})
	return v, err
}

// An upgrade to schema version 3 rewrites every event and article in the
// new encoding, into new buckets under bucketUpgrade, some thousands of
// records per transaction, so that memory stays bounded however large
// the file; then one transaction swaps them for the old ones. The file
// lock is held throughout, and a process killed half-way leaves the old
// buckets whole: the next read-write open carries on from the keys
// recorded under bucketUpgrade.
var (
	bucketUpgrade = []byte("upgrade")
	// Keys in bucketUpgrade: the last old key rewritten by each pass.
	keyEventsAfter   = []byte("events_after")
	keyDatesAfter    = []byte("dates_after")
	keyArticlesAfter = []byte("articles_after")
	keyPassDone      = []byte("done")
	keyPassCount     = []byte("count") // records the pass rewrote, big-endian uint64
	// keyUpgradeTx is the id of the last transaction of the upgrade,
	// big-endian uint64. The file is the older release's until the swap,
	// and that release may write to it between a stopped upgrade and the
	// next; a later id says it did, and what was rewritten may then be
	// out of date.
	keyUpgradeTx = []byte("tx")
	// bucketIdxDateV2 is version 1 and 2's index of events by date:
	// date \x00 event id -> empty. Version 3 keeps events in date order
	// instead.
	bucketIdxDateV2 = []byte("idx_date")
)

// upgradeChunk is how many records one transaction of the upgrade
// rewrites: a few MB of pages held until it commits.
const upgradeChunk = 20000

// upgradeFill is how full the upgrade packs the pages of the buckets it
// writes in key order (bbolt's default, 0.5, suits random inserts and
// leaves pages written in order half empty).
const upgradeFill = 0.95

// upgradeRecords rewrites the events and articles of a file older than
// version 3 in the version 3 encoding and layout, telling db.progress how
// it goes as one step whose records are the events twice (once for the
// events bucket, once for event_dates) and the articles once. A new
// file, or one whose records are rewritten already, is left alone. It
// does not stamp the schema version: initSchema does, once the rest is
// in place.
func (db *DB) upgradeRecords(chunk int) error {
	var (
		need              bool
		from, total, done int
		stale             bool // an upgrade was stopped, and the file written since
	)
	err := db.view(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return nil // a new file
		}
		v, err := db.checkVersion(meta.Get(keySchemaVersion))
		if err != nil || v >= 3 {
			return err
		}
		from = v
		if tx.Bucket(bucketEventDates) != nil && tx.Bucket(bucketUpgrade) == nil {
			return nil // swapped in; the version was not yet stamped
		}
		for _, name := range [][]byte{bucketEvents, bucketArticles, bucketIdxDateV2} {
			if tx.Bucket(name) == nil {
				return corrupt("bucket %s missing", name)
			}
		}
		need = true
		c, ok := readCounts(tx)
		if !ok {
			c = Counts{Events: tx.Bucket(bucketIdxDateV2).Stats().KeyN, Articles: tx.Bucket(bucketArticles).Stats().KeyN}
		}
		total = 2*c.Events + c.Articles
		// What an upgrade stopped half-way did already, unless the file
		// was written since.
		if up := tx.Bucket(bucketUpgrade); up != nil {
			if last := up.Get(keyUpgradeTx); len(last) != 8 || binary.BigEndian.Uint64(last) != uint64(tx.ID()) {
				stale = true
				return nil
			}
			up.ForEachBucket(func(k []byte) error {
				if bytes.HasPrefix(k, []byte("state_")) {
					done += int(passCount(up.Bucket(k)))
				}
				return nil
			})
		}
		return nil
	})
	if err != nil || !need {
		return err
	}
	if stale {
		// Begin again: which records changed since is not known.
		if err := db.update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketUpgrade) }); err != nil {
			return fmt.Errorf("upgrade %s from schema version %d: %w", db.path, from, err)
		}
	}
	p := resumeReporter(db.progress, fmt.Sprintf("rewriting events and articles in a compact encoding (upgrade from schema version %d to %d)", from, SchemaVersion), total, min(done, total))
	for _, pass := range []func(tx *bbolt.Tx, up *bbolt.Bucket, chunk int) (int, bool, error){
		upgradeEvents, upgradeEventDates, upgradeArticles,
	} {
		for done := false; !done; {
			n := 0
			err := db.update(func(tx *bbolt.Tx) error {
				up, err := tx.CreateBucketIfNotExists(bucketUpgrade)
				if err != nil {
					return err
				}
				if n, done, err = pass(tx, up, chunk); err != nil {
					return err
				}
				return up.Put(keyUpgradeTx, binary.BigEndian.AppendUint64(nil, uint64(tx.ID())))
			})
			if err != nil {
				return fmt.Errorf("upgrade %s from schema version %d: %w", db.path, from, err)
			}
			p.add(n)
		}
	}
	if err := db.update(swapUpgraded); err != nil {
		return fmt.Errorf("upgrade %s from schema version %d: %w", db.path, from, err)
	}
	p.end()
	return nil
}

// upgradeEvents rewrites the next chunk of events into up's events
// bucket, in date order (idx_date's), so that the new bucket is written
// in key order and packed.
func upgradeEvents(tx *bbolt.Tx, up *bbolt.Bucket, chunk int) (int, bool, error) {
	out, state, err := passBuckets(up, bucketEvents, keyEventsAfter)
	if err != nil || state == nil {
		return 0, true, err
	}
	old := tx.Bucket(bucketEvents)
	c := tx.Bucket(bucketIdxDateV2).Cursor()
	n, last := 0, []byte(nil)
	k, _ := firstAfter(c, state.Get(keyEventsAfter))
	for ; k != nil && n < chunk; k, _ = c.Next() {
		date, id, err := splitEventKey(k)
		if err != nil {
			return 0, false, corrupt("%s: %w", bucketIdxDateV2, err)
		}
		raw := old.Get(id)
		if raw == nil {
			return 0, false, corrupt("%s names event %s, which is not stored", bucketIdxDateV2, id)
		}
		r, err := decodeEvent(raw)
		if err != nil {
			return 0, false, fmt.Errorf("event %s: %w", id, err)
		}
		if padded, err := padDate(r.Date); err != nil || padded != string(date) {
			return 0, false, corrupt("event %s: dated %q, indexed under %s", id, r.Date, date)
		}
		v, err := encodeEvent(r)
		if err != nil {
			return 0, false, fmt.Errorf("event %s: %w", id, err)
		}
		if err := out.Put(eventKey(string(date), string(id)), v); err != nil {
			return 0, false, err
		}
		n++
		last = k
	}
	return n, k == nil, finishPass(state, keyEventsAfter, last, n, k == nil)
}

// upgradeEventDates fills event_dates from the old events bucket, in
// its key order, the event ids.
func upgradeEventDates(tx *bbolt.Tx, up *bbolt.Bucket, chunk int) (int, bool, error) {
	out, state, err := passBuckets(up, bucketEventDates, keyDatesAfter)
	if err != nil || state == nil {
		return 0, true, err
	}
	c := tx.Bucket(bucketEvents).Cursor()
	n, last := 0, []byte(nil)
	k, v := firstAfter(c, state.Get(keyDatesAfter))
	for ; k != nil && n < chunk; k, v = c.Next() {
		var s struct {
			Date string `json:"date"`
		}
		if err := json.Unmarshal(v, &s); err != nil {
			return 0, false, corrupt("event %s: decode: %w", k, err)
		}
		date, err := padDate(s.Date)
		if err != nil {
			return 0, false, corrupt("event %s: %w", k, err)
		}
		if err := out.Put(bytes.Clone(k), []byte(date)); err != nil {
			return 0, false, err
		}
		n++
		last = k
	}
	return n, k == nil, finishPass(state, keyDatesAfter, last, n, k == nil)
}

// upgradeArticles rewrites the next chunk of articles, compressing their
// text.
func upgradeArticles(tx *bbolt.Tx, up *bbolt.Bucket, chunk int) (int, bool, error) {
	out, state, err := passBuckets(up, bucketArticles, keyArticlesAfter)
	if err != nil || state == nil {
		return 0, true, err
	}
	c := tx.Bucket(bucketArticles).Cursor()
	n, last := 0, []byte(nil)
	k, v := firstAfter(c, state.Get(keyArticlesAfter))
	for ; k != nil && n < chunk; k, v = c.Next() {
		a, err := decodeArticle(v)
		if err != nil {
			return 0, false, fmt.Errorf("article %s: %w", k, err)
		}
		raw, err := encodeArticle(&a)
		if err != nil {
			return 0, false, fmt.Errorf("article %s: %w", k, err)
		}
		if err := out.Put(bytes.Clone(k), raw); err != nil {
			return 0, false, err
		}
		n++
		last = k
	}
	return n, k == nil, finishPass(state, keyArticlesAfter, last, n, k == nil)
}

// passBuckets returns the bucket a pass writes into, up's child named
// like the bucket it replaces, and the pass's own state bucket, or a nil
// state for a pass already done.
func passBuckets(up *bbolt.Bucket, name, after []byte) (out, state *bbolt.Bucket, err error) {
	state, err = up.CreateBucketIfNotExists(append([]byte("state_"), name...))
	if err != nil {
		return nil, nil, err
	}
	if state.Get(keyPassDone) != nil {
		return nil, nil, nil
	}
	if out, err = up.CreateBucketIfNotExists(name); err != nil {
		return nil, nil, err
	}
	out.FillPercent = upgradeFill
	return out, state, nil
}

// finishPass records the last key a chunk rewrote, and whether the pass
// is done.
func finishPass(state *bbolt.Bucket, after, last []byte, n int, done bool) error {
	if last != nil {
		if err := state.Put(after, last); err != nil {
			return err
		}
		count := binary.BigEndian.AppendUint64(nil, passCount(state)+uint64(n))
		if err := state.Put(keyPassCount, count); err != nil {
			return err
		}
	}
	if !done {
		return nil
	}
	return state.Put(keyPassDone, []byte{1})
}

// passCount is how many records a pass has rewritten so far.
func passCount(state *bbolt.Bucket) uint64 {
	if raw := state.Get(keyPassCount); len(raw) == 8 {
		return binary.BigEndian.Uint64(raw)
	}
	return 0
}

// firstAfter positions c on the first key after after, or the first key
// when after is nil.
func firstAfter(c *bbolt.Cursor, after []byte) (k, v []byte) {
	if after == nil {
		return c.First()
	}
	k, v = c.Seek(after)
	if k != nil && bytes.Equal(k, after) {
		k, v = c.Next()
	}
	return k, v
}

// swapUpgraded replaces the old events, articles and idx_date with what
// the passes wrote.
func swapUpgraded(tx *bbolt.Tx) error {
	up := tx.Bucket(bucketUpgrade)
	for _, name := range [][]byte{bucketEvents, bucketArticles, bucketIdxDateV2} {
		if err := tx.DeleteBucket(name); err != nil {
			return fmt.Errorf("drop the old %s: %w", name, err)
		}
	}
	for _, name := range [][]byte{bucketEvents, bucketEventDates, bucketArticles} {
		if err := tx.MoveBucket(name, up, nil); err != nil {
			return fmt.Errorf("move the new %s in place: %w", name, err)
		}
	}
	return tx.DeleteBucket(bucketUpgrade)
}
