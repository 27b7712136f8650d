package store

import (
	"fmt"
	"slices"

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
				return corrupt("event %s: %v", k, err)
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
