package store

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

// Count is how many events have one value of a dimension.
type Count struct {
	Key    string `json:"key"`
	Events int    `json:"events"`
}

// Stats counts events along each dimension. Every list is sorted by
// count, largest first, then by key.
type Stats struct {
	Events    int     `json:"events"`
	ByCountry []Count `json:"by_country"`
	ByService []Count `json:"by_service"`
	ByAction  []Count `json:"by_action"`
	// ByMonth keys are YYYY-MM; an event dated only by its year counts
	// under YYYY.
	ByMonth []Count `json:"by_month"`
	// ByExtractor keys are the versions of the extractors that made the
	// events; "" counts those stored before versions were recorded.
	ByExtractor []Count `json:"by_extractor"`
}

// Stats counts the events matching f. Limit is ignored: the counts are
// of every matching event. A filter on dates alone is answered from the
// index keys without decoding events.
func (db *DB) Stats(f Filter) (Stats, error) {
	f.Limit = 0
	q, err := compile(f)
	if err != nil {
		return Stats{}, err
	}
	var c counter
	var indexed bool
	if q.datesOnly() {
		err = db.view(func(tx *bbolt.Tx) error {
			// A file written before idx_extractor, opened read-only,
			// cannot be counted from the indexes alone.
			if indexed = tx.Bucket(bucketIdxExtractor) != nil; indexed {
				return c.fromIndexes(tx, q.since, q.until)
			}
			return nil
		})
	}
	if err == nil && !indexed {
		err = db.EachEvent(f, func(e event.Record) error {
			c.add(&e)
			return nil
		})
	}
	if err != nil {
		return Stats{}, fmt.Errorf("stats %s: %w", db.path, err)
	}
	return c.stats(), nil
}

// datesOnly reports whether q filters on nothing but the date, which
// every index key holds.
func (q *query) datesOnly() bool {
	return len(q.countries) == 0 && len(q.services) == 0 && len(q.actions) == 0 &&
		len(q.feeds) == 0 && q.text == "" && q.minConfidence <= 0
}

type counter struct {
	events                                         int
	country, service, action, yearMonth, extractor map[string]int
}

func (c *counter) inc(m *map[string]int, key string) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[key]++
}

func (c *counter) add(e *event.Record) {
	c.events++
	c.inc(&c.country, e.Country)
	c.inc(&c.service, e.Service)
	c.inc(&c.action, string(e.Action))
	c.inc(&c.yearMonth, monthKey(e.Date))
	c.inc(&c.extractor, e.Extractor)
}

// monthKey is YYYY-MM, or YYYY for a date with only a year.
func monthKey(date string) string {
	if len(date) >= len("2006-01") {
		return date[:len("2006-01")]
	}
	return date
}

// fromIndexes counts keys per value in the country, service and action
// indexes and per month in the date index, between since and until
// (padded dates, "" open). A padded date cannot tell "2018" from
// "2018-01-01", so only the events indexed under 1 January are decoded
// to see which they are.
func (c *counter) fromIndexes(tx *bbolt.Tx, since, until string) error {
	inRange := func(date []byte) bool {
		d := string(date)
		return (since == "" || d >= since) && (until == "" || d <= until)
	}
	for _, ix := range []struct {
		bucket []byte
		m      *map[string]int
	}{
		{bucketIdxCountry, &c.country},
		{bucketIdxService, &c.service},
		{bucketIdxAction, &c.action},
		{bucketIdxExtractor, &c.extractor},
	} {
		err := tx.Bucket(ix.bucket).ForEach(func(k, _ []byte) error {
			value, rest, ok := bytes.Cut(k, []byte{0})
			date, _, ok2 := bytes.Cut(rest, []byte{0})
			if !ok || !ok2 {
				return corrupt("%s: malformed key %q", ix.bucket, k)
			}
			if inRange(date) {
				c.inc(ix.m, string(value))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// event_dates is the smallest bucket with every event's date; only an
	// event dated to its year is decoded, for its month.
	return tx.Bucket(bucketEventDates).ForEach(func(id, date []byte) error {
		if len(date) != len("2006-01-02") {
			return corrupt("%s: malformed date %q of event %s", bucketEventDates, date, id)
		}
		if !inRange(date) {
			return nil
		}
		c.events++
		month := string(date[:len("2006-01")])
		if bytes.HasSuffix(date, []byte("-01-01")) {
			raw := tx.Bucket(bucketEvents).Get(eventKey(string(date), string(id)))
			if raw == nil {
				return corrupt("%s dates event %s %s, which %s does not hold", bucketEventDates, id, date, bucketEvents)
			}
			e, err := decodeEvent(raw)
			if err != nil {
				return fmt.Errorf("event %s: %w", id, err)
			}
			month = monthKey(e.Date)
		}
		c.inc(&c.yearMonth, month)
		return nil
	})
}

func (c *counter) stats() Stats {
	return Stats{
		Events:      c.events,
		ByCountry:   sorted(c.country),
		ByService:   sorted(c.service),
		ByAction:    sorted(c.action),
		ByMonth:     sorted(c.yearMonth),
		ByExtractor: sorted(c.extractor),
	}
}

func sorted(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Key: k, Events: n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		return cmp.Or(cmp.Compare(b.Events, a.Events), strings.Compare(a.Key, b.Key))
	})
	return out
}
