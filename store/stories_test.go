package store

import (
	"bytes"
	"errors"
	"go.etcd.io/bbolt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStoryGrouping(t *testing.T) {
	tests := []struct {
		name   string
		window time.Duration
		saves  [][]string // each a batch of specs
		want   [][]string // stories as article keys
	}{
		{
			name:  "same triple across articles and feeds",
			saves: [][]string{{"a1 rferl RU telegram block 2018-04-16", "a2 guardian RU telegram block 2018-04-20"}},
			want:  [][]string{{"a1", "a2"}},
		},
		{
			name:  "14 days apart is within the window",
			saves: [][]string{{"a1 rferl RU telegram block 2018-04-01", "a2 guardian RU telegram block 2018-04-15"}},
			want:  [][]string{{"a1", "a2"}},
		},
		{
			name:  "15 days apart is outside",
			saves: [][]string{{"a1 rferl RU telegram block 2018-04-01"}, {"a2 guardian RU telegram block 2018-04-16"}},
			want:  [][]string{{"a1"}, {"a2"}},
		},
		{
			name: "another country, service or action is another story",
			saves: [][]string{{
				"a1 rferl RU telegram block 2018-04-16", "a2 rferl RU telegram throttle 2018-04-16",
				"a3 rferl IR telegram block 2018-04-16", "a4 rferl RU google block 2018-04-16",
			}},
			want: [][]string{{"a1"}, {"a2"}, {"a3"}, {"a4"}},
		},
		{
			name:  "a month joins a day in it",
			saves: [][]string{{"a1 rferl RU telegram block 2018-04-16"}, {"a2 guardian RU telegram block 2018-04"}},
			want:  [][]string{{"a1", "a2"}},
		},
		{
			name:  "a day joins a month story near its end",
			saves: [][]string{{"a1 rferl RU telegram block 2018-04"}, {"a2 guardian RU telegram block 2018-05-14"}},
			want:  [][]string{{"a1", "a2"}},
		},
		{
			name:  "a month far from a day",
			saves: [][]string{{"a1 rferl RU telegram block 2018-06-20"}, {"a2 guardian RU telegram block 2018-04"}},
			want:  [][]string{{"a1"}, {"a2"}},
		},
		{
			name:  "a year joins any day of it",
			saves: [][]string{{"a1 rferl RU telegram block 2018-11-03"}, {"a2 guardian RU telegram block 2018"}},
			want:  [][]string{{"a1", "a2"}},
		},
		{
			name: "reports chain night after night",
			saves: [][]string{
				{"a1 rferl RU telegram block 2018-04-01"},
				{"a2 guardian RU telegram block 2018-04-12"},
				{"a3 bbc RU telegram block 2018-04-24"},
			},
			want: [][]string{{"a1", "a2", "a3"}},
		},
		{
			name: "a bridging report merges two stories",
			saves: [][]string{
				{"a1 rferl RU telegram block 2018-04-01"},
				{"a3 bbc RU telegram block 2018-04-25"},
				{"a2 guardian RU telegram block 2018-04-13"},
			},
			want: [][]string{{"a1", "a2", "a3"}},
		},
		{
			name:  "order within a batch does not matter",
			saves: [][]string{{"a1 rferl RU telegram block 2018-04-01", "a3 bbc RU telegram block 2018-04-25", "a2 guardian RU telegram block 2018-04-13"}},
			want:  [][]string{{"a1", "a2", "a3"}},
		},
		{
			// a2 leaves in the same batch that a4 arrives: a4 must be
			// measured against what a1 alone covers.
			name: "a story shrinks as soon as an event leaves it",
			saves: [][]string{
				{"a1 rferl RU telegram block 2018-04-01", "a2 guardian RU telegram block 2018-04-12"},
				{"a2 guardian RU telegram block 2018-07-01", "a4 bbc RU telegram block 2018-04-24"},
			},
			want: [][]string{{"a1"}, {"a2"}, {"a4"}},
		},
		{
			name: "a story splits when the report bridging it moves away",
			saves: [][]string{
				{"a1 rferl RU telegram block 2018-04-01", "a3 bbc RU telegram block 2018-04-25", "a2 guardian RU telegram block 2018-04-13"},
				{"a2 guardian RU telegram block 2018-07-01"},
			},
			want: [][]string{{"a1"}, {"a2"}, {"a3"}},
		},
		{
			name: "a report moving within a story can split it",
			saves: [][]string{
				{"a1 rferl RU telegram block 2018-04-01", "a2 guardian RU telegram block 2018-04-13", "a3 bbc RU telegram block 2018-04-25"},
				{"a2 guardian RU telegram block 2018-04-03"},
			},
			want: [][]string{{"a1", "a2"}, {"a3"}},
		},
		{
			name:   "the window is configurable",
			window: 48 * time.Hour,
			saves:  [][]string{{"a1 rferl RU telegram block 2018-04-01", "a2 guardian RU telegram block 2018-04-03", "a3 bbc RU telegram block 2018-04-06"}},
			want:   [][]string{{"a1", "a2"}, {"a3"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(filepath.Join(t.TempDir(), "pw.db"), Options{StoryWindow: tt.window})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, s := range tt.saves {
				if _, err := db.Save(specBatch(t, s...)); err != nil {
					t.Fatal(err)
				}
				checkStories(t, db)
			}
			if got := partition(t, db); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("stories %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStorySourcesAndFeeds(t *testing.T) {
	db := openTemp(t)
	st, err := db.Save(specBatch(t,
		"a1 rferl RU telegram block 2018-04-16",
		"a2 guardian RU telegram block 2018-04-20",
		"a3 rferl RU telegram block 2018-04-17",
	))
	if err != nil {
		t.Fatal(err)
	}
	if storyStats(st) != [3]int{1, 0, 0} || len(st.NewStoryIDs) != 1 {
		t.Errorf("stats %+v, want one new story", st)
	}
	s, evs, err := db.Story(st.NewStoryIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	if s.Sources != 3 || !reflect.DeepEqual(s.Feeds, []string{"guardian", "rferl"}) {
		t.Errorf("sources %d feeds %q, want 3 and [guardian rferl]", s.Sources, s.Feeds)
	}
	if s.First != "2018-04-16" || s.Last != "2018-04-20" {
		t.Errorf("first %s last %s", s.First, s.Last)
	}
	// Newest first, as the story's EventIDs list them.
	var dates []string
	for _, e := range evs {
		dates = append(dates, e.Date)
	}
	if !reflect.DeepEqual(dates, []string{"2018-04-20", "2018-04-17", "2018-04-16"}) || !reflect.DeepEqual(ids(evs), s.EventIDs) {
		t.Errorf("events %q (ids %q), story lists %q", dates, ids(evs), s.EventIDs)
	}
}

func TestStoryResaveChangesNothing(t *testing.T) {
	db := openTemp(t)
	clock := &fixedClock{t: time.Date(2018, 5, 1, 2, 0, 0, 0, time.UTC)}
	db.now = clock.now
	batch := specBatch(t,
		"a1 rferl RU telegram block 2018-04-16", "a2 guardian RU telegram block 2018-04",
		"a3 rferl IR telegram restrict 2018-04-30", "a4 bbc RU telegram block 2017-01-10",
	)
	first, err := db.Save(batch)
	if err != nil {
		t.Fatal(err)
	}
	if storyStats(first) != [3]int{3, 0, 0} {
		t.Errorf("first save %+v, want 3 new stories", first)
	}
	before := dump(t, db)

	clock.t = clock.t.Add(24 * time.Hour)
	st, err := db.Save(batch)
	if err != nil {
		t.Fatal(err)
	}
	if storyStats(st) != [3]int{} || st.NewStoryIDs != nil {
		t.Errorf("re-save %+v, want no story changes", st)
	}
	if after := dump(t, db); !reflect.DeepEqual(before, after) {
		t.Errorf("re-saving changed the store:\nbefore %q\nafter  %q",
			before[string(bucketStories)], after[string(bucketStories)])
	}
}

func TestStoryNewStoryIDs(t *testing.T) {
	db := openTemp(t)
	first, err := db.Save(specBatch(t, "a1 rferl RU telegram block 2018-04-16", "a2 rferl IR telegram restrict 2018-04-30"))
	if err != nil {
		t.Fatal(err)
	}
	ru, ir := storyOf(t, db, "a1"), storyOf(t, db, "a2")
	if !reflect.DeepEqual(first.NewStoryIDs, []string{ru, ir}) {
		t.Errorf("NewStoryIDs %q, want %q in the order made", first.NewStoryIDs, []string{ru, ir})
	}
	// One report joins the RU story, another founds one.
	st, err := db.Save(specBatch(t, "a3 guardian RU telegram block 2018-04-18", "a4 guardian RU twitter throttle 2018-03-10"))
	if err != nil {
		t.Fatal(err)
	}
	tw := storyOf(t, db, "a4")
	if !reflect.DeepEqual(st.NewStoryIDs, []string{tw}) || storyStats(st) != [3]int{1, 1, 0} {
		t.Errorf("second save %+v, want new %q and one updated", st, tw)
	}
	if got := storyOf(t, db, "a3"); got != ru {
		t.Errorf("a3 joined %s, want the RU story %s", got, ru)
	}
}

func TestStoryMergeKeepsOlderID(t *testing.T) {
	db := openTemp(t)
	clock := &fixedClock{t: time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC)}
	db.now = clock.now
	// The later story is made first, so "older" means made earlier, not
	// dated earlier.
	if _, err := db.Save(specBatch(t, "late rferl RU telegram block 2018-04-25")); err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(time.Hour)
	if _, err := db.Save(specBatch(t, "early bbc RU telegram block 2018-04-01")); err != nil {
		t.Fatal(err)
	}
	older, newer := storyOf(t, db, "late"), storyOf(t, db, "early")
	if older == newer {
		t.Fatal("the two reports are one story before the bridge")
	}

	clock.t = clock.t.Add(time.Hour)
	st, err := db.Save(specBatch(t, "bridge guardian RU telegram block 2018-04-13"))
	if err != nil {
		t.Fatal(err)
	}
	checkStories(t, db)
	if storyStats(st) != [3]int{0, 1, 1} || st.NewStoryIDs != nil {
		t.Errorf("bridge save %+v, want one updated and one deleted story", st)
	}
	s, _, err := db.Story(older)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.EventIDs) != 3 || s.First != "2018-04-01" || s.Last != "2018-04-25" {
		t.Errorf("merged story %+v", s)
	}
	if !s.Created.Equal(time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC)) || !s.Updated.Equal(clock.t) {
		t.Errorf("merged story created %v updated %v, want the older's creation and now", s.Created, s.Updated)
	}
	if _, _, err := db.Story(newer); !errors.Is(err, ErrNotFound) {
		t.Errorf("merged-away story: %v, want ErrNotFound", err)
	}
}

func TestStoryReextraction(t *testing.T) {
	db := openTemp(t)
	batch := specBatch(t,
		"a1 rferl RU telegram block 2018-04-01", "a2 guardian RU telegram block 2018-04-05",
		"lone bbc IR telegram restrict 2018-09-10",
	)
	if _, err := db.Save(batch); err != nil {
		t.Fatal(err)
	}
	story, lone := storyOf(t, db, "a1"), storyOf(t, db, "lone")

	// The extractor now dates a2 in June: it leaves for a story of its own.
	moved := batch.Articles[1]
	moved.Events = slices.Clone(moved.Events)
	moved.Events[0].Date = "2018-06-01"
	st, err := db.Save(Batch{Articles: []ArticleEvents{moved}})
	if err != nil {
		t.Fatal(err)
	}
	checkStories(t, db)
	if storyStats(st) != [3]int{1, 1, 0} {
		t.Errorf("move out: %+v, want one new and one updated story", st)
	}
	if got := storyOf(t, db, "a1"); got != story {
		t.Errorf("the story kept by a1 changed id: %s, want %s", got, story)
	}
	if got := storyOf(t, db, "a2"); got == story {
		t.Error("a2 dated two months later stayed in the April story")
	}
	if s, _, _ := db.Story(story); s.Last != "2018-04-01" || len(s.EventIDs) != 1 {
		t.Errorf("April story after the move: %+v", s)
	}

	// Back within the window: it rejoins, and its June story goes.
	moved.Events[0].Date = "2018-04-03"
	st, err = db.Save(Batch{Articles: []ArticleEvents{moved}})
	if err != nil {
		t.Fatal(err)
	}
	checkStories(t, db)
	if storyStats(st) != [3]int{0, 1, 1} {
		t.Errorf("move back: %+v, want one updated and one deleted story", st)
	}
	if got := partition(t, db); !reflect.DeepEqual(got, [][]string{{"a1", "a2"}, {"lone"}}) {
		t.Errorf("stories %q", got)
	}

	// A story's only event may move anywhere: the story follows it.
	alone := batch.Articles[2]
	alone.Events = slices.Clone(alone.Events)
	alone.Events[0].Date = "2019-02"
	if _, err := db.Save(Batch{Articles: []ArticleEvents{alone}}); err != nil {
		t.Fatal(err)
	}
	if got := storyOf(t, db, "lone"); got != lone {
		t.Errorf("the lone event's story changed id: %s, want %s", got, lone)
	}
	if s, _, _ := db.Story(lone); s.Date != "2019-02" {
		t.Errorf("lone story date %s, want 2019-02", s.Date)
	}

	// A re-extraction that changes only the reason updates the story in place.
	moved.Events[0].Reason = "refused to hand over encryption keys"
	if st, err = db.Save(Batch{Articles: []ArticleEvents{moved}}); err != nil {
		t.Fatal(err)
	}
	if s, _, _ := db.Story(story); s.Reason != moved.Events[0].Reason || storyStats(st) != [3]int{0, 1, 0} {
		t.Errorf("after a new reason: story reason %q, stats %+v", s.Reason, st)
	}
}

func TestStoryDeletedWithItsOnlyEvent(t *testing.T) {
	db := openTemp(t)
	batch := specBatch(t, "a1 rferl RU telegram block 2018-04-01", "a2 rferl IR telegram restrict 2018-04-30")
	if _, err := db.Save(batch); err != nil {
		t.Fatal(err)
	}
	ir := storyOf(t, db, "a2")
	// Re-extraction finds nothing in a2 any more.
	st, err := db.Save(Batch{Articles: []ArticleEvents{{Article: batch.Articles[1].Article}}})
	if err != nil {
		t.Fatal(err)
	}
	checkStories(t, db)
	if storyStats(st) != [3]int{0, 0, 1} || st.DeletedEvents != 1 {
		t.Errorf("stats %+v, want one deleted event and story", st)
	}
	if _, _, err := db.Story(ir); !errors.Is(err, ErrNotFound) {
		t.Errorf("story of the deleted event: %v, want ErrNotFound", err)
	}
	for _, b := range [][]byte{bucketStories, bucketStoryEvents, bucketEventStory, bucketIdxStoryTriple, bucketIdxStoryLast} {
		if keys := bucketKeysOf(t, db, b); len(keys) != 1 {
			t.Errorf("bucket %s: %q, want only the RU story's key", b, keys)
		}
	}
}

// A re-extraction that drops the report holding a story together splits
// it: the earliest part keeps the story, the later one is a story of its
// own, made as the first was, so alerts for new stories pass it by.
func TestStorySplitWhenEventLeaves(t *testing.T) {
	db := openTemp(t)
	clock := &fixedClock{t: time.Date(2018, 5, 1, 2, 0, 0, 0, time.UTC)}
	db.now = clock.now
	batch := specBatch(t, "a1 rferl RU telegram block 2018-04-01", "a2 guardian RU telegram block 2018-04-13",
		"a3 bbc RU telegram block 2018-04-25", "a4 bbc RU telegram block 2018-04-27")
	if _, err := db.Save(batch); err != nil {
		t.Fatal(err)
	}
	story := storyOf(t, db, "a1")
	before, _, _ := db.Story(story)

	clock.t = clock.t.Add(24 * time.Hour)
	st, err := db.Save(Batch{Articles: []ArticleEvents{{Article: batch.Articles[1].Article}}})
	if err != nil {
		t.Fatal(err)
	}
	checkStories(t, db)
	checkDB(t, db)
	if got := partition(t, db); !reflect.DeepEqual(got, [][]string{{"a1"}, {"a3", "a4"}}) {
		t.Errorf("stories %q, want a1 apart from a3 and a4", got)
	}
	if storyStats(st) != [3]int{1, 1, 0} || st.DeletedEvents != 1 {
		t.Errorf("stats %+v, want one deleted event, one new and one updated story", st)
	}
	if got := storyOf(t, db, "a1"); got != story {
		t.Errorf("the earliest part changed id: %s, want %s", got, story)
	}
	later, _, err := db.Story(storyOf(t, db, "a3"))
	if err != nil {
		t.Fatal(err)
	}
	if !later.Created.Equal(before.Created) || !later.Updated.Equal(clock.t) || later.First != "2018-04-25" || later.Sources != 2 {
		t.Errorf("the later part: %+v; want it made when the story was, updated now", later)
	}
	if c, _ := db.Counts(); c.Stories != 2 {
		t.Errorf("counts %+v, want 2 stories", c)
	}
}

func TestStoryIDsStableAcrossRuns(t *testing.T) {
	nights := [][]string{
		{"a1 rferl RU telegram block 2018-04-16", "a2 rferl IR telegram restrict 2018-04-30"},
		{"a3 guardian RU telegram block 2018-04-20", "a4 guardian RU telegram block 2018-05-16"},
		{"a5 bbc RU telegram block 2018-05-03"}, // bridges a1/a3 and a4
	}
	run := func(start time.Time) (perNight [][]string, final []string) {
		path := filepath.Join(t.TempDir(), "pw.db")
		for i, n := range nights {
			// A fresh open per night, as the nightly batch does.
			db, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			db.now = func() time.Time { return start.Add(time.Duration(i) * 24 * time.Hour) }
			if _, err := db.Save(specBatch(t, n...)); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, k := range []string{"a1", "a2"} {
				ids = append(ids, storyOf(t, db, k))
			}
			perNight = append(perNight, ids)
			db.Close()
		}
		db, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		stories, err := db.Stories(StoryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stories {
			final = append(final, s.ID)
		}
		return perNight, final
	}
	night1, final1 := run(time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC))
	night2, final2 := run(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	if !reflect.DeepEqual(night1, night2) || !reflect.DeepEqual(final1, final2) {
		t.Errorf("the same reports gave different ids:\n%q %q\n%q %q", night1, final1, night2, final2)
	}
	for i := range night1 {
		if !reflect.DeepEqual(night1[i], night1[0]) {
			t.Errorf("night %d: stories of a1, a2 are %q, night 1 %q", i+1, night1[i], night1[0])
		}
	}
	if len(final1) != 2 {
		t.Errorf("%d stories at the end, want 2", len(final1))
	}
}

func TestStoryBestDateAndReason(t *testing.T) {
	mk := func(key, feed, date, reason string, conf float64) ArticleEvents {
		ae := specEvent(t, key+" "+feed+" RU telegram block "+date)
		ae.Events[0].Reason = reason
		ae.Events[0].Confidence = conf
		return ae
	}
	tests := []struct {
		name         string
		articles     []ArticleEvents
		date, reason string
		first, last  string
		confidence   float64
		sources      int
		wantFeeds    []string
	}{
		{
			name: "precise beats attested, attested beats confident",
			articles: []ArticleEvents{
				mk("a1", "rferl", "2018-04", "refused to hand over encryption keys", 0.9),
				mk("a2", "rferl", "2018-04", "", 0.5),
				mk("a3", "guardian", "2018-04-16", "Refused to hand over  encryption keys", 0.6),
				mk("a4", "bbc", "2018-04-16", "national security", 0.95),
				mk("a5", "bbc", "2018-04-17", "", 0.99),
			},
			date:       "2018-04-16",
			reason:     "refused to hand over encryption keys", // twice; the wording of the 0.9 event
			first:      "2018-04",
			last:       "2018-04-17",
			confidence: 0.99,
			sources:    5,
			wantFeeds:  []string{"bbc", "guardian", "rferl"},
		},
		{
			name: "ties go to the most confident",
			articles: []ArticleEvents{
				mk("a1", "rferl", "2018-04-16", "violating the law on information", 0.6),
				mk("a2", "rferl", "2018-04-18", "national security", 0.8),
			},
			date:       "2018-04-18",
			reason:     "national security",
			first:      "2018-04-16",
			last:       "2018-04-18",
			confidence: 0.8,
			sources:    2,
			wantFeeds:  []string{"rferl"},
		},
		{
			name:       "no reason at all",
			articles:   []ArticleEvents{mk("a1", "-", "2018", "", 0.4)},
			date:       "2018",
			first:      "2018",
			last:       "2018",
			confidence: 0.4,
			sources:    1,
			wantFeeds:  []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTemp(t)
			st, err := db.Save(Batch{Articles: tt.articles})
			if err != nil {
				t.Fatal(err)
			}
			if len(st.NewStoryIDs) != 1 {
				t.Fatalf("NewStoryIDs %q, want one", st.NewStoryIDs)
			}
			s, _, err := db.Story(st.NewStoryIDs[0])
			if err != nil {
				t.Fatal(err)
			}
			got := []any{s.Date, s.Reason, s.First, s.Last, s.Confidence, s.Sources, s.Feeds}
			want := []any{tt.date, tt.reason, tt.first, tt.last, tt.confidence, tt.sources, tt.wantFeeds}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("date, reason, first, last, confidence, sources, feeds =\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func TestStoryNotFound(t *testing.T) {
	db := openTemp(t)
	_, _, err := db.Story("nope")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("err = %v, want ErrNotFound naming the id", err)
	}
}

func TestStoryWindowOption(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "pw.db"), Options{StoryWindow: -time.Hour}); err == nil || !strings.Contains(err.Error(), "negative story window") {
		t.Errorf("negative window: err = %v", err)
	}
	// A Handle passes its options on each visit.
	h := Handle{Path: filepath.Join(t.TempDir(), "pw.db"), Options: Options{StoryWindow: 24 * time.Hour}}
	if _, err := h.Save(specBatch(t, "a1 rferl RU telegram block 2018-04-01", "a2 rferl RU telegram block 2018-04-03")); err != nil {
		t.Fatal(err)
	}
	err := h.Do(func(db *DB) error {
		if got := partition(t, db); len(got) != 2 {
			t.Errorf("with a one-day window, reports two days apart made %q, want two stories", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Created comes from the DB clock when a story is made and stays; Updated
// follows changes; events keep their FirstSeen through it all.
func TestStoryTimestamps(t *testing.T) {
	db := openTemp(t)
	clock := &fixedClock{t: time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC)}
	db.now = clock.now
	b := specBatch(t, "a1 rferl RU telegram block 2018-04-01")
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(time.Hour)
	b.Articles[0].Events[0].Date = "2018-07-01"
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	e, err := db.Event(b.Articles[0].Events[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !e.FirstSeen.Equal(time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("FirstSeen %v", e.FirstSeen)
	}
	s, _, err := db.Story(storyOf(t, db, "a1"))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Created.Equal(time.Date(2018, 5, 1, 0, 0, 0, 0, time.UTC)) || !s.Updated.Equal(clock.t) {
		t.Errorf("story created %v updated %v", s.Created, s.Updated)
	}
}

// A report joining a stored story updates it from its record, its
// tallies and the new report, without reading its other reports: with
// one of them damaged on disk, the join still succeeds, and what it makes
// is what recomputing from every report makes.
func TestStoryJoinReadsOnlyTheNewReport(t *testing.T) {
	db := openTemp(t)
	if _, err := db.Save(specBatch(t, "a1 rferl RU telegram block 2018-04-01", "a2 guardian RU telegram block 2018-04-05")); err != nil {
		t.Fatal(err)
	}
	// A second night makes the story's tallies, if an older store had none.
	if _, err := db.Save(specBatch(t, "a3 bbc RU telegram block 2018-04-05")); err != nil {
		t.Fatal(err)
	}
	checkDB(t, db)
	sid := storyOf(t, db, "a1")
	var key, good []byte
	db.view(func(tx *bbolt.Tx) error {
		k, v := tx.Bucket(bucketStoryEvents).Cursor().Seek(pairKey(sid, ""))
		key, good = bytes.Clone(k), bytes.Clone(v)
		return nil
	})
	damage := func(v []byte) {
		if err := db.update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketStoryEvents).Put(key, v) }); err != nil {
			t.Fatal(err)
		}
	}
	damage([]byte("x"))
	b := specBatch(t, "a4 dw RU telegram block 2018-04-09")
	b.Articles[0].Events[0].Reason = "extremist content"
	st, err := db.Save(b)
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	if storyStats(st) != [3]int{0, 1, 0} {
		t.Errorf("join: %+v, want one updated story", st)
	}
	damage(good)
	checkStories(t, db)
	checkDB(t, db)
	if s, _, _ := db.Story(sid); s.Sources != 4 || s.Last != "2018-04-09" || s.Reason != "extremist content" || len(s.Feeds) != 4 {
		t.Errorf("story after the join: %+v", s)
	}
}
