package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"go.etcd.io/bbolt"
)

// Event returns the event with the given id, or an error wrapping
// ErrNotFound.
func (db *DB) Event(id string) (event.Record, error) {
	var e event.Record
	err := db.view(func(tx *bbolt.Tx) error {
		var err error
		e, err = getEvent(tx, id)
		return err
	})
	if err != nil {
		return event.Record{}, fmt.Errorf("event %s: %w", id, err)
	}
	return e, nil
}

// Article returns the article with the given id, or an error wrapping
// ErrNotFound.
func (db *DB) Article(id string) (ingest.Article, error) {
	var a ingest.Article
	err := db.view(func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketArticles).Get([]byte(id))
		if raw == nil {
			return ErrNotFound
		}
		var err error
		a, err = decodeArticle(raw)
		return err
	})
	if err != nil {
		return ingest.Article{}, fmt.Errorf("article %s: %w", id, err)
	}
	return a, nil
}

// ArticleEvents returns the events stored for an article, in the order
// Events uses. An unknown article gives an error wrapping ErrNotFound; a
// known article without events gives none.
func (db *DB) ArticleEvents(articleID string) ([]event.Record, error) {
	var out []event.Record
	err := db.view(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketArticles).Get([]byte(articleID)) == nil {
			return ErrNotFound
		}
		for _, id := range articleEventIDs(tx, articleID) {
			e, err := getEvent(tx, id)
			if err != nil {
				return fmt.Errorf("event %s: %w", id, missing(err, "%s", bucketArticleEvents))
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

// Counts counts feeds, articles, events and stories. Save keeps the
// counts of articles, events and stories in the meta bucket: counting a
// bucket's keys reads every page of it, and the articles and events
// buckets hold their texts and are most of the file (at a million events,
// gigabytes and seconds, all the while holding off a run's writes). A
// file written before the counts were kept, opened read-only, is counted
// the slow way.
func (db *DB) Counts() (Counts, error) {
	var c Counts
	err := db.view(func(tx *bbolt.Tx) error {
		var ok bool
		if c, ok = readCounts(tx); !ok {
			c = countBuckets(tx)
		}
		c.Feeds = tx.Bucket(bucketFeeds).Stats().KeyN
		return nil
	})
	if err != nil {
		return Counts{}, fmt.Errorf("counts %s: %w", db.path, err)
	}
	return c, nil
}

// keyCounts is the meta key of the counts Save keeps: articles, events
// and stories as three big-endian uint64s.
var keyCounts = []byte("counts")

func readCounts(tx *bbolt.Tx) (Counts, bool) {
	return parseCounts(tx.Bucket(bucketMeta).Get(keyCounts))
}

func parseCounts(raw []byte) (Counts, bool) {
	if len(raw) != 24 {
		return Counts{}, false
	}
	return Counts{
		Articles: int(binary.BigEndian.Uint64(raw)),
		Events:   int(binary.BigEndian.Uint64(raw[8:])),
		Stories:  int(binary.BigEndian.Uint64(raw[16:])),
	}, true
}

func writeCounts(tx *bbolt.Tx, c Counts) error {
	if c.Articles < 0 || c.Events < 0 || c.Stories < 0 {
		return fmt.Errorf("counts would go negative: %+v", c)
	}
	raw := binary.BigEndian.AppendUint64(nil, uint64(c.Articles))
	raw = binary.BigEndian.AppendUint64(raw, uint64(c.Events))
	raw = binary.BigEndian.AppendUint64(raw, uint64(c.Stories))
	if err := tx.Bucket(bucketMeta).Put(keyCounts, raw); err != nil {
		return fmt.Errorf("write counts: %w", err)
	}
	return nil
}

// addCounts adds what a Save did to the kept counts.
func addCounts(tx *bbolt.Tx, st *SaveStats) error {
	c, ok := readCounts(tx)
	if !ok {
		return errors.New("counts missing")
	}
	c.Articles += st.NewArticles
	c.Events += st.NewEvents - st.DeletedEvents
	c.Stories += st.NewStories - st.DeletedStories
	return writeCounts(tx, c)
}

// countBuckets counts articles, events and stories by their keys, in the
// smallest bucket holding one key for each: keys (every article is stored
// under its item key), event_dates and idx_story_last.
func countBuckets(tx *bbolt.Tx) Counts {
	c := Counts{
		Articles: tx.Bucket(bucketKeys).Stats().KeyN,
		Events:   tx.Bucket(bucketEventDates).Stats().KeyN,
	}
	if b := tx.Bucket(bucketIdxStoryLast); b != nil { // nil in a version 1 file
		c.Stories = b.Stats().KeyN
	}
	return c
}

// getJSON decodes the value at key into v, or returns ErrNotFound.
func getJSON(b *bbolt.Bucket, key string, v any) error {
	raw := b.Get([]byte(key))
	if raw == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return corrupt("decode: %w", err)
	}
	return nil
}
