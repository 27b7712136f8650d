package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/policywatch/policywatch/event"
)

// StoredStory is a story as a store keeps it for grouping: the story
// (without EventIDs) and the first and last day its events cover,
// YYYY-MM-DD, partial dates widened to their whole period.
type StoredStory struct {
	Story
	SpanFrom, SpanTo string
}

// StoryMember is what a story keeps of one of its events: enough to
// recompute the story without reading the events.
type StoryMember struct {
	EventID, StoryID string
	Date, Reason     string
	Confidence       float64
	Article, Feed    string
	Published        string
}

// StorySpan is the id and span (YYYY-MM-DD) of a stored story.
type StorySpan struct {
	ID, From, To string
}

// StorySource is what a StoryGrouping reads of the stories a store
// keeps. The store must keep other writers of the stories of the
// triples being grouped out until its transaction ends.
type StorySource interface {
	// EventStory returns the id of the story the event is in, "" if
	// none.
	EventStory(eventID string) (string, error)
	// Story returns a stored story and its members; ok is false if no
	// story has the id.
	Story(id string) (s StoredStory, members []StoryMember, ok bool, err error)
	// StorySpans returns every story of the triple whose span ends on or
	// after day (YYYY-MM-DD), in any order.
	StorySpans(country, service, action, day string) ([]StorySpan, error)
}

// StoryChanges is what a StoryGrouping changed: what the store writes
// back in the transaction that saved the events.
type StoryChanges struct {
	// Stories are the stories made or changed, whole, in id order.
	Stories []StoredStory
	// Deleted are the ids of stored stories left empty or merged into
	// another, in order.
	Deleted []string
	// Members are the events that joined a story, moved to another one
	// or changed, with their story, in story then event id order.
	Members []StoryMember
	// Left are the ids of events that are in no story any more: deleted
	// events, in order.
	Left []string
}

// StoryGrouping groups the events one Save of a store other than the
// bbolt file writes into stories, by the rule a DB's Save follows (see
// Stories in the package documentation) and through the same code: it
// reads the stories it needs from a StorySource as it goes, works on an
// in-memory copy of them and, at Finish, says what changed. Call Saved
// and Deleted in the order the Save writes the events, as a DB's Save
// does: for each article, its events, then the events it no longer has
// in id order.
type StoryGrouping struct {
	kv *memKV
	g  *grouper
}

// NewStoryGrouping begins grouping a Save made at now, counting the
// stories it makes, changes and deletes in stats; a window of 0 means
// DefaultStoryWindow.
func NewStoryGrouping(src StorySource, now time.Time, window time.Duration, stats *SaveStats) *StoryGrouping {
	if window <= 0 {
		window = DefaultStoryWindow
	}
	kv := newMemKV(src)
	return &StoryGrouping{kv: kv, g: newGrouper(kv, now, window, stats)}
}

// Saved places e, just saved, into a story; prev is the event as it was
// stored before, nil if e is new.
func (s *StoryGrouping) Saved(prev, e *event.Event) error {
	return s.kv.check(s.g.saved(prev, e))
}

// Deleted takes a deleted event out of its story.
func (s *StoryGrouping) Deleted(eventID string) error {
	return s.kv.check(s.g.deleted(eventID))
}

// Finish recomputes the stories the events changed and returns what
// the store is to write.
func (s *StoryGrouping) Finish() (StoryChanges, error) {
	if err := s.kv.check(s.g.finish()); err != nil {
		return StoryChanges{}, err
	}
	var out StoryChanges
	stories := s.kv.mem(bucketStories)
	for _, id := range slices.Sorted(maps.Keys(stories.dirty)) {
		raw, ok := stories.get(id)
		if !ok {
			if s.kv.stored[id] {
				out.Deleted = append(out.Deleted, id)
			}
			continue
		}
		var r storyRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return StoryChanges{}, fmt.Errorf("story %s: %w", id, err)
		}
		out.Stories = append(out.Stories, StoredStory{Story: r.Story, SpanFrom: r.SpanFrom, SpanTo: r.SpanTo})
	}
	members := s.kv.mem(bucketStoryEvents)
	in := map[string]bool{}
	var left []string
	for _, k := range slices.Sorted(maps.Keys(members.dirty)) {
		sid, eid, _ := strings.Cut(k, "\x00")
		raw, ok := members.get(k)
		if !ok {
			left = append(left, eid)
			continue
		}
		m, err := decodeMember(eid, raw)
		if err != nil {
			return StoryChanges{}, fmt.Errorf("story %s: event %s: %w", sid, eid, err)
		}
		in[eid] = true
		out.Members = append(out.Members, StoryMember{
			EventID: eid, StoryID: sid, Date: m.Date, Reason: m.Reason, Confidence: m.Confidence,
			Article: m.Article, Feed: m.Feed, Published: m.Published,
		})
	}
	slices.Sort(left)
	for _, eid := range slices.Compact(left) {
		if !in[eid] {
			out.Left = append(out.Left, eid)
		}
	}
	return out, nil
}

// memKV is a kv of buckets in memory that asks a StorySource for the
// stories the grouper looks for, the first time it looks. What grouping
// writes is marked dirty and never overwritten by what is read later.
type memKV struct {
	src     StorySource
	buckets map[string]*memBucket
	// stored says, for each story id asked of src, whether it had one.
	stored map[string]bool
	asked  map[string]bool // event ids whose story was asked of src
	// spansFrom is, for each triple prefix, the earliest day from which
	// src has given its stories' spans.
	spansFrom map[string]string
	// err is src's first error: a kvBucket's Get cannot return it, so
	// the StoryGrouping reports it after the grouper's call.
	err error
}

func newMemKV(src StorySource) *memKV {
	return &memKV{src: src, buckets: map[string]*memBucket{}, stored: map[string]bool{},
		asked: map[string]bool{}, spansFrom: map[string]string{}}
}

func (kv *memKV) bucket(name []byte) kvBucket { return kv.mem(name) }

func (kv *memKV) mem(name []byte) *memBucket {
	b := kv.buckets[string(name)]
	if b == nil {
		b = &memBucket{kv: kv, name: string(name), groups: map[string]map[string][]byte{}, dirty: map[string]bool{}}
		kv.buckets[string(name)] = b
	}
	return b
}

// check returns the source's error, which explains err if both are
// set, or err.
func (kv *memKV) check(err error) error {
	if kv.err != nil {
		return kv.err
	}
	return err
}

// fault loads from the source what a read of key in the bucket needs.
func (kv *memKV) fault(bucket string, key []byte) {
	if kv.err != nil {
		return
	}
	switch bucket {
	case string(bucketStories):
		kv.loadStory(string(key))
	case string(bucketStoryEvents):
		sid, _, _ := bytes.Cut(key, []byte{0})
		kv.loadStory(string(sid))
	case string(bucketEventStory):
		eid := string(key)
		if kv.asked[eid] {
			return
		}
		kv.asked[eid] = true
		sid, err := kv.src.EventStory(eid)
		if err != nil {
			kv.err = fmt.Errorf("event %s: %w", eid, err)
			return
		}
		if sid != "" {
			kv.mem(bucketEventStory).fill(eid, []byte(sid))
		}
	case string(bucketIdxStoryTriple):
		parts := bytes.SplitN(key, []byte{0}, 4)
		if len(parts) != 4 {
			return
		}
		prefix := string(key[:len(key)-len(parts[3])])
		day := string(parts[3])
		if from, ok := kv.spansFrom[prefix]; ok && from <= day {
			return
		}
		kv.spansFrom[prefix] = day
		spans, err := kv.src.StorySpans(string(parts[0]), string(parts[1]), string(parts[2]), day)
		if err != nil {
			kv.err = fmt.Errorf("stories of %s %s %s: %w", parts[0], parts[1], parts[2], err)
			return
		}
		idx := kv.mem(bucketIdxStoryTriple)
		for _, sp := range spans {
			r := storyRecord{Story: Story{ID: sp.ID, Country: string(parts[0]), Service: string(parts[1]), Action: event.Action(parts[2])}}
			idx.fill(string(tripleKey(&r, sp.From, sp.To)), nil)
		}
	}
}

// loadStory asks the source for a story and its members once.
func (kv *memKV) loadStory(id string) {
	if _, ok := kv.stored[id]; ok {
		return
	}
	s, members, ok, err := kv.src.Story(id)
	if err != nil {
		kv.err = fmt.Errorf("story %s: %w", id, err)
		return
	}
	kv.stored[id] = ok
	if !ok {
		return
	}
	r := storyRecord{Story: s.Story, SpanFrom: s.SpanFrom, SpanTo: s.SpanTo}
	r.EventIDs = nil // see storyRecord
	if r.Feeds == nil {
		r.Feeds = []string{} // as summarise makes it, so an unchanged story compares equal
	}
	raw, err := json.Marshal(r)
	if err != nil {
		kv.err = fmt.Errorf("story %s: %w", id, err)
		return
	}
	kv.mem(bucketStories).fill(id, raw)
	events, eventStory := kv.mem(bucketStoryEvents), kv.mem(bucketEventStory)
	for _, m := range members {
		mm := member{Date: m.Date, Reason: m.Reason, Confidence: m.Confidence, Article: m.Article, Feed: m.Feed, Published: m.Published}
		events.fill(string(pairKey(id, m.EventID)), mm.encode())
		eventStory.fill(m.EventID, []byte(id))
		kv.asked[m.EventID] = true
	}
}

// memBucket is a bucket of a memKV. Its keys are kept in groups, by
// what precedes their first NUL byte (a story id, a country), because
// every scan of the grouper reads keys of one such prefix: a cursor
// sorts only its group's keys, not every story's members.
type memBucket struct {
	kv     *memKV
	name   string
	groups map[string]map[string][]byte
	dirty  map[string]bool // keys put or deleted by grouping
}

// group is what a key's group is named by.
func group[T string | []byte](key T) string {
	for i := range len(key) {
		if key[i] == 0 {
			return string(key[:i])
		}
	}
	return string(key)
}

func (b *memBucket) get(key string) ([]byte, bool) {
	v, ok := b.groups[group(key)][key]
	return v, ok
}

func (b *memBucket) set(key string, value []byte) {
	g := b.groups[group(key)]
	if g == nil {
		g = map[string][]byte{}
		b.groups[group(key)] = g
	}
	g[key] = value
}

// fill stores what the source says, unless grouping wrote the key.
func (b *memBucket) fill(key string, value []byte) {
	if b.dirty[key] {
		return
	}
	if _, ok := b.get(key); !ok {
		b.set(key, value)
	}
}

func (b *memBucket) Get(key []byte) []byte {
	b.kv.fault(b.name, key)
	v, _ := b.get(string(key))
	return v
}

func (b *memBucket) Put(key, value []byte) error {
	b.set(string(key), bytes.Clone(value))
	b.dirty[string(key)] = true
	return nil
}

func (b *memBucket) Delete(key []byte) error {
	delete(b.groups[group(key)], string(key))
	b.dirty[string(key)] = true
	return nil
}

func (b *memBucket) Cursor() kvCursor { return &memCursor{b: b} }

// memCursor walks the keys of one group of a memBucket in order, as
// they were when it last sought; past the group's last key it is at
// the end.
type memCursor struct {
	b    *memBucket
	g    map[string][]byte
	keys []string
	at   int
}

func (c *memCursor) Seek(seek []byte) (key, value []byte) {
	c.b.kv.fault(c.b.name, seek)
	c.g = c.b.groups[group(seek)]
	c.keys = slices.Sorted(maps.Keys(c.g))
	c.at, _ = slices.BinarySearch(c.keys, string(seek))
	return c.cur()
}

func (c *memCursor) Next() (key, value []byte) {
	c.at++
	return c.cur()
}

func (c *memCursor) cur() (key, value []byte) {
	if c.at >= len(c.keys) {
		return nil, nil
	}
	k := c.keys[c.at]
	return []byte(k), c.g[k]
}
