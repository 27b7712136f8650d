package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

// Tallies are counts of events kept as events are written, so that Stats
// (the web page's lists, `policywatch stats`) reads a few thousand counts
// rather than every key of every index: 6 s at a million events before.
//
// bucketTallies is period \x00 dimension \x00 value -> the number of
// stored events of that period with that value, as a uvarint. The period
// is the event's month, YYYY-MM, or its year, YYYY, for an event dated
// only by year (monthKey); the dimension is one byte, see the dim
// constants. A count that falls to zero is deleted. Every event counts
// once in each dimension, so the counts of one dimension in a period sum
// to the events of that period. Added within schema version 2: a
// read-write open of a file without it builds it, and read-only, Stats
// counts events instead.
var bucketTallies = []byte("tallies")

// The dimensions of the tallies.
const (
	dimCountry   = 'c'
	dimService   = 's'
	dimAction    = 'a'
	dimExtractor = 'x'
	dimFeed      = 'f'
)

// tallyKeys are the tally keys an event counts under.
func tallyKeys(e *event.Event) [5]string {
	p := monthKey(e.Date)
	key := func(dim byte, value string) string {
		return p + "\x00" + string(dim) + "\x00" + value
	}
	return [5]string{
		key(dimCountry, e.Country),
		key(dimService, e.Service),
		key(dimAction, string(e.Action)),
		key(dimExtractor, e.Extractor),
		key(dimFeed, e.Feed),
	}
}

// tallyDelta is what one transaction adds to the tallies; it is applied
// once, at the end, so that an event saved again (the common case of a
// re-read article) costs no writes.
type tallyDelta map[string]int

func (d tallyDelta) add(e *event.Event, n int) {
	for _, k := range tallyKeys(e) {
		d[k] += n
	}
}

// apply writes the delta into the tallies bucket, in key order.
func (d tallyDelta) apply(tx *bbolt.Tx) error {
	b := tx.Bucket(bucketTallies)
	if b == nil {
		return fmt.Errorf("bucket %s missing", bucketTallies)
	}
	for _, k := range slices.Sorted(maps.Keys(d)) {
		n := d[k]
		if n == 0 {
			continue
		}
		key := []byte(k)
		cur, err := tallyValue(b.Get(key))
		if err != nil {
			return fmt.Errorf("%s %q: %w", bucketTallies, k, err)
		}
		switch total := int(cur) + n; {
		case total < 0:
			return corrupt("%s %q: the count would go below zero (%d%+d)", bucketTallies, k, cur, n)
		case total == 0:
			err = b.Delete(key)
		default:
			err = b.Put(key, binary.AppendUvarint(nil, uint64(total)))
		}
		if err != nil {
			return fmt.Errorf("%s %q: %w", bucketTallies, k, err)
		}
	}
	return nil
}

func tallyValue(raw []byte) (uint64, error) {
	if raw == nil {
		return 0, nil
	}
	n, k := binary.Uvarint(raw)
	if k != len(raw) || n == 0 {
		return 0, corrupt("malformed count %x", raw)
	}
	return n, nil
}

// buildTallies makes the tallies bucket afresh from the stored events,
// reporting progress as it decodes them.
func buildTallies(tx *bbolt.Tx, p *reporter) error {
	if tx.Bucket(bucketTallies) != nil {
		if err := tx.DeleteBucket(bucketTallies); err != nil {
			return err
		}
	}
	if _, err := tx.CreateBucket(bucketTallies); err != nil {
		return err
	}
	events := tx.Bucket(bucketEvents)
	d := tallyDelta{}
	err := events.ForEach(func(k, v []byte) error {
		e, err := decodeEvent(v)
		if err != nil {
			return fmt.Errorf("event %s: %w", k, err)
		}
		d.add(&e.Event, 1)
		p.add(1)
		return nil
	})
	if err != nil {
		return err
	}
	return d.apply(tx)
}

// periodDays is the first and last day (YYYY-MM-DD) of the padded dates
// of a period's events: the days of a month, or the one day, 1 January,
// that an event dated by its year alone is indexed under.
func periodDays(period string) (from, to string, err error) {
	switch len(period) {
	case len("2006"):
		from = period + "-01-01"
		return from, from, nil
	case len("2006-01"):
		t, err := time.Parse("2006-01", period)
		if err != nil {
			return "", "", corrupt("%s: malformed period %q", bucketTallies, period)
		}
		return t.Format(time.DateOnly), t.AddDate(0, 1, -1).Format(time.DateOnly), nil
	}
	return "", "", corrupt("%s: malformed period %q", bucketTallies, period)
}

// eachTally passes fn the tallies of the periods that lie wholly between
// since and until (YYYY-MM-DD, "" open) and returns the periods that lie
// partly within them, whose events the caller counts one by one.
func eachTally(b *bbolt.Bucket, since, until string, fn func(period string, dim byte, value []byte, n int)) (partial []string, err error) {
	var (
		period string
		whole  bool
	)
	err = b.ForEach(func(k, v []byte) error {
		p, rest, ok := bytes.Cut(k, []byte{0})
		if !ok || len(rest) < 2 || rest[1] != 0 {
			return corrupt("%s: malformed key %q", bucketTallies, k)
		}
		if string(p) != period {
			period = string(p)
			from, to, err := periodDays(period)
			if err != nil {
				return err
			}
			whole = (since == "" || from >= since) && (until == "" || to <= until)
			out := since != "" && to < since || until != "" && from > until
			if !whole && !out {
				partial = append(partial, period)
			}
		}
		if !whole {
			return nil
		}
		switch rest[0] {
		case dimCountry, dimService, dimAction, dimExtractor, dimFeed:
		default:
			return corrupt("%s: unknown dimension in key %q", bucketTallies, k)
		}
		n, err := tallyValue(v)
		if err != nil {
			return fmt.Errorf("%s %q: %w", bucketTallies, k, err)
		}
		fn(period, rest[0], rest[2:], int(n))
		return nil
	})
	return partial, err
}

// fromTallies adds up the tallies of the periods wholly between since
// and until, as eachTally.
func (c *counter) fromTallies(b *bbolt.Bucket, since, until string) ([]string, error) {
	dims := map[byte]*map[string]int{
		dimCountry: &c.country, dimService: &c.service, dimAction: &c.action,
		dimExtractor: &c.extractor, dimFeed: &c.feed,
	}
	return eachTally(b, since, until, func(period string, dim byte, value []byte, n int) {
		m := dims[dim]
		if *m == nil {
			*m = map[string]int{}
		}
		(*m)[string(value)] += n
		if dim == dimCountry {
			// Each event has one country: the period's events.
			if c.yearMonth == nil {
				c.yearMonth = map[string]int{}
			}
			c.yearMonth[period] += n
			c.events += n
		}
	})
}

// checkTallies reports where the tallies bucket disagrees with want, the
// counts made from the events.
func checkTallies(b *bbolt.Bucket, want tallyDelta, c *collector) {
	seen := map[string]bool{}
	b.ForEach(func(k, v []byte) error {
		n, err := tallyValue(v)
		switch {
		case err != nil:
			c.addf("tallies", "%s %q: %v", bucketTallies, k, err)
		case int(n) != want[string(k)]:
			c.addf("tallies", "%s %q: counts %d events, %d are stored", bucketTallies, k, n, want[string(k)])
		}
		seen[string(k)] = true
		return nil
	})
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if !seen[k] && want[k] != 0 {
			c.addf("tallies", "%s: no count for %q, which %d stored events have", bucketTallies, k, want[k])
		}
	}
}
