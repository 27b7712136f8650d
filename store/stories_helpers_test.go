package store

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

// spec is one event in a compact form: "key feed country service action
// date", e.g. "a1 rferl RU telegram block 2018-04-16". The key names the
// article, which is published on 2018-05-01 unless the date is later.
func specEvent(t testing.TB, spec string) ArticleEvents {
	t.Helper()
	f := strings.Fields(spec)
	if len(f) != 6 {
		t.Fatalf("bad spec %q", spec)
	}
	published := "2018-05-01"
	if len(f[5]) == len("2006-01-02") && f[5] > published {
		published = f[5]
	}
	feed := f[1]
	if feed == "-" {
		feed = ""
	}
	a := newArticle("https://example.org/"+f[0], feed, published)
	return ArticleEvents{Article: a, Events: []event.Event{newEvent(a, f[2], f[3], event.Action(f[4]), f[5])}}
}

// specBatch is a batch of one-event articles.
func specBatch(t testing.TB, specs ...string) Batch {
	t.Helper()
	var b Batch
	for _, s := range specs {
		b.Articles = append(b.Articles, specEvent(t, s))
	}
	return b
}

// eventLabel is the article key a spec event came from.
func eventLabel(t testing.TB, db *DB, id string) string {
	t.Helper()
	e, err := db.Event(id)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(e.SourceURL, "https://example.org/")
}

// partition is the stories as sorted lists of article keys, sorted.
func partition(t testing.TB, db *DB) [][]string {
	t.Helper()
	stories, err := db.Stories(StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, s := range stories {
		var labels []string
		for _, id := range s.EventIDs {
			labels = append(labels, eventLabel(t, db, id))
		}
		slices.Sort(labels)
		out = append(out, labels)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], ",") < strings.Join(out[j], ",") })
	return out
}

// storyOf is the id of the story holding the event of article key.
func storyOf(t testing.TB, db *DB, key string) string {
	t.Helper()
	stories, err := db.Stories(StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stories {
		for _, id := range s.EventIDs {
			if eventLabel(t, db, id) == key {
				return s.ID
			}
		}
	}
	t.Fatalf("no story holds the event of %s", key)
	return ""
}

// checkStories verifies every story bucket against the events, from the
// raw buckets: membership agrees both ways, every event is in exactly one
// story, each record holds what its members say, both story indexes have
// exactly one key per story, and no two stories of a triple come within
// the window of each other.
func checkStories(t testing.TB, db *DB) {
	t.Helper()
	err := db.view(func(tx *bbolt.Tx) error {
		events := tx.Bucket(bucketEvents)
		eventStory := tx.Bucket(bucketEventStory)
		members := tx.Bucket(bucketStoryEvents)
		triple := tx.Bucket(bucketIdxStoryTriple)
		last := tx.Bucket(bucketIdxStoryLast)

		if n, m := events.Stats().KeyN, eventStory.Stats().KeyN; n != m {
			t.Errorf("%d events but %d event_story keys", n, m)
		}
		if n, m := events.Stats().KeyN, members.Stats().KeyN; n != m {
			t.Errorf("%d events but %d story_events keys", n, m)
		}
		type placed struct {
			id string
			sp span
		}
		byTriple := map[string][]placed{}
		nStories := 0
		err := tx.Bucket(bucketStories).ForEach(func(k, v []byte) error {
			nStories++
			id := string(k)
			var r storyRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			ms, err := storyMembers(tx, id)
			if err != nil {
				return err
			}
			if len(ms) == 0 {
				t.Errorf("story %s has no events", id)
				return nil
			}
			for _, m := range ms {
				if got := string(eventStory.Get([]byte(m.id))); got != id {
					t.Errorf("story %s has event %s, whose event_story says %q", id, m.id, got)
				}
				r, err := getEvent(tx, m.id)
				if err != nil {
					t.Errorf("story %s: event %s: %v", id, m.id, err)
					continue
				}
				e := r.Event
				if e.Country != r.Country || e.Service != r.Service || e.Action != r.Action {
					t.Errorf("story %s (%s %s %s) holds event %s of %s %s %s", id, r.Country, r.Service, r.Action, e.ID, e.Country, e.Service, e.Action)
				}
				if !reflect.DeepEqual(memberOf(&e), m.member) {
					t.Errorf("story %s: member %s is %+v, its event says %+v", id, m.id, m.member, memberOf(&e))
				}
			}
			if r.EventIDs != nil {
				t.Errorf("story %s stores its event ids: %q", id, r.EventIDs)
			}
			if ps := parts(ms, db.window); len(ps) > 1 {
				t.Errorf("story %s is %d runs of events too far apart to be one story", id, len(ps))
			}
			want := r
			summarise(&want, ms)
			if !reflect.DeepEqual(want, r) {
				t.Errorf("story %s is stored as\n%+v\nits events make it\n%+v", id, r, want)
			}
			if triple.Get(tripleKey(&r, r.SpanFrom, r.SpanTo)) == nil {
				t.Errorf("story %s: no idx_story_triple key for %s..%s", id, r.SpanFrom, r.SpanTo)
			}
			if k, _ := storyLastKey(&r.Story); last.Get(k) == nil {
				t.Errorf("story %s: no idx_story_last key for %s", id, r.Last)
			}
			sp, _ := parseSpan(r.SpanFrom, r.SpanTo)
			tk := fmt.Sprint(r.Country, r.Service, r.Action)
			byTriple[tk] = append(byTriple[tk], placed{id, sp})
			return nil
		})
		if err != nil {
			return err
		}
		if n := triple.Stats().KeyN; n != nStories {
			t.Errorf("%d stories but %d idx_story_triple keys", nStories, n)
		}
		if n := last.Stats().KeyN; n != nStories {
			t.Errorf("%d stories but %d idx_story_last keys", nStories, n)
		}
		for _, ps := range byTriple {
			for i := range ps {
				for j := i + 1; j < len(ps); j++ {
					if ps[i].sp.near(ps[j].sp, db.window) {
						t.Errorf("stories %s and %s of one triple are within the window and were not merged", ps[i].id, ps[j].id)
					}
				}
			}
		}
		return eventStory.ForEach(func(k, v []byte) error {
			if members.Get(pairKey(string(v), string(k))) == nil {
				t.Errorf("event_story says %s is in %s, story_events does not", k, v)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// storyStats is the story part of SaveStats, to compare without ids.
func storyStats(st SaveStats) [3]int {
	return [3]int{st.NewStories, st.UpdatedStories, st.DeletedStories}
}

// dumpBuckets is dump limited to some buckets.
func dumpBuckets(t testing.TB, db *DB, names ...[]byte) map[string]map[string]string {
	t.Helper()
	all := dump(t, db)
	out := map[string]map[string]string{}
	for _, n := range names {
		out[string(n)] = all[string(n)]
	}
	return out
}
