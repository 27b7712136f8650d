package store

import (
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

// Stats counts events along each dimension. ByMonth is in order of time,
// oldest first, as a timeline reads; the others by count, largest first,
// then by key.
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
	// ByFeed keys are the names of the feeds that brought the events;
	// "" counts those without one.
	ByFeed []Count `json:"by_feed"`
}

// Stats counts the events matching f. Limit is ignored: the counts are
// of every matching event. A filter on dates alone, the web page's, is
// answered from the counts Save keeps (see tallies.go), adding those of
// the months within the range and counting the events of a month the
// range cuts through one by one; any other filter decodes the events it
// matches.
func (db *DB) Stats(f Filter) (Stats, error) {
	var c counter
	err := db.count(f, c.fromTallies, func(e *event.Record) { c.add(e) })
	if err != nil {
		return Stats{}, fmt.Errorf("stats %s: %w", db.path, err)
	}
	return c.stats(), nil
}

// PeriodCount is how many events of one action a period holds.
type PeriodCount struct {
	// Period is YYYY-MM, or YYYY for events dated only by their year.
	Period string       `json:"period"`
	Action event.Action `json:"action"`
	Events int          `json:"events"`
}

// ByPeriodAndAction counts the events matching f by period and action,
// as a chart of them over time needs, in order of period then action.
// Limit is ignored. A filter on dates alone is answered as Stats answers
// it, from the kept counts.
func (db *DB) ByPeriodAndAction(f Filter) ([]PeriodCount, error) {
	type key struct {
		period string
		action event.Action
	}
	counts := map[key]int{}
	fromTallies := func(b *bbolt.Bucket, since, until string) ([]string, error) {
		return eachTally(b, since, until, dimAction, func(period string, _ byte, value []byte, n int) {
			counts[key{period, event.Action(value)}] += n
		})
	}
	err := db.count(f, fromTallies, func(e *event.Record) {
		counts[key{monthKey(e.Date), e.Action}]++
	})
	if err != nil {
		return nil, fmt.Errorf("count by month %s: %w", db.path, err)
	}
	out := make([]PeriodCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, PeriodCount{Period: k.period, Action: k.action, Events: n})
	}
	slices.SortFunc(out, func(a, b PeriodCount) int {
		return cmp.Or(strings.Compare(a.Period, b.Period), strings.Compare(string(a.Action), string(b.Action)))
	})
	return out, nil
}

// count passes what f matches to its callbacks: for a filter on dates
// alone, the tallies bucket to fromTallies, which counts the periods
// wholly in range and returns those partly in it, and then each event
// of those periods in range to each; for any other filter, or a file
// without tallies, each matching event.
func (db *DB) count(f Filter, fromTallies func(b *bbolt.Bucket, since, until string) ([]string, error), each func(*event.Record)) error {
	f.Limit = 0
	q, err := compile(f)
	if err != nil {
		return err
	}
	var kept bool
	var partial []string
	if q.datesOnly() {
		err = db.view(func(tx *bbolt.Tx) error {
			// A file written before the tallies, opened read-only, has
			// none: its events are counted.
			b := tx.Bucket(bucketTallies)
			if kept = b != nil; kept {
				partial, err = fromTallies(b, q.since, q.until)
			}
			return err
		})
	}
	// The months the range cuts through, a day range within each. A
	// year-only event sorts on 1 January with those of January, but is
	// of the year's own period, counted whole. (These are read in
	// transactions of their own: a Save in between may make the counts
	// of the two moments.)
	for _, period := range partial {
		if err != nil {
			break
		}
		from, to, _ := periodDays(period) // checked by fromTallies
		err = db.EachEvent(Filter{Since: max(from, q.since), Until: minBound(to, q.until)}, func(e event.Record) error {
			if monthKey(e.Date) == period {
				each(&e)
			}
			return nil
		})
	}
	if err == nil && !kept {
		err = db.EachEvent(f, func(e event.Record) error {
			each(&e)
			return nil
		})
	}
	return err
}

// minBound is the earlier of two YYYY-MM-DD bounds, "" being open.
func minBound(a, b string) string {
	if b == "" {
		return a
	}
	return min(a, b)
}

// datesOnly reports whether q filters on nothing but the date, which
// every index key holds.
func (q *query) datesOnly() bool {
	return len(q.countries) == 0 && len(q.services) == 0 && len(q.actions) == 0 &&
		len(q.feeds) == 0 && q.text == "" && q.minConfidence <= 0
}

type counter struct {
	events                                               int
	country, service, action, yearMonth, extractor, feed map[string]int
}

func (c *counter) inc(m *map[string]int, key string) { c.count(m, key, 1) }

func (c *counter) count(m *map[string]int, key string, n int) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[key] += n
}

func (c *counter) add(e *event.Record) {
	c.events++
	c.inc(&c.country, e.Country)
	c.inc(&c.service, e.Service)
	c.inc(&c.action, string(e.Action))
	c.inc(&c.yearMonth, monthKey(e.Date))
	c.inc(&c.extractor, e.Extractor)
	c.inc(&c.feed, e.Feed)
}

// monthKey is YYYY-MM, or YYYY for a date with only a year.
func monthKey(date string) string {
	if len(date) >= len("2006-01") {
		return date[:len("2006-01")]
	}
	return date
}

func (c *counter) stats() Stats {
	return Stats{
		Events:      c.events,
		ByCountry:   sorted(c.country),
		ByService:   sorted(c.service),
		ByAction:    sorted(c.action),
		ByMonth:     byKey(c.yearMonth),
		ByExtractor: sorted(c.extractor),
		ByFeed:      sorted(c.feed),
	}
}

// byKey lists the counts of m in key order: for months, oldest first,
// with a year ("2018") before its months ("2018-01").
func byKey(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Key: k, Events: n})
	}
	slices.SortFunc(out, func(a, b Count) int { return strings.Compare(a.Key, b.Key) })
	return out
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

// StatsCounter adds up events as Stats counts them, for a store that
// reads or groups them itself (package store/pgstore), so that both
// stores key, order and break ties alike. The zero value is ready.
type StatsCounter struct{ c counter }

// Add counts n events with e's country, service, action, date (its
// month, or year), extractor and feed.
func (s *StatsCounter) Add(e *event.Event, n int) {
	c := &s.c
	c.events += n
	c.count(&c.country, e.Country, n)
	c.count(&c.service, e.Service, n)
	c.count(&c.action, string(e.Action), n)
	c.count(&c.yearMonth, monthKey(e.Date), n)
	c.count(&c.extractor, e.Extractor, n)
	c.count(&c.feed, e.Feed, n)
}

// Stats is what was added.
func (s *StatsCounter) Stats() Stats { return s.c.stats() }
