package store

import (
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// Stories with ChangedSince reads idx_story_updated; it must give what
// reading every story and keeping those updated since then gives, in the
// same order, with every other filter, after nights that make, change and
// empty stories, and on a file written before the index existed, read-only
// (which reads every story) and after a read-write open builds the index.
func TestStoriesChangedSince(t *testing.T) {
	path := t.TempDir() + "/policywatch.db"
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2019, 1, 1, 3, 0, 0, 0, time.UTC)
	clock := &fixedClock{}
	db.now = clock.now
	for night := range 5 {
		clock.t = base.Add(time.Duration(night) * 24 * time.Hour)
		// The first night stores many articles; each later one extracts
		// the first twenty anew: stories are made, gain and lose events,
		// and some are emptied.
		n := 400
		if night > 0 {
			n = 1
		}
		randomStore(t, db, n, uint64(night+1))
	}

	filters := []StoryFilter{
		{},
		{Filter: Filter{Countries: []string{"RU"}}},
		{Filter: Filter{Limit: 5}},
		{Filter: Filter{Since: "2018", Services: []string{"telegram", "internet"}}},
		{CreatedAfter: base.Add(24 * time.Hour)},
	}
	sinces := []time.Time{
		base.Add(-time.Hour),
		base.Add(24 * time.Hour),
		base.Add(2*24*time.Hour + time.Nanosecond),
		base.Add(4 * 24 * time.Hour),
		base.Add(5 * 24 * time.Hour),
	}
	check := func(db *DB, how string) {
		t.Helper()
		for _, f := range filters {
			all := f
			all.Limit = 0
			every, err := db.Stories(all)
			if err != nil {
				t.Fatal(err)
			}
			for _, since := range sinces {
				var want []string
				for _, s := range every {
					if !s.Updated.Before(since) {
						want = append(want, s.ID)
					}
				}
				if f.Limit > 0 && len(want) > f.Limit {
					want = want[:f.Limit]
				}
				g := f
				g.ChangedSince = since
				got, err := db.Stories(g)
				if err != nil {
					t.Fatal(err)
				}
				if ids := storyIDs(got); !slices.Equal(ids, want) {
					t.Errorf("%s: %+v since %v:\n got %v\nwant %v", how, f, since, ids, want)
				}
			}
		}
	}
	changed, err := db.Stories(StoryFilter{ChangedSince: base.Add(4 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.Stories(StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) == 0 || len(changed) == len(all) {
		t.Fatalf("%d of %d stories changed on the last night; the test proves nothing", len(changed), len(all))
	}
	check(db, "indexed")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A file from before the index: drop it.
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketIdxStoryUpdated) }); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	check(ro, "read-only, no index")
	ro.Close()

	rw, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	check(rw, "index rebuilt")
	rw.bolt.View(func(tx *bbolt.Tx) error {
		idx, stories := tx.Bucket(bucketIdxStoryUpdated), tx.Bucket(bucketStories)
		if idx == nil {
			t.Fatal("read-write open did not build the index")
		}
		if n, m := idx.Stats().KeyN, stories.Stats().KeyN; n != m {
			t.Errorf("index has %d keys for %d stories", n, m)
		}
		return nil
	})
}

func storyIDs(list []Story) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.ID
	}
	return out
}
