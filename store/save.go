package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"go.etcd.io/bbolt"
)

// Batch is one unit of writing: it is stored in a single transaction, so
// either all of it lands or none of it does.
type Batch struct {
	Articles []ArticleEvents
	// Feeds are stored after the articles, in the same transaction, so a
	// feed is only marked fetched once its articles are safe.
	Feeds []ingest.FeedState
	// WARCFiles are the WARC files a backfill finished with these
	// articles: stored after them, in the same transaction, so a file is
	// only marked read once all it gave is safe.
	WARCFiles []WARCFile
}

// ArticleEvents is an article with every event extracted from it. Saving
// it replaces the events stored for the article before: the events it no
// longer has are deleted.
type ArticleEvents struct {
	Article ingest.Article
	Events  []event.Event
	// Extractor is the version of the extractor that found Events, if
	// known; the store records that it read the article.
	Extractor string `json:",omitempty"`
}

// SaveStats tells what a Save changed.
type SaveStats struct {
	NewArticles, UpdatedArticles int
	NewEvents, UpdatedEvents     int
	// ChangedEvents are the UpdatedEvents whose fields, other than the
	// version of their extractor, differ from those stored.
	ChangedEvents int
	// DeletedEvents are events an article had before and no longer has,
	// typically after the extractor improved.
	DeletedEvents int
	// NewStories were made by this Save; NewStoryIDs names them, in the
	// order they were made. UpdatedStories are stories stored before
	// whose fields changed, named by UpdatedStoryIDs, so that a caller
	// saving many batches can count each story once; DeletedStories lost
	// their last event or were merged into another story.
	NewStories, UpdatedStories, DeletedStories int
	NewStoryIDs, UpdatedStoryIDs               []string
}

// Save writes a batch in one transaction. An event already stored under
// the same id is replaced and keeps its FirstSeen; a new one gets
// FirstSeen = now. In the same transaction, new and changed events are
// grouped into stories and deleted ones leave theirs; only the stories
// these events touch are recomputed. Any invalid article or event fails the whole batch and
// leaves the store untouched.
func (db *DB) Save(b Batch) (SaveStats, error) {
	if len(b.Articles) == 0 && len(b.Feeds) == 0 && len(b.WARCFiles) == 0 {
		return SaveStats{}, nil
	}
	var st SaveStats
	now := db.now().UTC()
	err := db.update(func(tx *bbolt.Tx) error {
		packDated(tx)
		w := writer{tx: tx, now: now, stats: &st, stories: newGrouper(boltKV{tx}, now, db.window, &st), tallies: tallyDelta{}}
		for i := range b.Articles {
			if err := w.saveArticle(&b.Articles[i]); err != nil {
				return err
			}
		}
		for _, f := range b.Feeds {
			if err := w.saveFeed(f); err != nil {
				return err
			}
		}
		for _, f := range b.WARCFiles {
			if err := w.saveWARCFile(f); err != nil {
				return err
			}
		}
		if err := w.stories.finish(); err != nil {
			return fmt.Errorf("stories: %w", err)
		}
		if err := w.tallies.apply(tx); err != nil {
			return fmt.Errorf("tallies: %w", err)
		}
		return addCounts(tx, &st)
	})
	if err != nil {
		return SaveStats{}, fmt.Errorf("save batch to %s: %w", db.path, err)
	}
	return st, nil
}

// datedFill is how full Save packs the pages of the events bucket, which
// is in date order: news comes mostly in date order, so it grows at its
// end, where bbolt's default of half-full pages would leave every page it
// splits half empty for good (a 20,000-event synthetic store: 764 bytes
// an event instead of 1,086). The indexes, which grow inside the range
// of each value, are smaller at the default.
const datedFill = 0.9

// packDated sets datedFill on this transaction's handle of the events
// bucket.
func packDated(tx *bbolt.Tx) {
	for _, name := range [][]byte{bucketEvents} {
		if b := tx.Bucket(name); b != nil {
			b.FillPercent = datedFill
		}
	}
}

// Seen reports which of the item keys (ingest.Item.Key) already have a
// stored article. Every key given is in the map.
func (db *DB) Seen(keys []string) (map[string]bool, error) {
	seen := make(map[string]bool, len(keys))
	err := db.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketKeys)
		for _, k := range keys {
			seen[k] = b.Get([]byte(k)) != nil
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seen: %w", err)
	}
	return seen, nil
}

// writer holds what one Save transaction needs.
type writer struct {
	tx      *bbolt.Tx
	now     time.Time
	stats   *SaveStats
	stories *grouper
	tallies tallyDelta
}

func (w writer) saveArticle(ae *ArticleEvents) error {
	a := &ae.Article
	evs, err := CheckArticle(*ae)
	if err != nil {
		return err
	}
	raw, err := encodeArticle(a)
	if err != nil {
		return fmt.Errorf("article %s: encode: %w", a.ID, err)
	}
	articles := w.tx.Bucket(bucketArticles)
	if articles.Get([]byte(a.ID)) != nil {
		w.stats.UpdatedArticles++
	} else {
		w.stats.NewArticles++
	}
	if err := articles.Put([]byte(a.ID), raw); err != nil {
		return fmt.Errorf("article %s: %w", a.ID, err)
	}
	if err := w.tx.Bucket(bucketKeys).Put([]byte(a.Key), []byte(a.ID)); err != nil {
		return fmt.Errorf("article %s: key: %w", a.ID, err)
	}

	if ae.Extractor != "" {
		if err := stampArticle(w.tx, a.ID, ae.Extractor); err != nil {
			return fmt.Errorf("article %s: extractor: %w", a.ID, err)
		}
	}
	before := articleEventIDs(w.tx, a.ID)
	current := make(map[string]bool, len(evs))
	for _, e := range evs {
		if err := w.saveEvent(a.ID, e, current); err != nil {
			return err
		}
	}
	for _, id := range before {
		if current[id] {
			continue
		}
		if err := w.deleteEvent(id); err != nil {
			return fmt.Errorf("article %s: drop stale event %s: %w", a.ID, id, err)
		}
		w.stats.DeletedEvents++
	}
	return nil
}

// saveEvent stores e, which CheckArticle passed, and records its id in
// saved.
func (w writer) saveEvent(articleID string, e event.Event, saved map[string]bool) error {
	saved[e.ID] = true
	date, err := padDate(e.Date)
	if err != nil {
		return fmt.Errorf("article %s: event %s: %w", articleID, e.ID, err)
	}

	events := w.tx.Bucket(bucketEvents)
	rec := event.Record{Event: e, FirstSeen: w.now}
	var prev *event.Event
	switch stored, err := getEvent(w.tx, e.ID); {
	case err == nil:
		prev = &stored.Event
		// The date (and so the keys) may have changed since.
		if err := deleteIndexes(w.tx, *prev); err != nil {
			return fmt.Errorf("article %s: event %s: %w", articleID, e.ID, err)
		}
		if prev.ArticleID != articleID {
			if err := w.tx.Bucket(bucketArticleEvents).Delete(pairKey(prev.ArticleID, e.ID)); err != nil {
				return fmt.Errorf("article %s: event %s: %w", articleID, e.ID, err)
			}
		}
		if !stored.FirstSeen.IsZero() {
			rec.FirstSeen = stored.FirstSeen
		}
		w.tallies.add(prev, -1)
		w.stats.UpdatedEvents++
		if changed(prev, &e) {
			w.stats.ChangedEvents++
		}
	case errors.Is(err, ErrNotFound):
		w.stats.NewEvents++
	default:
		return fmt.Errorf("article %s: stored event %s: %w", articleID, e.ID, err)
	}
	w.tallies.add(&e, 1)

	raw, err := encodeEvent(rec)
	if err != nil {
		return fmt.Errorf("article %s: encode event %s: %w", articleID, e.ID, err)
	}
	if err := events.Put(eventKey(date, e.ID), raw); err != nil {
		return fmt.Errorf("article %s: event %s: %w", articleID, e.ID, err)
	}
	if err := w.tx.Bucket(bucketEventDates).Put([]byte(e.ID), []byte(date)); err != nil {
		return fmt.Errorf("article %s: event %s: %w", articleID, e.ID, err)
	}
	if err := w.tx.Bucket(bucketArticleEvents).Put(pairKey(articleID, e.ID), nil); err != nil {
		return fmt.Errorf("article %s: event %s: %w", articleID, e.ID, err)
	}
	for _, ix := range eventIndexKeys(e, date)[1:] { // [0] is the record, Put above
		if err := w.tx.Bucket(ix.bucket).Put(ix.key, nil); err != nil {
			return fmt.Errorf("article %s: event %s: index %s: %w", articleID, e.ID, ix.bucket, err)
		}
	}
	if err := w.stories.saved(prev, &e); err != nil {
		return fmt.Errorf("article %s: event %s: story: %w", articleID, e.ID, err)
	}
	return nil
}

// validateEvent rejects what would corrupt the key layout or the
// vocabulary. It fills an empty ArticleID from the article being saved.
func validateEvent(articleID string, i int, e *event.Event) error {
	if e.ID == "" {
		return fmt.Errorf("article %s: event %d (%s %s %s): empty id", articleID, i, e.Country, e.Service, e.Action)
	}
	switch {
	case e.ArticleID == "":
		e.ArticleID = articleID
	case e.ArticleID != articleID:
		return fmt.Errorf("article %s: event %s belongs to article %s", articleID, e.ID, e.ArticleID)
	}
	for _, f := range []struct{ name, value string }{
		{"country", e.Country}, {"service", e.Service}, {"action", string(e.Action)},
	} {
		// Invalid UTF-8 would be keyed one way and told another: a story
		// record, JSON, holds U+FFFD where its index keys hold the bytes.
		if f.value == "" || strings.ContainsRune(f.value, 0) || !utf8.ValidString(f.value) {
			return fmt.Errorf("article %s: event %s: invalid %s %q", articleID, e.ID, f.name, f.value)
		}
	}
	if !e.Action.Valid() {
		return fmt.Errorf("article %s: event %s: unknown action %q", articleID, e.ID, e.Action)
	}
	return nil
}

func (w writer) saveFeed(f ingest.FeedState) error {
	if err := CheckFeed(f); err != nil {
		return err
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("feed %s: encode: %w", f.URL, err)
	}
	if err := w.tx.Bucket(bucketFeeds).Put([]byte(f.URL), raw); err != nil {
		return fmt.Errorf("feed %s: %w", f.URL, err)
	}
	return nil
}

// deleteEvent removes an event with its index entries and its link to
// its article.
func (w writer) deleteEvent(id string) error {
	e, err := getEvent(w.tx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	if err := deleteIndexes(w.tx, e.Event); err != nil {
		return err
	}
	w.tallies.add(&e.Event, -1)
	if err := w.tx.Bucket(bucketArticleEvents).Delete(pairKey(e.ArticleID, id)); err != nil {
		return err
	}
	if err := w.tx.Bucket(bucketEventDates).Delete([]byte(id)); err != nil {
		return err
	}
	if err := w.stories.deleted(id); err != nil {
		return fmt.Errorf("story: %w", err)
	}
	return nil
}

// indexEntry is one key in one secondary index, or, in the events
// bucket, the key of an event.
type indexEntry struct {
	bucket []byte
	key    []byte
}

// eventIndexKeys lists the index keys of e, whose padded date is date.
// The first is the event's key in the events bucket, which is in date
// order itself; event_dates, keyed by the id, has a value and is kept
// apart.
func eventIndexKeys(e event.Event, date string) []indexEntry {
	return []indexEntry{
		{bucketEvents, eventKey(date, e.ID)},
		{bucketIdxCountry, valueKey(e.Country, date, e.ID)},
		{bucketIdxService, valueKey(e.Service, date, e.ID)},
		{bucketIdxAction, valueKey(string(e.Action), date, e.ID)},
	}
}

// eventIndexBuckets are the buckets that index every event: those of
// eventIndexKeys but the events bucket itself, in its order, then
// article_events.
func eventIndexBuckets() [][]byte {
	var out [][]byte
	for _, ix := range eventIndexKeys(event.Event{}, "")[1:] {
		out = append(out, ix.bucket)
	}
	return append(out, bucketArticleEvents)
}

// changed reports whether b says something a does not: any field but the
// version of the extractor that said it.
func changed(a, b *event.Event) bool {
	x, y := *a, *b
	x.Extractor, y.Extractor = "", ""
	return !reflect.DeepEqual(x, y)
}

// deleteIndexes deletes the event e, as stored, from the events bucket
// and its index entries; event_dates, which Save rewrites or deletes
// after, is left.
func deleteIndexes(tx *bbolt.Tx, e event.Event) error {
	date, err := padDate(e.Date)
	if err != nil {
		return fmt.Errorf("stored event %s: %w", e.ID, err)
	}
	for _, ix := range eventIndexKeys(e, date) {
		if err := tx.Bucket(ix.bucket).Delete(ix.key); err != nil {
			return fmt.Errorf("index %s: %w", ix.bucket, err)
		}
	}
	return nil
}

// articleEventIDs lists the events stored for an article.
func articleEventIDs(tx *bbolt.Tx, articleID string) []string {
	return kvArticleEventIDs(boltKV{tx}, articleID)
}

func kvArticleEventIDs(kv kv, articleID string) []string {
	var ids []string
	prefix := pairKey(articleID, "")
	c := kv.bucket(bucketArticleEvents).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, string(k[len(prefix):]))
	}
	return ids
}

// pairKey is a \x00 b: the key of article_events and of the events
// bucket.
func pairKey(a, b string) []byte {
	k := make([]byte, 0, len(a)+1+len(b))
	k = append(k, a...)
	k = append(k, 0)
	return append(k, b...)
}

// valueKey is value \x00 date \x00 id: the key of the exact-match indexes.
func valueKey(value, date, id string) []byte {
	k := make([]byte, 0, len(value)+len(date)+len(id)+2)
	k = append(k, value...)
	k = append(k, 0)
	k = append(k, date...)
	k = append(k, 0)
	return append(k, id...)
}
