package main

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/store"
	"go.etcd.io/bbolt"
)

// Opening a store that lacks the tallies makes them, and says so: log
// lines off a terminal, a bar on one.
func TestUpgradeProgress(t *testing.T) {
	for _, bar := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "pw.db")
		db, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		bdb, err := bbolt.Open(path, 0o644, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := bdb.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket([]byte("event_tallies")) }); err != nil {
			t.Fatal(err)
		}
		bdb.Close()

		var out bytes.Buffer
		log := slog.New(slog.NewTextHandler(&out, nil))
		db, err = store.Open(path, store.Options{Progress: upgradeProgress(&out, bar, log, path)})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		want := []string{"upgrading the database, once", "counting events for stats", "upgrade step done"}
		if bar {
			want = []string{"upgrading " + path + ": counting events for stats"}
		}
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("bar %v: output %q does not say %q", bar, out.String(), w)
			}
		}
	}
}
