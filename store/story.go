package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
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
	var l idLister
	return l.list(tx, sid)
}

// idLister lists the event ids of stories, keeping its buffers from one
// story to the next: listing a year of a busy country's stories orders
// tens of thousands of members (80,061 for Russia's 2025 at a million
// events), and sorting them, comparing bytes in the mapped pages, and
// making a string of each id was most of the time it took.
type idLister struct {
	members []memberOrder
	keys    []uint64
	buf     []byte // the ids and published times
}

// memberOrder is what decides a member's place in Story.EventIDs: only
// its date and publication time, read in place, and its id, as members
// are read in the order of their ids.
type memberOrder struct {
	day, pub      uint32 // dayIndex of the date and of published, 0 if not a date
	pubAt, pubEnd uint32 // published, in buf
	idAt, idEnd   uint32 // the id, in buf
}

// Sort keys: the members are ordered by one uint64 each, the inverted
// day and published (22 bits each, see dayIndex) and then the member's
// place in key order, which is the order of ids, so that a plain sort
// of integers does what a comparison of three fields did.
const (
	dayBits   = 22
	indexBits = 64 - 2*dayBits
	dayMask   = 1<<dayBits - 1
)

func (l *idLister) list(tx *bbolt.Tx, sid string) ([]string, error) {
	l.members, l.keys, l.buf = l.members[:0], l.keys[:0], l.buf[:0]
	prefix := pairKey(sid, "")
	byKey := true // every published a date, and few enough members
	c := tx.Bucket(bucketStoryEvents).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		id := k[len(prefix):]
		date, published, ok := memberDates(v)
		day, dayOK := dayIndex(date)
		if !ok || !dayOK {
			return nil, corrupt("story %s: event %s: malformed story member", sid, id)
		}
		m := memberOrder{day: day}
		if len(published) == len("2006-01-02") {
			m.pub, _ = dayIndex(published)
		}
		byKey = byKey && m.pub != 0
		m.pubAt = uint32(len(l.buf))
		l.buf = append(l.buf, published...)
		m.pubEnd = uint32(len(l.buf))
		m.idAt = uint32(len(l.buf))
		l.buf = append(l.buf, id...)
		m.idEnd = uint32(len(l.buf))
		l.members = append(l.members, m)
	}
	if byKey && len(l.members) < 1<<indexBits {
		for i, m := range l.members {
			l.keys = append(l.keys, uint64(^m.day&dayMask)<<(dayBits+indexBits)|uint64(^m.pub&dayMask)<<indexBits|uint64(i))
		}
		slices.Sort(l.keys)
		for i := range l.keys {
			l.keys[i] &= 1<<indexBits - 1
		}
	} else {
		for i := range l.members {
			l.keys = append(l.keys, uint64(i))
		}
		buf := l.buf
		slices.SortFunc(l.keys, func(i, j uint64) int {
			a, b := &l.members[i], &l.members[j]
			return cmp.Or(cmp.Compare(b.day, a.day),
				bytes.Compare(buf[b.pubAt:b.pubEnd], buf[a.pubAt:a.pubEnd]),
				cmp.Compare(i, j))
		})
	}
	// One string holds every id, which the list slices.
	size := 0
	for _, m := range l.members {
		size += int(m.idEnd - m.idAt)
	}
	var all strings.Builder
	all.Grow(size)
	for _, i := range l.keys {
		m := &l.members[i]
		all.Write(l.buf[m.idAt:m.idEnd])
	}
	s := all.String()
	ids := make([]string, len(l.keys))
	at := 0
	for n, i := range l.keys {
		m := &l.members[i]
		size := int(m.idEnd - m.idAt)
		ids[n] = s[at : at+size]
		at += size
	}
	return ids, nil
}

// dayIndex numbers the first day of a date of any precision (YYYY,
// YYYY-MM or YYYY-MM-DD) so that later days have greater numbers, from 1
// to under 2^22; 0 and false if it is not such a date.
func dayIndex[T string | []byte](date T) (uint32, bool) {
	n, ok := dayNumber(date)
	if !ok {
		return 0, false
	}
	y, m, d := n/10000, n/100%100, n%100
	return 1 + y*12*31 + (m-1)*31 + d - 1, m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// dayNumber is the first day of a date of any precision (YYYY, YYYY-MM
// or YYYY-MM-DD) as the number YYYYMMDD, which orders as the dates do.
func dayNumber[T string | []byte](date T) (uint32, bool) {
	var n uint32
	for i := range len(date) {
		c := date[i]
		switch {
		case i == 4 || i == 7:
			if c != '-' {
				return 0, false
			}
		case '0' <= c && c <= '9':
			n = n*10 + uint32(c-'0')
		default:
			return 0, false
		}
	}
	switch len(date) {
	case len("2006"):
		return n*10000 + 101, true
	case len("2006-01"):
		return n*100 + 1, true
	case len("2006-01-02"):
		return n, true
	}
	return 0, false
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
