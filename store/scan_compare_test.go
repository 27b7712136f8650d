package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

// scanStore holds events of few triples, so that stories grow large,
// with dates of every precision and publication times that tie, that
// are empty or that are not dates, so that every way of ordering a
// story's events is taken.
func scanStore(t *testing.T) *DB {
	t.Helper()
	db := openTemp(t)
	clock := &fixedClock{t: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)}
	db.now = clock.now
	rng := rand.New(rand.NewPCG(12, 7))
	countries := []string{"RU", "IR", "CN"}
	services := []string{"telegram", "twitter", "internet"}
	actions := []event.Action{event.Actions[0], event.Actions[1], event.Actions[2]}
	feeds := []string{"rferl", "guardian", "bbc", ""}
	reasons := []string{"", "national security", "extremist content", "refused to hand over keys"}
	partial := []string{"2016", "2017", "2018", "2017-06", "2018-03", "2018-04", "2018-05", "2018-12"}
	published := []string{"", "2018-05-01T10:00:00Z", "not a date"}
	for night := range 12 {
		var b Batch
		for i := range 80 {
			key := fmt.Sprintf("https://example.org/scan/%d/%d", night, i)
			pub := fmt.Sprintf("201%d-%02d-%02d", 6+rng.IntN(3), 1+rng.IntN(12), 1+rng.IntN(28))
			a := newArticle(key, feeds[rng.IntN(len(feeds))], pub)
			ae := ArticleEvents{Article: a}
			seen := map[string]bool{}
			for range 1 + rng.IntN(3) {
				c, s, act := countries[rng.IntN(3)], services[rng.IntN(3)], actions[rng.IntN(3)]
				if seen[c+s+string(act)] {
					continue
				}
				seen[c+s+string(act)] = true
				date := pub
				switch r := rng.IntN(10); {
				case r < 2:
					date = partial[rng.IntN(len(partial))]
				case r < 4:
					date = date[:8] + "15" // many events on one day
				}
				e := newEvent(a, c, s, act, date)
				e.Reason = reasons[rng.IntN(len(reasons))]
				e.Confidence = float64(3+rng.IntN(8)) / 10
				switch r := rng.IntN(20); {
				case r == 0:
					e.Published = published[rng.IntN(len(published))]
				case r < 8:
					e.Published = "2018-05-01" // ties on the date and published
				}
				ae.Events = append(ae.Events, e)
			}
			b.Articles = append(b.Articles, ae)
		}
		if _, err := db.Save(b); err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(24 * time.Hour)
	}
	return db
}

// scanFilters are the filters both queries are compared on: every
// index, several of them at once, dates of every precision (an event
// dated "2018" overlaps 2018-03..2018-05), text, feeds, limits.
var scanFilters = []Filter{
	{},
	{Countries: []string{"RU"}},
	{Countries: []string{"ru"}, Since: "2018", Until: "2018"},
	{Countries: []string{"RU", "CN"}, Since: "2018-03", Until: "2018-05"},
	{Services: []string{"telegram"}, Since: "2017-06-10", Until: "2018-02"},
	{Actions: []string{string(event.Actions[0])}, Since: "2018", Until: "2018"},
	{Actions: []string{string(event.Actions[1]), string(event.Actions[2])}, Since: "2018-04-15"},
	{Countries: []string{"IR"}, Services: []string{"internet"}, Actions: []string{string(event.Actions[0])}, Since: "2016"},
	{Since: "2018-03", Until: "2018-05"},
	{Since: "2017-06-30", Until: "2017-07-01"},
	{Until: "2016-12"},
	{Since: "2018-12-31"},
	{Countries: []string{"RU"}, Since: "2018", Until: "2018", Limit: 25},
	{Actions: []string{string(event.Actions[0])}, Limit: 7},
	{Limit: 30},
	{Countries: []string{"CN"}, Text: "national SECURITY"},
	{Since: "2018", Text: "keys", Feeds: []string{"bbc"}},
	{Services: []string{"twitter"}, MinConfidence: 0.8, Feeds: []string{"guardian", "rferl"}},
	{Countries: []string{"RU"}, Since: "2018-06", Until: "2018-03"}, // empty range
	{Countries: []string{"XX"}, Since: "2018"},
}

// TestEventsMatchScan compares Events, through whichever index it picks,
// with a scan of every stored event filtered and ordered by hand.
func TestEventsMatchScan(t *testing.T) {
	db := scanStore(t)
	var all []event.Record
	err := db.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			r, err := decodeEvent(v)
			all = append(all, r)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(all, compareEvents)
	for _, f := range scanFilters {
		var want []event.Record
		for _, r := range all {
			if matches(f, r.Event) && (f.Limit == 0 || len(want) < f.Limit) {
				want = append(want, r)
			}
		}
		got, err := db.Events(f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Events(%+v): %d events, a scan finds %d\n got %v\nwant %v", f, len(got), len(want), ids(got), ids(want))
		}
		empty := f.Until != "" && f.Since > f.Until || slices.Contains(f.Countries, "XX")
		if len(want) == 0 && !empty {
			t.Errorf("Events(%+v): none; the test proves nothing", f)
		}
	}
}

// TestStoriesMatchScan compares Stories, through idx_story_triple or
// idx_story_last, with every stored story filtered and ordered by hand,
// its event ids ordered from its events as Events orders them.
func TestStoriesMatchScan(t *testing.T) {
	db := scanStore(t)
	checkStories(t, db)
	var all []Story
	events := map[string]event.Record{}
	err := db.view(func(tx *bbolt.Tx) error {
		err := tx.Bucket(bucketStories).ForEach(func(k, v []byte) error {
			var r storyRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			ms, err := storyMembers(tx, r.ID)
			if err != nil {
				return err
			}
			var evs []event.Record
			for _, m := range ms {
				e, err := getEvent(tx, m.id)
				if err != nil {
					return err
				}
				evs = append(evs, e)
				events[e.ID] = e
			}
			slices.SortFunc(evs, compareEvents)
			r.EventIDs = ids(evs)
			all = append(all, r.Story)
			return nil
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(all, func(a, b Story) int {
		la, _ := padDate(a.Last)
		lb, _ := padDate(b.Last)
		if c := strings.Compare(lb, la); c != 0 {
			return c
		}
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	big, ties, odd := 0, 0, 0
	for _, s := range all {
		big = max(big, len(s.EventIDs))
		for i := 1; i < len(s.EventIDs); i++ {
			a, b := events[s.EventIDs[i-1]], events[s.EventIDs[i]]
			if a.Date == b.Date && a.Published == b.Published {
				ties++
			}
			if _, err := time.Parse(time.DateOnly, a.Published); err != nil {
				odd++
			}
		}
	}
	if big < 50 || ties == 0 || odd == 0 {
		t.Fatalf("largest story %d events, %d ties, %d odd publication times: the test proves little", big, ties, odd)
	}

	in := func(vs []string, v string) bool {
		return len(vs) == 0 || slices.ContainsFunc(vs, func(x string) bool { return strings.EqualFold(x, v) })
	}
	for _, f := range scanFilters {
		for _, createdAfter := range []time.Time{{}, time.Date(2019, 1, 6, 0, 0, 0, 0, time.UTC)} {
			since, _ := ParseDateBound(f.Since, false)
			until, _ := ParseDateBound(f.Until, true)
			var want []Story
			for _, s := range all {
				first, _ := dateSpan(s.First)
				last, _ := dateSpan(s.Last)
				_, lastTo := last.keys()
				firstFrom, _ := first.keys()
				text := f.Text == ""
				for _, id := range s.EventIDs {
					e := events[id].Event
					text = text || matches(Filter{Text: f.Text}, e)
				}
				if in(f.Countries, s.Country) && in(f.Services, s.Service) && in(f.Actions, string(s.Action)) &&
					(f.Feeds == nil || slices.ContainsFunc(s.Feeds, func(x string) bool { return slices.Contains(f.Feeds, x) })) &&
					(since == "" || lastTo >= since) && (until == "" || firstFrom <= until) && (since == "" || until == "" || since <= until) &&
					s.Confidence >= f.MinConfidence && text && (createdAfter.IsZero() || s.Created.After(createdAfter)) &&
					(f.Limit == 0 || len(want) < f.Limit) {
					want = append(want, s)
				}
			}
			got, err := db.Stories(StoryFilter{Filter: f, CreatedAfter: createdAfter})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 && len(want) == 0 {
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Stories(%+v, created after %v): %d stories, a scan finds %d", f, createdAfter, len(got), len(want))
				for i := range min(len(got), len(want)) {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Errorf("first difference, story %d:\n got %+v\nwant %+v", i, got[i], want[i])
						break
					}
				}
			}
		}
	}
}
