package store

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
)

// Each event's extractor version is stored, indexed, counted by Stats
// from the index, and its index key goes when the event goes; an
// article's stamp says which version read it last.
func TestExtractorRecorded(t *testing.T) {
	db := openTemp(t)
	a := newArticle("https://example.org/a", "rferl", "2018-04-30")
	old := newEvent(a, "RU", "telegram", event.Block, "2018-04-16")
	old.Extractor = "v1+data.aaaaaaaaaaaa"
	gone := newEvent(a, "IR", "telegram", event.Block, "2018-04")
	gone.Extractor = "v1+data.aaaaaaaaaaaa"
	b := newArticle("https://example.org/b", "bbc", "2018-05-02")
	unknown := newEvent(b, "CN", "google", event.Block, "2018")
	if _, err := db.Save(Batch{Articles: []ArticleEvents{
		{Article: a, Events: []event.Event{old, gone}, Extractor: "v1+data.aaaaaaaaaaaa"},
		{Article: b, Events: []event.Event{unknown}},
	}}); err != nil {
		t.Fatal(err)
	}

	newer := old
	newer.Extractor = "v2+data.bbbbbbbbbbbb"
	st, err := db.Save(Batch{Articles: []ArticleEvents{{Article: a, Events: []event.Event{newer}, Extractor: "v2+data.bbbbbbbbbbbb"}}})
	if err != nil {
		t.Fatal(err)
	}
	// Only its version differs: updated, not changed.
	if st.UpdatedEvents != 1 || st.ChangedEvents != 0 || st.DeletedEvents != 1 {
		t.Errorf("stats %+v, want 1 updated, 0 changed, 1 deleted", st)
	}
	if e, err := db.Event(old.ID); err != nil || e.Extractor != newer.Extractor {
		t.Errorf("event = %+v, %v; want extractor %s", e, err, newer.Extractor)
	}
	if _, ok := dump(t, db)[string(bucketIdxExtractor)]; ok {
		t.Error("idx_extractor is made; schema version 4 dropped it")
	}
	stats, err := db.Stats(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []Count{{"", 1}, {"v2+data.bbbbbbbbbbbb", 1}}; !reflect.DeepEqual(stats.ByExtractor, want) {
		t.Errorf("ByExtractor %+v, want %+v", stats.ByExtractor, want)
	}
	if stamps := dump(t, db)[string(bucketExtractedBy)]; !reflect.DeepEqual(stamps, map[string]string{a.ID: "v2+data.bbbbbbbbbbbb"}) {
		t.Errorf("extracted_by %q", stamps)
	}
}

// A file written before schema version 4 has an index of events by
// extractor, which nothing reads since the kept counts: a read-write open
// drops it, and stats by extractor come out the same.
func TestExtractorIndexDropped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Save(specBatch(t, "a1 rferl RU telegram block 2018-04-16", "a2 bbc IR telegram restrict 2018")); err != nil {
		t.Fatal(err)
	}
	want, err := db.Stats(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	addExtractorIndex(t, path)

	var seen []UpgradeStep
	rw, err := Open(path, Options{Progress: func(s UpgradeStep) { seen = append(seen, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := dump(t, rw)[string(bucketIdxExtractor)]; ok {
		t.Error("idx_extractor is left after a read-write open")
	}
	if len(seen) != 2 || !strings.Contains(seen[0].Step, "dropping the unused index of events by extractor") || !seen[1].End {
		t.Errorf("progress %+v, want the drop said", seen)
	}
	got, err := rw.Stats(Filter{})
	rw.Close()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Stats after the drop: %+v, %v; want %+v", got, err, want)
	}
	if rep, err := Check(path, Options{}); err != nil || !rep.OK() {
		t.Errorf("check after the drop: %v %v", rep.Problems, err)
	}
}

// addExtractorIndex gives the file at path the idx_extractor that
// schema versions 2 and 3 kept: version \x00 padded date \x00 event id.
func addExtractorIndex(t *testing.T, path string) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bbolt.Tx) error {
		idx, err := tx.CreateBucket(bucketIdxExtractor)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			e, err := decodeEvent(v)
			if err != nil {
				return err
			}
			date, err := padDate(e.Date)
			if err != nil {
				return err
			}
			return idx.Put(valueKey(e.Extractor, date, e.ID), nil)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ArticlesToRead picks articles by feed and publication date, by the
// events stored for them, and leaves out those the version has read.
func TestArticlesToRead(t *testing.T) {
	db := openTemp(t)
	ru := newArticle("https://example.org/ru", "rferl", "2018-04-30")
	ir := newArticle("https://example.org/ir", "bbc", "2019-01-02")
	none := newArticle("https://example.org/none", "bbc", "2018-06-01")
	done := newArticle("https://example.org/done", "rferl", "2018-05-01")
	if _, err := db.Save(Batch{Articles: []ArticleEvents{
		{Article: ru, Events: []event.Event{newEvent(ru, "RU", "telegram", event.Block, "2018-04-16")}},
		{Article: ir, Events: []event.Event{newEvent(ir, "IR", "instagram", event.Block, "2019")}, Extractor: "v1"},
		{Article: none},
		{Article: done, Events: []event.Event{newEvent(done, "RU", "twitter", event.Throttle, "2018-05")}, Extractor: "v2"},
	}}); err != nil {
		t.Fatal(err)
	}
	idsOf := func(as ...ingest.Article) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		slices.Sort(out)
		return out
	}
	for _, tt := range []struct {
		name    string
		f       Filter
		want    []string
		current int
	}{
		{"all", Filter{}, idsOf(ru, ir, none), 1},
		{"by feed", Filter{Feeds: []string{"bbc"}}, idsOf(ir, none), 0},
		{"by publication date", Filter{Since: "2018-05", Until: "2018"}, idsOf(none), 1},
		{"by event country", Filter{Countries: []string{"RU"}}, idsOf(ru), 1},
		{"by event and feed", Filter{Countries: []string{"RU"}, Feeds: []string{"bbc"}}, nil, 0},
		{"by service", Filter{Services: []string{"instagram"}}, idsOf(ir), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, current, err := db.ArticlesToRead(Reading{Filter: tt.f, Version: "v2"})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) || current != tt.current {
				t.Errorf("ArticlesToRead = %q, %d current; want %q, %d", got, current, tt.want, tt.current)
			}
		})
	}
	if _, _, err := db.ArticlesToRead(Reading{Filter: Filter{Since: "April"}}); err == nil {
		t.Error("a bad date gives no error")
	}
}
