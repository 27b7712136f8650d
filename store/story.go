package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

// Story is one government action as many reports tell it: the events of
// one country, service and action whose dates lie within the story window
// of each other, across articles and feeds.
type Story struct {
	// ID is stable: it is made once, from the triple and the event that
	// founded the story, and kept when other stories merge into this one.
	ID      string       `json:"id"`
	Country string       `json:"country"`
	Service string       `json:"service"`
	Action  event.Action `json:"action"`
	// First and Last are the earliest and latest event dates, at the
	// precision the events have them; a partial date counts as its first
	// day, and of two dates starting the same day the more precise wins.
	First string `json:"first"`
	Last  string `json:"last"`
	// Date is the best date: the most precise one, then the one most
	// events give, then the one of the most confident event, then the
	// earliest.
	Date string `json:"date"`
	// Reason is the most common non-empty reason (compared ignoring case
	// and spacing), ties going to the one of the most confident event; it
	// is worded as that event words it.
	Reason     string    `json:"reason"`
	Sources    int       `json:"sources"` // distinct articles reporting it
	Feeds      []string  `json:"feeds"`   // distinct feed names, sorted
	Confidence float64   `json:"confidence"`
	EventIDs   []string  `json:"event_ids"` // newest first, in the order of Events
	Created    time.Time `json:"created"`   // when the store first made it
	Updated    time.Time `json:"updated"`   // when its fields last changed
}

// storyRecord is a story as stored: the story and the days its events
// cover, partial dates widened to their whole period, which grouping
// compares new events against. EventIDs is not stored (it is null on
// disk): a story of hundreds of reports would make the record span
// pages that every batch rewrites. Readers take the ids from
// story_events instead.
type storyRecord struct {
	Story
	SpanFrom string `json:"span_from"`
	SpanTo   string `json:"span_to"`
}

// member is what a story needs to know of one of its events. It is the
// value in story_events, so recomputing a story after a change reads
// these small records rather than decoding every event with its evidence.
type member struct {
	Date       string
	Reason     string
	Confidence float64
	Article    string
	Feed       string
	Published  string
}

func memberOf(e *event.Event) member {
	return member{
		Date: e.Date, Reason: e.Reason, Confidence: e.Confidence,
		Article: e.ArticleID, Feed: e.Feed, Published: e.Published,
	}
}

// The story_events value is not JSON: a large story is decoded whole on
// every change, and this is several times faster to read. It is the
// confidence as 8 bytes (IEEE 754, big endian), then each string as a
// uvarint length and its bytes, in the order of member.strings.
func (m *member) strings() []*string {
	return []*string{&m.Date, &m.Reason, &m.Article, &m.Feed, &m.Published}
}

func (m member) encode() []byte {
	ss := m.strings()
	n := 8
	for _, s := range ss {
		n += binary.MaxVarintLen64 + len(*s)
	}
	b := make([]byte, 8, n)
	binary.BigEndian.PutUint64(b, math.Float64bits(m.Confidence))
	for _, s := range ss {
		b = binary.AppendUvarint(b, uint64(len(*s)))
		b = append(b, *s...)
	}
	return b
}

func (m *member) decode(b []byte) error {
	if len(b) < 8 {
		return errors.New("short story member")
	}
	m.Confidence = math.Float64frombits(binary.BigEndian.Uint64(b))
	b = b[8:]
	for _, s := range m.strings() {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return corrupt("malformed story member")
		}
		*s = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	if len(b) != 0 {
		return corrupt("malformed story member: trailing bytes")
	}
	return nil
}

// memberEntry is a member with its event id.
type memberEntry struct {
	id string
	member
	days span // the days its date covers
}

// summarise recomputes every derived field of r but EventIDs, its span
// included, from its members, and returns the tallies of their dates and
// reasons; the identity, Created and Updated are left alone. members
// must not be empty.
func summarise(r *storyRecord, members []memberEntry) storyTallies {
	s := &r.Story
	s.EventIDs = nil // see storyRecord
	s.Feeds = []string{}
	s.Confidence = 0
	// Sets, not slices: a story told by hundreds of feeds has thousands
	// of members, and it is summarised again each time one joins.
	articles := map[string]bool{}
	feeds := map[string]bool{}
	sp := members[0].days
	first, last := &members[0], &members[0]
	for i := range members {
		m := &members[i]
		articles[m.Article] = true
		if m.Feed != "" && !feeds[m.Feed] {
			feeds[m.Feed] = true
			s.Feeds = append(s.Feeds, m.Feed)
		}
		s.Confidence = max(s.Confidence, m.Confidence)
		sp = sp.hull(m.days)
		if c := m.days.from.Compare(first.days.from); c < 0 || c == 0 && precision(m.Date) > precision(first.Date) {
			first = m
		}
		if c := m.days.from.Compare(last.days.from); c > 0 || c == 0 && precision(m.Date) > precision(last.Date) {
			last = m
		}
	}
	slices.Sort(s.Feeds)
	s.Sources = len(articles)
	s.First, s.Last = first.Date, last.Date
	var ts storyTallies
	for i := range members {
		ts.add(&members[i])
	}
	s.Date, s.Reason = ts.bestDate(), ts.bestReason()
	r.SpanFrom, r.SpanTo = sp.keys()
	return ts
}

// compareMembers is the order of Story.EventIDs: the order of events in
// query results, newest first.
func compareMembers(a, b *memberEntry) int {
	return compareReports(a.report(), b.report())
}

// decodeMember reads a story_events value.
func decodeMember(id string, raw []byte) (memberEntry, error) {
	m := memberEntry{id: id}
	if err := m.member.decode(raw); err != nil {
		return m, corrupt("%w", err)
	}
	sp, err := dateSpan(m.Date)
	if err != nil {
		return m, corrupt("%w", err)
	}
	m.days = sp
	return m, nil
}

// storyEventIDs lists the events of a story in the order of
// Story.EventIDs, newest first.
func storyEventIDs(tx *bbolt.Tx, sid string) ([]string, error) {
	// Only the date and publication time of each member decide the
	// order, so only they are read, in place: listing a year of a busy
	// country's stories reads tens of thousands of members.
	type entry struct {
		from          [len("2006-01-02")]byte // the padded date, which sorts as the day does
		published, id []byte
	}
	var entries []entry
	prefix := pairKey(sid, "")
	c := tx.Bucket(bucketStoryEvents).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		e := entry{id: k[len(prefix):]}
		date, published, ok := memberDates(v)
		switch len(date) {
		case len("2006"):
			copy(e.from[:], date)
			copy(e.from[4:], "-01-01")
		case len("2006-01"):
			copy(e.from[:], date)
			copy(e.from[7:], "-01")
		case len("2006-01-02"):
			copy(e.from[:], date)
		default:
			ok = false
		}
		if !ok {
			return nil, corrupt("story %s: event %s: malformed story member", sid, e.id)
		}
		e.published = published
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(bytes.Compare(b.from[:], a.from[:]), bytes.Compare(b.published, a.published), bytes.Compare(a.id, b.id))
	})
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = string(e.id)
	}
	return ids, nil
}

// memberDates reads the date and the publication time of a story_events
// value without decoding the rest (see member.encode).
func memberDates(b []byte) (date, published []byte, ok bool) {
	if len(b) < 8 {
		return nil, nil, false
	}
	b = b[8:]
	for i := range 5 { // Date, Reason, Article, Feed, Published
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, nil, false
		}
		s := b[k : k+int(n)]
		b = b[k+int(n):]
		switch i {
		case 0:
			date = s
		case 4:
			published = s
		}
	}
	return date, published, len(b) == 0
}
