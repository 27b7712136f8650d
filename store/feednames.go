package store

import (
	"fmt"
	"slices"
	"strings"

	"go.etcd.io/bbolt"
)

// FeedNames returns the names of the feeds that stored events came from,
// sorted: the values a Filter's Feeds can match. They come from the kept
// counts; a file without them (an older one opened read-only) has every
// event read.
func (db *DB) FeedNames() ([]string, error) {
	seen := make(map[string]bool)
	err := db.view(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketTallies); b != nil {
			return allTallies(b, func(dim byte, value []byte, n int) {
				if dim == dimFeed && n > 0 {
					seen[string(value)] = true
				}
			})
		}
		return tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			r, err := decodeEvent(v)
			if err != nil {
				return corrupt("event %q: %v", k, err)
			}
			seen[r.Feed] = true
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list feeds of %s: %w", db.path, err)
	}
	delete(seen, "")
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// UnknownFeedError is a feed a filter names that no stored event came
// from: a misspelt name would otherwise match nothing.
type UnknownFeedError struct {
	Feed  string
	Known []string // the feeds with events, sorted
}

func (e *UnknownFeedError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("%q: no stored event came from any feed yet", e.Feed)
	}
	for _, k := range e.Known {
		if strings.EqualFold(k, e.Feed) {
			return fmt.Sprintf("%q: no stored event came from that feed; did you mean %q? (names are matched exactly)", e.Feed, k)
		}
	}
	const most = 30
	var b strings.Builder
	for i, k := range e.Known {
		if i == most {
			fmt.Fprintf(&b, " and %d more", len(e.Known)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", k)
	}
	return fmt.Sprintf("%q: no stored event came from that feed; the feeds with events are %s", e.Feed, b.String())
}

// CheckFeeds returns an *UnknownFeedError for the first of feeds that
// no stored event came from, or nil; see the function CheckFeeds.
func (db *DB) CheckFeeds(feeds []string) error { return CheckFeeds(db, feeds) }
