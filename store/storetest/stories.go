package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// The story checks save each batch into the store under test and into a
// bbolt file, the reference, and want the same stories of both: the
// grouping rule is one (see store.StoryGrouping), so the ids, fields and
// order agree; only Created and Updated, the clock of each Save, differ.
// Each also checks what the rule says, so that on the bbolt store, its
// own reference, it still tests something.

// pair is a store under test and its bbolt reference.
type pair struct {
	t       *testing.T
	db, ref store.Store
}

func newPair(t *testing.T, open Open) *pair {
	t.Helper()
	ref, err := store.Open(filepath.Join(t.TempDir(), "reference.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	return &pair{t: t, db: open(t), ref: ref}
}

// save saves b into both, reference first, and returns the stats of the
// store under test after checking that its story stats are the
// reference's.
func (p *pair) save(b store.Batch) store.SaveStats {
	p.t.Helper()
	want := mustSave(p.t, p.ref, b)
	got := mustSave(p.t, p.db, b)
	if g, w := storyStats(got), storyStats(want); !reflect.DeepEqual(g, w) {
		p.t.Errorf("story stats %+v, want the reference's %+v", g, w)
	}
	return got
}

type storySaved struct {
	New, Updated, Deleted int
	NewIDs, UpdatedIDs    []string
}

func storyStats(st store.SaveStats) storySaved {
	return storySaved{st.NewStories, st.UpdatedStories, st.DeletedStories, st.NewStoryIDs, st.UpdatedStoryIDs}
}

// stories returns the store's stories matching f after checking that
// they are the reference's.
func (p *pair) stories(f store.StoryFilter) []store.Story {
	p.t.Helper()
	got, err := p.db.Stories(f)
	if err != nil {
		p.t.Fatalf("Stories(%+v): %v", f, err)
	}
	want, err := p.ref.Stories(f)
	if err != nil {
		p.t.Fatalf("reference Stories(%+v): %v", f, err)
	}
	if g, w := untimed(got), untimed(want); !reflect.DeepEqual(g, w) {
		p.t.Errorf("Stories(%+v):\n%s", f, storyDiff(g, w))
	}
	return got
}

// untimed is stories without Created and Updated.
func untimed(ss []store.Story) []store.Story {
	out := slices.Clone(ss)
	for i := range out {
		out[i].Created, out[i].Updated = time.Time{}, time.Time{}
	}
	return out
}

func storyDiff(got, want []store.Story) string {
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w any = "(none)", "(none)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if !reflect.DeepEqual(g, w) {
			fmt.Fprintf(&b, "  [%d] got  %+v\n      want %+v\n", i, g, w)
		}
	}
	return b.String()
}

// day is the date n days after 2024-01-01.
func day(n int) string {
	return time.Date(2024, 1, 1+n, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// report is an article of feed published on the given day with one
// event of the triple on each date.
func report(key, feed string, published int, country, service string, action event.Action, dates ...string) store.ArticleEvents {
	a := newArticle("https://example.org/"+key, feed, day(published))
	ae := store.ArticleEvents{Article: a}
	for i, d := range dates {
		// One event per triple and article: vary the service after the
		// first.
		s := service
		if i > 0 {
			s = fmt.Sprintf("%s%d", service, i)
		}
		ae.Events = append(ae.Events, newEvent(a, country, s, action, d))
	}
	return ae
}

func batch(aes ...store.ArticleEvents) store.Batch { return store.Batch{Articles: aes} }

// storyOf returns the story holding the event, failing if not exactly
// one does.
func storyOf(t *testing.T, ss []store.Story, eventID string) store.Story {
	t.Helper()
	var found []store.Story
	for _, s := range ss {
		if slices.Contains(s.EventIDs, eventID) {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("event %s is in %d stories, want 1", eventID, len(found))
	}
	return found[0]
}

func eventID(ae store.ArticleEvents, i int) string { return ae.Events[i].ID }

// testStoriesGroup: reports of one triple within the window are one
// story, with the fields the bbolt store computes; another triple or a
// date beyond the window makes another.
func testStoriesGroup(t *testing.T, open Open) {
	p := newPair(t, open)
	a := report("a", "rferl", 10, "IR", "telegram", event.Block, day(10))
	b := report("b", "guardian", 12, "IR", "telegram", event.Block, day(20))
	c := report("c", "rferl", 40, "IR", "telegram", event.Block, day(40))
	d := report("d", "rferl", 11, "RU", "telegram", event.Block, day(11))
	st := p.save(batch(a, b, c, d))
	if st.NewStories != 3 {
		t.Errorf("NewStories = %d, want 3", st.NewStories)
	}
	ss := p.stories(store.StoryFilter{})
	if len(ss) != 3 {
		t.Fatalf("%d stories, want 3: %+v", len(ss), ss)
	}
	ab := storyOf(t, ss, eventID(a, 0))
	if want := []string{eventID(b, 0), eventID(a, 0)}; !slices.Equal(ab.EventIDs, want) {
		t.Errorf("story of a and b has events %v, want %v", ab.EventIDs, want)
	}
	if ab.First != day(10) || ab.Last != day(20) || ab.Sources != 2 || !slices.Equal(ab.Feeds, []string{"guardian", "rferl"}) {
		t.Errorf("story of a and b = %+v", ab)
	}
	if storyOf(t, ss, eventID(c, 0)).ID == ab.ID || storyOf(t, ss, eventID(d, 0)).ID == ab.ID {
		t.Error("a report beyond the window or of another triple joined the story")
	}
	if c, err := p.db.Counts(); err != nil || c.Stories != 3 {
		t.Errorf("Counts = %+v (%v), want 3 stories", c, err)
	}
	// Saving the same batch again changes no story.
	if st := p.save(batch(a, b, c, d)); st.NewStories+st.UpdatedStories+st.DeletedStories != 0 {
		t.Errorf("saving again: %+v", storyStats(st))
	}
	p.stories(store.StoryFilter{})
}

// testStoriesMerge: a report between two stories of its triple bridges
// them into the one made first, which keeps its id; the other is
// deleted.
func testStoriesMerge(t *testing.T, open Open) {
	p := newPair(t, open)
	late := report("late", "rferl", 36, "IR", "telegram", event.Block, day(36))
	p.save(batch(late))
	early := report("early", "rferl", 10, "IR", "telegram", event.Block, day(10))
	p.save(batch(early))
	ss := p.stories(store.StoryFilter{})
	if len(ss) != 2 {
		t.Fatalf("%d stories before the bridge, want 2", len(ss))
	}
	oldest := storyOf(t, ss, eventID(late, 0)).ID
	bridge := report("bridge", "guardian", 23, "IR", "telegram", event.Block, day(23))
	st := p.save(batch(bridge))
	if st.DeletedStories != 1 || st.UpdatedStories != 1 {
		t.Errorf("bridging: %+v, want one story updated and one deleted", storyStats(st))
	}
	ss = p.stories(store.StoryFilter{})
	if len(ss) != 1 || ss[0].ID != oldest || len(ss[0].EventIDs) != 3 {
		t.Fatalf("after the bridge: %+v, want story %s, made first, with all 3 events", ss, oldest)
	}
	if c, err := p.db.Counts(); err != nil || c.Stories != 1 {
		t.Errorf("Counts = %+v (%v), want 1 story", c, err)
	}
}

// testStoriesSplit: when the report that held a story together goes, the
// story splits; its earliest run keeps the id, the later one becomes a
// story with the same Created.
func testStoriesSplit(t *testing.T, open Open) {
	p := newPair(t, open)
	a := report("a", "rferl", 1, "IR", "telegram", event.Block, day(1))
	mid := report("mid", "rferl", 14, "IR", "telegram", event.Block, day(14))
	c := report("c", "rferl", 28, "IR", "telegram", event.Block, day(28))
	p.save(batch(mid))
	p.save(batch(a, c))
	ss := p.stories(store.StoryFilter{})
	if len(ss) != 1 {
		t.Fatalf("%d stories, want 1", len(ss))
	}
	whole := ss[0]
	// Re-extraction finds nothing in mid.
	st := p.save(batch(store.ArticleEvents{Article: mid.Article}))
	if st.NewStories != 1 {
		t.Errorf("split: %+v, want one new story", storyStats(st))
	}
	ss = p.stories(store.StoryFilter{})
	if len(ss) != 2 {
		t.Fatalf("after the split: %d stories, want 2", len(ss))
	}
	first, second := storyOf(t, ss, eventID(a, 0)), storyOf(t, ss, eventID(c, 0))
	if first.ID != whole.ID || second.ID == whole.ID {
		t.Errorf("split: the earliest run has id %s, the later %s; want %s for the earliest", first.ID, second.ID, whole.ID)
	}
	if !second.Created.Equal(whole.Created) {
		t.Errorf("split-off story created %v, want the story's %v", second.Created, whole.Created)
	}

	// A date that moves away moves its event too.
	moved := c
	moved.Events = slices.Clone(c.Events)
	moved.Events[0].Date = day(3)
	p.save(batch(moved))
	ss = p.stories(store.StoryFilter{})
	if len(ss) != 1 || ss[0].ID != whole.ID || len(ss[0].EventIDs) != 2 {
		t.Errorf("after moving c next to a: %+v, want story %s of both", ss, whole.ID)
	}
}

// testStoriesDelete: a story whose only events go on re-extraction is
// deleted, and can no longer be read.
func testStoriesDelete(t *testing.T, open Open) {
	p := newPair(t, open)
	a := report("a", "rferl", 1, "IR", "telegram", event.Block, day(1), day(2))
	p.save(batch(a))
	ss := p.stories(store.StoryFilter{})
	if len(ss) != 2 {
		t.Fatalf("%d stories, want 2", len(ss))
	}
	kept := a
	kept.Events = a.Events[:1]
	st := p.save(batch(kept))
	if st.DeletedStories != 1 {
		t.Errorf("re-extraction: %+v, want one story deleted", storyStats(st))
	}
	gone := storyOf(t, ss, eventID(a, 1)).ID
	if _, _, err := p.db.Story(gone); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Story(%s) of a deleted story: %v, want ErrNotFound", gone, err)
	}
	if ss := p.stories(store.StoryFilter{}); len(ss) != 1 {
		t.Errorf("%d stories left, want 1", len(ss))
	}
	p.save(batch(store.ArticleEvents{Article: a.Article}))
	if ss := p.stories(store.StoryFilter{}); len(ss) != 0 {
		t.Errorf("%d stories left after clearing the article, want none", len(ss))
	}
	if c, err := p.db.Counts(); err != nil || c.Stories != 0 {
		t.Errorf("Counts = %+v (%v), want no stories", c, err)
	}
}

// testStoryReaders: Story gives a story and its events in the order of
// Events; StoryID takes a whole id or a long enough prefix.
func testStoryReaders(t *testing.T, open Open) {
	p := newPair(t, open)
	a := report("a", "rferl", 10, "IR", "telegram", event.Block, day(10))
	b := report("b", "guardian", 12, "IR", "telegram", event.Block, day(12))
	// Reports of one day go by publication, later first, then by id.
	var sameDay []store.ArticleEvents
	for i, published := range []int{13, 16, 14, 15, 13} {
		sameDay = append(sameDay, report(fmt.Sprint("same", i), "bbc", published, "IR", "telegram", event.Block, day(12)))
	}
	p.save(batch(append([]store.ArticleEvents{a, b}, sameDay...)...))
	ss := p.stories(store.StoryFilter{})
	if len(ss) != 1 {
		t.Fatalf("%d stories, want 1", len(ss))
	}
	if want := ids(mustEvents(t, p.db, store.Filter{})); !slices.Equal(ss[0].EventIDs, want) {
		t.Errorf("story's EventIDs %v, want the order of Events, %v", ss[0].EventIDs, want)
	}
	s, evs, err := p.db.Story(ss[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(untimed([]store.Story{s}), untimed(ss[:1])) {
		t.Errorf("Story = %+v, want %+v", s, ss[0])
	}
	if want := mustEvents(t, p.db, store.Filter{}); !reflect.DeepEqual(evs, want) {
		t.Errorf("Story's events %v, want %v", ids(evs), ids(want))
	}
	for _, c := range []struct {
		id, want string
		err      error
	}{
		{ss[0].ID, ss[0].ID, nil},
		{ss[0].ID[:store.MinStoryPrefix], ss[0].ID, nil},
		{ss[0].ID[:store.MinStoryPrefix-1], "", store.ErrNotFound},
		{"ffffffffff", "", store.ErrNotFound},
	} {
		got, err := p.db.StoryID(c.id)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("StoryID(%q) = %q, %v; want %q, %v", c.id, got, err, c.want, c.err)
		}
	}
	if _, _, err := p.db.Story("nosuchstory"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Story of an unknown id: %v, want ErrNotFound", err)
	}
}

// testStoriesFilter: every filter of stories picks the reference's
// stories in its order.
func testStoriesFilter(t *testing.T, open Open) {
	p := newPair(t, open)
	p.save(batch(
		report("a", "rferl", 10, "IR", "telegram", event.Block, day(10)),
		report("b", "guardian", 12, "IR", "telegram", event.Block, "2024-01"),
		report("c", "rferl", 100, "IR", "whatsapp", event.Restrict, day(100)),
		report("d", "bbc", 200, "RU", "telegram", event.Block, day(200), "2024"),
	))
	before := time.Now()
	p.save(batch(
		report("e", "bbc", 300, "RU", "youtube", event.Throttle, day(300)),
		report("a", "rferl", 10, "IR", "telegram", event.Block, day(11)),
	))
	for _, f := range []store.StoryFilter{
		{},
		{Filter: store.Filter{Countries: []string{"RU"}}},
		{Filter: store.Filter{Services: []string{"telegram"}, Since: "2024-02"}},
		{Filter: store.Filter{Actions: []string{"block", "restrict"}}},
		{Filter: store.Filter{Since: "2024-07", Until: "2024-12"}},
		{Filter: store.Filter{Until: "2024-01-05"}},
		{Filter: store.Filter{Since: "2024-06", Until: "2024-05"}},
		{Filter: store.Filter{Feeds: []string{"bbc"}}},
		{Filter: store.Filter{Text: "WHATSAPP"}},
		{Filter: store.Filter{MinConfidence: 0.9}},
		{Filter: store.Filter{Limit: 2}},
		{Filter: store.Filter{Countries: []string{"IR"}, Since: "2024-01-11"}},
		{CreatedAfter: before},
		{ChangedSince: before},
		{ChangedSince: before, Filter: store.Filter{Countries: []string{"IR"}}},
	} {
		p.stories(f)
	}
	if ss := p.stories(store.StoryFilter{ChangedSince: before}); len(ss) != 2 {
		t.Errorf("stories changed by the second save: %d, want 2", len(ss))
	}
	if _, err := p.db.Stories(store.StoryFilter{Filter: store.Filter{Since: "yesterday"}}); err == nil {
		t.Error("a bad filter gave no error")
	}
}

// testStoriesBruteForce saves a few hundred generated events in batches
// that add reports, move their dates and re-extract articles to fewer
// events, and wants the reference's stories after each.
func testStoriesBruteForce(t *testing.T, open Open) {
	p := newPair(t, open)
	r := rand.New(rand.NewPCG(13, 2026))
	countries := []string{"IR", "RU"}
	services := []string{"telegram", "x"}
	feeds := []string{"rferl", "guardian", "bbc"}
	date := func() string {
		d := day(r.IntN(240))
		switch r.IntN(20) {
		case 0:
			return d[:7] // a month
		case 1:
			return d[:4] // the year
		}
		return d
	}
	articles := map[string]store.ArticleEvents{}
	var keys []string
	gen := func(a ingest.Article) store.ArticleEvents {
		ae := store.ArticleEvents{Article: a}
		for _, c := range countries {
			for _, s := range services {
				if r.IntN(3) == 0 {
					e := newEvent(a, c, s, event.Block, date())
					e.Confidence = float64(50+r.IntN(50)) / 100
					e.Reason = []string{"", "national security", "National  Security", "elections"}[r.IntN(4)]
					ae.Events = append(ae.Events, e)
				}
			}
		}
		return ae
	}
	total := 0
	for round := range 8 {
		var b store.Batch
		for range 40 {
			if len(keys) > 0 && r.IntN(3) == 0 {
				// Re-extract a stored article: other dates, fewer or
				// more events.
				key := keys[r.IntN(len(keys))]
				next := gen(articles[key].Article)
				if r.IntN(4) == 0 {
					next.Events = nil
				}
				articles[key] = next
				b.Articles = append(b.Articles, next)
				continue
			}
			key := fmt.Sprintf("r%d-%d", round, len(keys))
			ae := gen(newArticle("https://example.org/gen/"+key, feeds[r.IntN(len(feeds))], day(r.IntN(240))))
			keys = append(keys, key)
			articles[key] = ae
			total += len(ae.Events)
			b.Articles = append(b.Articles, ae)
		}
		// One article once per batch, as a run's batch has it.
		seen := map[string]bool{}
		var unique []store.ArticleEvents
		for i := len(b.Articles) - 1; i >= 0; i-- {
			if !seen[b.Articles[i].Article.ID] {
				seen[b.Articles[i].Article.ID] = true
				unique = append(unique, b.Articles[i])
			}
		}
		slices.Reverse(unique)
		b.Articles = unique
		p.save(b)
		ss := p.stories(store.StoryFilter{})
		if t.Failed() {
			t.Fatalf("round %d differs from the reference", round)
		}
		// Every stored event is in one story of its triple.
		evs := mustEvents(t, p.db, store.Filter{})
		in := map[string]int{}
		for _, s := range ss {
			for _, id := range s.EventIDs {
				in[id]++
			}
		}
		for _, e := range evs {
			if in[e.ID] != 1 {
				t.Fatalf("round %d: event %s is in %d stories", round, e.ID, in[e.ID])
			}
		}
		if n := len(in); n != len(evs) {
			t.Fatalf("round %d: stories hold %d events, the store %d", round, n, len(evs))
		}
	}
	if total < 200 {
		t.Errorf("only %d events generated", total)
	}
}

// testDemoCorpusStories saves the demo corpus, real reports, and wants
// the reference's stories and stats of it under several filters.
func testDemoCorpusStories(t *testing.T, open Open) {
	p := newPair(t, open)
	p.save(demoCorpus(t))
	// Events of no recorded extractor, one dated by its year only.
	p.save(batch(report("later", "rferl", 500, "IR", "telegram", event.Block, day(500), "2025")))
	if ss := p.stories(store.StoryFilter{}); len(ss) < 20 {
		t.Errorf("only %d stories of the demo corpus", len(ss))
	}
	filters := []store.Filter{
		{},
		{Countries: []string{"RU", "IR"}},
		{Services: []string{"telegram"}, Since: "2018"},
		{Since: "2019", Until: "2021-06"},
		{Text: "court"},
		{MinConfidence: 0.7, Actions: []string{"block"}},
		{Feeds: []string{"rferl"}},
	}
	for _, f := range filters {
		p.stories(store.StoryFilter{Filter: f})
		got, err := p.db.Stats(f)
		if err != nil {
			t.Fatalf("Stats(%+v): %v", f, err)
		}
		want, err := p.ref.Stats(f)
		if err != nil {
			t.Fatalf("reference Stats(%+v): %v", f, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Stats(%+v) = %+v\nwant the reference's %+v", f, got, want)
		}
		// The web page's chart; not in store.Reader (yet).
		type periods interface {
			ByPeriodAndAction(store.Filter) ([]store.PeriodCount, error)
		}
		if pdb, ok := p.db.(periods); ok {
			got, err := pdb.ByPeriodAndAction(f)
			if err != nil {
				t.Fatalf("ByPeriodAndAction(%+v): %v", f, err)
			}
			want, err := p.ref.(periods).ByPeriodAndAction(f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ByPeriodAndAction(%+v) = %+v\nwant the reference's %+v", f, got, want)
			}
		}
	}
	if _, err := p.db.Stats(store.Filter{Since: "never"}); err == nil {
		t.Error("Stats of a bad filter gave no error")
	}
}
