package pipeline_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// The encoding is storage only: every event the extractor finds in every
// labelled set and the demo corpus, and every article's text, read back
// from the store exactly as they were saved.
func TestLabelledRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts every labelled article")
	}
	articles, err := eval.LoadAll("../testdata/eval/dev", "../testdata/eval/train", "../testdata/eval/seed.jsonl", "../demo/corpus/gold.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	x, err := extract.New()
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "pw.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	want := map[string]event.Event{}
	saved := map[string]ingest.Article{}
	var batch store.Batch
	for i, ga := range articles {
		doc, err := ga.Document()
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("%s#%d", ga.ID, i) // ids repeat across sets
		a := ingest.Article{ID: ingest.ArticleID(key), Key: key, Feed: "labels", URL: ga.URL, Title: ga.Title,
			Published: doc.Published, Text: ga.Text, TextFrom: "page", Fetched: doc.Published.Add(time.Hour)}
		doc.ID = a.ID
		evs := x.Extract(doc)
		for i := range evs {
			evs[i].ArticleID = a.ID
			want[evs[i].ID] = evs[i]
		}
		saved[a.ID] = a
		batch.Articles = append(batch.Articles, store.ArticleEvents{Article: a, Events: evs, Extractor: x.Version()})
	}
	if _, err := db.Save(batch); err != nil {
		t.Fatal(err)
	}
	if len(want) < 500 {
		t.Fatalf("only %d events from %d articles; the test proves little", len(want), len(articles))
	}
	got, err := db.Events(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%d events read back, %d saved", len(got), len(want))
	}
	for _, r := range got {
		if !reflect.DeepEqual(r.Event, want[r.ID]) {
			t.Errorf("event %s read back as\n%+v\nsaved as\n%+v", r.ID, r.Event, want[r.ID])
		}
	}
	for id, a := range saved {
		back, err := db.Article(id)
		if err != nil || !reflect.DeepEqual(back, a) {
			t.Errorf("article %s read back as %+v, %v", id, back.Title, err)
		}
	}
}
