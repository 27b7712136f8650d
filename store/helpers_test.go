package store

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"go.etcd.io/bbolt"
)

// openTemp opens a fresh read-write store in the test's temp dir.
func openTemp(t testing.TB) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "policywatch.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fixedClock makes FirstSeen predictable; set advances it.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }

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

// dump copies every bucket, to compare the whole store before and after.
func dump(t testing.TB, db *DB) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	err := db.view(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			m := map[string]string{}
			out[string(name)] = m
			return b.ForEach(func(k, v []byte) error {
				m[string(k)] = string(v)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// bucketKeysOf lists the keys of one bucket in order.
func bucketKeysOf(t testing.TB, db *DB, bucket []byte) []string {
	t.Helper()
	var keys []string
	err := db.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func ids(evs []event.Record) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func hasKeyContaining(keys []string, s string) bool {
	return slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(k, s) })
}
