package pgstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// txBatch is one article with an event, and its feed's state.
func txBatch() store.Batch {
	pub := time.Date(2018, 4, 16, 9, 0, 0, 0, time.UTC)
	a := ingest.Article{ID: ingest.ArticleID("https://example.org/ru-telegram"), Key: "https://example.org/ru-telegram",
		Feed: "wire", URL: "https://example.org/ru-telegram", Title: "Russia blocks Telegram", Published: pub,
		Text: "Russia began blocking Telegram.", TextFrom: "page", Fetched: pub.Add(time.Hour)}
	e := event.Event{ID: event.ID(a.ID, "RU", "telegram", event.Block), Country: "RU", Service: "telegram",
		Action: event.Block, Date: "2018-04-16", Evidence: []string{"Russia began blocking Telegram."}, Confidence: 0.9,
		ArticleID: a.ID, SourceURL: a.URL, SourceTitle: a.Title, Published: "2018-04-16", Feed: a.Feed}
	return store.Batch{
		Articles: []store.ArticleEvents{{Article: a, Events: []event.Event{e}}},
		Feeds:    []ingest.FeedState{{URL: "https://example.org/wire.xml", ETag: `"1"`, LastStatus: 200}},
	}
}

// TestSaveTx: a batch saved in the caller's transaction is stored with
// that transaction's other rows, or not at all; saved again, by SaveTx or
// Save, it is updated, never stored twice.
func TestSaveTx(t *testing.T) {
	db, _ := openTest(t)
	ctx := t.Context()
	if _, err := db.Pool().Exec(ctx, "CREATE TABLE jobs (id int PRIMARY KEY, done bool NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	// saveWith saves the batch and marks job 1 done in one transaction.
	saveWith := func(b store.Batch, commit bool) store.SaveStats {
		t.Helper()
		tx, err := db.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(context.Background())
		st, err := db.SaveTx(ctx, tx, b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO jobs VALUES (1, true) ON CONFLICT (id) DO UPDATE SET done = true"); err != nil {
			t.Fatal(err)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return st
	}
	state := func() (store.Counts, int) {
		t.Helper()
		c, err := db.Counts()
		if err != nil {
			t.Fatal(err)
		}
		var jobs int
		if err := db.Pool().QueryRow(ctx, "SELECT count(*) FROM jobs").Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		return c, jobs
	}

	if st := saveWith(txBatch(), false); st.NewArticles != 1 || st.NewEvents != 1 {
		t.Errorf("rolled-back SaveTx reported %+v, want 1 new article and event", st)
	}
	if c, jobs := state(); c != (store.Counts{}) || jobs != 0 {
		t.Fatalf("after a rollback: %+v and %d jobs stored, want nothing", c, jobs)
	}

	if st := saveWith(txBatch(), true); st.NewArticles != 1 || st.NewEvents != 1 {
		t.Errorf("committed SaveTx reported %+v, want 1 new article and event", st)
	}
	want := store.Counts{Feeds: 1, Articles: 1, Events: 1, Stories: 1} // SaveTx groups stories as Save does
	if c, jobs := state(); c != want || jobs != 1 {
		t.Fatalf("after a commit: %+v and %d jobs, want %+v and 1", c, jobs, want)
	}
	first, err := db.Events(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}

	// A job worked again stores the same batch again: updated, not doubled.
	if st := saveWith(txBatch(), true); st.NewArticles != 0 || st.UpdatedArticles != 1 || st.NewEvents != 0 || st.UpdatedEvents != 1 {
		t.Errorf("second SaveTx reported %+v, want the article and event updated", st)
	}
	if st, err := db.Save(txBatch()); err != nil || st.UpdatedEvents != 1 {
		t.Errorf("Save after SaveTx: %+v, %v", st, err)
	}
	if c, _ := state(); c != want {
		t.Errorf("after saving again: %+v, want %+v", c, want)
	}
	again, err := db.Events(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 1 || !again[0].FirstSeen.Equal(first[0].FirstSeen) {
		t.Errorf("events after saving again %+v, want the first one's first_seen %v", again, first[0].FirstSeen)
	}
}

// TestSaveTxBadBatch: a batch that fails its checks is refused before
// anything is sent, naming the database, and leaves the transaction
// usable.
func TestSaveTxBadBatch(t *testing.T) {
	db, _ := openTest(t)
	ctx := t.Context()
	b := txBatch()
	b.Articles[0].Events[0].Date = "16 April 2018"
	err := pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error {
		if _, err := db.SaveTx(ctx, tx, b); err == nil || !strings.Contains(err.Error(), db.String()) {
			t.Errorf("SaveTx of an event dated %q: %v; want an error naming %s", b.Articles[0].Events[0].Date, err, db)
		}
		_, err := tx.Exec(ctx, "SELECT 1")
		return err
	})
	if err != nil {
		t.Errorf("the transaction after a refused batch: %v", err)
	}
	if _, err := db.SaveTx(ctx, nil, store.Batch{}); err != nil {
		t.Errorf("SaveTx of an empty batch: %v", err)
	}
}
