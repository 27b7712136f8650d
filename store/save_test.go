package store

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
)

// twoArticles is a small batch as a nightly run would write it.
func twoArticles() Batch {
	iran := newArticle("https://example.org/iran-telegram", "rferl", "2018-04-30")
	russia := newArticle("https://example.org/russia-telegram", "guardian", "2018-04-17")
	return Batch{
		Articles: []ArticleEvents{
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

func TestSaveIdempotent(t *testing.T) {
	db := openTemp(t)
	clock := &fixedClock{t: time.Date(2018, 5, 1, 2, 0, 0, 0, time.UTC)}
	db.now = clock.now

	st, err := db.Save(twoArticles())
	if err != nil {
		t.Fatal(err)
	}
	// IR restrict, and one RU story for "2018-04" and 2018-04-16.
	if len(st.NewStoryIDs) != 2 {
		t.Errorf("first save: NewStoryIDs %q, want 2", st.NewStoryIDs)
	}
	st.NewStoryIDs = nil
	if want := (SaveStats{NewArticles: 2, NewEvents: 3, NewStories: 2}); !reflect.DeepEqual(st, want) {
		t.Errorf("first save: %+v, want %+v", st, want)
	}
	counts, _ := db.Counts()
	before := dump(t, db)

	clock.t = clock.t.Add(24 * time.Hour)
	st, err = db.Save(twoArticles())
	if err != nil {
		t.Fatal(err)
	}
	if want := (SaveStats{UpdatedArticles: 2, UpdatedEvents: 3}); !reflect.DeepEqual(st, want) {
		t.Errorf("second save: %+v, want %+v", st, want)
	}
	if c, _ := db.Counts(); c != counts || c != (Counts{Feeds: 2, Articles: 2, Events: 3, Stories: 2}) {
		t.Errorf("counts after re-save %+v, before %+v", c, counts)
	}
	// Nothing at all changed on disk: same events, same FirstSeen, same indexes.
	if after := dump(t, db); !reflect.DeepEqual(before, after) {
		t.Errorf("re-saving the same batch changed the store:\nbefore %v\nafter  %v", before, after)
	}
	evs, err := db.Events(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if !e.FirstSeen.Equal(time.Date(2018, 5, 1, 2, 0, 0, 0, time.UTC)) {
			t.Errorf("event %s FirstSeen = %v, want the first save's time", e.ID, e.FirstSeen)
		}
	}
}

func TestSaveDoesNotModifyBatch(t *testing.T) {
	db := openTemp(t)
	b := twoArticles()
	b.Articles[0].Events[0].ArticleID = ""
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
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

func TestSaveReextraction(t *testing.T) {
	db := openTemp(t)
	clock := &fixedClock{t: time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC)}
	db.now = clock.now

	a := newArticle("https://example.org/iran-telegram", "rferl", "2018-04-30")
	kept := newEvent(a, "IR", "telegram", event.Restrict, "2018-04")
	dropped := newEvent(a, "RU", "telegram", event.Block, "2018-04-16")
	other := newArticle("https://example.org/other", "rferl", "2018-04-29")
	untouched := newEvent(other, "RU", "telegram", event.Block, "2018-04-16")
	_, err := db.Save(Batch{Articles: []ArticleEvents{
		{Article: a, Events: []event.Event{kept, dropped}},
		{Article: other, Events: []event.Event{untouched}},
	}})
	if err != nil {
		t.Fatal(err)
	}

	// A better extractor: the date got more precise, one event turned out
	// to be wrong, another was missed.
	clock.t = clock.t.Add(time.Hour)
	kept.Date = "2018-05-02"
	kept.Reason = "refused to hand over encryption keys"
	added := newEvent(a, "IR", "telegram", event.Order, "2018-04-30")
	st, err := db.Save(Batch{Articles: []ArticleEvents{{Article: a, Events: []event.Event{kept, added}}}})
	if err != nil {
		t.Fatal(err)
	}
	// The order is a new story; the dropped RU event leaves a story that
	// keeps the other article's event; the kept one moves to May, still
	// within two weeks of April's end.
	if len(st.NewStoryIDs) != 1 {
		t.Errorf("NewStoryIDs %q, want 1", st.NewStoryIDs)
	}
	if len(st.UpdatedStoryIDs) != 2 {
		t.Errorf("UpdatedStoryIDs %q, want 2", st.UpdatedStoryIDs)
	}
	st.NewStoryIDs, st.UpdatedStoryIDs = nil, nil
	if want := (SaveStats{UpdatedArticles: 1, NewEvents: 1, UpdatedEvents: 1, ChangedEvents: 1, DeletedEvents: 1, NewStories: 1, UpdatedStories: 2}); !reflect.DeepEqual(st, want) {
		t.Errorf("stats %+v, want %+v", st, want)
	}

	if _, err := db.Event(dropped.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("dropped event still there: %v", err)
	}
	for _, b := range [][]byte{bucketEvents, bucketArticleEvents, bucketIdxCountry, bucketIdxService, bucketIdxAction, bucketEventDates} {
		if keys := bucketKeysOf(t, db, b); hasKeyContaining(keys, dropped.ID) {
			t.Errorf("bucket %s still has a key of the dropped event: %q", b, keys)
		}
	}
	// The changed event is stored under its new date only.
	dates := bucketKeysOf(t, db, bucketEvents)
	if !slices.Contains(dates, "2018-05-02\x00"+kept.ID) || slices.Contains(dates, "2018-04-01\x00"+kept.ID) {
		t.Errorf("events = %q, want %s under 2018-05-02 only", dates, kept.ID)
	}
	countries := bucketKeysOf(t, db, bucketIdxCountry)
	wantCountries := []string{
		"IR\x002018-04-30\x00" + added.ID,
		"IR\x002018-05-02\x00" + kept.ID,
		"RU\x002018-04-16\x00" + untouched.ID,
	}
	if !reflect.DeepEqual(countries, wantCountries) {
		t.Errorf("idx_country = %q, want %q", countries, wantCountries)
	}
	got, err := db.Event(kept.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Date != "2018-05-02" || got.Reason != kept.Reason {
		t.Errorf("updated event = %+v", got)
	}
	if !got.FirstSeen.Equal(time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("updated event FirstSeen = %v, want the first save's", got.FirstSeen)
	}
	if n, _ := db.Event(added.ID); !n.FirstSeen.Equal(clock.t) {
		t.Errorf("new event FirstSeen = %v, want %v", n.FirstSeen, clock.t)
	}
	evs, err := db.ArticleEvents(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{kept.ID, added.ID}; !reflect.DeepEqual(ids(evs), want) {
		t.Errorf("ArticleEvents = %q, want %q", ids(evs), want)
	}
	if evs, _ := db.ArticleEvents(other.ID); !reflect.DeepEqual(ids(evs), []string{untouched.ID}) {
		t.Errorf("the other article's events changed: %q", ids(evs))
	}

	// Re-extraction that finds nothing clears the article's events.
	st, err = db.Save(Batch{Articles: []ArticleEvents{{Article: a}}})
	if err != nil {
		t.Fatal(err)
	}
	if st.DeletedEvents != 2 {
		t.Errorf("DeletedEvents = %d, want 2", st.DeletedEvents)
	}
	if c, _ := db.Counts(); c.Events != 1 || len(bucketKeysOf(t, db, bucketEvents)) != 1 || len(bucketKeysOf(t, db, bucketEventDates)) != 1 {
		t.Errorf("after clearing: %+v events, events %q", c, bucketKeysOf(t, db, bucketEvents))
	}
}

func TestSeen(t *testing.T) {
	db := openTemp(t)
	if _, err := db.Save(twoArticles()); err != nil {
		t.Fatal(err)
	}
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
}

func TestSaveRollback(t *testing.T) {
	good := newArticle("https://example.org/good", "news", "2018-04-30")
	bad := newArticle("https://example.org/bad", "news", "2018-04-30")
	goodEvents := []event.Event{newEvent(good, "IR", "telegram", event.Block, "2018-04-30")}
	withEvent := func(mutate func(*event.Event)) []ArticleEvents {
		e := newEvent(bad, "RU", "telegram", event.Block, "2018-04-16")
		mutate(&e)
		return []ArticleEvents{{Article: good, Events: goodEvents}, {Article: bad, Events: []event.Event{e}}}
	}
	tests := []struct {
		name  string
		batch Batch
		want  string // in the error
	}{
		{"empty event id", Batch{Articles: withEvent(func(e *event.Event) { e.ID = "" })}, "article " + bad.ID + ": event 0 (RU telegram block): empty id"},
		{"bad date", Batch{Articles: withEvent(func(e *event.Event) { e.Date = "16 April 2018" })}, `invalid date "16 April 2018"`},
		{"empty date", Batch{Articles: withEvent(func(e *event.Event) { e.Date = "" })}, `invalid date ""`},
		{"unknown action", Batch{Articles: withEvent(func(e *event.Event) { e.Action = "nationalise" })}, `unknown action "nationalise"`},
		{"empty country", Batch{Articles: withEvent(func(e *event.Event) { e.Country = "" })}, `invalid country ""`},
		{"NUL in service", Batch{Articles: withEvent(func(e *event.Event) { e.Service = "tele\x00gram" })}, "invalid service"},
		{"foreign event", Batch{Articles: withEvent(func(e *event.Event) { e.ArticleID = good.ID })}, "belongs to article " + good.ID},
		{"duplicate event", Batch{Articles: []ArticleEvents{{Article: good, Events: append(goodEvents, goodEvents...)}}}, "appears twice"},
		{"empty article id", Batch{Articles: []ArticleEvents{{Article: good, Events: goodEvents}, {Article: ingest.Article{Key: "k", URL: "https://example.org/k"}}}}, `article "k" (https://example.org/k): empty id`},
		{"feed without url", Batch{Articles: []ArticleEvents{{Article: good, Events: goodEvents}}, Feeds: []ingest.FeedState{{ETag: "x"}}}, "feed state with empty url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTemp(t)
			// Something already stored, which the failed batch would have updated.
			b := twoArticles()
			b.Articles = append(b.Articles, ArticleEvents{Article: good, Events: []event.Event{
				newEvent(good, "IR", "telegram", event.Threaten, "2018-04"),
			}})
			if _, err := db.Save(b); err != nil {
				t.Fatal(err)
			}
			before := dump(t, db)
			st, err := db.Save(tt.batch)
			if err == nil {
				t.Fatal("bad batch saved")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
			if !reflect.DeepEqual(st, SaveStats{}) {
				t.Errorf("failed Save reported %+v", st)
			}
			if after := dump(t, db); !reflect.DeepEqual(before, after) {
				t.Errorf("failed batch changed the store:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestFeedStates(t *testing.T) {
	db := openTemp(t)
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
	if _, err := db.Save(Batch{Feeds: []ingest.FeedState{st, first}}); err != nil {
		t.Fatal(err)
	}
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
	if len(all) != 2 || all[0].URL != first.URL || all[1].URL != st.URL {
		t.Errorf("FeedStates = %+v, want a.xml then b.xml", all)
	}

	// A later run overwrites the state.
	st.LastStatus, st.LastError = 304, ""
	if _, err := db.Save(Batch{Feeds: []ingest.FeedState{st}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FeedState(st.URL); got.LastStatus != 304 || got.LastError != "" {
		t.Errorf("FeedState after update = %+v", got)
	}
	if c, _ := db.Counts(); c.Feeds != 2 {
		t.Errorf("Counts.Feeds = %d, want 2", c.Feeds)
	}
}

func TestLookups(t *testing.T) {
	db := openTemp(t)
	b := twoArticles()
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	iran := b.Articles[0].Article
	got, err := db.Article(iran.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, iran) {
		t.Errorf("Article = %+v, want %+v", got, iran)
	}
	e := b.Articles[0].Events[1]
	gotE, err := db.Event(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gotE.FirstSeen.IsZero() {
		t.Error("stored event has no FirstSeen")
	}
	if !reflect.DeepEqual(gotE.Event, e) {
		t.Errorf("Event = %+v, want %+v", gotE, e)
	}
	evs, err := db.ArticleEvents(iran.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 2018-04-30 before 2018-04 (which counts as 2018-04-01).
	if want := []string{b.Articles[0].Events[0].ID, e.ID}; !reflect.DeepEqual(ids(evs), want) {
		t.Errorf("ArticleEvents = %q, want %q", ids(evs), want)
	}

	for name, err := range map[string]error{
		"Article":       func() error { _, err := db.Article("nope"); return err }(),
		"Event":         func() error { _, err := db.Event("nope"); return err }(),
		"ArticleEvents": func() error { _, err := db.ArticleEvents("nope"); return err }(),
	} {
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("%s(nope) = %v, want ErrNotFound naming the id", name, err)
		}
	}
}
