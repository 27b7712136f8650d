package store

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
)

// memStories is a store's stories kept in maps, as another store keeps
// them in tables: a StorySource that applies StoryChanges.
type memStories struct {
	stories map[string]StoredStory
	members map[string]StoryMember // by event id
	events  map[string]event.Event
}

func newMemStories() *memStories {
	return &memStories{stories: map[string]StoredStory{}, members: map[string]StoryMember{}, events: map[string]event.Event{}}
}

func (m *memStories) EventStory(eventID string) (string, error) {
	return m.members[eventID].StoryID, nil
}

func (m *memStories) Story(id string) (StoredStory, []StoryMember, bool, error) {
	s, ok := m.stories[id]
	var ms []StoryMember
	for _, mm := range m.members {
		if mm.StoryID == id {
			ms = append(ms, mm)
		}
	}
	return s, ms, ok, nil
}

func (m *memStories) StorySpans(country, service, action, day string) ([]StorySpan, error) {
	var out []StorySpan
	for _, s := range m.stories {
		if s.Country == country && s.Service == service && string(s.Action) == action && s.SpanTo >= day {
			out = append(out, StorySpan{ID: s.ID, From: s.SpanFrom, To: s.SpanTo})
		}
	}
	return out, nil
}

// save saves b's events as a DB's Save orders them, grouping them
// through a StoryGrouping, and applies what it changed.
func (m *memStories) save(t *testing.T, b Batch, now time.Time) SaveStats {
	t.Helper()
	var st SaveStats
	g := NewStoryGrouping(m, now, DefaultStoryWindow, &st)
	for _, ae := range b.Articles {
		evs, err := CheckArticle(ae)
		if err != nil {
			t.Fatal(err)
		}
		current := map[string]bool{}
		for i := range evs {
			e := &evs[i]
			current[e.ID] = true
			var prev *event.Event
			if p, ok := m.events[e.ID]; ok {
				prev = &p
			}
			m.events[e.ID] = *e
			if err := g.Saved(prev, e); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range slices.Sorted(maps.Keys(m.events)) {
			if m.events[id].ArticleID == ae.Article.ID && !current[id] {
				delete(m.events, id)
				if err := g.Deleted(id); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	c, err := g.Finish()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Stories {
		m.stories[s.ID] = s
	}
	for _, mm := range c.Members {
		m.members[mm.EventID] = mm
	}
	for _, id := range c.Left {
		delete(m.members, id)
	}
	for _, id := range c.Deleted {
		delete(m.stories, id)
	}
	return st
}

// TestStoryGroupingMatchesSave saves generated batches, with dates that
// move and articles re-extracted to fewer events, into a DB and through
// a StoryGrouping into maps, and wants the same stories, stats and
// memberships of both after each: one rule, one code.
func TestStoryGroupingMatchesSave(t *testing.T) {
	db := openTemp(t)
	clock := &fixedClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	db.now = clock.now
	mem := newMemStories()
	r := rand.New(rand.NewPCG(7, 13))
	day := func(n int) string { return time.Date(2024, 1, 1+n, 0, 0, 0, 0, time.UTC).Format(time.DateOnly) }
	gen := func(key string) ArticleEvents {
		a := newArticle("https://example.org/"+key, []string{"a", "b", "c"}[r.IntN(3)], day(r.IntN(200)))
		ae := ArticleEvents{Article: a}
		for _, c := range []string{"IR", "RU"} {
			for _, s := range []string{"telegram", "x"} {
				if r.IntN(2) == 0 {
					d := day(r.IntN(200))
					switch r.IntN(15) {
					case 0:
						d = d[:7]
					case 1:
						d = d[:4]
					}
					e := newEvent(a, c, s, event.Block, d)
					e.Confidence = float64(r.IntN(100)) / 100
					e.Reason = []string{"", "security", "Security", "elections"}[r.IntN(4)]
					ae.Events = append(ae.Events, e)
				}
			}
		}
		return ae
	}
	var keys []string
	events := 0
	for round := range 10 {
		clock.t = clock.t.Add(time.Hour)
		var b Batch
		used := map[string]bool{}
		for range 30 {
			key := fmt.Sprintf("r%d-%d", round, len(keys))
			if len(keys) > 0 && r.IntN(3) == 0 {
				key = keys[r.IntN(len(keys))]
			} else {
				keys = append(keys, key)
			}
			if used[key] {
				continue
			}
			used[key] = true
			ae := gen(key)
			if r.IntN(5) == 0 {
				ae.Events = nil
			}
			events += len(ae.Events)
			b.Articles = append(b.Articles, ae)
		}
		want, err := db.Save(b)
		if err != nil {
			t.Fatal(err)
		}
		got := mem.save(t, b, clock.t)
		for _, st := range []*SaveStats{&want, &got} {
			*st = SaveStats{NewStories: st.NewStories, UpdatedStories: st.UpdatedStories, DeletedStories: st.DeletedStories,
				NewStoryIDs: st.NewStoryIDs, UpdatedStoryIDs: st.UpdatedStoryIDs}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: stats %+v, want %+v", round, got, want)
		}
		stored, err := db.Stories(StoryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != len(mem.stories) {
			t.Fatalf("round %d: %d stories, want %d", round, len(mem.stories), len(stored))
		}
		for _, s := range stored {
			m, ok := mem.stories[s.ID]
			ids := s.EventIDs
			s.EventIDs = nil
			if !ok || !reflect.DeepEqual(m.Story, s) {
				t.Fatalf("round %d: story %s is\n%+v\nwant\n%+v", round, s.ID, m.Story, s)
			}
			for _, id := range ids {
				if mem.members[id].StoryID != s.ID {
					t.Fatalf("round %d: event %s in story %q, want %s", round, id, mem.members[id].StoryID, s.ID)
				}
			}
		}
		if n := len(mem.members); n != len(mem.events) {
			t.Fatalf("round %d: %d members, %d events", round, n, len(mem.events))
		}
	}
	if events < 300 {
		t.Errorf("only %d events saved", events)
	}
}
