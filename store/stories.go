package store

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

// StoryFilter selects stories. The Filter fields mean what they mean for
// events, applied to the story: Countries, Services and Actions its
// triple; Since and Until its dates, which must overlap the range (First
// beginning on or before Until, Last ending on or after Since, a partial
// date being the range of days it covers); Text any of its events'
// evidence, reason or source title; MinConfidence its best event; Feeds
// any of its feeds; Limit the number of stories.
type StoryFilter struct {
	Filter
	// CreatedAfter keeps only stories the store made after this time,
	// for "what is new since the last run"; zero keeps all.
	CreatedAfter time.Time
	// ChangedSince keeps only stories made or changed at or after this
	// time (Updated, which is never before Created); zero keeps all. It
	// reads only those stories, through an index of update times, so
	// "what changed since the last run" costs what changed, not what is
	// stored.
	ChangedSince time.Time
}

// Stories returns the stories matching f, newest first by Last (a
// partial date counting as its first day), then the most recently
// created first, then by id.
func (db *DB) Stories(f StoryFilter) ([]Story, error) {
	if err := db.needStories(); err != nil {
		return nil, err
	}
	q, err := compile(f.Filter)
	if err != nil {
		return nil, err
	}
	var out []Story
	err = db.view(func(tx *bbolt.Tx) error {
		if !f.ChangedSince.IsZero() && tx.Bucket(bucketIdxStoryUpdated) != nil {
			out, err = changedStories(tx, &q, f)
			return err
		}
		if q.since != "" && len(q.countries)+len(q.services)+len(q.actions) > 0 {
			out, err = tripleStories(tx, &q, f)
			return err
		}
		stories := tx.Bucket(bucketStories)
		var day []Story
		var dayDate []byte
		flush := func() {
			slices.SortFunc(day, compareSameLast)
			out = append(out, day...)
			day = day[:0]
		}
		c := tx.Bucket(bucketIdxStoryLast).Cursor()
		var prev []byte
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			if err := backward(prev, k); err != nil {
				return fmt.Errorf("%s: %w", bucketIdxStoryLast, err)
			}
			prev = k
			date, id, ok := bytes.Cut(k, []byte{0})
			if !ok {
				return corrupt("%s: malformed key %q", bucketIdxStoryLast, k)
			}
			// Keys go by Last's first day: before Since, only a month or
			// year that overlaps it can reach it, and older ones none.
			if q.since != "" && string(date) < q.since && !slices.Contains(q.partial, string(date)) {
				if string(date) < q.since[:len("2006")] {
					break
				}
				continue
			}
			if !bytes.Equal(date, dayDate) {
				flush()
				if q.limit > 0 && len(out) >= q.limit {
					break
				}
				dayDate = bytes.Clone(date)
			}
			var r storyRecord
			if err := getJSON(stories, string(id), &r); err != nil {
				return fmt.Errorf("story %s: %w", id, missing(err, "%s", bucketIdxStoryLast))
			}
			ok, err := q.matchStory(tx, &r.Story, f.CreatedAfter)
			if err != nil {
				return err
			}
			if ok && !r.Updated.Before(f.ChangedSince) {
				day = append(day, r.Story)
			}
		}
		flush()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stories %s: %w", db.path, err)
	}
	if q.limit > 0 && len(out) > q.limit {
		out = out[:q.limit]
	}
	return out, nil
}

// changedStories is Stories for a filter with ChangedSince: it reads the
// stories updated since then from idx_story_updated and puts them in the
// order Stories gives.
func changedStories(tx *bbolt.Tx, q *query, f StoryFilter) ([]Story, error) {
	stories := tx.Bucket(bucketStories)
	var out []Story
	from := []byte(f.ChangedSince.UTC().Format(updatedLayout))
	c := tx.Bucket(bucketIdxStoryUpdated).Cursor()
	var prev []byte
	for k, _ := c.Seek(from); k != nil; k, _ = c.Next() {
		if err := forward(prev, k); err != nil {
			return nil, fmt.Errorf("%s: %w", bucketIdxStoryUpdated, err)
		}
		prev = k
		_, id, ok := bytes.Cut(k, []byte{0})
		if !ok {
			return nil, corrupt("%s: malformed key %q", bucketIdxStoryUpdated, k)
		}
		var r storyRecord
		if err := getJSON(stories, string(id), &r); err != nil {
			return nil, fmt.Errorf("story %s: %w", id, missing(err, "%s", bucketIdxStoryUpdated))
		}
		ok, err := q.matchStory(tx, &r.Story, f.CreatedAfter)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r.Story)
		}
	}
	sortStories(out)
	return out, nil
}

// sortStories puts stories in the order Stories lists them: newest
// first by Last, then compareSameLast. Each Last is read as a day once,
// not at every comparison.
func sortStories(ss []Story) {
	type keyed struct {
		last uint32
		s    *Story
	}
	keys := make([]keyed, len(ss))
	for i := range ss {
		// Stored dates were validated by Save, so this cannot fail.
		last, _ := dayNumber(ss[i].Last)
		keys[i] = keyed{last, &ss[i]}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(b.last, a.last), compareSameLast(*a.s, *b.s))
	})
	sorted := make([]Story, len(ss))
	for i, k := range keys {
		sorted[i] = *k.s
	}
	copy(ss, sorted)
}

// tripleStories is Stories for a filter on country, service or action
// and a first date: it reads idx_story_triple, where each triple's
// stories go by their last day, from that date on, so that a country's
// year reads that country's stories since then rather than every
// story since then (1.6 s at a million events for Russia's year).
func tripleStories(tx *bbolt.Tx, q *query, f StoryFilter) ([]Story, error) {
	prefixes := [][]byte{nil} // every triple
	if len(q.countries) > 0 {
		prefixes = prefixes[:0]
		for _, c := range q.countries {
			prefixes = append(prefixes, append([]byte(c), 0))
		}
	}
	stories := tx.Bucket(bucketStories)
	var out []Story
	c := tx.Bucket(bucketIdxStoryTriple).Cursor()
	for _, prefix := range prefixes {
		var prev []byte
		k, _ := c.Seek(prefix)
		for k != nil {
			// Before the prefix, as revScan.next checks before its range.
			if err := forward(prev, k); err != nil {
				return nil, fmt.Errorf("%s: %w", bucketIdxStoryTriple, err)
			}
			if !bytes.HasPrefix(k, prefix) {
				break
			}
			prev = k
			parts := bytes.SplitN(k, []byte{0}, 4)
			if len(parts) != 4 {
				return nil, corrupt("%s: malformed key %q", bucketIdxStoryTriple, k)
			}
			triple := k[:len(k)-len(parts[3])]
			if len(q.services) > 0 && !slices.Contains(q.services, string(parts[1])) ||
				len(q.actions) > 0 && !slices.Contains(q.actions, string(parts[2])) {
				k, _ = c.Seek(append(slices.Clip(triple), 0xff)) // the next triple
				continue
			}
			// The span's days are read as the key holds them, padded
			// dates, which compare as q's do: parsing them into a span
			// and formatting them back was a tenth of a listing's time.
			to, from, id, ok := tripleKeyDates(parts[3])
			if !ok {
				return nil, corrupt("%s: malformed key %q", bucketIdxStoryTriple, k)
			}
			if string(to) < q.since {
				// The span's end is at or after the story's Last: no
				// story of the triple ending earlier can match.
				k, _ = c.Seek(append(slices.Clip(triple), q.since...))
				continue
			}
			if q.until == "" || string(from) <= q.until {
				var r storyRecord
				if err := getJSON(stories, string(id), &r); err != nil {
					return nil, fmt.Errorf("story %s: %w", id, missing(err, "%s", bucketIdxStoryTriple))
				}
				ok, err := q.matchStory(tx, &r.Story, f.CreatedAfter)
				if err != nil {
					return nil, err
				}
				if ok && !r.Updated.Before(f.ChangedSince) {
					out = append(out, r.Story)
				}
			}
			k, _ = c.Next()
		}
	}
	sortStories(out)
	return out, nil
}

// tripleKeyDates reads what follows the triple in an idx_story_triple
// key (see tripleKey) in place: the span's last and first days and the
// story id.
func tripleKeyDates(rest []byte) (to, from, id []byte, ok bool) {
	const d = len("2006-01-02")
	if len(rest) < 2*d+3 || rest[d] != 0 || rest[2*d+1] != 0 {
		return nil, nil, nil, false
	}
	return rest[:d], rest[d+1 : 2*d+1], rest[2*d+2:], true
}

// compareSameLast orders stories whose Last starts the same day, as
// Stories lists them: the most recently created first, then by id.
func compareSameLast(a, b Story) int {
	if c := b.Created.Compare(a.Created); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// matchStory applies the filter to a story, filling its EventIDs once
// the cheap fields match; the text filter reads its events, so it goes
// last.
func (q *query) matchStory(tx *bbolt.Tx, s *Story, createdAfter time.Time) (bool, error) {
	// Stored dates were validated by Save, so padding cannot fail here.
	first, _ := padDate(s.First)
	last, _ := padDate(s.Last)
	switch {
	case len(q.countries) > 0 && !slices.Contains(q.countries, s.Country),
		len(q.services) > 0 && !slices.Contains(q.services, s.Service),
		len(q.actions) > 0 && !slices.Contains(q.actions, string(s.Action)),
		len(q.feeds) > 0 && !slices.ContainsFunc(s.Feeds, func(f string) bool { return slices.Contains(q.feeds, f) }),
		q.since != "" && dateEnd(s.Last, last) < q.since,
		q.until != "" && q.since > q.until,
		q.until != "" && first > q.until,
		s.Confidence < q.minConfidence,
		!createdAfter.IsZero() && !s.Created.After(createdAfter):
		return false, nil
	}
	ids, err := q.storyIDs.list(tx, s.ID)
	if err != nil {
		return false, err
	}
	s.EventIDs = ids
	if q.text == "" {
		return true, nil
	}
	for _, id := range s.EventIDs {
		e, err := getEvent(tx, id)
		if err != nil {
			return false, fmt.Errorf("story %s: event %s: %w", s.ID, id, missing(err, "%s", bucketStoryEvents))
		}
		if q.matchText(&e.Event) {
			return true, nil
		}
	}
	return false, nil
}

// Story returns the story with the given id and its events, newest
// first; an unknown id gives an error wrapping ErrNotFound.
func (db *DB) Story(id string) (Story, []event.Record, error) {
	if err := db.needStories(); err != nil {
		return Story{}, nil, err
	}
	var (
		r      storyRecord
		events []event.Record
	)
	err := db.view(func(tx *bbolt.Tx) error {
		if err := getJSON(tx.Bucket(bucketStories), id, &r); err != nil {
			return err
		}
		var err error
		if r.EventIDs, err = storyEventIDs(tx, id); err != nil {
			return err
		}
		for _, eid := range r.EventIDs {
			e, err := getEvent(tx, eid)
			if err != nil {
				return fmt.Errorf("event %s: %w", eid, missing(err, "%s", bucketStoryEvents))
			}
			events = append(events, e)
		}
		return nil
	})
	if err != nil {
		return Story{}, nil, fmt.Errorf("story %s: %w", id, err)
	}
	slices.SortFunc(events, compareEvents)
	return r.Story, events, nil
}
