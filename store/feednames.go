package store

import (
	"encoding/json"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"
)

// FeedNames returns the names of the feeds that stored events came from,
// sorted: the values a Filter's Feeds can match. There is no index of
// them, so it reads every event, decoding only its feed.
func (db *DB) FeedNames() ([]string, error) {
	seen := make(map[string]bool)
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			var e struct {
				Feed string `json:"feed"`
			}
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("event %s: decode: %w", k, err)
			}
			seen[e.Feed] = true
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
