package store

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

// Which extractor made what: every event records its extractor's
// version, which the kept counts (event_tallies) count, so that stats
// gives them without decoding events; every article records the version
// that last read it, in extracted_by, so that `policywatch reextract`
// knows what is out of date and resumes after a kill where it stopped.
// Both were added within schema version 2.
var (
	// bucketIdxExtractor is version \x00 padded date \x00 event id ->
	// empty: an index of events by extractor, made within version 2 for
	// stats, which the kept counts made unused. It was a twentieth of a
	// store's bytes (BENCHMARKS.md); version 4 drops it.
	bucketIdxExtractor = []byte("idx_extractor")
	// bucketExtractedBy is article id -> the version of the extractor
	// that last read it. Made by the first Save that says; an article
	// missing from it was read by an extractor that did not say.
	bucketExtractedBy = []byte("extracted_by")
)

// stampArticle records that extractor version read the article.
func stampArticle(tx *bbolt.Tx, articleID, version string) error {
	b, err := tx.CreateBucketIfNotExists(bucketExtractedBy)
	if err != nil {
		return err
	}
	return b.Put([]byte(articleID), []byte(version))
}

// Reading picks stored articles to read again. An article is picked when
// it matches every field given: Feeds and the publication dates Since and
// Until (inclusive, "2018", "2018-04" or "2018-04-16") select by the
// article; Countries, Services and Actions by the events stored for it,
// any of which must match them. Other fields of Filter are ignored.
type Reading struct {
	Filter Filter
	// Version leaves out the articles this extractor version has read
	// already.
	Version string
}

// ArticlesToRead returns, in id order, the ids of the articles r picks
// that r.Version has not read, and how many it picks that it has.
func (db *DB) ArticlesToRead(r Reading) (ids []string, current int, err error) {
	q, err := compile(r.Filter)
	if err != nil {
		return nil, 0, err
	}
	var byEvent map[string]bool // nil: no event filter
	if len(q.countries)+len(q.services)+len(q.actions) > 0 {
		byEvent = map[string]bool{}
		f := Filter{Countries: r.Filter.Countries, Services: r.Filter.Services, Actions: r.Filter.Actions}
		if err := db.EachEvent(f, func(e event.Record) error {
			byEvent[e.ArticleID] = true
			return nil
		}); err != nil {
			return nil, 0, err
		}
	}
	err = db.view(func(tx *bbolt.Tx) error {
		stamps := tx.Bucket(bucketExtractedBy) // nil before the first stamp
		return tx.Bucket(bucketArticles).ForEach(func(k, v []byte) error {
			if byEvent != nil && !byEvent[string(k)] {
				return nil
			}
			if len(q.feeds) > 0 || q.since != "" || q.until != "" {
				a, err := decodeArticle(v)
				if err != nil {
					return fmt.Errorf("article %s: %w", k, err)
				}
				day := a.Published.UTC().Format(time.DateOnly)
				if len(q.feeds) > 0 && !slices.Contains(q.feeds, a.Feed) ||
					q.since != "" && day < q.since || q.until != "" && day > q.until {
					return nil
				}
			}
			if stamps != nil && r.Version != "" && bytes.Equal(stamps.Get(k), []byte(r.Version)) {
				current++
				return nil
			}
			ids = append(ids, string(k))
			return nil
		})
	})
	if err != nil {
		return nil, 0, fmt.Errorf("articles to read in %s: %w", db.path, err)
	}
	return ids, current, nil
}
