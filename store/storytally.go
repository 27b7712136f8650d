package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// A story's Date and Reason are the values most of its events give,
// with ties broken by confidence and recency; they used to be recomputed
// from every member whenever one joined, so a story told by hundreds of
// feeds cost each batch that touched it a read of all its reports. The
// tallies behind them are kept instead, in story_tallies, and a story
// that only gained events is updated from its record, its tallies and
// the new events (grouper.update). A story that lost or changed an event
// is recomputed from its members, which writes its tallies afresh.
//
// bucketStoryTallies is story id \x00 kind \x00 key -> tally.encode,
// kind being 'd' for the dates (key the date) and 'r' for the reasons
// (key the reason in lower case with its spacing folded). Added within
// schema version 2; a story without any has them made the first time it
// is recomputed, so older files need no upgrade for them.
var bucketStoryTallies = []byte("story_tallies")

const (
	tallyDate   = 'd'
	tallyReason = 'r'
)

// report is what orders a story's events, newest first.
type report struct {
	date      string
	from      time.Time
	published string
	id        string
}

func (m *memberEntry) report() report {
	return report{date: m.Date, from: m.days.from, published: m.Published, id: m.id}
}

// compareReports is the order of Story.EventIDs: newest first.
func compareReports(a, b report) int {
	return cmp.Or(b.from.Compare(a.from), strings.Compare(b.published, a.published), strings.Compare(a.id, b.id))
}

// tally is how many members give one value and the best confidence among
// them.
type tally struct {
	// value is the date, or the reason worded as the most confident
	// event words it, the first in id order of equals; valueID is that
	// event.
	value, valueID string
	n              int
	conf           float64 // the best confidence, at least 0
	newest         report  // the newest report giving it, for a stable tie-break
}

// add counts m, whose wording of the value is v.
func (t *tally) add(m *memberEntry, v string) {
	c := max(m.Confidence, 0)
	if t.n == 0 || c > t.conf || c == t.conf && m.id < t.valueID {
		t.value, t.valueID = v, m.id
	}
	t.conf = max(t.conf, c)
	if r := m.report(); t.n == 0 || compareReports(r, t.newest) < 0 {
		t.newest = r
	}
	t.n++
}

// storyTallies are the tallies of one story, by key.
type storyTallies struct {
	dates, reasons map[string]*tally
}

func reasonKey(reason string) (key, wording string) {
	return strings.ToLower(strings.Join(strings.Fields(reason), " ")), strings.TrimSpace(reason)
}

func (s *storyTallies) add(m *memberEntry) {
	if s.dates == nil {
		s.dates, s.reasons = map[string]*tally{}, map[string]*tally{}
	}
	inc := func(ts map[string]*tally, k, v string) {
		t := ts[k]
		if t == nil {
			t = &tally{}
			ts[k] = t
		}
		t.add(m, v)
	}
	inc(s.dates, m.Date, m.Date)
	if k, v := reasonKey(m.Reason); k != "" {
		inc(s.reasons, k, v)
	}
}

// bestDate is the most precise date, then the one most events give, then
// the one of the most confident event, then the earliest.
func (s *storyTallies) bestDate() string {
	var best *tally
	for _, t := range s.dates {
		if best == nil || cmp.Or(
			cmp.Compare(precision(best.value), precision(t.value)),
			cmp.Compare(best.n, t.n),
			cmp.Compare(best.conf, t.conf),
			strings.Compare(t.value, best.value),
		) < 0 {
			best = t
		}
	}
	if best == nil {
		return ""
	}
	return best.value
}

// bestReason is the commonest reason, then the one of the most confident
// event, then the one of the newest report.
func (s *storyTallies) bestReason() string {
	var best *tally
	for _, t := range s.reasons {
		if best == nil || cmp.Or(
			cmp.Compare(best.n, t.n),
			cmp.Compare(best.conf, t.conf),
			compareReports(t.newest, best.newest),
		) < 0 {
			best = t
		}
	}
	if best == nil {
		return ""
	}
	return best.value
}

// encode is n as a uvarint, the confidence as 8 bytes (IEEE 754, big
// endian), then value, valueID, and the newest report's date, published
// and id, each a uvarint length and its bytes.
func (t *tally) encode() []byte {
	b := binary.AppendUvarint(nil, uint64(t.n))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(t.conf))
	for _, s := range []string{t.value, t.valueID, t.newest.date, t.newest.published, t.newest.id} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

func decodeTally(b []byte) (*tally, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || len(b) < k+8 {
		return nil, corrupt("malformed story tally")
	}
	t := &tally{n: int(n), conf: math.Float64frombits(binary.BigEndian.Uint64(b[k:]))}
	b = b[k+8:]
	for _, s := range []*string{&t.value, &t.valueID, &t.newest.date, &t.newest.published, &t.newest.id} {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return nil, corrupt("malformed story tally")
		}
		*s = string(b[k : k+int(l)])
		b = b[k+int(l):]
	}
	if len(b) != 0 {
		return nil, corrupt("malformed story tally: trailing bytes")
	}
	sp, err := dateSpan(t.newest.date)
	if err != nil {
		return nil, corrupt("story tally: %w", err)
	}
	t.newest.from = sp.from
	return t, nil
}

// loadStoryTallies reads the tallies of story sid; ok is false when it
// has none yet.
func loadStoryTallies(kv kv, sid string) (s storyTallies, ok bool, err error) {
	s.dates, s.reasons = map[string]*tally{}, map[string]*tally{}
	prefix := pairKey(sid, "")
	c := kv.bucket(bucketStoryTallies).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		rest := k[len(prefix):]
		if len(rest) < 2 || rest[1] != 0 {
			return s, false, corrupt("%s: malformed key %q", bucketStoryTallies, k)
		}
		t, err := decodeTally(v)
		if err != nil {
			return s, false, fmt.Errorf("story %s: %w", sid, err)
		}
		switch rest[0] {
		case tallyDate:
			s.dates[string(rest[2:])] = t
		case tallyReason:
			s.reasons[string(rest[2:])] = t
		default:
			return s, false, corrupt("%s: malformed key %q", bucketStoryTallies, k)
		}
	}
	return s, len(s.dates) > 0, nil
}

func storyTallyKey(sid string, kind byte, key string) []byte {
	k := make([]byte, 0, len(sid)+len(key)+3)
	k = append(k, sid...)
	k = append(k, 0, kind, 0)
	return append(k, key...)
}

// putStoryTallies writes the given tallies of story sid.
func putStoryTallies(kv kv, sid string, s storyTallies, only map[string]bool) error {
	b := kv.bucket(bucketStoryTallies)
	for _, kind := range []struct {
		kind byte
		ts   map[string]*tally
	}{{tallyDate, s.dates}, {tallyReason, s.reasons}} {
		for _, k := range slices.Sorted(maps.Keys(kind.ts)) {
			key := storyTallyKey(sid, kind.kind, k)
			if only != nil && !only[string(key)] {
				continue
			}
			if err := b.Put(key, kind.ts[k].encode()); err != nil {
				return fmt.Errorf("story %s: tallies: %w", sid, err)
			}
		}
	}
	return nil
}

// deleteStoryTallies removes every tally of story sid.
func deleteStoryTallies(kv kv, sid string) error {
	b := kv.bucket(bucketStoryTallies)
	prefix := pairKey(sid, "")
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("story %s: tallies: %w", sid, err)
		}
	}
	return nil
}

// checkStoryTallies reports where the tallies stored for story sid, if
// any, are not want, the tallies of its members.
func checkStoryTallies(tx *bbolt.Tx, sid string, want storyTallies, c *collector) {
	got, ok, err := loadStoryTallies(boltKV{tx}, sid)
	switch {
	case err != nil:
		c.addf("story", "story %s: %v", sid, err)
		return
	case !ok:
		if len(got.reasons) > 0 {
			c.addf("story", "story %s: %s has reasons but no dates", sid, bucketStoryTallies)
		}
		return
	}
	same := func(a, b map[string]*tally) bool {
		return maps.EqualFunc(a, b, func(x, y *tally) bool { return bytes.Equal(x.encode(), y.encode()) })
	}
	if !same(got.dates, want.dates) || !same(got.reasons, want.reasons) {
		c.addf("story", "story %s: its %s are not what its events say", sid, bucketStoryTallies)
	}
}
