// Package storetest checks a store.Store against the promises of the
// interface: one suite that the bbolt store and the PostgreSQL store
// both run, so that a query answers the same on either. Its story checks
// also save every batch into a bbolt file and want the same stories of
// the store under test.
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openEmpty(t) })
//	}
package storetest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// Open returns an empty store, open read-write, which the caller closes
// when t ends.
type Open func(t *testing.T) store.Store

// Run runs every check, each as a subtest on a store of its own.
func Run(t *testing.T, open Open) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, Open)
	}{
		{"SaveIdempotent", testSaveIdempotent},
		{"SaveFillsArticleID", testSaveFillsArticleID},
		{"SaveReextraction", testSaveReextraction},
		{"SaveRollback", testSaveRollback},
		{"Seen", testSeen},
		{"FeedStates", testFeedStates},
		{"NotFound", testNotFound},
		{"EventsFilter", testEventsFilter},
		{"EventsBadFilter", testEventsBadFilter},
		{"EventsOrder", testEventsOrder},
		{"EachEvent", testEachEvent},
		{"FilterBruteForce", testFilterBruteForce},
		{"RoundTrip", testRoundTrip},
		{"DemoCorpusRoundTrip", testDemoCorpusRoundTrip},
		{"StoriesGroup", testStoriesGroup},
		{"StoriesMerge", testStoriesMerge},
		{"StoriesSplit", testStoriesSplit},
		{"StoriesDelete", testStoriesDelete},
		{"StoryReaders", testStoryReaders},
		{"StoriesFilter", testStoriesFilter},
		{"StoriesBruteForce", testStoriesBruteForce},
		{"DemoCorpusStories", testDemoCorpusStories},
		{"AlertsLifecycle", testAlertsLifecycle},
		{"AlertsList", testAlertsList},
		{"AlertsExpire", testAlertsExpire},
		{"AlertsResend", testAlertsResend},
		{"AlertsClear", testAlertsClear},
		{"AlertsCoveredHeld", testAlertsCoveredHeld},
		{"AlertsClaimRace", testAlertsClaimRace},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
}

func newArticle(key, feed, published string) ingest.Article {
	pub, err := time.Parse(time.DateOnly, published)
	if err != nil {
		panic(err)
	}
	return ingest.Article{
		ID:        ingest.ArticleID(key),
		Key:       key,
		Feed:      feed,
		URL:       key,
		Title:     "Article " + key,
		Published: pub,
		Text:      "Text of " + key,
		TextFrom:  "page",
		Fetched:   pub.Add(time.Hour),
	}
}

// newEvent is an event of a as extract would produce it.
func newEvent(a ingest.Article, country, service string, action event.Action, date string) event.Event {
	return event.Event{
		ID:          event.ID(a.ID, country, service, action),
		Country:     country,
		Service:     service,
		Action:      action,
		Date:        date,
		Evidence:    []string{"Evidence sentence about " + service + "."},
		Confidence:  0.8,
		ArticleID:   a.ID,
		SourceURL:   a.URL,
		SourceTitle: a.Title,
		Published:   a.Published.Format(time.DateOnly),
		Feed:        a.Feed,
	}
}

// twoArticles is a small batch as a nightly run would write it.
func twoArticles() store.Batch {
	iran := newArticle("https://example.org/iran-telegram", "rferl", "2018-04-30")
	russia := newArticle("https://example.org/russia-telegram", "guardian", "2018-04-17")
	return store.Batch{
		Articles: []store.ArticleEvents{
			{Article: iran, Events: []event.Event{
				newEvent(iran, "IR", "telegram", event.Restrict, "2018-04-30"),
				newEvent(iran, "RU", "telegram", event.Block, "2018-04"),
			}},
			{Article: russia, Events: []event.Event{
				newEvent(russia, "RU", "telegram", event.Block, "2018-04-16"),
			}},
		},
		Feeds: []ingest.FeedState{
			{URL: "https://example.org/rferl.xml", ETag: `"abc"`, LastStatus: 200},
			{URL: "https://example.org/guardian.xml", LastModified: "Mon, 30 Apr 2018 10:00:00 GMT", LastStatus: 304},
		},
	}
}

func mustSave(t *testing.T, db store.Store, b store.Batch) store.SaveStats {
	t.Helper()
	st, err := db.Save(b)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustEvents(t *testing.T, db store.Reader, f store.Filter) []event.Record {
	t.Helper()
	evs, err := db.Events(f)
	if err != nil {
		t.Fatalf("Events(%+v): %v", f, err)
	}
	return evs
}

func mustCounts(t *testing.T, db store.Reader) store.Counts {
	t.Helper()
	c, err := db.Counts()
	if err != nil {
		t.Fatal(err)
	}
	c.Stories = 0 // a store may keep none
	return c
}

// saved is what SaveStats says of articles and events, which every
// store fills; not of stories.
type saved struct {
	NewArticles, UpdatedArticles                           int
	NewEvents, UpdatedEvents, ChangedEvents, DeletedEvents int
}

func eventsStats(st store.SaveStats) saved {
	return saved{
		NewArticles: st.NewArticles, UpdatedArticles: st.UpdatedArticles,
		NewEvents: st.NewEvents, UpdatedEvents: st.UpdatedEvents,
		ChangedEvents: st.ChangedEvents, DeletedEvents: st.DeletedEvents,
	}
}

func ids(evs []event.Record) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// snapshot is everything a Reader shows, to tell whether a Save changed
// anything.
type snapshot struct {
	Events   []event.Record
	Counts   store.Counts
	Feeds    []ingest.FeedState
	Articles map[string]ingest.Article
}

func snap(t *testing.T, db store.Reader, articleIDs ...string) snapshot {
	t.Helper()
	s := snapshot{Events: mustEvents(t, db, store.Filter{}), Counts: mustCounts(t, db), Articles: map[string]ingest.Article{}}
	var err error
	if s.Feeds, err = db.FeedStates(); err != nil {
		t.Fatal(err)
	}
	for _, id := range articleIDs {
		a, err := db.Article(id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		s.Articles[id] = a
	}
	return s
}

func testSaveIdempotent(t *testing.T, open Open) {
	db := open(t)
	before := time.Now().Truncate(time.Microsecond)
	st := mustSave(t, db, twoArticles())
	after := time.Now()
	if got, want := eventsStats(st), (saved{NewArticles: 2, NewEvents: 3}); got != want {
		t.Errorf("first save: %+v, want %+v", got, want)
	}
	b := twoArticles()
	first := snap(t, db, b.Articles[0].Article.ID, b.Articles[1].Article.ID)
	if first.Counts != (store.Counts{Feeds: 2, Articles: 2, Events: 3}) {
		t.Errorf("counts after the first save: %+v", first.Counts)
	}
	for _, e := range first.Events {
		if e.FirstSeen.Before(before) || e.FirstSeen.After(after) {
			t.Errorf("event %s FirstSeen %v, want the time of the save, between %v and %v", e.ID, e.FirstSeen, before, after)
		}
	}

	st = mustSave(t, db, twoArticles())
	if got, want := eventsStats(st), (saved{UpdatedArticles: 2, UpdatedEvents: 3}); got != want {
		t.Errorf("second save: %+v, want %+v", got, want)
	}
	// Nothing changed: the same events, FirstSeen included, the same
	// articles, feeds and counts.
	if second := snap(t, db, b.Articles[0].Article.ID, b.Articles[1].Article.ID); !reflect.DeepEqual(first, second) {
		t.Errorf("saving the same batch again changed the store:\nbefore %+v\nafter  %+v", first, second)
	}
	if st, err := db.Save(store.Batch{}); err != nil || !reflect.DeepEqual(st, store.SaveStats{}) {
		t.Errorf("empty batch: %+v, %v", st, err)
	}
}

func testSaveFillsArticleID(t *testing.T, open Open) {
	db := open(t)
	b := twoArticles()
	b.Articles[0].Events[0].ArticleID = ""
	mustSave(t, db, b)
	if e := b.Articles[0].Events[0]; e.ArticleID != "" {
		t.Errorf("Save modified the caller's event: %+v", e)
	}
	stored, err := db.Event(b.Articles[0].Events[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.ArticleID != b.Articles[0].Article.ID {
		t.Errorf("stored ArticleID %q, want it filled from the article %q", stored.ArticleID, b.Articles[0].Article.ID)
	}
}

func testSaveReextraction(t *testing.T, open Open) {
	db := open(t)
	a := newArticle("https://example.org/iran-telegram", "rferl", "2018-04-30")
	kept := newEvent(a, "IR", "telegram", event.Restrict, "2018-04")
	dropped := newEvent(a, "RU", "telegram", event.Block, "2018-04-16")
	other := newArticle("https://example.org/other", "rferl", "2018-04-29")
	untouched := newEvent(other, "RU", "telegram", event.Block, "2018-04-16")
	mustSave(t, db, store.Batch{Articles: []store.ArticleEvents{
		{Article: a, Events: []event.Event{kept, dropped}},
		{Article: other, Events: []event.Event{untouched}},
	}})
	firstSeen, err := db.Event(kept.ID)
	if err != nil {
		t.Fatal(err)
	}

	// A better extractor: the date got more precise, one event turned
	// out to be wrong, another was missed; an event only restamped with
	// the new version is updated but not changed.
	kept.Date = "2018-05-02"
	kept.Reason = "refused to hand over encryption keys"
	kept.Extractor = "v2"
	added := newEvent(a, "IR", "telegram", event.Order, "2018-04-30")
	untouched.Extractor = "v2"
	st := mustSave(t, db, store.Batch{Articles: []store.ArticleEvents{
		{Article: a, Events: []event.Event{kept, added}, Extractor: "v2"},
		{Article: other, Events: []event.Event{untouched}, Extractor: "v2"},
	}})
	want := saved{UpdatedArticles: 2, NewEvents: 1, UpdatedEvents: 2, ChangedEvents: 1, DeletedEvents: 1}
	if got := eventsStats(st); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	if _, err := db.Event(dropped.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("dropped event still there: %v", err)
	}
	got, err := db.Event(kept.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Date != "2018-05-02" || got.Reason != kept.Reason || got.Extractor != "v2" {
		t.Errorf("updated event = %+v", got)
	}
	if !got.FirstSeen.Equal(firstSeen.FirstSeen) {
		t.Errorf("updated event FirstSeen = %v, want the first save's %v", got.FirstSeen, firstSeen.FirstSeen)
	}
	// The changed event is found under its new date only.
	if evs := mustEvents(t, db, store.Filter{Until: "2018-04"}); !slices.Equal(ids(evs), []string{added.ID, untouched.ID}) {
		t.Errorf("April's events %v, want the added and the untouched ones", ids(evs))
	}
	if evs := mustEvents(t, db, store.Filter{Since: "2018-05", Countries: []string{"IR"}}); !slices.Equal(ids(evs), []string{kept.ID}) {
		t.Errorf("May's events %v, want %s", ids(evs), kept.ID)
	}
	if c := mustCounts(t, db); c.Events != 3 || c.Articles != 2 {
		t.Errorf("counts %+v, want 2 articles and 3 events", c)
	}

	// Re-extraction that finds nothing clears the article's events.
	st = mustSave(t, db, store.Batch{Articles: []store.ArticleEvents{{Article: a}}})
	if got, want := eventsStats(st), (saved{UpdatedArticles: 1, DeletedEvents: 2}); got != want {
		t.Errorf("clearing: %+v, want %+v", got, want)
	}
	if evs := mustEvents(t, db, store.Filter{}); !slices.Equal(ids(evs), []string{untouched.ID}) {
		t.Errorf("after clearing: events %v, want only the other article's", ids(evs))
	}
	if c := mustCounts(t, db); c.Events != 1 || c.Articles != 2 {
		t.Errorf("counts after clearing %+v, want 2 articles and 1 event", c)
	}
}

func testSaveRollback(t *testing.T, open Open) {
	good := newArticle("https://example.org/good", "news", "2018-04-30")
	bad := newArticle("https://example.org/bad", "news", "2018-04-30")
	goodEvents := []event.Event{newEvent(good, "IR", "telegram", event.Block, "2018-04-30")}
	withEvent := func(mutate func(*event.Event)) []store.ArticleEvents {
		e := newEvent(bad, "RU", "telegram", event.Block, "2018-04-16")
		mutate(&e)
		return []store.ArticleEvents{{Article: good, Events: goodEvents}, {Article: bad, Events: []event.Event{e}}}
	}
	tests := []struct {
		name  string
		batch store.Batch
		want  string // in the error
	}{
		{"empty event id", store.Batch{Articles: withEvent(func(e *event.Event) { e.ID = "" })}, "article " + bad.ID + ": event 0 (RU telegram block): empty id"},
		{"bad date", store.Batch{Articles: withEvent(func(e *event.Event) { e.Date = "16 April 2018" })}, `invalid date "16 April 2018"`},
		{"empty date", store.Batch{Articles: withEvent(func(e *event.Event) { e.Date = "" })}, `invalid date ""`},
		{"unknown action", store.Batch{Articles: withEvent(func(e *event.Event) { e.Action = "nationalise" })}, `unknown action "nationalise"`},
		{"empty country", store.Batch{Articles: withEvent(func(e *event.Event) { e.Country = "" })}, `invalid country ""`},
		{"NUL in service", store.Batch{Articles: withEvent(func(e *event.Event) { e.Service = "tele\x00gram" })}, "invalid service"},
		{"invalid UTF-8 in service", store.Batch{Articles: withEvent(func(e *event.Event) { e.Service = "tel\x9agram" })}, "invalid service"},
		{"foreign event", store.Batch{Articles: withEvent(func(e *event.Event) { e.ArticleID = good.ID })}, "belongs to article " + good.ID},
		{"duplicate event", store.Batch{Articles: []store.ArticleEvents{{Article: good, Events: append(slices.Clone(goodEvents), goodEvents...)}}}, "appears twice"},
		{"empty article id", store.Batch{Articles: []store.ArticleEvents{{Article: good, Events: goodEvents}, {Article: ingest.Article{Key: "k", URL: "https://example.org/k"}}}}, `article "k" (https://example.org/k): empty id`},
		{"feed without url", store.Batch{Articles: []store.ArticleEvents{{Article: good, Events: goodEvents}}, Feeds: []ingest.FeedState{{ETag: "x"}}}, "feed state with empty url"},
		{"WARC file without a name", store.Batch{Articles: []store.ArticleEvents{{Article: good, Events: goodEvents}}, WARCFiles: []store.WARCFile{{Records: 1}}}, "WARC file without a name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t)
			// Something already stored, which the failed batch would
			// have updated.
			b := twoArticles()
			b.Articles = append(b.Articles, store.ArticleEvents{Article: good, Events: []event.Event{
				newEvent(good, "IR", "telegram", event.Threaten, "2018-04"),
			}})
			mustSave(t, db, b)
			before := snap(t, db, good.ID, bad.ID)
			st, err := db.Save(tt.batch)
			if err == nil {
				t.Fatal("bad batch saved")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
			if !reflect.DeepEqual(st, store.SaveStats{}) {
				t.Errorf("failed Save reported %+v", st)
			}
			if after := snap(t, db, good.ID, bad.ID); !reflect.DeepEqual(before, after) {
				t.Errorf("failed batch changed the store:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

func testSeen(t *testing.T, open Open) {
	db := open(t)
	mustSave(t, db, twoArticles())
	keys := []string{"https://example.org/iran-telegram", "https://example.org/new", "https://example.org/russia-telegram", ""}
	got, err := db.Seen(keys)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"https://example.org/iran-telegram":   true,
		"https://example.org/russia-telegram": true,
		"https://example.org/new":             false,
		"":                                    false,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Seen = %v, want %v", got, want)
	}
	if got, err := db.Seen(nil); err != nil || len(got) != 0 {
		t.Errorf("Seen(nil) = %v, %v", got, err)
	}
}

func testFeedStates(t *testing.T, open Open) {
	db := open(t)
	if all, err := db.FeedStates(); err != nil || len(all) != 0 {
		t.Errorf("FeedStates of an empty store = %v, %v", all, err)
	}
	unknown, err := db.FeedState("https://example.org/never.xml")
	if err != nil {
		t.Fatal(err)
	}
	if unknown != (ingest.FeedState{URL: "https://example.org/never.xml"}) {
		t.Errorf("unknown feed state = %+v", unknown)
	}
	fetched := time.Date(2018, 5, 1, 2, 0, 0, 0, time.UTC)
	st := ingest.FeedState{
		URL: "https://example.org/b.xml", ETag: `W/"1"`, LastModified: "Tue, 01 May 2018 01:00:00 GMT",
		LastFetched: fetched, LastOK: fetched.Add(-time.Hour), LastStatus: 500, LastError: "server error",
	}
	first := ingest.FeedState{URL: "https://example.org/a.xml", LastStatus: 200, LastFetched: fetched}
	mustSave(t, db, store.Batch{Feeds: []ingest.FeedState{st, first}})
	got, err := db.FeedState(st.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Errorf("FeedState = %+v, want %+v", got, st)
	}
	all, err := db.FeedStates()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, []ingest.FeedState{first, st}) {
		t.Errorf("FeedStates = %+v, want a.xml then b.xml", all)
	}
	// A later run overwrites the state.
	st.LastStatus, st.LastError, st.LastOK = 304, "", time.Time{}
	mustSave(t, db, store.Batch{Feeds: []ingest.FeedState{st}})
	if got, _ := db.FeedState(st.URL); !reflect.DeepEqual(got, st) {
		t.Errorf("FeedState after update = %+v, want %+v", got, st)
	}
	if c := mustCounts(t, db); c.Feeds != 2 {
		t.Errorf("Counts.Feeds = %d, want 2", c.Feeds)
	}
}

func testNotFound(t *testing.T, open Open) {
	db := open(t)
	mustSave(t, db, twoArticles())
	if _, err := db.Event("0123456789abcdef01234567"); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "0123456789abcdef01234567") {
		t.Errorf("Event of an unknown id: %v, want ErrNotFound naming the id", err)
	}
	if _, err := db.Article("no-such-article"); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "no-such-article") {
		t.Errorf("Article of an unknown id: %v, want ErrNotFound naming the id", err)
	}
	b := twoArticles()
	got, err := db.Article(b.Articles[0].Article.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, b.Articles[0].Article) {
		t.Errorf("Article = %+v, want %+v", got, b.Articles[0].Article)
	}
}

// fixture stores a handful of real-world-like events and returns them by
// label.
func fixture(t *testing.T, open Open) (store.Store, map[string]event.Event) {
	t.Helper()
	type ev struct {
		label, country, service string
		action                  event.Action
		date, reason, evidence  string
		confidence              float64
	}
	articles := []struct {
		key, feed, published, title string
		events                      []ev
	}{
		{"https://www.rferl.org/a/iran-telegram/29200000.html", "rferl", "2018-04-30", "Iran Begins To Block Telegram Messaging App", []ev{
			{"irTelegram", "IR", "telegram", event.Restrict, "2018-04-30", "", "Iran has begun to disrupt certain features of Telegram.", 0.9},
			{"ruTelegramMonth", "RU", "telegram", event.Block, "2018-04", "refused to give encryption keys", "Access to Telegram was shut down in Russia this month.", 0.6},
		}},
		{"https://www.theguardian.com/world/2018/apr/17/russia-telegram", "guardian", "2018-04-17", "Russia's Telegram ban hits Google", []ev{
			{"ruTelegram", "RU", "telegram", event.Block, "2018-04-16", "refused to hand over encryption keys", "Roskomnadzor began blocking Telegram on Monday.", 0.85},
			{"ruGoogle", "RU", "google", event.Block, "2018-04-16", "the Telegram ban", "The Telegram ban has also affected Google services.", 0.5},
		}},
		{"https://www.reuters.com/eu-google-fine", "reuters", "2019-01-10", "EU fines Google over Android", []ev{
			{"euGoogle", "EU", "google", event.Fine, "2018-07-18", "abusing the dominance of Android", "The Commission fined Google 4.34 billion euros.", 0.95},
		}},
		{"https://netblocks.org/reports/iran-internet", "netblocks", "2019-11-17", "Internet disrupted in Iran amid fuel protests", []ev{
			{"irInternet", "IR", "internet", event.Shutdown, "2019-11-16", "fuel price protests", "Iran cut connectivity nationwide.", 0.9},
		}},
		{"https://www.bbc.co.uk/news/world-africa-nigeria-twitter", "bbc", "2021-06-05", "Nigeria suspends Twitter", []ev{
			{"ngTwitter", "NG", "twitter", event.Block, "2021-06-04", "deleted a post by the president", "Nigeria suspended Twitter indefinitely.", 0.92},
		}},
		{"https://www.bbc.co.uk/news/technology-russia-twitter", "bbc", "2021-03-10", "Russia slows down Twitter", []ev{
			{"ruTwitter", "RU", "twitter", event.Throttle, "2021-03", "failure to remove banned content", "Roskomnadzor said it was slowing Twitter.", 0.8},
			{"ruTwitterThreat", "RU", "twitter", event.Threaten, "2021", "", "Twitter could be blocked entirely.", 0.4},
		}},
		{"https://www.lemonde.fr/pixels/turquie-wikipedia", "lemonde", "2017-04-29", "La Turquie bloque Wikipédia", []ev{
			{"trWikipedia", "TR", "wikipedia", event.Block, "2017-04-29", "ÉLÉMENTS TERRORISTES", "L'AUTORITÉ DES TÉLÉCOMMUNICATIONS A BLOQUÉ L'ENCYCLOPÉDIE.", 0.75},
		}},
	}
	db := open(t)
	byLabel := map[string]event.Event{}
	var b store.Batch
	for _, a := range articles {
		art := newArticle(a.key, a.feed, a.published)
		art.Title = a.title
		ae := store.ArticleEvents{Article: art}
		for _, e := range a.events {
			x := newEvent(art, e.country, e.service, e.action, e.date)
			x.Reason, x.Evidence, x.Confidence = e.reason, []string{e.evidence}, e.confidence
			ae.Events = append(ae.Events, x)
			byLabel[e.label] = x
		}
		b.Articles = append(b.Articles, ae)
	}
	mustSave(t, db, b)
	return db, byLabel
}

func testEventsFilter(t *testing.T, open Open) {
	db, ev := fixture(t, open)
	// ruTelegram and ruGoogle share date and publication: ordered by id.
	sameDay := []string{"ruTelegram", "ruGoogle"}
	if ev["ruGoogle"].ID < ev["ruTelegram"].ID {
		sameDay = []string{"ruGoogle", "ruTelegram"}
	}
	all := slices.Concat([]string{"ngTwitter", "ruTwitter", "ruTwitterThreat", "irInternet", "euGoogle", "irTelegram"}, sameDay, []string{"ruTelegramMonth", "trWikipedia"})
	tests := []struct {
		name string
		f    store.Filter
		want []string
	}{
		{"everything", store.Filter{}, all},
		{"country", store.Filter{Countries: []string{"IR"}}, []string{"irInternet", "irTelegram"}},
		{"country lower case", store.Filter{Countries: []string{" ir "}}, []string{"irInternet", "irTelegram"}},
		{"countries any of", store.Filter{Countries: []string{"NG", "EU", "IR", "IR", ""}}, []string{"ngTwitter", "irInternet", "euGoogle", "irTelegram"}},
		{"unknown country", store.Filter{Countries: []string{"FR"}}, nil},
		{"service", store.Filter{Services: []string{"google"}}, []string{"euGoogle", "ruGoogle"}},
		{"services any of", store.Filter{Services: []string{"Internet", "twitter"}}, []string{"ngTwitter", "ruTwitter", "ruTwitterThreat", "irInternet"}},
		{"action", store.Filter{Actions: []string{"block"}}, slices.Concat([]string{"ngTwitter"}, sameDay, []string{"ruTelegramMonth", "trWikipedia"})},
		{"actions any of", store.Filter{Actions: []string{"FINE", "throttle"}}, []string{"ruTwitter", "euGoogle"}},
		{"country and service", store.Filter{Countries: []string{"RU"}, Services: []string{"telegram"}}, []string{"ruTelegram", "ruTelegramMonth"}},
		{"country service action", store.Filter{Countries: []string{"RU"}, Services: []string{"twitter"}, Actions: []string{"threaten"}}, []string{"ruTwitterThreat"}},
		// A partial date is its whole month or year, kept when it
		// overlaps the range.
		{"since day keeps its month", store.Filter{Since: "2018-04-16"}, all[:len(all)-1]},
		{"since day after the month", store.Filter{Since: "2018-05-01"}, all[:len(all)-5]},
		{"since month keeps its year", store.Filter{Since: "2021-03"}, []string{"ngTwitter", "ruTwitter", "ruTwitterThreat"}},
		{"since month after a month", store.Filter{Since: "2021-04"}, []string{"ngTwitter", "ruTwitterThreat"}},
		{"since year takes partial dates", store.Filter{Since: "2021"}, []string{"ngTwitter", "ruTwitter", "ruTwitterThreat"}},
		{"until month includes the whole month", store.Filter{Until: "2018-04"}, slices.Concat([]string{"irTelegram"}, sameDay, []string{"ruTelegramMonth", "trWikipedia"})},
		{"until day", store.Filter{Until: "2018-04-16"}, slices.Concat(sameDay, []string{"ruTelegramMonth", "trWikipedia"})},
		{"since and until", store.Filter{Since: "2018-05", Until: "2019"}, []string{"irInternet", "euGoogle"}},
		{"one day", store.Filter{Since: "2018-04-16", Until: "2018-04-16"}, slices.Concat(sameDay, []string{"ruTelegramMonth"})},
		{"until before the day, in the month", store.Filter{Since: "2018", Until: "2018-04-10"}, []string{"ruTelegramMonth"}},
		{"country and dates", store.Filter{Countries: []string{"RU"}, Since: "2018-04-02", Until: "2020"}, slices.Concat(sameDay, []string{"ruTelegramMonth"})},
		{"partial dates overlapping the range", store.Filter{Countries: []string{"RU"}, Since: "2018-04-02", Until: "2021-02"}, slices.Concat([]string{"ruTwitterThreat"}, sameDay, []string{"ruTelegramMonth"})},
		{"a range inside a month", store.Filter{Since: "2021-03-20", Until: "2021-03-25"}, []string{"ruTwitter", "ruTwitterThreat"}},
		{"an empty range", store.Filter{Since: "2018-04-20", Until: "2018-04-10"}, nil},
		{"text in reason", store.Filter{Text: "ENCRYPTION"}, []string{"ruTelegram", "ruTelegramMonth"}},
		{"text in evidence", store.Filter{Text: " roskomnadzor "}, []string{"ruTwitter", "ruTelegram"}},
		{"text in source title", store.Filter{Text: "android"}, []string{"euGoogle"}},
		// Folded as Go folds it, whatever the database's locale.
		{"text beyond ASCII", store.Filter{Text: "éléments"}, []string{"trWikipedia"}},
		{"text beyond ASCII in evidence", store.Filter{Text: "Télécommunications a bloqué"}, []string{"trWikipedia"}},
		{"text in no one field", store.Filter{Text: "android\nthe"}, nil},
		{"text nowhere", store.Filter{Text: "whatsapp"}, nil},
		{"text with SQL wildcards", store.Filter{Text: "%"}, nil},
		{"min confidence", store.Filter{MinConfidence: 0.9}, []string{"ngTwitter", "irInternet", "euGoogle", "irTelegram"}},
		{"feed", store.Filter{Feeds: []string{"bbc"}}, []string{"ngTwitter", "ruTwitter", "ruTwitterThreat"}},
		{"feeds any of", store.Filter{Feeds: []string{"netblocks", "reuters"}}, []string{"irInternet", "euGoogle"}},
		{"feed names are exact", store.Filter{Feeds: []string{"BBC"}}, nil},
		{"limit", store.Filter{Limit: 2}, []string{"ngTwitter", "ruTwitter"}},
		{"limit inside a day", store.Filter{Until: "2018-04-16", Limit: 1}, sameDay[:1]},
		{"limit over the result", store.Filter{Countries: []string{"IR"}, Limit: 10}, []string{"irInternet", "irTelegram"}},
		{"all together", store.Filter{Countries: []string{"RU", "IR"}, Services: []string{"telegram"}, Actions: []string{"block", "restrict"},
			Since: "2018", Until: "2018-12", Text: "telegram", MinConfidence: 0.7, Feeds: []string{"rferl", "guardian"}, Limit: 1}, []string{"irTelegram"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustEvents(t, db, tt.f)
			want := make([]string, len(tt.want))
			for i, l := range tt.want {
				want[i] = ev[l].ID
			}
			if !slices.Equal(ids(got), want) {
				t.Errorf("Events(%+v) = %v, want %v", tt.f, labels(ev, got), tt.want)
			}
			if tt.want == nil && got != nil {
				t.Errorf("Events(%+v) = %#v, want nil for no match", tt.f, got)
			}
		})
	}
	names, err := db.FeedNames()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bbc", "guardian", "lemonde", "netblocks", "reuters", "rferl"}; !slices.Equal(names, want) {
		t.Errorf("FeedNames = %q, want %q", names, want)
	}
	var uf *store.UnknownFeedError
	if err := store.CheckFeeds(db, []string{"bbc", "BBC"}); !errors.As(err, &uf) || uf.Feed != "BBC" {
		t.Errorf("CheckFeeds of a misspelt feed: %v", err)
	}
	if err := store.CheckFeeds(db, []string{"bbc", "rferl"}); err != nil {
		t.Errorf("CheckFeeds of stored feeds: %v", err)
	}
}

func labels(ev map[string]event.Event, got []event.Record) []string {
	var out []string
	for _, e := range got {
		l := "?" + e.ID
		for label, x := range ev {
			if x.ID == e.ID {
				l = label
			}
		}
		out = append(out, l)
	}
	return out
}

func testEventsBadFilter(t *testing.T, open Open) {
	db := open(t)
	mustSave(t, db, twoArticles())
	for _, tt := range []struct {
		f    store.Filter
		want string
	}{
		{store.Filter{Since: "2018-13"}, `since: invalid date "2018-13"`},
		{store.Filter{Until: "yesterday"}, `until: invalid date "yesterday"`},
		{store.Filter{Limit: -1}, "negative limit"},
	} {
		if _, err := db.Events(tt.f); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Events(%+v) error = %v, want %q", tt.f, err, tt.want)
		}
		if err := db.EachEvent(tt.f, func(event.Record) error { return nil }); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("EachEvent(%+v) error = %v, want %q", tt.f, err, tt.want)
		}
	}
}

func testEventsOrder(t *testing.T, open Open) {
	db := open(t)
	var b store.Batch
	add := func(key, published, date string) string {
		a := newArticle(key, "news", published)
		e := newEvent(a, "RU", "telegram", event.Block, date)
		b.Articles = append(b.Articles, store.ArticleEvents{Article: a, Events: []event.Event{e}})
		return e.ID
	}
	year := add("year", "2018-06-01", "2018")
	month := add("month", "2018-04-20", "2018-04")
	firstDay := add("first-day", "2018-04-10", "2018-04-01")
	firstDayLater := add("first-day-later", "2018-05-01", "2018-04-01")
	before := add("before", "2018-04-01", "2018-03-31")
	after := add("after", "2018-04-03", "2018-04-02")
	lastYear := add("last-year", "2018-01-02", "2017-12-31")
	// Two of one day and one publication: by id, bytewise.
	x1 := add("same-a", "2017-06-01", "2017-06-01")
	x2 := add("same-b", "2017-06-01", "2017-06-01")
	same := []string{x1, x2}
	slices.Sort(same)
	mustSave(t, db, b)
	// "2018-04" counts as 2018-04-01; ties go to the later publication.
	want := slices.Concat([]string{after, firstDayLater, month, firstDay, before, year, lastYear}, same)
	for _, f := range []store.Filter{{}, {Countries: []string{"RU"}}, {Since: "2017"}, {Actions: []string{"block"}, Services: []string{"telegram"}}} {
		if got := mustEvents(t, db, f); !slices.Equal(ids(got), want) {
			t.Errorf("Events(%+v) order = %v, want %v", f, ids(got), want)
		}
	}
}

func testEachEvent(t *testing.T, open Open) {
	db, _ := fixture(t, open)
	for _, f := range []store.Filter{{}, {Countries: []string{"RU"}}, {Since: "2019", Limit: 2}} {
		var got []event.Record
		err := db.EachEvent(f, func(r event.Record) error {
			got = append(got, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := mustEvents(t, db, f); !reflect.DeepEqual(got, want) {
			t.Errorf("EachEvent(%+v) = %v, Events %v", f, ids(got), ids(want))
		}
	}
	// An error of fn stops it and comes back as it is.
	stop := errors.New("stop here")
	n := 0
	err := db.EachEvent(store.Filter{}, func(event.Record) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("EachEvent returned %v after %d events, want the callback's error after 3", err, n)
	}
	// The store is usable after a stopped walk.
	if evs := mustEvents(t, db, store.Filter{Limit: 1}); len(evs) != 1 {
		t.Errorf("after a stopped walk: %d events", len(evs))
	}
}

// testFilterBruteForce checks many filters over a few hundred generated
// events against the filter's semantics written out the slow way.
func testFilterBruteForce(t *testing.T, open Open) {
	db := open(t)
	countries := []string{"RU", "IR", "CN", "TR"}
	services := []string{"telegram", "twitter", "google", "whatsapp", "youtube"}
	start := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	var b store.Batch
	var all []event.Record
	for i := range 400 {
		pub := start.AddDate(0, 0, (i*37)%1500)
		a := newArticle(fmt.Sprintf("https://example.org/%d", i), fmt.Sprintf("feed%d", i%3), pub.Format(time.DateOnly))
		date := pub.AddDate(0, 0, -(i % 3)).Format(time.DateOnly)
		switch {
		case i%25 == 0:
			date = date[:4]
		case i%10 == 0:
			date = date[:7]
		}
		if i%7 == 0 {
			a.Published = pub.AddDate(0, 0, 1) // same event date, another publication
		}
		e := newEvent(a, countries[i%len(countries)], services[i%len(services)], event.Actions[i%len(event.Actions)], date)
		e.Confidence = float64(i%10) / 10
		if i%9 == 0 {
			e.Reason = "Refused To Comply"
		}
		b.Articles = append(b.Articles, store.ArticleEvents{Article: a, Events: []event.Event{e}})
		all = append(all, event.Record{Event: e})
	}
	mustSave(t, db, b)
	slices.SortFunc(all, store.CompareEvents)

	filters := []store.Filter{
		{},
		{Countries: []string{"RU"}},
		{Countries: []string{"RU", "CN"}, Services: []string{"twitter", "google"}},
		{Actions: []string{"block", "fine"}, Since: "2017-03"},
		{Since: "2017", Until: "2017-06-15"},
		{Since: "2017-06-15", Until: "2017-06-15"},
		{Services: []string{"telegram"}, Since: "2018-02-10", Until: "2019-01"},
		{Text: "refused to", MinConfidence: 0.5},
		{Feeds: []string{"feed1"}, Until: "2017-01"},
		{Countries: []string{"IR"}, Limit: 7},
		{Since: "2019-12-31"},
		{Until: "2016-01"},
		{MinConfidence: 0.95},
	}
	for _, f := range filters {
		n, err := f.Normalize()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, r := range all {
			if matches(n, r.Event) && (n.Limit == 0 || len(want) < n.Limit) {
				want = append(want, r.ID)
			}
		}
		if got := ids(mustEvents(t, db, f)); !slices.Equal(got, want) {
			t.Errorf("Events(%+v): %d events, want %d\n got %v\nwant %v", f, len(got), len(want), got, want)
		}
	}
}

// matches is the semantics of a normal filter (store.Filter.Normalize),
// written out.
func matches(f store.Filter, e event.Event) bool {
	in := func(vs []string, v string) bool { return len(vs) == 0 || slices.Contains(vs, v) }
	from, to, _ := store.DateSpan(e.Date)
	hay := strings.ToLower(e.Reason + "\x00" + e.SourceTitle + "\x00" + strings.Join(e.Evidence, "\x00"))
	return in(f.Countries, e.Country) && in(f.Services, e.Service) && in(f.Actions, string(e.Action)) &&
		in(f.Feeds, e.Feed) && (f.Since == "" || to >= f.Since) && (f.Until == "" || from <= f.Until) &&
		(f.Since == "" || f.Until == "" || f.Since <= f.Until) &&
		e.Confidence >= f.MinConfidence && strings.Contains(hay, f.Text)
}

// testRoundTrip saves articles and events with every field set, and
// unset, and reads them back as they were.
func testRoundTrip(t *testing.T, open Open) {
	db := open(t)
	plus := time.FixedZone("", 3*3600+30*60)
	minus := time.FixedZone("EST", -5*3600)
	full := ingest.Article{
		ID: "a1", Key: "https://example.org/full?utm=x", Feed: "The Feed", URL: "https://example.org/full",
		Title: "Iran’s “ban” — 100% <b>real</b>", Published: time.Date(2024, 2, 29, 23, 59, 58, 123456000, plus),
		Text: "Paragraph one.\n\nParagraph two, with ünïcödé and emoji 🚫.", TextFrom: "feed",
		Fetched:  time.Date(2024, 3, 1, 1, 2, 3, 0, minus),
		WARCFile: "https://data.commoncrawl.org/crawl-data/CC-NEWS/x.warc.gz", WARCOffset: 1 << 40, WARCLength: 12345,
	}
	bare := ingest.Article{ID: "a2", Key: "k2"} // zero times, empty strings
	fullEvent := event.Event{
		ID: event.ID(full.ID, "IR", "telegram", event.Block), Country: "IR", Service: "telegram", Action: event.Block,
		Date: "2024-02", Reason: "national security; \"quotes\" and 'apostrophes' and \\backslashes\\",
		Evidence:   []string{"First sentence.", "", "Third, after an empty one: ç, ß, İ."},
		Confidence: 0.123456789012345, ArticleID: full.ID, SourceURL: full.URL, SourceTitle: full.Title,
		Published: "2024-02-29", Feed: full.Feed, Extractor: "v1+learn",
		WARCFile: full.WARCFile, WARCOffset: full.WARCOffset, WARCLength: full.WARCLength,
	}
	noEvidence := event.Event{
		ID: event.ID(full.ID, "IR", "telegram", event.Fine), Country: "IR", Service: "telegram", Action: event.Fine,
		Date: "2024", ArticleID: full.ID, Confidence: 1,
	}
	emptyEvidence := noEvidence
	emptyEvidence.ID, emptyEvidence.Action, emptyEvidence.Evidence = event.ID(bare.ID, "RU", "vpn", event.Order), event.Order, []string{}
	emptyEvidence.Country, emptyEvidence.Service, emptyEvidence.ArticleID, emptyEvidence.Confidence = "RU", "vpn", bare.ID, 0
	mustSave(t, db, store.Batch{Articles: []store.ArticleEvents{
		{Article: full, Events: []event.Event{fullEvent, noEvidence}, Extractor: "v1+learn"},
		{Article: bare, Events: []event.Event{emptyEvidence}},
	}})

	for _, want := range []ingest.Article{full, bare} {
		got, err := db.Article(want.ID)
		if err != nil {
			t.Fatal(err)
		}
		want.Published = store.StoredTime(want.Published, offsetOf(want.Published))
		want.Fetched = store.StoredTime(want.Fetched, offsetOf(want.Fetched))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Article %s:\n got %#v\nwant %#v", want.ID, got, want)
		}
	}
	for _, want := range []event.Event{fullEvent, noEvidence, emptyEvidence} {
		got, err := db.Event(want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FirstSeen.IsZero() || got.FirstSeen.Location() != time.UTC {
			t.Errorf("event %s FirstSeen %v, want a time in UTC", want.ID, got.FirstSeen)
		}
		if !reflect.DeepEqual(got.Event, want) {
			t.Errorf("Event %s:\n got %#v\nwant %#v", want.ID, got.Event, want)
		}
	}
	// Saved again as it was read, nothing has changed.
	st := mustSave(t, db, store.Batch{Articles: []store.ArticleEvents{
		{Article: full, Events: []event.Event{fullEvent, noEvidence}},
		{Article: bare, Events: []event.Event{emptyEvidence}},
	}})
	if got, want := eventsStats(st), (saved{UpdatedArticles: 2, UpdatedEvents: 3}); got != want {
		t.Errorf("saving what was read: %+v, want %+v", got, want)
	}
}

func offsetOf(t time.Time) int {
	_, off := t.Zone()
	return off
}

// goldArticle is an article of the demo corpus's gold file with the
// events a person marked in it.
type goldArticle struct {
	ID, URL, Title, Published, Text string
	Events                          []struct {
		Country, Service, Action, Date, Reason string
	}
}

// demoCorpus reads demo/corpus/gold.jsonl into a batch: real articles,
// and their marked events with the paragraphs naming their service as
// evidence.
func demoCorpus(t *testing.T) store.Batch {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot tell where storetest's source is")
	}
	path := filepath.Join(filepath.Dir(file), "..", "..", "demo", "corpus", "gold.jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b store.Batch
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<22)
	for line := 1; sc.Scan(); line++ {
		var g goldArticle
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		pub, err := time.Parse(time.DateOnly, g.Published)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		key := "https://demo.test/" + g.ID
		a := ingest.Article{ID: ingest.ArticleID(key), Key: key, Feed: "Demo " + g.ID[:2], URL: key, Title: g.Title,
			Published: pub.Add(9 * time.Hour), Text: g.Text, TextFrom: "page", Fetched: pub.Add(30 * time.Hour)}
		ae := store.ArticleEvents{Article: a, Extractor: "gold"}
		paragraphs := strings.Split(g.Text, "\n\n")
		for i, ge := range g.Events {
			e := event.Event{
				ID: event.ID(a.ID, ge.Country, ge.Service, event.Action(ge.Action)), Country: ge.Country, Service: ge.Service,
				Action: event.Action(ge.Action), Date: ge.Date, Reason: ge.Reason, Confidence: float64(50+i*7%50) / 100,
				ArticleID: a.ID, SourceURL: a.URL, SourceTitle: a.Title, Published: g.Published, Feed: a.Feed, Extractor: "gold",
			}
			for _, p := range paragraphs {
				if strings.Contains(strings.ToLower(p), strings.ToLower(ge.Service)) {
					e.Evidence = append(e.Evidence, p)
				}
			}
			ae.Events = append(ae.Events, e)
		}
		b.Articles = append(b.Articles, ae)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return b
}

func testDemoCorpusRoundTrip(t *testing.T, open Open) {
	db := open(t)
	b := demoCorpus(t)
	st := mustSave(t, db, b)
	var want []event.Record
	for _, ae := range b.Articles {
		for _, e := range ae.Events {
			want = append(want, event.Record{Event: e})
		}
	}
	if st.NewArticles != len(b.Articles) || st.NewEvents != len(want) || len(want) < 50 {
		t.Fatalf("saved %+v of %d articles and %d events", eventsStats(st), len(b.Articles), len(want))
	}
	slices.SortFunc(want, store.CompareEvents)
	got := mustEvents(t, db, store.Filter{})
	for i := range got {
		got[i].FirstSeen = time.Time{}
	}
	if !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("event %d of %d:\n got %#v\nwant %#v", i, len(want), got[i], want[i])
			}
		}
		t.Fatalf("%d events read back, %d saved", len(got), len(want))
	}
	for _, ae := range b.Articles {
		a, err := db.Article(ae.Article.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, ae.Article) {
			t.Errorf("article %s:\n got %#v\nwant %#v", ae.Article.ID, a, ae.Article)
		}
	}
}
