package store

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

// grouper keeps stories in step with the events one write transaction
// saves and deletes. Membership and the triple index change as each event
// is placed, so the next event of the batch sees them; the other fields
// of a story are recomputed once, in finish, and only for the stories the
// transaction touched.
type grouper struct {
	kv     kv
	now    time.Time
	window time.Duration
	stats  *SaveStats

	touched map[string]*storyState
	order   []string // ids in the order first touched, so finish is deterministic
}

// storyState is a story the transaction has loaded or made.
type storyState struct {
	rec storyRecord // working copy; its span is kept current
	// stored is the record as it was before the transaction, nil for a
	// story made in it; lastKey is its idx_story_last key then.
	stored  []byte
	lastKey []byte
	changed bool // members changed: recompute in finish
	gone    bool // emptied or merged into another story
	// split is set when an event left or moved within the story, which
	// may leave its other events in parts too far apart to be one
	// story: finish splits it.
	split bool
	// recount is set when a member changed or stories merged into this
	// one: finish recomputes it from its members. A stored story that
	// only gained the joined events is updated from them.
	recount bool
	joined  []memberEntry
}

func newGrouper(kv kv, now time.Time, window time.Duration, stats *SaveStats) *grouper {
	return &grouper{kv: kv, now: now, window: window, stats: stats, touched: map[string]*storyState{}}
}

// saved places e, just written, into a story. prev is the event as it
// was stored before, nil when e is new.
//
// An event whose date did not change stays where it is. One whose date
// changed stays in its story if the date still comes within the window
// of the story's other events, and moves otherwise. A new or moved event
// joins the story of its triple it comes within the window of, or founds
// one; if it comes within the window of several, it bridges them and they
// merge into the oldest.
func (g *grouper) saved(prev *event.Event, e *event.Event) error {
	raw := memberOf(e).encode()
	days, err := dateSpan(e.Date)
	if err != nil {
		return err
	}
	sid := string(g.kv.bucket(bucketEventStory).Get([]byte(e.ID)))
	if sid != "" {
		st, err := g.state(sid)
		if err != nil {
			return err
		}
		key := pairKey(sid, e.ID)
		if prev != nil && prev.Date == e.Date {
			if !bytes.Equal(g.kv.bucket(bucketStoryEvents).Get(key), raw) {
				st.changed, st.recount = true, true
				return g.kv.bucket(bucketStoryEvents).Put(key, raw)
			}
			return nil
		}
		rest, n, err := g.spanWithout(sid, e.ID)
		if err != nil {
			return err
		}
		if n == 0 || rest.near(days, g.window) {
			if err := g.kv.bucket(bucketStoryEvents).Put(key, raw); err != nil {
				return err
			}
			st.changed, st.split = true, true
			whole := days
			if n > 0 {
				whole = rest.hull(days)
			}
			if err := g.setSpan(st, whole); err != nil {
				return err
			}
		} else {
			if err := g.leave(st, e.ID, rest, n); err != nil {
				return err
			}
			sid = ""
		}
	}

	// Only the event's own days can bridge to another story: the rest of
	// its story was not within the window of any before.
	group, err := g.candidates(e, days, sid)
	if err != nil {
		return err
	}
	if sid != "" {
		group = append(group, sid)
	}
	if len(group) == 0 {
		st := g.found(e)
		return g.join(st, e.ID, raw, days)
	}
	winner, err := g.oldest(group)
	if err != nil {
		return err
	}
	for _, id := range group {
		if id != winner.rec.ID {
			if err := g.merge(winner, id); err != nil {
				return err
			}
		}
	}
	if sid == "" {
		return g.join(winner, e.ID, raw, days)
	}
	return nil
}

// deleted takes a deleted event out of its story.
func (g *grouper) deleted(eventID string) error {
	sid := string(g.kv.bucket(bucketEventStory).Get([]byte(eventID)))
	if sid == "" {
		return nil
	}
	st, err := g.state(sid)
	if err != nil {
		return err
	}
	rest, n, err := g.spanWithout(sid, eventID)
	if err != nil {
		return err
	}
	return g.leave(st, eventID, rest, n)
}

// state returns the working copy of a story, loading it on first use.
func (g *grouper) state(id string) (*storyState, error) {
	if st, ok := g.touched[id]; ok {
		return st, nil
	}
	raw := g.kv.bucket(bucketStories).Get([]byte(id))
	if raw == nil {
		return nil, corrupt("story %s: named by an index or an event but missing", id)
	}
	st := &storyState{stored: bytes.Clone(raw)}
	if err := json.Unmarshal(raw, &st.rec); err != nil {
		return nil, corrupt("decode story %s: %w", id, err)
	}
	k, err := storyLastKey(&st.rec.Story)
	if err != nil {
		return nil, fmt.Errorf("story %s: %w", id, err)
	}
	st.lastKey = k
	g.keep(st)
	return st, nil
}

func (g *grouper) keep(st *storyState) {
	g.touched[st.rec.ID] = st
	g.order = append(g.order, st.rec.ID)
}

// found makes a new, empty story for e's triple.
func (g *grouper) found(e *event.Event) *storyState {
	stories := g.kv.bucket(bucketStories)
	var id string
	// The founding event may have founded a story before that lives on
	// without it; the counter keeps the new id from reusing that one.
	for n := 0; ; n++ {
		id = storyID(e, n)
		if _, ok := g.touched[id]; !ok && stories.Get([]byte(id)) == nil {
			break
		}
	}
	st := &storyState{rec: storyRecord{Story: Story{
		ID: id, Country: e.Country, Service: e.Service, Action: e.Action, Created: g.now,
	}}}
	g.keep(st)
	return st
}

// storyID is a hash of the triple, the founding event and a counter.
func storyID(e *event.Event, n int) string {
	h := sha256.New()
	for _, s := range []string{e.Country, e.Service, string(e.Action), e.ID, strconv.Itoa(n)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// join adds an event to st.
func (g *grouper) join(st *storyState, eventID string, raw []byte, days span) error {
	if err := g.kv.bucket(bucketStoryEvents).Put(pairKey(st.rec.ID, eventID), raw); err != nil {
		return fmt.Errorf("story %s: add event %s: %w", st.rec.ID, eventID, err)
	}
	if err := g.kv.bucket(bucketEventStory).Put([]byte(eventID), []byte(st.rec.ID)); err != nil {
		return fmt.Errorf("story %s: add event %s: %w", st.rec.ID, eventID, err)
	}
	st.changed = true
	if st.stored != nil && !st.recount && !st.split {
		m, err := decodeMember(eventID, raw)
		if err != nil {
			return fmt.Errorf("story %s: add event %s: %w", st.rec.ID, eventID, err)
		}
		st.joined = append(st.joined, m)
	}
	if cur, ok, err := st.span(); err != nil {
		return err
	} else if ok {
		days = cur.hull(days)
	}
	return g.setSpan(st, days)
}

// leave takes an event out of st, whose other n events cover rest.
func (g *grouper) leave(st *storyState, eventID string, rest span, n int) error {
	if err := g.kv.bucket(bucketStoryEvents).Delete(pairKey(st.rec.ID, eventID)); err != nil {
		return fmt.Errorf("story %s: remove event %s: %w", st.rec.ID, eventID, err)
	}
	if err := g.kv.bucket(bucketEventStory).Delete([]byte(eventID)); err != nil {
		return fmt.Errorf("story %s: remove event %s: %w", st.rec.ID, eventID, err)
	}
	st.changed, st.split = true, true
	if n == 0 {
		return g.drop(st)
	}
	return g.setSpan(st, rest)
}

// splitOff moves the events of part, which lie too far from the rest of
// st to be one story with them, into a story of their own. The new
// story keeps st's Created: it was known, as part of st, since then,
// and alerts for new stories do not take it for news.
func (g *grouper) splitOff(st *storyState, part []memberEntry) (*storyState, error) {
	founder := event.Event{ID: part[0].id, Country: st.rec.Country, Service: st.rec.Service, Action: st.rec.Action}
	ns := g.found(&founder)
	ns.rec.Created = st.rec.Created
	members, eventStory := g.kv.bucket(bucketStoryEvents), g.kv.bucket(bucketEventStory)
	sp := part[0].days
	for _, m := range part {
		err := members.Delete(pairKey(st.rec.ID, m.id))
		if err == nil {
			err = members.Put(pairKey(ns.rec.ID, m.id), m.member.encode())
		}
		if err == nil {
			err = eventStory.Put([]byte(m.id), []byte(ns.rec.ID))
		}
		if err != nil {
			return nil, fmt.Errorf("split story %s: event %s: %w", st.rec.ID, m.id, err)
		}
		sp = sp.hull(m.days)
	}
	ns.changed = true
	return ns, g.setSpan(ns, sp)
}

// parts divides a story's members into the runs whose days come within
// the window of each other, earliest first.
func parts(members []memberEntry, window time.Duration) [][]memberEntry {
	sorted := slices.Clone(members)
	slices.SortFunc(sorted, func(a, b memberEntry) int {
		return cmp.Or(a.days.from.Compare(b.days.from), strings.Compare(a.id, b.id))
	})
	var out [][]memberEntry
	var hull span
	for i, m := range sorted {
		if i == 0 || !hull.near(m.days, window) {
			out = append(out, nil)
			hull = m.days
		}
		out[len(out)-1] = append(out[len(out)-1], m)
		hull = hull.hull(m.days)
	}
	return out
}

// merge moves every event of the story loserID into winner.
func (g *grouper) merge(winner *storyState, loserID string) error {
	loser, err := g.state(loserID)
	if err != nil {
		return err
	}
	type kv struct{ k, v []byte }
	var moved []kv
	prefix := pairKey(loserID, "")
	members := g.kv.bucket(bucketStoryEvents)
	c := members.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		moved = append(moved, kv{bytes.Clone(k), bytes.Clone(v)})
	}
	for _, m := range moved {
		eventID := m.k[len(prefix):]
		err := members.Delete(m.k)
		if err == nil {
			err = members.Put(pairKey(winner.rec.ID, string(eventID)), m.v)
		}
		if err == nil {
			err = g.kv.bucket(bucketEventStory).Put(eventID, []byte(winner.rec.ID))
		}
		if err != nil {
			return fmt.Errorf("merge story %s into %s: event %s: %w", loserID, winner.rec.ID, eventID, err)
		}
	}
	ws, wok, err := winner.span()
	if err != nil {
		return err
	}
	if ls, ok, err := loser.span(); err != nil {
		return err
	} else if ok {
		if wok {
			ls = ws.hull(ls)
		}
		if err := g.setSpan(winner, ls); err != nil {
			return err
		}
	}
	winner.changed, winner.recount = true, true
	return g.drop(loser)
}

// oldest is the story of ids made first; stories made by the same
// transaction go by their first day, then id.
func (g *grouper) oldest(ids []string) (*storyState, error) {
	var best *storyState
	for _, id := range ids {
		st, err := g.state(id)
		if err != nil {
			return nil, err
		}
		if best == nil || cmp.Or(
			st.rec.Created.Compare(best.rec.Created),
			cmp.Compare(st.rec.SpanFrom, best.rec.SpanFrom),
			cmp.Compare(st.rec.ID, best.rec.ID),
		) < 0 {
			best = st
		}
	}
	return best, nil
}

// candidates lists the stories of e's triple that days comes within the
// window of, except the story skip.
func (g *grouper) candidates(e *event.Event, days span, skip string) ([]string, error) {
	prefix := triplePrefix(e.Country, e.Service, string(e.Action))
	// Keys go by the story's last day; no story ending before this can
	// come within the window.
	lo := append(slices.Clip(prefix), days.from.Add(-g.window).Format(time.DateOnly)...)
	var out []string
	c := g.kv.bucket(bucketIdxStoryTriple).Cursor()
	for k, _ := c.Seek(lo); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		sp, id, err := parseTripleKey(k[len(prefix):])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", bucketIdxStoryTriple, err)
		}
		if id != skip && sp.near(days, g.window) {
			out = append(out, id)
		}
	}
	return out, nil
}

// spanWithout is the span of the events of story sid other than eventID,
// and how many they are.
func (g *grouper) spanWithout(sid, eventID string) (span, int, error) {
	var sp span
	n := 0
	prefix := pairKey(sid, "")
	c := g.kv.bucket(bucketStoryEvents).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		id := string(k[len(prefix):])
		if id == eventID {
			continue
		}
		m, err := decodeMember(id, v)
		if err != nil {
			return span{}, 0, fmt.Errorf("story %s: event %s: %w", sid, id, err)
		}
		if n == 0 {
			sp = m.days
		} else {
			sp = sp.hull(m.days)
		}
		n++
	}
	return sp, n, nil
}

// span is the story's working span; ok is false for a story with no
// events yet.
func (st *storyState) span() (sp span, ok bool, err error) {
	if st.rec.SpanFrom == "" {
		return span{}, false, nil
	}
	sp, err = parseSpan(st.rec.SpanFrom, st.rec.SpanTo)
	if err != nil {
		return span{}, false, fmt.Errorf("story %s: %w", st.rec.ID, err)
	}
	return sp, true, nil
}

// setSpan changes the span of st and its key in idx_story_triple.
func (g *grouper) setSpan(st *storyState, sp span) error {
	oldFrom, oldTo := st.rec.SpanFrom, st.rec.SpanTo
	st.rec.SpanFrom, st.rec.SpanTo = sp.keys()
	return g.reindex(st, oldFrom, oldTo)
}

// reindex moves the idx_story_triple key of st from the span it had to
// the one its record now has.
func (g *grouper) reindex(st *storyState, oldFrom, oldTo string) error {
	r := &st.rec
	if r.SpanFrom == oldFrom && r.SpanTo == oldTo {
		return nil
	}
	idx := g.kv.bucket(bucketIdxStoryTriple)
	if oldFrom != "" {
		if err := idx.Delete(tripleKey(r, oldFrom, oldTo)); err != nil {
			return fmt.Errorf("story %s: %w", r.ID, err)
		}
	}
	if err := idx.Put(tripleKey(r, r.SpanFrom, r.SpanTo), nil); err != nil {
		return fmt.Errorf("story %s: %w", r.ID, err)
	}
	return nil
}

// drop marks st as gone; finish deletes its record.
func (g *grouper) drop(st *storyState) error {
	r := &st.rec
	if r.SpanFrom != "" {
		if err := g.kv.bucket(bucketIdxStoryTriple).Delete(tripleKey(r, r.SpanFrom, r.SpanTo)); err != nil {
			return fmt.Errorf("story %s: %w", r.ID, err)
		}
	}
	r.SpanFrom, r.SpanTo = "", ""
	st.gone = true
	return nil
}

// finish recomputes and writes the stories the transaction changed and
// deletes the ones it emptied, counting both in the stats. A story whose
// fields come out as they were is not rewritten, so re-saving a batch
// leaves the file as it was.
func (g *grouper) finish() error {
	stories, last := g.kv.bucket(bucketStories), g.kv.bucket(bucketIdxStoryLast)
	updated := g.kv.bucket(bucketIdxStoryUpdated)
	// Not range: a story split in two adds its new part to g.order.
	for i := 0; i < len(g.order); i++ {
		id := g.order[i]
		st := g.touched[id]
		if st.gone {
			if st.stored == nil {
				continue
			}
			if err := stories.Delete([]byte(id)); err != nil {
				return fmt.Errorf("delete story %s: %w", id, err)
			}
			if err := last.Delete(st.lastKey); err != nil {
				return fmt.Errorf("delete story %s: %w", id, err)
			}
			if err := updated.Delete(updatedKey(st.rec.Updated, id)); err != nil {
				return fmt.Errorf("delete story %s: %w", id, err)
			}
			if err := deleteStoryTallies(g.kv, id); err != nil {
				return err
			}
			g.stats.DeletedStories++
			continue
		}
		if !st.changed {
			continue
		}
		if st.stored != nil && !st.recount && !st.split && len(st.joined) > 0 {
			ok, err := g.update(st)
			if err != nil {
				return err
			}
			if ok {
				if err := g.write(st); err != nil {
					return err
				}
				continue
			}
		}
		members, err := kvMembers(g.kv, id)
		if err != nil {
			return err
		}
		if len(members) == 0 {
			return fmt.Errorf("story %s: no events left but not dropped", id)
		}
		if st.split {
			// The earliest part keeps the story, the others become
			// stories of their own, summarised in their turn.
			if ps := parts(members, g.window); len(ps) > 1 {
				for _, part := range ps[1:] {
					if _, err := g.splitOff(st, part); err != nil {
						return err
					}
				}
				// Read again, in key order, which summarise's ties go by.
				if members, err = kvMembers(g.kv, id); err != nil {
					return err
				}
			}
		}
		oldFrom, oldTo := st.rec.SpanFrom, st.rec.SpanTo
		ts := summarise(&st.rec, members)
		// Placing kept the span current, but make sure the index says
		// what the members say.
		if err := g.reindex(st, oldFrom, oldTo); err != nil {
			return err
		}
		if err := deleteStoryTallies(g.kv, id); err != nil {
			return err
		}
		if err := putStoryTallies(g.kv, id, ts, nil); err != nil {
			return err
		}
		if err := g.write(st); err != nil {
			return err
		}
	}
	return nil
}

// write stores the record of a story finish recomputed, unless its
// fields came out as they were, and counts it.
func (g *grouper) write(st *storyState) error {
	id := st.rec.ID
	stories, last := g.kv.bucket(bucketStories), g.kv.bucket(bucketIdxStoryLast)
	updated := g.kv.bucket(bucketIdxStoryUpdated)
	raw, err := json.Marshal(st.rec)
	if err != nil {
		return fmt.Errorf("encode story %s: %w", id, err)
	}
	if st.stored != nil {
		if bytes.Equal(raw, st.stored) {
			return nil
		}
		g.stats.UpdatedStories++
		g.stats.UpdatedStoryIDs = append(g.stats.UpdatedStoryIDs, id)
		if err := updated.Delete(updatedKey(st.rec.Updated, id)); err != nil {
			return fmt.Errorf("story %s: %w", id, err)
		}
	} else {
		g.stats.NewStories++
		g.stats.NewStoryIDs = append(g.stats.NewStoryIDs, id)
	}
	st.rec.Updated = g.now
	if err := updated.Put(updatedKey(g.now, id), nil); err != nil {
		return fmt.Errorf("story %s: %w", id, err)
	}
	if raw, err = json.Marshal(st.rec); err != nil {
		return fmt.Errorf("encode story %s: %w", id, err)
	}
	if err := stories.Put([]byte(id), raw); err != nil {
		return fmt.Errorf("story %s: %w", id, err)
	}
	k, err := storyLastKey(&st.rec.Story)
	if err != nil {
		return fmt.Errorf("story %s: %w", id, err)
	}
	if st.lastKey != nil && !bytes.Equal(k, st.lastKey) {
		if err := last.Delete(st.lastKey); err != nil {
			return fmt.Errorf("story %s: %w", id, err)
		}
	}
	if err := last.Put(k, nil); err != nil {
		return fmt.Errorf("story %s: %w", id, err)
	}
	return nil
}

// update brings a stored story that only gained events (st.joined) up to
// date from its record, its tallies and those events, without reading
// its other members: what summarise would make of them all. ok is false
// for a story without tallies, made before they were kept, which finish
// then recomputes from its members.
func (g *grouper) update(st *storyState) (ok bool, err error) {
	id := st.rec.ID
	ts, ok, err := loadStoryTallies(g.kv, id)
	if err != nil || !ok {
		return false, err
	}
	r := &st.rec.Story
	first, err := dateSpan(r.First)
	if err != nil {
		return false, corrupt("story %s: %w", id, err)
	}
	last, err := dateSpan(r.Last)
	if err != nil {
		return false, corrupt("story %s: %w", id, err)
	}
	joined := make(map[string]bool, len(st.joined))
	for _, m := range st.joined {
		joined[m.id] = true
	}
	feeds := slices.Clone(r.Feeds)
	sources := map[string]bool{} // articles new to the story
	for i := range st.joined {
		m := &st.joined[i]
		ts.add(m)
		if m.Feed != "" && !slices.Contains(feeds, m.Feed) {
			feeds = append(feeds, m.Feed)
		}
		r.Confidence = max(r.Confidence, m.Confidence)
		if c := m.days.from.Compare(first.from); c < 0 || c == 0 && precision(m.Date) > precision(r.First) {
			r.First, first = m.Date, m.days
		}
		if c := m.days.from.Compare(last.from); c > 0 || c == 0 && precision(m.Date) > precision(r.Last) {
			r.Last, last = m.Date, m.days
		}
		if !sources[m.Article] && !g.reported(id, m.Article, joined) {
			sources[m.Article] = true
		}
	}
	slices.Sort(feeds)
	r.Feeds = feeds
	r.Sources += len(sources)
	r.Date, r.Reason = ts.bestDate(), ts.bestReason()
	// Only the tallies the new events counted in changed.
	touched := map[string]bool{}
	for _, m := range st.joined {
		touched[string(storyTallyKey(id, tallyDate, m.Date))] = true
		if k, _ := reasonKey(m.Reason); k != "" {
			touched[string(storyTallyKey(id, tallyReason, k))] = true
		}
	}
	return true, putStoryTallies(g.kv, id, ts, touched)
}

// reported reports whether story sid holds an event of the article other
// than the joined ones: whether it counted the article as a source
// before they joined.
func (g *grouper) reported(sid, article string, joined map[string]bool) bool {
	eventStory := g.kv.bucket(bucketEventStory)
	for _, eid := range kvArticleEventIDs(g.kv, article) {
		if !joined[eid] && string(eventStory.Get([]byte(eid))) == sid {
			return true
		}
	}
	return false
}

// storyMembers reads the members of a story from story_events.
func storyMembers(tx *bbolt.Tx, sid string) ([]memberEntry, error) {
	return kvMembers(boltKV{tx}, sid)
}

func kvMembers(kv kv, sid string) ([]memberEntry, error) {
	var out []memberEntry
	prefix := pairKey(sid, "")
	c := kv.bucket(bucketStoryEvents).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		m, err := decodeMember(string(k[len(prefix):]), v)
		if err != nil {
			return nil, fmt.Errorf("story %s: event %s: %w", sid, k[len(prefix):], err)
		}
		out = append(out, m)
	}
	return out, nil
}

// groupAll groups every stored event into stories, oldest first, as the
// upgrade from schema version 1 does.
func groupAll(tx *bbolt.Tx, now time.Time, window time.Duration, p *reporter) error {
	g := newGrouper(boltKV{tx}, now, window, &SaveStats{})
	// The events bucket is in date order. Grouping writes only story
	// buckets, so the cursor stays valid.
	c := tx.Bucket(bucketEvents).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		e, err := decodeEvent(v)
		if err != nil {
			return fmt.Errorf("event %q: %w", k, err)
		}
		if err := g.saved(nil, &e.Event); err != nil {
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
		p.add(1)
	}
	return g.finish()
}

// triplePrefix is country \x00 service \x00 action \x00.
func triplePrefix(country, service, action string) []byte {
	k := make([]byte, 0, len(country)+len(service)+len(action)+3)
	for _, s := range []string{country, service, action} {
		k = append(k, s...)
		k = append(k, 0)
	}
	return k
}

// tripleKey is the idx_story_triple key: the triple, the story's last
// day, its first day and its id. The last day comes first so a scan can
// start at the first story that could still reach an event's date.
func tripleKey(r *storyRecord, from, to string) []byte {
	k := triplePrefix(r.Country, r.Service, string(r.Action))
	k = append(k, to...)
	k = append(k, 0)
	k = append(k, from...)
	k = append(k, 0)
	return append(k, r.ID...)
}

// parseTripleKey reads what follows the triple in an idx_story_triple key.
func parseTripleKey(rest []byte) (span, string, error) {
	const d = len("2006-01-02")
	if len(rest) < 2*d+3 || rest[d] != 0 || rest[2*d+1] != 0 {
		return span{}, "", corrupt("malformed key %q", rest)
	}
	sp, err := parseSpan(string(rest[d+1:2*d+1]), string(rest[:d]))
	if err != nil {
		return span{}, "", err
	}
	return sp, string(rest[2*d+2:]), nil
}

// updatedKey is the idx_story_updated key: the story's Updated time, in
// UTC to the nanosecond at a fixed width so that keys sort as times do,
// and its id.
func updatedKey(t time.Time, id string) []byte {
	return pairKey(t.UTC().Format(updatedLayout), id)
}

const updatedLayout = "2006-01-02T15:04:05.000000000"

// buildUpdatedIndex creates idx_story_updated and fills it from the
// stories, for a file written before it existed.
func buildUpdatedIndex(tx *bbolt.Tx, p *reporter) error {
	idx, err := tx.CreateBucket(bucketIdxStoryUpdated)
	if err != nil {
		return err
	}
	stories := tx.Bucket(bucketStories)
	if stories == nil {
		return nil // version 1: the upgrade groups the events next
	}
	return stories.ForEach(func(k, v []byte) error {
		var r storyRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("story %s: %w", k, err)
		}
		p.add(1)
		return idx.Put(updatedKey(r.Updated, string(k)), nil)
	})
}

// storyLastKey is the idx_story_last key: the padded Last date and the id.
func storyLastKey(s *Story) ([]byte, error) {
	last, err := padDate(s.Last)
	if err != nil {
		return nil, err
	}
	return pairKey(last, s.ID), nil
}
