package store

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

// randomStore saves n random events over a few nights, re-extracting
// some articles on the way, and returns the events it holds at the end.
func randomStore(t *testing.T, db *DB, n int, seed uint64) map[string]event.Event {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	countries := []string{"RU", "IR", "CN", "TR", "PK"}
	services := []string{"telegram", "twitter", "google", "internet"}
	feeds := []string{"rferl", "guardian", "bbc"}
	reasons := []string{"", "", "refused to hand over encryption keys", "national security", "extremist content"}
	// Dates of every precision, many on 1 January so that a year-only date
	// and a day share a padded index key.
	dates := []string{"2017", "2018", "2017-01", "2018-01", "2017-01-01", "2018-01-01", "2018-04", "2018-04-16",
		"2018-04-30", "2017-12-31", "2018-02-14", "2016-06", "2016-06-05"}
	date := func() string {
		if rng.IntN(3) == 0 {
			return dates[rng.IntN(len(dates))]
		}
		return fmt.Sprintf("201%d-%02d-%02d", 6+rng.IntN(3), 1+rng.IntN(12), 1+rng.IntN(28))
	}

	stored := map[string]event.Event{}
	var keys []string
	articleEvents := func(key string) ArticleEvents {
		a := newArticle(key, feeds[rng.IntN(len(feeds))], "2018-05-01")
		ae := ArticleEvents{Article: a}
		seen := map[string]bool{}
		for range 1 + rng.IntN(5) {
			c, s := countries[rng.IntN(len(countries))], services[rng.IntN(len(services))]
			act := event.Actions[rng.IntN(len(event.Actions))]
			if seen[c+s+string(act)] {
				continue
			}
			seen[c+s+string(act)] = true
			e := newEvent(a, c, s, act, date())
			e.Reason = reasons[rng.IntN(len(reasons))]
			e.Confidence = float64(3+rng.IntN(8)) / 10
			e.Extractor = []string{"", "v1+data.0a", "v2+data.0b"}[rng.IntN(3)]
			ae.Events = append(ae.Events, e)
		}
		return ae
	}
	total := 0
	for total < n {
		var b Batch
		for range 20 {
			key := fmt.Sprintf("https://example.org/r/%d", len(keys))
			if len(keys) > 0 && rng.IntN(5) == 0 {
				key = keys[rng.IntN(len(keys))] // re-extracted
			} else {
				keys = append(keys, key)
			}
			ae := articleEvents(key)
			for id, e := range stored {
				if e.ArticleID == ae.Article.ID {
					delete(stored, id)
				}
			}
			for _, e := range ae.Events {
				stored[e.ID] = e
			}
			b.Articles = append(b.Articles, ae)
		}
		if _, err := db.Save(b); err != nil {
			t.Fatal(err)
		}
		total = len(stored)
	}
	return stored
}

// bruteStats counts events by hand, with matching written out again
// rather than borrowed from the query code.
func bruteStats(events map[string]event.Event, f Filter) Stats {
	in := func(list []string, v string) bool {
		return len(list) == 0 || slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
	}
	padded := func(d string) string { // the first day of d's period
		switch len(d) {
		case 4:
			return d + "-01-01"
		case 7:
			return d + "-01"
		}
		return d
	}
	lastDay := func(d string) string {
		switch len(d) {
		case 4:
			return d + "-12-31"
		case 7:
			return d + "-31" // no padded date sorts after it within the month
		}
		return d
	}
	counts := map[string]map[string]int{}
	st := Stats{}
	for _, e := range events {
		text := strings.ToLower(e.Reason + "\n" + e.SourceTitle + "\n" + strings.Join(e.Evidence, "\n"))
		if !in(f.Countries, e.Country) || !in(f.Services, e.Service) || !in(f.Actions, string(e.Action)) || !in(f.Feeds, e.Feed) ||
			// A partial date is its whole period: kept if it overlaps.
			f.Since != "" && lastDay(e.Date) < padded(f.Since) ||
			f.Until != "" && padded(e.Date) > lastDay(f.Until) ||
			e.Confidence < f.MinConfidence ||
			!strings.Contains(text, strings.ToLower(f.Text)) {
			continue
		}
		st.Events++
		month := e.Date
		if len(month) > 7 {
			month = month[:7]
		}
		for dim, key := range map[string]string{"country": e.Country, "service": e.Service, "action": string(e.Action), "month": month, "extractor": e.Extractor, "feed": e.Feed} {
			if counts[dim] == nil {
				counts[dim] = map[string]int{}
			}
			counts[dim][key]++
		}
	}
	st.ByCountry, st.ByService, st.ByAction, st.ByMonth = sorted(counts["country"]), sorted(counts["service"]), sorted(counts["action"]), []Count{}
	for month, n := range counts["month"] {
		st.ByMonth = append(st.ByMonth, Count{month, n})
	}
	// Months in order of time, a year before its months.
	slices.SortFunc(st.ByMonth, func(a, b Count) int { return strings.Compare(a.Key, b.Key) })
	st.ByExtractor, st.ByFeed = sorted(counts["extractor"]), sorted(counts["feed"])
	return st
}

func TestStatsMatchBruteForce(t *testing.T) {
	db := openTemp(t)
	events := randomStore(t, db, 400, 7)
	if len(events) < 400 {
		t.Fatalf("only %d events", len(events))
	}
	for _, f := range []Filter{
		{},
		{Limit: 5}, // ignored
		{Since: "2018"},
		{Until: "2017-06"},
		{Since: "2017-01-01", Until: "2017-01-01"},
		{Since: "2016-06", Until: "2018-01"},
		// Since inside a month and a year: events dated by the month or
		// the year count, as their period overlaps.
		{Since: "2017-06-15"},
		{Since: "2018-04-16", Until: "2018-04-20"},
		{Until: "2017-06-10"},
		{Countries: []string{"ru", "ir"}, Since: "2017-06-15", Until: "2018-02-10"},
		{Since: "2018-01-01", Until: "2017-06-01"}, // empty
		{Countries: []string{"ru"}},
		{Services: []string{"telegram"}, Since: "2018"},
		{Actions: []string{"block", "throttle"}},
		{Text: "encryption"},
		{MinConfidence: 0.7},
		{Feeds: []string{"bbc"}, Until: "2017"},
		// Ranges that cut through months, counted from the tallies of
		// the whole months and the events of the others; 1 January
		// holds year-only dates too.
		{Since: "2017-01-15", Until: "2018-04-20"},
		{Until: "2018-01-01"},
		{Since: "2018-01-01", Until: "2018-01-10"},
		{Since: "2017-01-02", Until: "2017-12-31"},
		{Since: "2016-06-05", Until: "2016-06-05"},
	} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			got, err := db.Stats(f)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteStats(events, f)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Stats =\n%+v\nbrute force\n%+v", got, want)
			}
			// By period and action, from the events Events matches.
			matched, err := db.Events(Filter{Countries: f.Countries, Services: f.Services, Actions: f.Actions, Since: f.Since, Until: f.Until,
				Text: f.Text, MinConfidence: f.MinConfidence, Feeds: f.Feeds})
			if err != nil {
				t.Fatal(err)
			}
			byPeriod := map[PeriodCount]int{}
			for _, e := range matched {
				byPeriod[PeriodCount{Period: monthKey(e.Date), Action: e.Action}]++
			}
			counts, err := db.ByPeriodAndAction(f)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, c := range counts {
				if byPeriod[PeriodCount{Period: c.Period, Action: c.Action}] != c.Events {
					t.Errorf("ByPeriodAndAction %+v, the events say %d", c, byPeriod[PeriodCount{Period: c.Period, Action: c.Action}])
				}
				total += c.Events
			}
			if total != len(matched) || !slices.IsSortedFunc(counts, func(a, b PeriodCount) int { return strings.Compare(a.Period, b.Period) }) {
				t.Errorf("ByPeriodAndAction counts %d events of %d, or is out of order", total, len(matched))
			}
			if f.Since == "" && f.Until == "" && len(f.Countries)+len(f.Services)+len(f.Actions)+len(f.Feeds) == 0 && f.Text == "" && f.MinConfidence == 0 && got.Events != len(events) {
				t.Errorf("unfiltered Stats counts %d events of %d", got.Events, len(events))
			}
		})
	}
}

func TestStatsYearOnlyAndOrder(t *testing.T) {
	db := openTemp(t)
	if _, err := db.Save(specBatch(t,
		"a1 rferl RU telegram block 2018",
		"a2 rferl RU telegram throttle 2018-01-01",
		"a3 rferl RU google block 2018-01",
		"a4 rferl IR telegram block 2017-03-02",
	)); err != nil {
		t.Fatal(err)
	}
	got, err := db.Stats(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{
		Events:    4,
		ByCountry: []Count{{"RU", 3}, {"IR", 1}},
		ByService: []Count{{"telegram", 3}, {"google", 1}},
		ByAction:  []Count{{"block", 3}, {"throttle", 1}},
		// Months in order of time, not of count; a year before its months.
		ByMonth: []Count{{"2017-03", 1}, {"2018", 1}, {"2018-01", 2}},
		// Made before versions were recorded.
		ByExtractor: []Count{{"", 4}},
		ByFeed:      []Count{{"rferl", 4}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Stats =\n%+v\nwant\n%+v", got, want)
	}
	empty, err := openTemp(t).Stats(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if empty.Events != 0 || empty.ByCountry == nil || len(empty.ByMonth) != 0 {
		t.Errorf("empty store stats %+v, want zero counts and empty (not nil) lists", empty)
	}
}

// Random saves and re-extractions keep the stories consistent with the
// events after every batch.
func TestStoriesStayConsistent(t *testing.T) {
	db := openTemp(t)
	rng := rand.New(rand.NewPCG(3, 4))
	var keys []string
	for night := range 60 {
		var b Batch
		for range 8 {
			key := fmt.Sprintf("https://example.org/s/%d", len(keys))
			if len(keys) > 0 && rng.IntN(3) == 0 {
				key = keys[rng.IntN(len(keys))]
			} else {
				keys = append(keys, key)
			}
			a := newArticle(key, []string{"rferl", "bbc"}[rng.IntN(2)], "2018-05-01")
			ae := ArticleEvents{Article: a}
			// Few triples and dates over four months, so events join,
			// move, leave and bridge stories all the time.
			for _, c := range []string{"RU", "IR"} {
				for _, act := range []event.Action{event.Block, event.Throttle} {
					if rng.IntN(3) != 0 {
						continue
					}
					var d string
					switch rng.IntN(6) {
					case 0:
						d = fmt.Sprintf("2018-0%d", 3+rng.IntN(4))
					case 1:
						d = "2018"
					default:
						d = fmt.Sprintf("2018-0%d-%02d", 3+rng.IntN(4), 1+rng.IntN(28))
					}
					ae.Events = append(ae.Events, newEvent(a, c, "telegram", act, d))
				}
			}
			b.Articles = append(b.Articles, ae)
		}
		if _, err := db.Save(b); err != nil {
			t.Fatal(err)
		}
		checkStories(t, db)
		checkDB(t, db)
		if t.Failed() {
			t.Fatalf("inconsistent after night %d", night)
		}
	}
}

// Counting by dates reads the tallies Save keeps, not events: with an
// event's value damaged, Events fails but Stats still counts it.
func TestStatsFromTallies(t *testing.T) {
	db := openTemp(t)
	b := specBatch(t, "a1 rferl RU telegram block 2018-04-16", "a2 rferl IR telegram restrict 2018")
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	err := db.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketEvents).Put(eventKey("2018-04-16", b.Articles[0].Events[0].ID), []byte("{damaged"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Events(Filter{}); err == nil {
		t.Fatal("Events read a damaged event without error; the test proves nothing")
	}
	for _, f := range []Filter{{}, {Since: "2018", Until: "2018-12"}, {Since: "2018-01-01", Until: "2018-04-30"}} {
		st, err := db.Stats(f)
		if err != nil {
			t.Fatalf("Stats(%+v): %v", f, err)
		}
		if want := []Count{{"2018", 1}, {"2018-04", 1}}; st.Events != 2 || !reflect.DeepEqual(st.ByMonth, want) {
			t.Errorf("Stats(%+v) = %+v", f, st)
		}
		counts, err := db.ByPeriodAndAction(f)
		if want := []PeriodCount{{"2018", event.Restrict, 1}, {"2018-04", event.Block, 1}}; err != nil || !reflect.DeepEqual(counts, want) {
			t.Errorf("ByPeriodAndAction(%+v) = %+v, %v; want %+v", f, counts, err, want)
		}
	}
	// A range cutting through April reads April's events.
	if _, err := db.Stats(Filter{Since: "2018-04-10"}); err == nil {
		t.Error("Stats from 10 April decoded nothing")
	}
	// Any other filter needs the events.
	if _, err := db.Stats(Filter{Countries: []string{"RU"}}); err == nil {
		t.Error("Stats by country decoded nothing")
	}
}

// The tallies stay those of the stored events through new, changed,
// moved, re-extracted and removed events, batch after batch.
func TestTalliesStayExact(t *testing.T) {
	db := openTemp(t)
	for seed := range uint64(3) {
		randomStore(t, db, 150*int(seed+1), seed)
		checkDB(t, db)
	}
	// Every event of an article removed, as reextract does when the
	// extractor no longer finds any.
	var ids []string
	db.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketArticles).ForEach(func(k, _ []byte) error {
			if len(ids) < 30 {
				ids = append(ids, string(k))
			}
			return nil
		})
	})
	var b Batch
	for _, id := range ids {
		a, err := db.Article(id)
		if err != nil {
			t.Fatal(err)
		}
		b.Articles = append(b.Articles, ArticleEvents{Article: a, Extractor: "v3"})
	}
	if st, err := db.Save(b); err != nil || st.DeletedEvents == 0 {
		t.Fatalf("save: %+v %v", st, err)
	}
	checkDB(t, db)
}

// A store written before the tallies, opened read-only, counts its
// events; opened read-write, it makes the tallies.
func TestStatsWithoutTallies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	events := randomStore(t, db, 200, 11)
	db.Close()
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketTallies) }); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	for _, opts := range []Options{{ReadOnly: true}, {}} {
		db, err := Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []Filter{{}, {Since: "2017-03-10", Until: "2018"}} {
			if got, want := must(db.Stats(f)), bruteStats(events, f); !reflect.DeepEqual(got, want) {
				t.Errorf("read-only %v: Stats(%+v) =\n%+v\nwant\n%+v", opts.ReadOnly, f, got, want)
			}
		}
		if got, want := must(db.FeedNames()), feedsOf(events); !slices.Equal(got, want) {
			t.Errorf("read-only %v: FeedNames = %q, want %q", opts.ReadOnly, got, want)
		}
		db.view(func(tx *bbolt.Tx) error {
			if has := tx.Bucket(bucketTallies) != nil; has == opts.ReadOnly {
				t.Errorf("read-only %v: tallies bucket there: %v", opts.ReadOnly, has)
			}
			return nil
		})
		if !opts.ReadOnly {
			checkDB(t, db)
		}
		db.Close()
	}
}

// feedsOf is the sorted feeds of events, as FeedNames lists them.
func feedsOf(events map[string]event.Event) []string {
	var feeds []string
	for _, e := range events {
		if e.Feed != "" && !slices.Contains(feeds, e.Feed) {
			feeds = append(feeds, e.Feed)
		}
	}
	slices.Sort(feeds)
	return feeds
}

// FeedNames comes from the kept counts (TestStatsWithoutTallies checks it
// without them).
func TestFeedNames(t *testing.T) {
	db := openTemp(t)
	events := randomStore(t, db, 60, 3)
	if got, want := must(db.FeedNames()), feedsOf(events); !slices.Equal(got, want) || len(got) < 2 {
		t.Fatalf("FeedNames = %q, want %q", got, want)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// checkDB runs Check's invariants on an open store.
func checkDB(t testing.TB, db *DB) {
	t.Helper()
	rep := CheckReport{Problems: []string{}}
	c := newCollector(&rep)
	db.view(func(tx *bbolt.Tx) error {
		checkInvariants(tx, SchemaVersion, c, map[string]int{})
		return nil
	})
	c.flush()
	if !rep.OK() {
		t.Errorf("invariants: %q", rep.Problems)
	}
}
