package store

import (
	"encoding/json"

	"github.com/policywatch/policywatch/ingest"
	"go.etcd.io/bbolt"
)

// FeedState returns what is remembered of the feed at url; a feed never
// fetched gives the zero state with only URL set.
func (db *DB) FeedState(url string) (ingest.FeedState, error) {
	st := ingest.FeedState{URL: url}
	err := db.view(func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketFeeds).Get([]byte(url))
		if raw == nil {
			return nil
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			return corrupt("decode feed state %s: %w", url, err)
		}
		return nil
	})
	if err != nil {
		return ingest.FeedState{}, err
	}
	return st, nil
}

// FeedStates returns the state of every feed ever fetched, ordered by URL.
func (db *DB) FeedStates() ([]ingest.FeedState, error) {
	var out []ingest.FeedState
	err := db.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketFeeds).ForEach(func(k, v []byte) error {
			var st ingest.FeedState
			if err := json.Unmarshal(v, &st); err != nil {
				return corrupt("decode feed state %s: %w", k, err)
			}
			out = append(out, st)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
