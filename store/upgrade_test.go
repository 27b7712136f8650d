package store

import (
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// downgradeToV1 turns a file into the version 1 layout with bbolt
// directly: the event buckets of version 2 are what version 1 wrote, so
// dropping the story buckets and the version number leaves exactly a
// version 1 file.
func downgradeToV1(t *testing.T, path string) {
	t.Helper()
	downgradeToV2(t, path)
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bbolt.Tx) error {
		for _, name := range storyBuckets {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUpgradeFromV1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nights := [][]string{
		{"a1 rferl RU telegram block 2018-04-16", "a2 rferl IR telegram restrict 2018-04-30", "a3 bbc RU telegram block 2017-03"},
		{"a4 guardian RU telegram block 2018-04", "a5 guardian RU telegram block 2018-04-25", "a6 bbc CN google block 2018"},
	}
	for _, n := range nights {
		if _, err := db.Save(specBatch(t, n...)); err != nil {
			t.Fatal(err)
		}
	}
	want := partition(t, db)
	wantEvents, _ := db.Events(Filter{})
	db.Close()
	downgradeToV1(t, path)

	// Read-only, the old file is not read: it needs an upgrade.
	ro, err := Open(path, Options{ReadOnly: true})
	if !errors.Is(err, ErrNeedsUpgrade) || !strings.Contains(err.Error(), "run `policywatch upgrade`") || !strings.Contains(err.Error(), path) {
		t.Errorf("read-only open of a version 1 file: %v, want ErrNeedsUpgrade naming the file and the fix", err)
	}
	if err == nil {
		ro.Close()
	}

	// Read-write, it is upgraded on open, in one go.
	clock := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer db.Close()
	var version string
	db.view(func(tx *bbolt.Tx) error {
		version = string(tx.Bucket(bucketMeta).Get(keySchemaVersion))
		return nil
	})
	if version != strconv.Itoa(SchemaVersion) {
		t.Errorf("schema version after upgrade %q, want 3", version)
	}
	if evs, err := db.Events(Filter{}); err != nil || !reflect.DeepEqual(evs, wantEvents) {
		t.Errorf("upgraded events: %d, %v; want %d", len(evs), err, len(wantEvents))
	}
	checkStories(t, db)
	if got := partition(t, db); !reflect.DeepEqual(got, want) {
		t.Errorf("upgraded stories %q, want %q as saving made them", got, want)
	}
	// The upgraded file goes on like any other.
	db.now = func() time.Time { return clock }
	st, err := db.Save(specBatch(t, "a7 bbc RU telegram block 2018-05-06"))
	if err != nil {
		t.Fatal(err)
	}
	if storyStats(st) != [3]int{0, 1, 0} {
		t.Errorf("save after upgrade: %+v, want it to join a story", st)
	}
	checkStories(t, db)
}

// An upgrade that cannot finish leaves the version 1 file as it was.
func TestUpgradeIsAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Save(specBatch(t, "a1 rferl RU telegram block 2018-04-16")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	downgradeToV1(t, path)
	// An index key naming an event that is not there.
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	bdb.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketIdxDateV2).Put(pairKey("2018-04-17", "ghost"), nil)
	})
	bdb.Close()

	if db, err := Open(path, Options{}); err == nil {
		db.Close()
		t.Fatal("upgrade of a damaged file succeeded")
	} else if !strings.Contains(err.Error(), "upgrade "+path+" from schema version 1") || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("err = %v, want it to say the upgrade failed on the ghost event", err)
	}
	_, err = Open(path, Options{ReadOnly: true})
	if !errors.Is(err, ErrNeedsUpgrade) || !strings.Contains(err.Error(), "schema version 1") {
		t.Errorf("after a failed upgrade: %v, want a version 1 file that needs an upgrade", err)
	}
}

// A file as version 1 wrote it has none of what was added within version
// 2 either: no kept counts, no index of update times or extractors. Its
// upgrade counts the stories it makes, in the transaction that makes
// them, and leaves a file Check finds sound.
func TestUpgradeFromV1Counts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Save(specBatch(t,
		"a1 rferl RU telegram block 2018-04-16", "a2 rferl IR telegram restrict 2018-04-30",
		"a3 bbc RU telegram block 2017-03", "a4 bbc CN google block 2018")); err != nil {
		t.Fatal(err)
	}
	want, err := db.Counts()
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	downgradeToV1(t, path)
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketIdxStoryUpdated, bucketIdxExtractor, bucketExtractedBy, bucketTallies} {
			if tx.Bucket(name) != nil {
				if err := tx.DeleteBucket(name); err != nil {
					return err
				}
			}
		}
		return tx.Bucket(bucketMeta).Delete(keyCounts)
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}

	var steps []string
	db, err = Open(path, Options{Progress: func(s UpgradeStep) {
		if s.Done == 0 {
			steps = append(steps, s.Step)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Counts()
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got != want || got.Stories == 0 {
		t.Errorf("counts after the upgrade %+v, want %+v", got, want)
	}
	if len(steps) == 0 {
		t.Error("the upgrade reported no progress")
	}
	if rep, err := Check(path, Options{}); err != nil || !rep.OK() {
		t.Errorf("check after the upgrade: %v %v", err, rep.Problems)
	}
}
