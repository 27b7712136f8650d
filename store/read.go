package store

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"go.etcd.io/bbolt"
)

// Event returns the event with the given id, or an error wrapping
// ErrNotFound.
func (db *DB) Event(id string) (extract.Event, error) {
	var e extract.Event
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		return getJSON(tx.Bucket(bucketEvents), id, &e)
	})
	if err != nil {
		return extract.Event{}, fmt.Errorf("event %s: %w", id, err)
	}
	return e, nil
}

// Article returns the article with the given id, or an error wrapping
// ErrNotFound.
func (db *DB) Article(id string) (ingest.Article, error) {
	var a ingest.Article
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		return getJSON(tx.Bucket(bucketArticles), id, &a)
	})
	if err != nil {
		return ingest.Article{}, fmt.Errorf("article %s: %w", id, err)
	}
	return a, nil
}

// ArticleEvents returns the events stored for an article, in the order
// Events uses. An unknown article gives an error wrapping ErrNotFound; a
// known article without events gives none.
func (db *DB) ArticleEvents(articleID string) ([]extract.Event, error) {
	var out []extract.Event
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketArticles).Get([]byte(articleID)) == nil {
			return ErrNotFound
		}
		events := tx.Bucket(bucketEvents)
		for _, id := range articleEventIDs(tx, articleID) {
			var e extract.Event
			if err := getJSON(events, id, &e); err != nil {
				return fmt.Errorf("event %s: %w", id, err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events of article %s: %w", articleID, err)
	}
	slices.SortFunc(out, compareEvents)
	return out, nil
}

// Counts is how many records of each kind the store holds.
type Counts struct {
	Feeds, Articles, Events, Stories int
}

// Counts counts feeds, articles, events and stories. Counting a bucket's
// keys reads every page of it; the articles and events buckets hold
// their texts and are most of the file (gigabytes at a million events,
// seconds to walk, all the while holding off a run's writes), so they are
// counted by small buckets with one key each: keys (every article is
// stored under its item key), idx_date and idx_story_last.
func (db *DB) Counts() (Counts, error) {
	var c Counts
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		c.Feeds = tx.Bucket(bucketFeeds).Stats().KeyN
		c.Articles = tx.Bucket(bucketKeys).Stats().KeyN
		c.Events = tx.Bucket(bucketIdxDate).Stats().KeyN
		if b := tx.Bucket(bucketIdxStoryLast); b != nil { // nil in a version 1 file
			c.Stories = b.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		return Counts{}, fmt.Errorf("counts %s: %w", db.path, err)
	}
	return c, nil
}

// getJSON decodes the value at key into v, or returns ErrNotFound.
func getJSON(b *bbolt.Bucket, key string, v any) error {
	raw := b.Get([]byte(key))
	if raw == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}
