package main

import (
	"bytes"
	"fmt"
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

// policywatch upgrade says what it did: nothing to a current store, the
// steps it took to one that lacks what this policywatch keeps, and no
// store where there is none.
func TestUpgradeCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw.db")
	r := policywatch(t, nil, "upgrade", "--db", path)
	if r.code == exitOK || !strings.Contains(r.stderr, path+" does not exist") {
		t.Errorf("upgrade of no store: exit %d, %q; want an error naming it", r.code, r.stderr)
	}

	fillDB(t, path, "events.jsonl")
	r = policywatch(t, nil, "upgrade", "--db", path)
	if r.code != exitOK || r.stdout != fmt.Sprintf("%s is current (schema version %d); nothing to do.\n", path, store.SchemaVersion) || r.stderr != "" {
		t.Errorf("upgrade of a current store: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket([]byte("event_tallies")) }); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	r = policywatch(t, nil, "upgrade", "--db", path, "--no-progress")
	if r.code != exitOK || strings.Contains(r.stdout, "nothing to do") || !strings.Contains(r.stdout, path) ||
		!strings.Contains(r.stderr, "counting events for stats") {
		t.Errorf("upgrade of a store without its tallies: exit %d, stdout %q, stderr %q; want the step named and the store said upgraded", r.code, r.stdout, r.stderr)
	}
	must(t, "check", "--db", path)
}
