package backfill

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v3"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

func localOpen(ctx context.Context, name string) (io.ReadCloser, error) { return os.Open(name) }

func newBackfiller(t testing.TB, db Store, prefilter bool) *Backfiller {
	t.Helper()
	x := extractor(t)
	b := &Backfiller{Extractor: x, DB: db, Open: localOpen, Workers: 2}
	if prefilter {
		pf, err := x.Prefilter()
		if err != nil {
			t.Fatal(err)
		}
		b.Prefilter = pf
	}
	return b
}

func openStore(t testing.TB, path string) *store.DB {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// allEvents lists a store's events, by id.
func allEvents(t testing.TB, db *store.DB) []event.Record {
	t.Helper()
	evs, err := db.Events(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(evs, func(a, b event.Record) int { return cmpString(a.ID, b.ID) })
	return evs
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// A backfill of a WARC file of the demo corpus stores the events the
// extractor finds in each page, under the article id the nightly run
// gives the same URL, with the WARC file, offset and length that give
// back the record's exact bytes; the noise of a crawl is skipped.
func TestBackfillStoresCorpusEvents(t *testing.T) {
	dir := t.TempDir()
	pages := corpusPages(t)
	warc := filepath.Join(dir, "CC-NEWS-20240901120000-00000.warc.gz")
	writeWARC(t, warc, append(slices.Clone(pages), noise()...), true)
	db := openStore(t, filepath.Join(dir, "pw.db"))

	sum, err := newBackfiller(t, db, true).Run(background(), []string{warc})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", sum)
	if sum.FilesRead != 1 || sum.Records != 1+2*(len(pages)+len(noise())) || sum.Pages != len(pages) {
		t.Errorf("read %d files, %d records, %d pages; want 1, %d, %d", sum.FilesRead, sum.Records, sum.Pages, 1+2*(len(pages)+len(noise())), len(pages))
	}

	// What the extractor finds in each page read as the run reads it.
	x := extractor(t)
	want := map[string]event.Event{}
	for _, p := range pages {
		pg, err := ingest.ReadPage(bytes.NewReader(p.Body), p.ContentType)
		if err != nil {
			t.Fatal(err)
		}
		key := ingest.CanonicalURL(p.URI)
		pub := pg.Published
		if pub.IsZero() {
			pub = warcDate
		}
		for _, e := range x.Extract(extract.Document{ID: ingest.ArticleID(key), URL: p.URI, Title: pg.Title, Text: pg.Text, Published: pub}) {
			want[e.ID] = e
		}
	}
	got := allEvents(t, db)
	if len(got) != len(want) || len(got) < 30 {
		t.Errorf("stored %d events, the extractor finds %d in the pages", len(got), len(want))
	}
	raw, err := os.ReadFile(warc)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		w, ok := want[r.ID]
		if !ok {
			t.Errorf("stored event %s (%s %s %s) is not the extractor's", r.ID, r.Country, r.Service, r.Action)
			continue
		}
		e := r.Event
		if e.WARCFile != warc || e.WARCLength <= 0 {
			t.Errorf("event %s: WARC %q at %d+%d", e.ID, e.WARCFile, e.WARCOffset, e.WARCLength)
			continue
		}
		e.WARCFile, e.WARCOffset, e.WARCLength = "", 0, 0
		if !reflect.DeepEqual(e, w) {
			t.Errorf("event %s stored as\n%+v\nthe extractor gives\n%+v", e.ID, e, w)
		}
		// The bytes at offset and length are the record, and its URI is
		// the event's source.
		rd, err := gowarc.NewWarcFileReaderFromStream(bytes.NewReader(raw[r.WARCOffset:r.WARCOffset+r.WARCLength]), 0)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := rd.Next()
		if err != nil {
			t.Fatalf("event %s: the bytes at %d+%d are no WARC record: %v", e.ID, r.WARCOffset, r.WARCLength, err)
		}
		if uri := rec.WarcRecord.WarcHeader().Get(gowarc.WarcTargetURI); uri != e.SourceURL || rec.Size != r.WARCLength {
			t.Errorf("event %s: the record at %d is of %s (%d bytes), the event's source %s", e.ID, r.WARCOffset, uri, rec.Size, e.SourceURL)
		}
		if _, err := rd.Next(); err != io.EOF {
			t.Errorf("event %s: more than one record at %d+%d", e.ID, r.WARCOffset, r.WARCLength)
		}
		rec.Close()
		rd.Close()
		a, err := db.Article(e.ArticleID)
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != ingest.ArticleID(ingest.CanonicalURL(e.SourceURL)) || a.WARCFile != warc || a.WARCOffset != r.WARCOffset || a.WARCLength != r.WARCLength {
			t.Errorf("article %s: id or WARC provenance %q %d+%d differs from its event's", a.ID, a.WARCFile, a.WARCOffset, a.WARCLength)
		}
	}

	// Read again: the file is recorded as read, and nothing changes.
	sum2, err := newBackfiller(t, db, true).Run(background(), []string{warc})
	if err != nil {
		t.Fatal(err)
	}
	if sum2.FilesSkipped != 1 || sum2.Records != 0 || sum2.NewEvents != 0 {
		t.Errorf("second backfill: %+v; want the file skipped", sum2)
	}
	if again := allEvents(t, db); !reflect.DeepEqual(again, got) {
		t.Error("second backfill changed the events")
	}
}

// A backfill stopped in the middle of a file keeps what it stored, does
// not record the file, and the next one reads the file again to the same
// store an uninterrupted backfill makes.
func TestBackfillResumesInterruptedFile(t *testing.T) {
	dir := t.TempDir()
	warc := filepath.Join(dir, "a.warc.gz")
	writeWARC(t, warc, corpusPages(t), true)

	ref := openStore(t, filepath.Join(dir, "ref.db"))
	if _, err := newBackfiller(t, ref, false).Run(background(), []string{warc}); err != nil {
		t.Fatal(err)
	}
	want := allEvents(t, ref)

	db := openStore(t, filepath.Join(dir, "pw.db"))
	ctx, cancel := context.WithCancel(background())
	b := newBackfiller(t, db, false)
	b.BatchSize = 5
	b.Progress = &cancelAfter{n: 30, cancel: cancel}
	sum, err := b.Run(ctx, []string{warc})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Interrupted || sum.FilesRead != 0 {
		t.Fatalf("stopped backfill: %+v; want it interrupted with no file read", sum)
	}
	if _, done, _ := db.WARCFileDone(warc); done {
		t.Fatal("a file cut short is recorded as read")
	}
	part := allEvents(t, db)
	if len(part) == 0 || len(part) >= len(want) {
		t.Fatalf("the stopped backfill stored %d of %d events; want some, not all", len(part), len(want))
	}

	sum, err = newBackfiller(t, db, false).Run(background(), []string{warc})
	if err != nil {
		t.Fatal(err)
	}
	if sum.FilesRead != 1 || sum.Duplicates == 0 {
		t.Errorf("resumed backfill: %+v; want the file read, its stored articles skipped", sum)
	}
	got := allEvents(t, db)
	if len(got) != len(want) {
		t.Fatalf("resumed store has %d events, uninterrupted %d", len(got), len(want))
	}
	for i := range got {
		got[i].FirstSeen, want[i].FirstSeen = time.Time{}, time.Time{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the resumed store's events differ from the uninterrupted one's")
	}
}

// cancelAfter stops a backfill after n records.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Add(n int) {
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
}
func (c *cancelAfter) Finish() {}
