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
// (the web page's lists and chart, `policywatch stats`) reads a few
// thousand counts rather than every key of every index: 6 s at a million
// events before.
//
// bucketTallies holds two kinds of key, each -> a count, a uvarint:
//
//	period \x00 dimension \x00 value   events of the period with the value
//	\x00 dimension \x00 value          events with the value, of any period
//	\x00 e \x00 period                 events of the period
//
// The period is the event's month, YYYY-MM, or its year, YYYY, for an
// event dated only by year (monthKey); the dimension is one byte, see the
// dim constants. A count that falls to zero is deleted. Every event
// counts once in each dimension, so the counts of one dimension in a
// period sum to the events of that period. Added within schema version
// 2: a read-write open of a file without it builds it, and read-only,
// Stats counts events instead.
var bucketTallies = []byte("event_tallies")

// The dimensions of the tallies.
const (
	dimCountry   = 'c'
	dimService   = 's'
	dimAction    = 'a'
	dimExtractor = 'x'
	dimFeed      = 'f'
	// dimEvents, in the keys of any period, counts a period's events.
	dimEvents = 'e'
)

// tallyKeys are the tally keys an event counts under.
func tallyKeys(e *event.Event) [11]string {
	p := monthKey(e.Date)
	var out [11]string
	for i, d := range []struct {
		dim   byte
		value string
	}{{dimCountry, e.Country}, {dimService, e.Service}, {dimAction, string(e.Action)}, {dimExtractor, e.Extractor}, {dimFeed, e.Feed}} {
		out[2*i] = p + "\x00" + string(d.dim) + "\x00" + d.value
		out[2*i+1] = "\x00" + string(d.dim) + "\x00" + d.value
	}
	out[10] = "\x00" + string(dimEvents) + "\x00" + p
	return out
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
			return fmt.Errorf("event %q: %w", k, err)
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

// periodDays is the first and last day (YYYY-MM-DD) a period's events
// stand for: the days of a month, or of the year for the events dated by
// their year alone.
func periodDays(period string) (from, to string, err error) {
	switch len(period) {
	case len("2006"):
		// The period of the events dated by their year alone, each of
		// which stands for the whole year.
		return period + "-01-01", period + "-12-31", nil
	case len("2006-01"):
		t, err := time.Parse("2006-01", period)
		if err != nil {
			return "", "", corrupt("%s: malformed period %q", bucketTallies, period)
		}
		return t.Format(time.DateOnly), t.AddDate(0, 1, -1).Format(time.DateOnly), nil
	}
	return "", "", corrupt("%s: malformed period %q", bucketTallies, period)
}

// allTallies passes fn the counts of every value of each dimension, of
// any period, and of every period's events (dimEvents, the period the
// value).
func allTallies(b *bbolt.Bucket, fn func(dim byte, value []byte, n int)) error {
	c := b.Cursor()
	for k, v := c.Seek([]byte{0}); k != nil && k[0] == 0; k, v = c.Next() {
		if len(k) < 3 || k[2] != 0 {
			return corrupt("%s: malformed key %q", bucketTallies, k)
		}
		n, err := tallyValue(v)
		if err != nil {
			return fmt.Errorf("%s %q: %w", bucketTallies, k, err)
		}
		fn(k[1], k[3:], int(n))
	}
	return nil
}

// eachTally passes fn the counts of the periods that lie wholly between
// since and until (YYYY-MM-DD, "" open), of dimension dim or, when dim
// is 0, of every dimension; it returns the periods that lie partly
// within them, whose events the caller counts one by one. It seeks each
// period's keys, so it reads only those asked for.
func eachTally(b *bbolt.Bucket, since, until string, dim byte, fn func(period string, dim byte, value []byte, n int)) (partial []string, err error) {
	var periods []string
	err = allTallies(b, func(d byte, value []byte, _ int) {
		if d == dimEvents {
			periods = append(periods, string(value))
		}
	})
	if err != nil {
		return nil, err
	}
	c := b.Cursor()
	for _, period := range periods {
		from, to, err := periodDays(period)
		if err != nil {
			return nil, err
		}
		if since != "" && to < since || until != "" && from > until {
			continue
		}
		// A year's period holds only events dated by the year, which a
		// range overlapping the year keeps whole (the overlap rule of
		// dates.go); a month's holds days a range may cut.
		if len(period) == len("2006-01") && (since != "" && from < since || until != "" && to > until) {
			partial = append(partial, period)
			continue
		}
		prefix := append([]byte(period), 0)
		if dim != 0 {
			prefix = append(prefix, dim, 0)
		}
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			rest := k[len(period)+1:]
			if len(rest) < 2 || rest[1] != 0 {
				return nil, corrupt("%s: malformed key %q", bucketTallies, k)
			}
			switch rest[0] {
			case dimCountry, dimService, dimAction, dimExtractor, dimFeed:
			default:
				return nil, corrupt("%s: unknown dimension in key %q", bucketTallies, k)
			}
			n, err := tallyValue(v)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", bucketTallies, k, err)
			}
			fn(period, rest[0], rest[2:], int(n))
		}
	}
	return partial, nil
}

// fromTallies adds up the counts of the periods wholly between since
// and until, as eachTally, or of every period, from the counts of any
// period, when neither is given.
func (c *counter) fromTallies(b *bbolt.Bucket, since, until string) ([]string, error) {
	dims := map[byte]map[string]*int{}
	for _, d := range []byte{dimCountry, dimService, dimAction, dimExtractor, dimFeed, dimEvents} {
		dims[d] = map[string]*int{}
	}
	// Pointers, so that a count found again costs no allocation: a
	// year's tallies are tens of thousands.
	// A dimension no release writes is a damaged key, not a count.
	var unknown error
	add := func(dim byte, value []byte, n int) {
		m, ok := dims[dim]
		if !ok {
			if unknown == nil {
				unknown = corrupt("%s: a count of unknown kind %d for %q", bucketTallies, dim, value)
			}
			return
		}
		if p := m[string(value)]; p != nil {
			*p += n
			return
		}
		m[string(value)] = &n
	}
	var partial []string
	var err error
	if since == "" && until == "" {
		err = allTallies(b, add)
	} else {
		partial, err = eachTally(b, since, until, 0, func(period string, dim byte, value []byte, n int) {
			add(dim, value, n)
			if dim == dimCountry {
				// Each event has one country: the period's events.
				add(dimEvents, []byte(period), n)
			}
		})
	}
	if err == nil {
		err = unknown
	}
	for dim, m := range dims {
		for k, p := range m {
			switch dim {
			case dimEvents:
				c.count(&c.yearMonth, k, *p)
				c.events += *p
			case dimCountry:
				c.count(&c.country, k, *p)
			case dimService:
				c.count(&c.service, k, *p)
			case dimAction:
				c.count(&c.action, k, *p)
			case dimExtractor:
				c.count(&c.extractor, k, *p)
			case dimFeed:
				c.count(&c.feed, k, *p)
			}
		}
	}
	return partial, err
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
