package pgstore

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// reportOn is an article published on date with an event of each of
// the given countries' telegram blocks on that date.
func reportOn(key, date string, countries ...string) store.ArticleEvents {
	pub, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	a := ingest.Article{ID: ingest.ArticleID(key), Key: key, Feed: "news", URL: key, Title: key, Published: pub, Text: key, TextFrom: "page"}
	ae := store.ArticleEvents{Article: a}
	for _, c := range countries {
		ae.Events = append(ae.Events, event.Event{
			ID: event.ID(a.ID, c, "telegram", event.Block), Country: c, Service: "telegram", Action: event.Block,
			Date: date, Confidence: 0.8, ArticleID: a.ID, SourceURL: key, SourceTitle: key, Published: date, Feed: "news",
		})
	}
	return ae
}

// TestStoriesConcurrentSaves: workers saving reports of one episode at
// once make one story of it, not one each; and two triples locked by
// every Save do not deadlock them. Each round is a new episode, a month
// after the last, so a later Save cannot merge what an earlier round
// split.
func TestStoriesConcurrentSaves(t *testing.T) {
	db, _ := openTest(t)
	const workers, rounds = 8, 6
	for round := range rounds {
		var wg sync.WaitGroup
		errs := make([]error, workers)
		start := make(chan struct{})
		for w := range workers {
			wg.Go(func() {
				// Half the workers name the countries the other way
				// round, so their Saves would lock in another order if
				// they locked as they met them.
				countries := []string{"IR", "RU"}
				if w%2 == 1 {
					countries = []string{"RU", "IR"}
				}
				date := fmt.Sprintf("2024-%02d-%02d", 1+round, 1+w%5)
				ae := reportOn(fmt.Sprintf("https://example.org/r%d/w%d", round, w), date, countries...)
				<-start
				_, errs[w] = db.Save(store.Batch{Articles: []store.ArticleEvents{ae}})
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	}
	ss, err := db.Stories(store.StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if len(s.EventIDs) != workers {
			t.Errorf("story %s of %s %s has %d events, want %d", s.ID, s.Country, s.First, len(s.EventIDs), workers)
		}
	}
	if len(ss) != 2*rounds {
		t.Fatalf("%d stories, want one per country and round, %d", len(ss), 2*rounds)
	}
}

// TestStoryIDAmbiguous: a prefix of several ids lists the first ten and
// says there are more.
func TestStoryIDAmbiguous(t *testing.T) {
	db, dsn := openTest(t)
	for i := range 12 {
		exec(t, dsn, `INSERT INTO stories (id, country, service, action, first, first_start, last, last_start, last_end,
	date, reason, sources, feeds, confidence, created, updated, span_from, span_to)
VALUES ($1, 'IR', 'telegram', 'block', '2024-01-01', '2024-01-01', '2024-01-01', '2024-01-01', '2024-01-01',
	'2024-01-01', '', 1, '{}', 0.8, now(), now(), '2024-01-01', '2024-01-01')`, fmt.Sprintf("abcdef%02d", i))
	}
	exec(t, dsn, `INSERT INTO stories (id, country, service, action, first, first_start, last, last_start, last_end,
	date, reason, sources, feeds, confidence, created, updated, span_from, span_to)
SELECT 'bbbbbb' || x, country, service, action, first, first_start, last, last_start, last_end,
	date, reason, sources, feeds, confidence, created, updated, span_from, span_to FROM stories, (VALUES ('1'), ('2')) v(x)
WHERE id = 'abcdef00'`)
	for _, c := range []struct {
		prefix string
		n      int
		more   bool
	}{{"abcdef", 10, true}, {"abcdef0", 10, false}, {"bbbbbb", 2, false}} {
		_, err := db.StoryID(c.prefix)
		var amb *store.AmbiguousError
		if !errors.As(err, &amb) || !errors.Is(err, store.ErrAmbiguous) {
			t.Fatalf("StoryID(%q): %v, want an AmbiguousError", c.prefix, err)
		}
		if len(amb.IDs) != c.n || amb.More != c.more || !slices.IsSorted(amb.IDs) {
			t.Errorf("StoryID(%q): ids %v, more %v; want %d sorted, more %v", c.prefix, amb.IDs, amb.More, c.n, c.more)
		}
	}
	if id, err := db.StoryID("abcdef11"); err != nil || id != "abcdef11" {
		t.Errorf("StoryID of a whole id: %q, %v", id, err)
	}
}

// TestMigrationGroupsEvents: a database whose events were saved before
// it had stories gets them grouped by the migration that adds them, as
// Save would have grouped them in date order.
func TestMigrationGroupsEvents(t *testing.T) {
	db, dsn := openTest(t)
	var aes []store.ArticleEvents
	for i, date := range []string{"2024-01-01", "2024-01-05", "2024-02-20", "2024-03-01", "2024-06-01"} {
		aes = append(aes, reportOn(fmt.Sprint("https://example.org/", i), date, "IR", "RU"))
	}
	if _, err := db.Save(store.Batch{Articles: aes}); err != nil {
		t.Fatal(err)
	}
	want, err := db.Stories(store.StoryFilter{})
	if err != nil || len(want) != 6 {
		t.Fatalf("%d stories (%v), want 6", len(want), err)
	}
	db.Close()
	// Back to a database of schema 1, which had neither stories nor the
	// alert records of the migrations after them.
	exec(t, dsn, "DROP TABLE story_events, stories, alerts, alerts_covered, alerts_held")
	exec(t, dsn, "DELETE FROM policywatch_schema WHERE version >= $1", storiesVersion)

	again, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	got, err := again.Stories(store.StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	untimed := func(ss []store.Story) []store.Story {
		ss = slices.Clone(ss)
		for i := range ss {
			ss[i].Created, ss[i].Updated = time.Time{}, time.Time{}
		}
		return ss
	}
	if !reflect.DeepEqual(untimed(got), untimed(want)) {
		t.Errorf("after migrating:\n%+v\nwant\n%+v", got, want)
	}
}
