package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/policywatch/policywatch/event"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.etcd.io/bbolt"
)

// RecoverReport is what Recover read from a damaged file and kept.
type RecoverReport struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Read counts the records read from each bucket of the old file.
	Read map[string]int `json:"read"`
	// Kept counts the articles, events, stories, feeds and alert records
	// the new file holds.
	Kept map[string]int `json:"kept"`
	// Expected is what the old file's kept counts say it held (articles,
	// events, stories), when they could be read.
	Expected map[string]int `json:"expected,omitempty"`
	// Unreadable lists the pages that could not be read, with the bucket
	// they belong to and what is wrong: their records, and those of the
	// pages below them, are lost.
	Unreadable []string `json:"unreadable"`
	// Dropped lists records that were read but made no sense (the
	// damage reached inside a page), the first few of each kind, and
	// DroppedN counts them all.
	Dropped  []string `json:"dropped"`
	DroppedN int      `json:"dropped_count"`
	// Regrouped counts the events whose story was lost and that were
	// grouped again, into kept stories or new ones.
	Regrouped int `json:"regrouped"`
	// Orphaned counts, by bucket, the records read from leaf pages that
	// the damage cut off from their bucket's tree (they are counted in
	// Read too). OrphanedUnsure counts those that may be older versions
	// of records changed or deleted since: the freelist, which tells old
	// pages from current ones, was lost as well. OrphanedVersions counts
	// the records found in two versions out of reach, of which the later
	// was kept.
	Orphaned         map[string]int `json:"orphaned"`
	OrphanedUnsure   int            `json:"orphaned_unsure"`
	OrphanedVersions int            `json:"orphaned_versions"`
}

// primaryBuckets are copied record by record; the indexes are rebuilt
// from them rather than trusted.
var primaryBuckets = [][]byte{
	bucketFeeds, bucketArticles, bucketKeys, bucketEvents,
	bucketStories, bucketStoryEvents, bucketEventStory,
	bucketAlertsSent, bucketAlertsMeta, bucketWARCFiles,
}

// Recover copies every record that can be read from the database at from
// into a new database at to, which must not exist, and reports what it
// could not read. It reads the old file page by page without bbolt, so
// it works on a file bbolt cannot open: cut short, with pages
// overwritten, with one header page bad. A record is kept when it decodes
// and the page holding it can be read: when the pages leading to it are
// lost, the page is found among those out of reach of the tree (see
// orphans.go). The indexes, the links
// between events and stories and the kept counts are then rebuilt in the
// new file, so that it passes Check. A story that lost events is
// recomputed from those left; events whose story was lost are grouped
// again, and the stories this makes are not alerted (the alert coverage
// is moved to now), as they report nothing new.
//
// The old file is only read. The new one is written under a temporary
// name and appears at to only when complete.
func Recover(from, to string, opts Options) (rep RecoverReport, err error) {
	rep = RecoverReport{From: from, To: to, Read: map[string]int{}, Kept: map[string]int{}, Unreadable: []string{}, Dropped: []string{}, Orphaned: map[string]int{}}
	if _, err := os.Lstat(to); err == nil {
		return rep, fmt.Errorf("recover into %s: the file exists; recover writes a new file", to)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return rep, fmt.Errorf("recover into %s: %w", to, err)
	}
	f, size, err := statFile(from)
	if errors.Is(err, fs.ErrNotExist) {
		return rep, missingError{from}
	}
	if err != nil {
		return rep, fmt.Errorf("recover %s: %w", from, err)
	}
	defer f.Close()
	// Hold the shared lock where bbolt can take it, so that no run writes
	// while the pages are read. A file too damaged for bbolt to open is
	// one no run writes to either.
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultWriteTimeout
	}
	if err := checkFile(from, false); err == nil {
		lock, err := bbolt.Open(from, 0, &bbolt.Options{ReadOnly: true, Timeout: timeout})
		if errors.Is(err, bbolt.ErrTimeout) {
			return rep, fmt.Errorf("recover %s: %w; a policywatch run is probably in progress; try again when it finishes", from, ErrLocked)
		}
		if err == nil {
			defer lock.Close()
		}
	}
	pf, err := readPages(f, size)
	if pf == nil {
		return rep, &DamagedError{Path: from, Err: fmt.Errorf("nothing can be recovered: %w", err)}
	}
	if err != nil {
		rep.Unreadable = append(rep.Unreadable, err.Error())
	}

	tmp := filepath.Join(filepath.Dir(to), fmt.Sprintf(".%s.%d-%d.new", filepath.Base(to), os.Getpid(), time.Now().UnixNano()))
	out, err := Open(tmp, Options{StoryWindow: opts.StoryWindow})
	if err != nil {
		return rep, fmt.Errorf("recover into %s: %w", to, err)
	}
	defer func() {
		if out != nil {
			out.Close()
		}
		os.Remove(tmp)
	}()
	if err := copyRecords(pf, out, &rep); err != nil {
		return rep, fmt.Errorf("recover into %s: %w", to, err)
	}
	if err := out.update(func(tx *bbolt.Tx) error { return rebuild(tx, out.now().UTC(), out.window, &rep) }); err != nil {
		return rep, fmt.Errorf("recover into %s: rebuild: %w", to, err)
	}
	err = out.Close()
	out = nil
	if err != nil {
		return rep, fmt.Errorf("recover into %s: %w", to, err)
	}
	if err := os.Link(tmp, to); err != nil {
		return rep, fmt.Errorf("recover into %s: %w", to, err)
	}
	return rep, nil
}

// copyRecords walks the old file and puts every record of the primary
// buckets into the new one as it is, some thousands per transaction.
// When a tree cannot be walked whole, it then copies the records of the
// leaf pages out of reach (see orphans.go) that no reachable page holds.
func copyRecords(pf *pageFile, out *DB, rep *RecoverReport) error {
	primary := map[string]bool{}
	for _, b := range primaryBuckets {
		primary[string(b)] = true
	}
	c := &copier{out: out}
	// lost is the buckets that lost pages; every bucket may have when
	// the root page itself is lost.
	lost, lostAll := map[string]bool{}, false
	w := &walker{pf: pf}
	w.bad = func(e *pageError) {
		rep.Unreadable = append(rep.Unreadable, e.Error())
		if e.bucket == "" {
			lostAll = true
		}
		lost[e.bucket] = true
	}
	w.record = func(bucket string, k, v []byte) {
		rep.Read[bucket]++
		if bucket == string(bucketMeta) && bytes.Equal(k, keyCounts) && len(v) == 24 {
			c, _ := parseCounts(v)
			rep.Expected = map[string]int{"articles": c.Articles, "events": c.Events, "stories": c.Stories}
		}
		if primary[bucket] {
			c.put(bucket, k, v)
		}
	}
	w.walk()
	if err := c.commit(); err != nil || len(lost) == 0 {
		return err
	}
	if lostAll {
		lost = nil
	}
	scan := pf.orphans(w.used, lost)
	rep.OrphanedVersions = scan.versions
	buckets := make([]string, 0, len(scan.records))
	for b := range scan.records {
		buckets = append(buckets, b)
	}
	slices.Sort(buckets)
	for _, bucket := range buckets {
		recs := scan.records[bucket]
		keys := make([]string, 0, len(recs))
		for k := range recs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			// A record a reachable page holds is the current one.
			if !c.put(bucket, []byte(k), recs[k].value) {
				continue
			}
			rep.Read[bucket]++
			rep.Orphaned[bucket]++
			if !scan.freeKnown {
				rep.OrphanedUnsure++
			}
		}
	}
	return c.commit()
}

// copier puts records into the new file, some thousands per transaction.
type copier struct {
	out     *DB
	tx      *bbolt.Tx
	pending int
	err     error
}

// put stores v under k in bucket unless the bucket has k already, and
// reports whether it did.
func (c *copier) put(bucket string, k, v []byte) bool {
	if c.err != nil {
		return false
	}
	if c.tx == nil {
		if c.tx, c.err = c.out.bolt.Begin(true); c.err != nil {
			return false
		}
	}
	b, err := c.tx.CreateBucketIfNotExists([]byte(bucket))
	if err == nil && b.Get(k) != nil {
		return false
	}
	if err == nil {
		err = b.Put(bytes.Clone(k), bytes.Clone(v))
	}
	if err != nil {
		c.err = fmt.Errorf("copy %s %q: %w", bucket, k, err)
		return false
	}
	if c.pending++; c.pending >= 5000 {
		c.commit()
	}
	return true
}

// commit commits what is pending, or rolls it back after an error, and
// returns the first error.
func (c *copier) commit() error {
	t := c.tx
	c.tx, c.pending = nil, 0
	switch {
	case t == nil:
	case c.err != nil:
		t.Rollback()
	default:
		c.err = c.out.guard(t.Commit)
	}
	return c.err
}

// rebuild makes the copied records whole: it drops those that do not
// decode or name what is not there, rebuilds every index and link from
// what is left, regroups events without a story, and recounts, tallies
// included.
func rebuild(tx *bbolt.Tx, now time.Time, window time.Duration, rep *RecoverReport) error {
	dropped := map[string]int{}
	drop := func(kind, format string, args ...any) {
		rep.DroppedN++
		if dropped[kind]++; dropped[kind] <= maxPerKind {
			rep.Dropped = append(rep.Dropped, fmt.Sprintf(format, args...))
		}
	}
	// deleteKeys deletes after the walk: bbolt cursors do not survive
	// deletes under them.
	deleteKeys := func(b *bbolt.Bucket, keys [][]byte) error {
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}

	// Articles, and their item keys.
	articles := tx.Bucket(bucketArticles)
	articleKey := map[string]string{}
	var bad [][]byte
	articles.ForEach(func(k, v []byte) error {
		a, err := decodeArticle(v)
		switch {
		case err != nil:
		case a.ID != string(k):
			err = fmt.Errorf("stored under the id %s", k)
		case a.Key == "":
			// Save refuses such an article, and the keys bucket cannot
			// hold an empty key.
			err = errors.New("no item key")
		}
		if err != nil {
			drop("article", "article %s: %v", k, err)
			bad = append(bad, bytes.Clone(k))
			return nil
		}
		articleKey[a.ID] = a.Key
		return nil
	})
	if err := deleteKeys(articles, bad); err != nil {
		return err
	}
	keys := tx.Bucket(bucketKeys)
	bad = nil
	keys.ForEach(func(k, v []byte) error {
		if key, ok := articleKey[string(v)]; !ok || key != string(k) {
			bad = append(bad, bytes.Clone(k))
		}
		return nil
	})
	if err := deleteKeys(keys, bad); err != nil {
		return err
	}
	for id, key := range articleKey {
		if err := keys.Put([]byte(key), []byte(id)); err != nil {
			return err
		}
	}

	// Articles written by an older policywatch are rewritten in the
	// current encoding: version 2's JSON, and version 3's text
	// compressed without the dictionary.
	var older [][2][]byte
	articles.ForEach(func(k, v []byte) error {
		if len(v) > 0 && v[0] == '{' {
			a, _ := decodeArticle(v) // decoded above
			raw, err := encodeArticle(&a)
			if err == nil {
				older = append(older, [2][]byte{bytes.Clone(k), raw})
			}
		} else if raw, changed, err := recompressText(v); err == nil && changed {
			older = append(older, [2][]byte{bytes.Clone(k), raw})
		}
		return nil
	})
	for _, kv := range older {
		if err := articles.Put(kv[0], kv[1]); err != nil {
			return err
		}
	}

	// Events, and their indexes from scratch.
	for _, name := range append(eventIndexBuckets(), bucketEventDates) {
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return err
		}
	}
	events := tx.Bucket(bucketEvents)
	kept := map[string]bool{}
	tallies := tallyDelta{}
	var entries []indexEntry
	var moved [][2][]byte // events to store again, under their key and in the current encoding
	var dates [][2][]byte // event_dates' keys and values
	bad = nil
	events.ForEach(func(k, v []byte) error {
		r, date, err := decodeEventFields(v)
		key := eventKey(date, r.ID)
		// An event of an older file is stored under its id alone.
		older := len(v) > 0 && v[0] == '{' || !bytes.Equal(k, key)
		if err == nil && older && !bytes.Equal(k, key) && r.ID != string(k) {
			err = fmt.Errorf("stored under the key %q", k)
		}
		if err == nil && kept[r.ID] {
			err = errors.New("stored twice")
		}
		if err != nil {
			drop("event", "event %q: %v", k, err)
			bad = append(bad, bytes.Clone(k))
			return nil
		}
		if older {
			raw, err := encodeEvent(r)
			if err != nil {
				return err
			}
			if !bytes.Equal(k, key) {
				bad = append(bad, bytes.Clone(k))
			}
			moved = append(moved, [2][]byte{key, raw})
		}
		kept[r.ID] = true
		tallies.add(&r.Event, 1)
		entries = append(entries, eventIndexKeys(r.Event, date)[1:]...)
		entries = append(entries, indexEntry{bucketArticleEvents, pairKey(r.ArticleID, r.ID)})
		dates = append(dates, [2][]byte{[]byte(r.ID), []byte(date)})
		return nil
	})
	if err := deleteKeys(events, bad); err != nil {
		return err
	}
	for _, kv := range moved {
		if err := events.Put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if err := tx.Bucket(e.bucket).Put(e.key, nil); err != nil {
			return err
		}
	}
	for _, kv := range dates {
		if err := tx.Bucket(bucketEventDates).Put(kv[0], kv[1]); err != nil {
			return err
		}
	}

	if tx.Bucket(bucketTallies) != nil {
		if err := tx.DeleteBucket(bucketTallies); err != nil {
			return err
		}
	}
	if _, err := tx.CreateBucket(bucketTallies); err != nil {
		return err
	}
	if err := tallies.apply(tx); err != nil {
		return err
	}

	if err := rebuildStories(tx, now, window, kept, drop, rep); err != nil {
		return err
	}

	if b := tx.Bucket(bucketAlertsSent); b != nil {
		bad = nil
		b.ForEach(func(k, v []byte) error {
			var rec AlertRecord
			if bytes.IndexByte(k, 0) < 0 || json.Unmarshal(v, &rec) != nil {
				drop("alert", "alert record %q: does not decode", k)
				bad = append(bad, bytes.Clone(k))
			}
			return nil
		})
		if err := deleteKeys(b, bad); err != nil {
			return err
		}
		rep.Kept["alerts_sent"] = keyCount(b)
	}
	if b := tx.Bucket(bucketAlertsMeta); b != nil {
		raw, err := now.MarshalText()
		if err != nil {
			return err
		}
		if err := b.Put(keyAlertsCovered, raw); err != nil {
			return err
		}
	}
	feeds := tx.Bucket(bucketFeeds)
	bad = nil
	feeds.ForEach(func(k, v []byte) error {
		var st json.RawMessage
		if json.Unmarshal(v, &st) != nil {
			drop("feed", "feed %s: does not decode", k)
			bad = append(bad, bytes.Clone(k))
		}
		return nil
	})
	if err := deleteKeys(feeds, bad); err != nil {
		return err
	}

	// Not countBuckets: Bucket.Stats counts what is on pages, and this
	// transaction's writes are not yet.
	c := Counts{Articles: keyCount(articles), Events: keyCount(events), Stories: keyCount(tx.Bucket(bucketStories))}
	rep.Kept["articles"], rep.Kept["events"], rep.Kept["stories"] = c.Articles, c.Events, c.Stories
	rep.Kept["feeds"] = keyCount(feeds)
	return writeCounts(tx, c)
}

// keyCount counts the keys of b as this transaction sees them.
func keyCount(b *bbolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// rebuildStories keeps the stories whose records decode, with the members
// left to them, recomputes them, and groups the events left without a
// story.
func rebuildStories(tx *bbolt.Tx, now time.Time, window time.Duration, events map[string]bool, drop func(kind, format string, args ...any), rep *RecoverReport) error {
	stories, members, eventStory := tx.Bucket(bucketStories), tx.Bucket(bucketStoryEvents), tx.Bucket(bucketEventStory)
	records := map[string]*storyRecord{}
	var bad [][]byte
	stories.ForEach(func(k, v []byte) error {
		r, err := decodeValidStory(k, v)
		if err != nil {
			drop("story", "story %s: %v", k, err)
			bad = append(bad, bytes.Clone(k))
			return nil
		}
		records[r.ID] = r
		return nil
	})
	for _, k := range bad {
		if err := stories.Delete(k); err != nil {
			return err
		}
	}

	// A member stays when its story and event do, event_story agrees
	// and the event is of the story's country, service and action. Its
	// value is what the story needs of the event, so it is made again
	// from the event rather than trusted.
	n := map[string]int{}
	bad = nil
	good := map[string][]byte{}
	var goodKeys []string
	members.ForEach(func(k, v []byte) error {
		sid, eid, ok := bytes.Cut(k, []byte{0})
		r := records[string(sid)]
		if !ok || r == nil || !events[string(eid)] || !bytes.Equal(eventStory.Get(eid), sid) {
			bad = append(bad, bytes.Clone(k))
			return nil
		}
		e, err := getEvent(tx, string(eid))
		if err != nil || e.Country != r.Country || e.Service != r.Service || e.Action != r.Action {
			bad = append(bad, bytes.Clone(k))
			return nil
		}
		good[string(k)] = memberOf(&e.Event).encode()
		goodKeys = append(goodKeys, string(k))
		n[string(sid)]++
		return nil
	})
	for _, k := range bad {
		if err := members.Delete(k); err != nil {
			return err
		}
	}
	for _, k := range goodKeys {
		if err := members.Put([]byte(k), good[k]); err != nil {
			return err
		}
	}
	bad = nil
	eventStory.ForEach(func(k, v []byte) error {
		if members.Get(pairKey(string(v), string(k))) == nil {
			bad = append(bad, bytes.Clone(k))
		}
		return nil
	})
	for _, k := range bad {
		if err := eventStory.Delete(k); err != nil {
			return err
		}
	}

	// The story indexes, from the records left.
	for _, name := range [][]byte{bucketIdxStoryTriple, bucketIdxStoryLast, bucketIdxStoryUpdated} {
		if err := tx.DeleteBucket(name); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return err
		}
	}
	g := newGrouper(boltKV{tx}, now, window, &SaveStats{})
	ids := make([]string, 0, len(records))
	for id := range records {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r := records[id]
		if n[id] == 0 {
			if err := stories.Delete([]byte(id)); err != nil {
				return err
			}
			continue
		}
		last, _ := storyLastKey(&r.Story)
		for _, ix := range []indexEntry{
			{bucketIdxStoryTriple, tripleKey(r, r.SpanFrom, r.SpanTo)},
			{bucketIdxStoryLast, last},
			{bucketIdxStoryUpdated, updatedKey(r.Updated, id)},
		} {
			if err := tx.Bucket(ix.bucket).Put(ix.key, nil); err != nil {
				return err
			}
		}
		// finish recomputes it from its members, and rewrites it only if
		// that changes it.
		st, err := g.state(id)
		if err != nil {
			return err
		}
		// Events it lost may have held it together.
		st.changed, st.split = true, true
	}

	var homeless []string
	tx.Bucket(bucketEventDates).ForEach(func(k, _ []byte) error {
		if eventStory.Get(k) == nil {
			homeless = append(homeless, string(k))
		}
		return nil
	})
	for _, id := range homeless {
		e, err := getEvent(tx, id)
		if err != nil {
			return fmt.Errorf("event %s: %w", id, err)
		}
		if err := g.saved(nil, &e.Event); err != nil {
			return fmt.Errorf("event %s: %w", id, err)
		}
	}
	rep.Regrouped = len(homeless)
	return g.finish()
}

// decodeValidStory decodes the story stored under k and checks it has
// what the story indexes are made of.
func decodeValidStory(k, v []byte) (*storyRecord, error) {
	var r storyRecord
	err := json.Unmarshal(v, &r)
	if err == nil && r.ID != string(k) {
		err = fmt.Errorf("stored under the id %s", k)
	}
	if err == nil {
		_, err = storyLastKey(&r.Story)
	}
	if err == nil {
		_, err = parseSpan(r.SpanFrom, r.SpanTo)
	}
	if err == nil && (r.Country == "" || r.Service == "" || !r.Action.Valid()) {
		err = errors.New("no country, service or action")
	}
	return &r, err
}

// decodeValidEvent decodes the event stored under key k and checks it is
// one Save could have written: valid, with a date that pads, stored under
// the key eventKey makes of them. date is its padded date, as the keys
// hold it.
func decodeValidEvent(k, v []byte) (r event.Record, date string, err error) {
	r, date, err = decodeEventFields(v)
	if err == nil && !bytes.Equal(k, eventKey(date, r.ID)) {
		err = fmt.Errorf("event %s dated %s is stored under the key %q", r.ID, r.Date, k)
	}
	return r, date, err
}

// decodeEventFields is decodeValidEvent without the key: Recover also
// takes the events of an older file, stored under their id alone.
func decodeEventFields(v []byte) (r event.Record, date string, err error) {
	r, err = decodeEvent(v)
	if err == nil {
		err = validateEvent(r.ArticleID, 0, &r.Event)
	}
	if err == nil {
		date, err = padDate(r.Date)
	}
	return r, date, err
}
