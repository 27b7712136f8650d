package store

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

// Filter selects events. Fields combine with AND; values within a list
// combine with OR. The zero Filter selects every event.
type Filter struct {
	Countries []string // ISO codes, any of
	Services  []string // slugs, any of
	Actions   []string // any of
	// Since and Until are "2018", "2018-04" or "2018-04-16", inclusive;
	// "" is open. Until "2018-04" includes the whole of April. An event
	// dated only by month or year matches if its month or year overlaps
	// the range (see dateEnd).
	Since, Until  string
	Text          string // case-insensitive substring of evidence, reason or source title
	MinConfidence float64
	Feeds         []string // feed names, any of
	Limit         int      // 0 = no limit
}

// Plan describes how a query ran.
type Plan struct {
	Index  string // the index bucket scanned
	Keys   int    // index keys read while scanning it (not those counted to choose it)
	Loaded int    // events decoded
}

// Events returns the events matching f, newest first by event date (a
// partial date counting as its first day), then by publication date, then
// by id. It holds them all in memory; EachEvent streams them instead.
func (db *DB) Events(f Filter) ([]event.Record, error) {
	var out []event.Record
	expect := func(n int) { out = make([]event.Record, 0, n) }
	_, err := db.scan(f, false, expect, func(e event.Record) error {
		if len(out) == cap(out) {
			// Doubling: append grows a large slice by a quarter, which
			// for a year of one action (22,768 records of 296 bytes)
			// allocated and copied five times the answer.
			out = slices.Grow(out, max(cap(out), 256))
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil // as before the expected size was made ready
	}
	return out, nil
}

// EachEvent calls fn with each event matching f, in the order of Events,
// decoding one day of events at a time so that memory stays flat however
// many match. If fn returns an error, EachEvent stops and returns it
// unchanged.
//
// It reads in one transaction, so it sees the store as it was when it
// began however long fn takes. All that time the database stays open,
// and an open database holds the file lock: a writer in another process,
// a nightly run's Save, waits for it up to its lock timeout. An fn that
// can block, on a slow network client or a pager, should write somewhere
// fast and let the slow part happen after the database is closed.
func (db *DB) EachEvent(f Filter, fn func(event.Record) error) error {
	_, err := db.scan(f, true, nil, fn)
	return err
}

// Explain runs f as Events does, without keeping the events, and reports
// the plan it used.
func (db *DB) Explain(f Filter) (Plan, error) {
	return db.scan(f, false, nil, func(event.Record) error { return nil })
}

// query is a Filter normalised for matching.
type query struct {
	countries, services, actions []string
	since, until                 string   // YYYY-MM-DD or ""
	partial                      []string // partialStarts(since, until)
	text                         string   // lower case
	minConfidence                float64
	feeds                        []string
	limit                        int

	storyIDs idLister // matchStory's buffers, kept from one story to the next
}

func compile(f Filter) (query, error) {
	q := query{
		countries:     normalise(f.Countries, strings.ToUpper),
		services:      normalise(f.Services, strings.ToLower),
		actions:       normalise(f.Actions, strings.ToLower),
		text:          strings.ToLower(strings.TrimSpace(f.Text)),
		minConfidence: f.MinConfidence,
		feeds:         normalise(f.Feeds, nil),
		limit:         f.Limit,
	}
	var err error
	if q.since, err = ParseDateBound(f.Since, false); err != nil {
		return q, fmt.Errorf("since: %w", err)
	}
	if q.until, err = ParseDateBound(f.Until, true); err != nil {
		return q, fmt.Errorf("until: %w", err)
	}
	q.partial = partialStarts(q.since, q.until)
	if q.limit < 0 {
		return q, fmt.Errorf("negative limit %d", q.limit)
	}
	return q, nil
}

// normalise trims, folds case with fold (if any), drops empty values and
// duplicates, and sorts, so that a scan visits each index range once.
func normalise(vs []string, fold func(string) string) []string {
	var out []string
	for _, v := range vs {
		v = strings.TrimSpace(v)
		if fold != nil {
			v = fold(v)
		}
		if v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// match applies every filter to a loaded event, including the one the
// index already satisfied: it is cheap and keeps the planner honest.
func (q *query) match(e *event.Event, date string) bool {
	switch {
	case len(q.countries) > 0 && !slices.Contains(q.countries, e.Country),
		len(q.services) > 0 && !slices.Contains(q.services, e.Service),
		len(q.actions) > 0 && !slices.Contains(q.actions, string(e.Action)),
		len(q.feeds) > 0 && !slices.Contains(q.feeds, e.Feed),
		q.since != "" && date < q.since && dateEnd(e.Date, date) < q.since,
		q.until != "" && date > q.until,
		q.until != "" && q.since > q.until,
		e.Confidence < q.minConfidence:
		return false
	}
	return q.text == "" || q.matchText(e)
}

func (q *query) matchText(e *event.Event) bool {
	if strings.Contains(strings.ToLower(e.Reason), q.text) ||
		strings.Contains(strings.ToLower(e.SourceTitle), q.text) {
		return true
	}
	for _, s := range e.Evidence {
		if strings.Contains(strings.ToLower(s), q.text) {
			return true
		}
	}
	return false
}

// keyRange is the part of one index holding one value (or, in the events
// bucket, everything) between two dates: keys k with prefix <= lo <= k < hi.
type keyRange struct {
	prefix, lo, hi []byte
}

func newRange(value *string, since, until string) keyRange {
	var prefix []byte
	if value != nil {
		prefix = append([]byte(*value), 0)
	}
	r := keyRange{prefix: prefix}
	r.lo = append(slices.Clip(prefix), since...)
	if until == "" {
		// Dates start with a digit, so \xff is past every date.
		r.hi = append(slices.Clip(prefix), 0xff)
	} else {
		// Keys go on with \x00 after the date, so \x01 is past every key
		// of the last day.
		r.hi = append(append(slices.Clip(prefix), until...), 1)
	}
	return r
}

// dateRanges are the ranges of one index value (nil: all of the events
// bucket)
// that q's dates can match: Since to Until, and the days before Since on
// which a month or year that overlaps it begins.
func (q *query) dateRanges(value *string) []keyRange {
	rs := []keyRange{newRange(value, q.since, q.until)}
	for _, d := range q.partial {
		rs = append(rs, newRange(value, d, d))
	}
	return rs
}

func (r keyRange) contains(k []byte) bool {
	return k != nil && bytes.HasPrefix(k, r.prefix) && bytes.Compare(k, r.lo) >= 0 && bytes.Compare(k, r.hi) < 0
}

// access is one way to answer a query: an index and its ranges.
type access struct {
	bucket []byte
	ranges []keyRange
	keys   int // the keys in its ranges, if plan counted them, else -1
}

// plan picks the access path: the exact-match index with the fewest keys
// in range, else the events bucket itself, which is in date order.
func (q *query) plan(tx *bbolt.Tx) access {
	var candidates []access
	for _, c := range []struct {
		bucket []byte
		values []string
	}{
		{bucketIdxCountry, q.countries},
		{bucketIdxService, q.services},
		{bucketIdxAction, q.actions},
	} {
		if len(c.values) == 0 {
			continue
		}
		a := access{bucket: c.bucket, keys: -1}
		for i := range c.values {
			a.ranges = append(a.ranges, q.dateRanges(&c.values[i])...)
		}
		candidates = append(candidates, a)
	}
	switch len(candidates) {
	case 0:
		return access{bucket: bucketEvents, ranges: q.dateRanges(nil), keys: -1}
	case 1:
		return candidates[0]
	}
	best, bestN := candidates[0], countKeys(tx, candidates[0], -1)
	for _, c := range candidates[1:] {
		// Counting stops once a candidate is no better than the best so
		// far, so the best's count is whole.
		if n := countKeys(tx, c, bestN); n < bestN {
			best, bestN = c, n
		}
	}
	best.keys = bestN
	return best
}

// forward reports damaged pages when a cursor's step forward, k, did not
// move past the key before it, prev (nil at the start): see
// revScan.next.
func forward(prev, k []byte) error {
	if prev != nil && bytes.Compare(k, prev) <= 0 {
		return corrupt("key %q came after %q: the pages are out of order", k, prev)
	}
	return nil
}

// backward is forward for a step back: k must come before prev.
func backward(prev, k []byte) error {
	if prev != nil && bytes.Compare(k, prev) >= 0 {
		return corrupt("key %q came after %q walking back: the pages are out of order", k, prev)
	}
	return nil
}

// countKeys counts the keys a would scan, giving up once past limit
// (when limit >= 0).
func countKeys(tx *bbolt.Tx, a access, limit int) int {
	n := 0
	c := tx.Bucket(a.bucket).Cursor()
	for _, r := range a.ranges {
		var prev []byte
		for k, _ := c.Seek(r.lo); r.contains(k); k, _ = c.Next() {
			if forward(prev, k) != nil {
				return n // the scan reports the damage; a count has only to end
			}
			prev = k
			n++
			if limit >= 0 && n > limit {
				return n
			}
		}
	}
	return n
}

// revScan walks one range from its newest key back.
type revScan struct {
	c   *bbolt.Cursor
	r   keyRange
	k   []byte // current key, nil when done
	v   []byte // its value
	err error  // why it ended early: the bucket's pages are damaged
}

func newRevScan(b *bbolt.Bucket, r keyRange) *revScan {
	s := &revScan{c: b.Cursor(), r: r}
	k, v := s.c.Seek(r.hi)
	if k == nil {
		k, v = s.c.Last()
	} else {
		k, v = s.c.Prev()
	}
	s.set(k, v)
	return s
}

func (s *revScan) set(k, v []byte) {
	if s.r.contains(k) {
		s.k, s.v = k, v
	} else {
		s.k, s.v = nil, nil
	}
}

// next steps back to the key before. A key that is not before the last
// one means damaged pages: bbolt follows a page's child pointers as they
// are, and one that points back up the tree makes the cursor go over
// the same keys again and again, without end.
//
// It is checked before the range: keys gone over again may lie outside it, and
// the scan would end early, as if there were no more.
func (s *revScan) next() {
	k, v := s.c.Prev()
	if k != nil {
		if s.err = backward(s.k, k); s.err != nil {
			s.k, s.v = nil, nil
			return
		}
	}
	s.set(k, v)
}

// follower reads events in the descending key order of a scan through
// one cursor. The events bucket is in date order, as every index is
// within one value, so the next event a scan wants is most often a few
// keys before the last one, on the same page or the next, where stepping
// back costs less than a lookup from the root.
type follower struct {
	c    *bbolt.Cursor
	k, v []byte
}

// followSteps is how many keys follower steps back before it seeks.
const followSteps = 16

// get returns the value at key, nil if there is none. Keys asked for
// must come in descending order for the steps to pay.
func (f *follower) get(key []byte) []byte {
	if f.k != nil && bytes.Compare(key, f.k) < 0 {
		for range followSteps {
			if f.k, f.v = f.c.Prev(); f.k == nil {
				break
			}
			switch c := bytes.Compare(f.k, key); {
			case c == 0:
				return f.v
			case c < 0:
				return nil // stepped past where it would be
			}
		}
	}
	f.k, f.v = f.c.Seek(key)
	if f.k == nil || !bytes.Equal(f.k, key) {
		return nil
	}
	return f.v
}

// entry is the date and event id of the current key.
func (s *revScan) entry() (date, id []byte, err error) {
	rest := s.k[len(s.r.prefix):]
	if len(rest) < len("2006-01-02")+2 || rest[len("2006-01-02")] != 0 {
		return nil, nil, corrupt("malformed index key %q", s.k)
	}
	return rest[:len("2006-01-02")], rest[len("2006-01-02")+1:], nil
}

// releaseEvery is how many events a scan decodes between handing the
// pages it read back to the kernel (see releaseMapped), unless the DB
// says otherwise. Since the events bucket is in date order a walk reads
// the file mostly in order, so releasing every 1,024 events, as when each
// event was looked up by id anywhere in the file, only made it fault in
// the branch pages above each leaf again (two thirds of its time). An
// export of a million events (BenchmarkMillionExport/csv): every 1,024,
// 22 s and 62 MiB peak RSS; every 8,192, 15.5 s and 136 MiB; every
// 32,768, 14.3 s and 399 MiB, over the 300 MiB an export may hold.
// Queries that small never release.
const releaseEvery = 1 << 13

// errStop ends a transaction whose callback failed; scan returns the
// callback's own error instead.
var errStop = errors.New("stopped by callback")

// scan runs f: it merges the chosen ranges newest first, loads events a
// day at a time, passes them to fn and stops once it has passed Limit.
// With release it hands the pages it read back to the kernel as it goes
// (see releaseEvery): a stream's memory then stays flat, at the price of
// reading again pages it comes back to, which makes a query that decodes
// thousands of events three times slower.
//
// Through an index, expect (if not nil) is told first how many events
// fn may be passed at most: the index keys in range, which are small and
// few to a page, so counting them costs a fraction of loading the events.
func (db *DB) scan(f Filter, release bool, expect func(n int), fn func(event.Record) error) (Plan, error) {
	q, err := compile(f)
	if err != nil {
		return Plan{}, err
	}
	var (
		plan  Plan
		fnErr error
	)
	err = db.view(func(tx *bbolt.Tx) error {
		a := q.plan(tx)
		plan.Index = string(a.bucket)
		if expect != nil && !bytes.Equal(a.bucket, bucketEvents) {
			n := a.keys
			if n < 0 {
				n = countKeys(tx, a, cmp.Or(q.limit, -1))
			}
			if q.limit > 0 {
				n = min(n, q.limit)
			}
			expect(n)
		}
		idx := tx.Bucket(a.bucket)
		events := follower{c: tx.Bucket(bucketEvents).Cursor()}
		scans := make([]*revScan, 0, len(a.ranges))
		for _, r := range a.ranges {
			scans = append(scans, newRevScan(idx, r))
		}

		// Ties on the event date are ordered by published, which needs the
		// events loaded, so a whole day is gathered before it is emitted.
		var (
			day     []event.Record
			order   []*event.Record // day sorted: records are large to swap
			dayDate string
			emitted int
		)
		full := func() bool { return q.limit > 0 && emitted >= q.limit }
		flush := func() error {
			order = order[:0]
			for i := range day {
				order = append(order, &day[i])
			}
			slices.SortFunc(order, func(a, b *event.Record) int {
				return cmp.Or(strings.Compare(b.Published, a.Published), strings.Compare(a.ID, b.ID)) // compareSameDay
			})
			for _, e := range order {
				if full() {
					break
				}
				if fnErr = fn(*e); fnErr != nil {
					return errStop
				}
				emitted++
			}
			day = day[:0]
			return nil
		}
		for {
			s := newest(scans)
			if s == nil {
				break
			}
			date, id, err := s.entry()
			if err != nil {
				return fmt.Errorf("%s: %w", a.bucket, err)
			}
			if string(date) != dayDate {
				if err := flush(); err != nil {
					return err
				}
				if full() {
					break
				}
				dayDate = string(date)
			}
			plan.Keys++
			raw := s.v // scanning the events bucket itself
			if !bytes.Equal(a.bucket, bucketEvents) {
				// An index key is the value's prefix and then the
				// event's key (date \x00 id), which is looked up as it is.
				if raw = events.get(s.k[len(s.r.prefix):]); raw == nil {
					return corrupt("%s: index names missing event %s", a.bucket, id)
				}
			}
			e, err := decodeEvent(raw)
			if err != nil {
				return corrupt("decode event %s: %w", id, err)
			}
			plan.Loaded++
			if release && db.releaseEvery > 0 && plan.Loaded%db.releaseEvery == 0 {
				releaseMapped(db.bolt, tx)
			}
			if q.match(&e.Event, dayDate) {
				day = append(day, e)
			}
			if s.next(); s.err != nil {
				return fmt.Errorf("%s: %w", a.bucket, s.err)
			}
		}
		return flush()
	})
	if fnErr != nil {
		return Plan{}, fnErr
	}
	if err != nil {
		return Plan{}, fmt.Errorf("query %s: %w", db.path, err)
	}
	return plan, nil
}

// newest returns the scan whose current key is latest, nil when all are
// done. Index values differ only in their prefix, so comparing what
// follows it orders by date.
func newest(scans []*revScan) *revScan {
	var best *revScan
	for _, s := range scans {
		if s.k == nil {
			continue
		}
		if best == nil || bytes.Compare(s.k[len(s.r.prefix):], best.k[len(best.r.prefix):]) > 0 {
			best = s
		}
	}
	return best
}

// compareSameDay orders events of one padded date: later published first,
// then by id for a stable order.
func compareSameDay(a, b event.Record) int {
	if c := strings.Compare(b.Published, a.Published); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// compareEvents is the full result order: padded date, then compareSameDay.
func compareEvents(a, b event.Record) int {
	// Stored dates were validated by Save, so padding cannot fail here.
	ka, _ := padDate(a.Date)
	kb, _ := padDate(b.Date)
	if c := strings.Compare(kb, ka); c != 0 {
		return c
	}
	return compareSameDay(a, b)
}
