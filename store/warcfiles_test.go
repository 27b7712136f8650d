package store

import (
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
)

// The WARC provenance of an article and its events is stored and read
// back, a finished WARC file is recorded with the articles of its batch,
// and a store that never backfilled has finished no file.
func TestWARCProvenanceAndFiles(t *testing.T) {
	db := openTemp(t)
	const file = "https://data.example/CC-NEWS-20240901120000-00000.warc.gz"
	if _, done, err := db.WARCFileDone(file); err != nil || done {
		t.Fatalf("fresh store: done %v, %v", done, err)
	}
	a := newArticle("https://news.example/a", "", "2024-09-01")
	a.WARCFile, a.WARCOffset, a.WARCLength = file, 1234, 567
	e := newEvent(a, "RU", "telegram", event.Block, "2024-08-30")
	e.WARCFile, e.WARCOffset, e.WARCLength = file, 1234, 567
	finished := time.Date(2024, 9, 2, 0, 0, 0, 0, time.UTC)
	if _, err := db.Save(Batch{
		Articles:  []ArticleEvents{{Article: a, Events: []event.Event{e}}},
		WARCFiles: []WARCFile{{Name: file, Finished: finished, Records: 3, Pages: 1, Articles: 1, Events: 1}},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Article(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.WARCFile != file || got.WARCOffset != 1234 || got.WARCLength != 567 {
		t.Errorf("article read back with WARC %q %d+%d", got.WARCFile, got.WARCOffset, got.WARCLength)
	}
	r, err := db.Event(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.WARCFile != file || r.WARCOffset != 1234 || r.WARCLength != 567 {
		t.Errorf("event read back with WARC %q %d+%d", r.WARCFile, r.WARCOffset, r.WARCLength)
	}
	f, done, err := db.WARCFileDone(file)
	if err != nil || !done || f.Records != 3 || !f.Finished.Equal(finished) {
		t.Errorf("WARCFileDone = %+v, %v, %v", f, done, err)
	}
	if _, done, _ := db.WARCFileDone("other.warc.gz"); done {
		t.Error("a file never read is done")
	}
	db.Close()
	if rep, err := Check(db.path, Options{}); err != nil || !rep.OK() {
		t.Errorf("check after a backfill's save: %+v, %v", rep, err)
	}
}
