package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"go.etcd.io/bbolt"
)

// v2Store writes a store with every kind of record through Save and the
// alert calls, then turns it into what schema version 2 wrote for them
// (downgradeToV2, with the frozen encoder). It returns the path and what
// the store held, read before the downgrade.
func v2Store(t *testing.T) (string, snapshot) {
	t.Helper()
	path, want := fullStore(t)
	downgradeToV2(t, path)
	return path, want
}

// fullStore writes a store with every kind of record through Save and the
// alert calls, and returns its path and what it holds.
func fullStore(t *testing.T) (string, snapshot) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pw.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{t: time.Date(2018, 5, 1, 3, 0, 0, 0, time.UTC)}
	db.now = clock.now
	long := strings.Repeat("Roskomnadzor said it had started blocking Telegram after a Moscow court ruled against it. ", 30)
	nights := []Batch{
		specBatch(t, "a1 rferl RU telegram block 2018-04-16", "a2 rferl IR telegram restrict 2018-04-30",
			"a3 bbc RU telegram block 2017-03", "a4 guardian CN google block 2018"),
		specBatch(t, "a5 guardian RU telegram block 2018-04-25", "a6 bbc RU telegram block 2018-04-20"),
	}
	// An article of several events, a long text in a zone east of UTC,
	// and an extractor that says who it is.
	a := newArticle("https://example.org/multi", "meduza", "2018-04-18")
	a.Text, a.Published = long, time.Date(2018, 4, 18, 9, 30, 0, 0, time.FixedZone("", 3*3600))
	multi := ArticleEvents{Article: a, Extractor: "v1.2.0", Events: []event.Event{
		newEvent(a, "RU", "telegram", event.Block, "2018-04-16"),
		newEvent(a, "RU", "vpn", event.Restrict, "2018-04"),
		newEvent(a, "BY", "telegram", event.Throttle, "2018"),
	}}
	for i := range multi.Events {
		multi.Events[i].Extractor = "v1.2.0"
		multi.Events[i].Reason = "refused to hand over keys"
	}
	multi.Events[0].Evidence = append(multi.Events[0].Evidence, "A second sentence, ü.")
	nights = append(nights, Batch{
		Articles: []ArticleEvents{multi},
		Feeds:    []ingest.FeedState{{URL: "https://example.org/feed", ETag: `"x"`, LastOK: clock.t, LastStatus: 200}},
	})
	// A backfilled article, read from a WARC file: its provenance on the
	// article and its event, and the file recorded as finished.
	w := newArticle("https://example.org/archived", "", "2018-04-21")
	w.WARCFile, w.WARCOffset, w.WARCLength = "https://data.example.org/crawl-00001.warc.gz", 1<<33+17, 48213
	we := newEvent(w, "RU", "telegram", event.Block, "2018-04-21")
	we.WARCFile, we.WARCOffset, we.WARCLength = w.WARCFile, w.WARCOffset, w.WARCLength
	we.Extractor = "v1.2.0"
	nights = append(nights, Batch{
		Articles:  []ArticleEvents{{Article: w, Extractor: "v1.2.0", Events: []event.Event{we}}},
		WARCFiles: []WARCFile{{Name: w.WARCFile, Finished: clock.t.Add(36 * time.Hour), Records: 310, Pages: 120, Articles: 1, Events: 1}},
		Feeds:     []ingest.FeedState{{URL: "https://example.org/other", LastModified: "Tue, 01 May 2018 03:00:00 GMT", LastOK: clock.t, LastStatus: 304}},
	})
	// Re-extraction: an event changes its date, another goes.
	again := specEvent(t, "a2 rferl IR telegram restrict 2018-05-02")
	nights = append(nights, Batch{Articles: []ArticleEvents{again, {Article: specEvent(t, "a3 bbc RU telegram block 2017-03").Article}}})
	for _, b := range nights {
		clock.t = clock.t.Add(24 * time.Hour)
		if _, err := db.Save(b); err != nil {
			t.Fatal(err)
		}
	}
	stories, err := db.Stories(StoryFilter{})
	if err != nil || len(stories) < 3 {
		t.Fatalf("stories: %d, %v", len(stories), err)
	}
	if _, _, err := db.ClaimAlert("russia", stories[0].ID, clock.t); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinishAlert("russia", stories[0].ID, AlertFailed, "HTTP 502", clock.t); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.ClaimAlert("any", stories[1].ID, clock.t); err != nil {
		t.Fatal(err)
	}
	if err := db.SetAlertsCovered(clock.t); err != nil {
		t.Fatal(err)
	}
	want := snap(t, db)
	if len(want.events) != 9 || len(want.articles) != 8 {
		t.Fatalf("the store holds %d events and %d articles, want 9 and 8", len(want.events), len(want.articles))
	}
	// What the checks below rely on is there to be lost.
	if a := want.articles[w.ID]; a.WARCFile == "" || a.WARCOffset != w.WARCOffset || a.WARCLength != w.WARCLength {
		t.Fatalf("the backfilled article reads %+v before the downgrade", a)
	}
	if e := want.byID[we.ID]; e.WARCFile == "" || e.WARCOffset != we.WARCOffset || e.Extractor != "v1.2.0" {
		t.Fatalf("the backfilled event reads %+v before the downgrade", e)
	}
	if len(want.feeds) != 2 || !want.warcFiles[w.WARCFile] || len(want.buckets[string(bucketTallies)]) == 0 ||
		len(want.buckets[string(bucketStoryTallies)]) == 0 || len(want.alerts) != 2 || want.covered.IsZero() {
		t.Fatalf("the store holds %d feeds, WARC files %v, %d tallies, %d story tallies, %d alert records, covered %v",
			len(want.feeds), want.warcFiles, len(want.buckets[string(bucketTallies)]),
			len(want.buckets[string(bucketStoryTallies)]), len(want.alerts), want.covered)
	}
	db.Close()
	return path, want
}

// snapshot is everything a store holds, as its readers see it, and the
// buckets the upgrade must leave byte for byte as they were.
type snapshot struct {
	events   []event.Record
	byID     map[string]event.Record
	articles map[string]ingest.Article
	stories  []Story
	details  map[string][]event.Record
	alerts   []AlertRecord
	covered  time.Time
	feeds    []ingest.FeedState
	// warcFiles says of each WARC file name in the store whether
	// WARCFileDone finds it finished.
	warcFiles map[string]bool
	counts    Counts
	stats     Stats
	byPeriod  []PeriodCount
	feedNames []string
	buckets   map[string]map[string]string
}

// untouched are the buckets version 3 keeps as version 2 had them.
var untouched = [][]byte{
	bucketMeta, bucketFeeds, bucketKeys, bucketArticleEvents,
	bucketIdxCountry, bucketIdxService, bucketIdxAction, bucketExtractedBy,
	bucketStories, bucketStoryEvents, bucketEventStory, bucketIdxStoryTriple, bucketIdxStoryLast, bucketIdxStoryUpdated,
	bucketAlertsSent, bucketAlertsMeta, bucketWARCFiles, bucketTallies, bucketStoryTallies,
}

func snap(t *testing.T, db *DB) snapshot {
	t.Helper()
	var s snapshot
	var err error
	if s.events, err = db.Events(Filter{}); err != nil {
		t.Fatal(err)
	}
	s.byID, s.articles, s.details = map[string]event.Record{}, map[string]ingest.Article{}, map[string][]event.Record{}
	for _, e := range s.events {
		if s.byID[e.ID], err = db.Event(e.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range bucketKeysOf(t, db, bucketArticles) {
		if s.articles[id], err = db.Article(id); err != nil {
			t.Fatal(err)
		}
	}
	if s.stories, err = db.Stories(StoryFilter{}); err != nil {
		t.Fatal(err)
	}
	for _, st := range s.stories {
		if _, s.details[st.ID], err = db.Story(st.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, rule := range []string{"russia", "any"} {
		recs, err := db.Alerts(rule)
		if err != nil {
			t.Fatal(err)
		}
		s.alerts = append(s.alerts, recs...)
	}
	if s.covered, err = db.AlertsCovered(); err != nil {
		t.Fatal(err)
	}
	if s.feeds, err = db.FeedStates(); err != nil {
		t.Fatal(err)
	}
	s.warcFiles = map[string]bool{}
	for _, name := range bucketKeysOf(t, db, bucketWARCFiles) {
		if _, s.warcFiles[name], err = db.WARCFileDone(name); err != nil {
			t.Fatal(err)
		}
	}
	if s.counts, err = db.Counts(); err != nil {
		t.Fatal(err)
	}
	if s.stats, err = db.Stats(Filter{}); err != nil {
		t.Fatal(err)
	}
	if s.byPeriod, err = db.ByPeriodAndAction(Filter{}); err != nil {
		t.Fatal(err)
	}
	if s.feedNames, err = db.FeedNames(); err != nil {
		t.Fatal(err)
	}
	s.buckets = dumpBuckets(t, db, untouched...)
	// The schema version is the one thing in meta an upgrade changes.
	delete(s.buckets[string(bucketMeta)], string(keySchemaVersion))
	return s
}

func (s snapshot) diff(t *testing.T, got snapshot) {
	t.Helper()
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"events", got.events, s.events},
		{"events by id", got.byID, s.byID},
		{"articles", got.articles, s.articles},
		{"stories", got.stories, s.stories},
		{"stories' events", got.details, s.details},
		{"alert records", got.alerts, s.alerts},
		{"alerts covered", got.covered, s.covered},
		{"feed states", got.feeds, s.feeds},
		{"finished WARC files", got.warcFiles, s.warcFiles},
		{"counts", got.counts, s.counts},
		{"stats", got.stats, s.stats},
		{"counts by period and action", got.byPeriod, s.byPeriod},
		{"feed names", got.feedNames, s.feedNames},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s after the upgrade:\n%+v\nwant %+v", c.what, c.got, c.want)
		}
	}
	for name, want := range s.buckets {
		if !reflect.DeepEqual(got.buckets[name], want) {
			t.Errorf("bucket %s changed in the upgrade:\n%q\nwant %q", name, got.buckets[name], want)
		}
	}
}

// A store written by schema version 2, the format of every release
// before this one, upgrades in place on its first read-write open,
// reporting its progress, and every event, article, story and alert
// record reads as it did.
func TestUpgradeFromV2(t *testing.T) {
	path, want := v2Store(t)

	// Until then, readers are told what to do, and check finds the pages
	// sound but cannot check the records.
	_, err := Open(path, Options{ReadOnly: true})
	if !errors.Is(err, ErrNeedsUpgrade) || !strings.Contains(err.Error(), "schema version 2") ||
		!strings.Contains(err.Error(), "policywatch upgrade") || !strings.Contains(err.Error(), path) {
		t.Errorf("read-only open of a version 2 file: %v, want ErrNeedsUpgrade naming the file, its version and the fix", err)
	}
	if rep, err := Check(path, Options{}); !errors.Is(err, ErrNeedsUpgrade) || !rep.OK() {
		t.Errorf("check of a version 2 file: %v, %v; want no problems and ErrNeedsUpgrade", rep.Problems, err)
	}

	var seen []UpgradeStep
	db, err := Open(path, Options{Progress: func(p UpgradeStep) { seen = append(seen, p) }})
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	got := snap(t, db)
	db.Close()
	want.diff(t, got)

	total := 2*len(want.events) + len(want.articles)
	step := fmt.Sprintf("rewriting events and articles in a compact encoding (upgrade from schema version 2 to %d)", SchemaVersion)
	if len(seen) != 2 || seen[0] != (UpgradeStep{Step: step, Total: total}) ||
		seen[1] != (UpgradeStep{Step: step, Done: total, Total: total, End: true}) {
		t.Errorf("progress %+v, want %q from 0 to %d of %d records, and no other step", seen, step, total, total)
	}
	rep, err := Check(path, Options{})
	if err != nil || !rep.OK() {
		t.Errorf("check after the upgrade: %v, %v", rep.Problems, err)
	}
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	buckets := dump(t, ro)
	ro.Close()
	for _, name := range []string{"idx_date", "upgrade"} {
		if _, ok := buckets[name]; ok {
			t.Errorf("bucket %s is left after the upgrade", name)
		}
	}
	if v := buckets["meta"]["schema_version"]; v != fmt.Sprint(SchemaVersion) {
		t.Errorf("schema version %q after the upgrade, want %d", v, SchemaVersion)
	}
	for id, raw := range buckets["articles"] {
		if z := storedText(t, []byte(raw)); z != nil && frameDictID(z) != textDictID {
			t.Errorf("article %s: text compressed without the dictionary after the upgrade", id)
		}
	}

	// Once: the next open finds nothing to do.
	seen = nil
	db, err = Open(path, Options{Progress: func(p UpgradeStep) { seen = append(seen, p) }})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if len(seen) != 0 {
		t.Errorf("a second open upgraded again: %+v", seen)
	}
}

// An upgrade stopped half-way, here by a record it cannot read, leaves
// the old records whole; once the record is mended, the next open goes
// on from where the first stopped and makes the same store. (A kill
// stops it so too, leaving nothing to mend.)
func TestUpgradeResumes(t *testing.T) {
	path, want := v2Store(t)
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The fifth event in date order: the first two chunks of two go in.
	var id, good []byte
	bdb.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketIdxDateV2).Cursor()
		k, _ := c.First()
		for range 4 {
			k, _ = c.Next()
		}
		_, id, _ = splitEventKey(k)
		id = append([]byte(nil), id...)
		good = append([]byte(nil), tx.Bucket(bucketEvents).Get(id)...)
		return nil
	})
	put := func(v []byte) {
		t.Helper()
		if err := bdb.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketEvents).Put(id, v) }); err != nil {
			t.Fatal(err)
		}
	}
	// Damaged where only the first byte is wrong, so that it can be
	// mended in the file, without a transaction: a write in between
	// would make the next upgrade begin again
	// (TestUpgradeAfterOlderReleaseWrote).
	bad := append([]byte{0xff}, good[1:]...)
	put(bad)
	var seen []UpgradeStep
	db := &DB{bolt: bdb, path: path, now: time.Now, window: DefaultStoryWindow, progress: func(p UpgradeStep) { seen = append(seen, p) }}
	err = db.upgradeRecords(2)
	if err == nil || !strings.Contains(err.Error(), "upgrade "+path+" from schema version 2") || !strings.Contains(err.Error(), string(id)) {
		t.Fatalf("upgrade with a damaged event: %v, want it to name the file and the event", err)
	}
	if len(seen) != 1 || seen[0].Done != 0 || seen[0].End {
		t.Errorf("progress before the damage %+v, want the step begun and not ended", seen)
	}
	bdb.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, bad); n != 1 {
		t.Fatalf("the damaged record is %d times in the file; want once", n)
	}
	raw[bytes.Index(raw, bad)] = good[0]
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}

	_, err = Open(path, Options{ReadOnly: true})
	if !errors.Is(err, ErrNeedsUpgrade) {
		t.Errorf("read-only open half-way through an upgrade: %v, want ErrNeedsUpgrade", err)
	}
	seen = nil
	db, err = Open(path, Options{Progress: func(p UpgradeStep) { seen = append(seen, p) }})
	if err != nil {
		t.Fatal(err)
	}
	got := snap(t, db)
	db.Close()
	want.diff(t, got)
	// It begins where the first stopped: four events in two chunks.
	if n := len(seen); n < 2 || seen[0].Done != 4 || !seen[n-1].End || seen[n-1].Done != seen[n-1].Total {
		t.Errorf("progress of the resumed upgrade %+v, want it to begin at 4 records and end", seen)
	}
	if rep, err := Check(path, Options{}); err != nil || !rep.OK() {
		t.Errorf("check after the resumed upgrade: %v, %v", rep.Problems, err)
	}
}

// Recover reads a damaged file of either version into a current one.
func TestRecoverVersion2(t *testing.T) {
	path, want := v2Store(t)
	to := filepath.Join(t.TempDir(), "recovered.db")
	rep, err := Recover(path, to, Options{})
	if err != nil || rep.DroppedN != 0 || len(rep.Unreadable) != 0 {
		t.Fatalf("recover of a sound version 2 file: %+v, %v", rep, err)
	}
	db, err := Open(to, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	got := snap(t, db)
	db.Close()
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"events", got.events, want.events},
		{"articles", got.articles, want.articles},
		{"stories", fmt.Sprint(len(got.stories)), fmt.Sprint(len(want.stories))},
		{"counts", got.counts, want.counts},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("recovered %s:\n%+v\nwant %+v", c.what, c.got, c.want)
		}
	}
	if rep, err := Check(to, Options{}); err != nil || !rep.OK() {
		t.Errorf("check of the recovered file: %v, %v", rep.Problems, err)
	}
}

// An upgrade stopped half-way leaves the file to the release that wrote
// it, which reads it and writes to it as before (the README says so). If
// that release changes an event the stopped upgrade had rewritten
// already (a reextract does), the next upgrade must not go on from where
// it stopped, which would swap in the rewritten copy of before the
// change and lose it.
func TestUpgradeAfterOlderReleaseWrote(t *testing.T) {
	path, _ := v2Store(t)
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Stopped by a record it cannot read, the fifth event in date
	// order, after two chunks of two.
	var fifth, good []byte
	bdb.Update(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketIdxDateV2).Cursor()
		k, _ := c.First()
		for range 4 {
			k, _ = c.Next()
		}
		_, fifth, _ = splitEventKey(k)
		fifth = bytes.Clone(fifth)
		good = bytes.Clone(tx.Bucket(bucketEvents).Get(fifth))
		return tx.Bucket(bucketEvents).Put(fifth, []byte(`{"id":`))
	})
	db := &DB{bolt: bdb, path: path, now: time.Now, window: DefaultStoryWindow}
	if err := db.upgradeRecords(2); err == nil {
		t.Fatal("the upgrade was not stopped")
	}
	// The older release changes the first event in date order, which
	// the first chunk rewrote.
	var id []byte
	err = bdb.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketUpgrade) == nil {
			return errors.New("no upgrade under way")
		}
		k, _ := tx.Bucket(bucketIdxDateV2).Cursor().First()
		_, id, _ = splitEventKey(k)
		id = bytes.Clone(id)
		var rec map[string]any
		if err := json.Unmarshal(tx.Bucket(bucketEvents).Get(id), &rec); err != nil {
			return err
		}
		rec["reason"] = "changed by the older release"
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketEvents).Put(fifth, good); err != nil {
			return err
		}
		return tx.Bucket(bucketEvents).Put(id, raw)
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	up, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	e, err := up.Event(string(id))
	if err != nil {
		t.Fatal(err)
	}
	if e.Reason != "changed by the older release" {
		t.Errorf("event %s after the upgrade has reason %q; want the older release's change kept", id, e.Reason)
	}
	if rep, err := Check(path, Options{ReadOnly: true, Timeout: time.Millisecond}); err == nil && !rep.OK() {
		t.Errorf("check after the upgrade: %v", rep.Problems)
	}
}
