package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"go.etcd.io/bbolt"
)

func TestOpenCloseReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	a := newArticle("https://example.org/iran-telegram", "news", "2018-04-30")
	batch := Batch{Articles: []ArticleEvents{{Article: a, Events: []event.Event{
		newEvent(a, "IR", "telegram", event.Restrict, "2018-04-30"),
	}}}}
	if _, err := db.Save(batch); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	for _, opts := range []Options{{}, {ReadOnly: true}} {
		db, err := Open(path, opts)
		if err != nil {
			t.Fatalf("reopen %+v: %v", opts, err)
		}
		c, err := db.Counts()
		if err != nil {
			t.Fatal(err)
		}
		if want := (Counts{Articles: 1, Events: 1, Stories: 1}); c != want {
			t.Errorf("reopen %+v: counts %+v, want %+v", opts, c, want)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSchemaVersionWritten(t *testing.T) {
	db := openTemp(t)
	var got []byte
	db.view(func(tx *bbolt.Tx) error {
		got = bytes.Clone(tx.Bucket(bucketMeta).Get(keySchemaVersion))
		return nil
	})
	if string(got) != strconv.Itoa(SchemaVersion) {
		t.Errorf("schema_version = %q, want %d", got, SchemaVersion)
	}
	for _, name := range allBuckets {
		db.view(func(tx *bbolt.Tx) error {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing", name)
			}
			return nil
		})
	}
}

// writeSchemaVersion rewrites the version key with bbolt directly, as a
// newer policywatch would have.
func writeSchemaVersion(t *testing.T, path, version string) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keySchemaVersion, []byte(version))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSchemaRejected(t *testing.T) {
	tests := []struct {
		version string
		want    string
	}{
		{"5", "schema version 5, this policywatch understands 4; upgrade policywatch"},
		{"0", "schema version 0"},
		{"v1", `schema version "v1"`},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "policywatch.db")
			db, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			writeSchemaVersion(t, path, tt.version)
			for _, opts := range []Options{{}, {ReadOnly: true}} {
				db, err := Open(path, opts)
				if err == nil {
					db.Close()
					t.Fatalf("Open %+v succeeded on schema %s", opts, tt.version)
				}
				if !errors.Is(err, ErrSchema) {
					t.Errorf("Open %+v: %v, want ErrSchema", opts, err)
				}
				if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
					t.Errorf("Open %+v: %q, want it to name %s and say %q", opts, err, path, tt.want)
				}
			}
		})
	}
}

func TestOpenReadOnlyMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policywatch.db")
	_, err := Open(path, Options{ReadOnly: true})
	if err == nil {
		t.Fatal("read-only open of a missing file succeeded")
	}
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "policywatch demo") || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %q, want a not-exist error naming the path and how to create it", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only open created %s", path)
	}
}

func TestOpenNotADatabase(t *testing.T) {
	tests := []struct {
		name    string
		content []byte
		opts    Options
	}{
		{"short text", []byte("feeds:\n  - name: bbc\n"), Options{}},
		{"short text read-only", []byte("feeds:\n  - name: bbc\n"), Options{ReadOnly: true}},
		{"long text", bytes.Repeat([]byte("not a database at all\n"), 2000), Options{}},
		{"long text read-only", bytes.Repeat([]byte("not a database at all\n"), 2000), Options{ReadOnly: true}},
		{"empty read-only", nil, Options{ReadOnly: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "feeds.yaml")
			if err := os.WriteFile(path, tt.content, 0o644); err != nil {
				t.Fatal(err)
			}
			db, err := Open(path, tt.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded on a file that is not a database")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a policywatch database") {
				t.Errorf("err = %q, want it to name %s and say it is not a policywatch database", err, path)
			}
			got, _ := os.ReadFile(path)
			if !bytes.Equal(got, tt.content) {
				t.Error("Open modified the file")
			}
		})
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policywatch.db")
	writer, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()

	// bbolt locks with flock, which belongs to the open file description,
	// so a second Open in this process contends like another process would.
	for _, opts := range []Options{
		{ReadOnly: true, Timeout: 100 * time.Millisecond},
		{Timeout: 100 * time.Millisecond},
	} {
		start := time.Now()
		db, err := openWithin(t, path, opts)
		elapsed := time.Since(start)
		if err == nil {
			db.Close()
			t.Fatalf("Open %+v succeeded while a writer holds the file", opts)
		}
		if !errors.Is(err, ErrLocked) {
			t.Errorf("Open %+v: %v, want ErrLocked", opts, err)
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "policywatch run is probably in progress") {
			t.Errorf("Open %+v: %q, want the path and a hint", opts, err)
		}
		// bbolt gives up once the timeout, less its 50 ms retry, has
		// passed; how much later depends on the machine.
		if elapsed < 50*time.Millisecond {
			t.Errorf("Open %+v gave up after %v, want after its timeout of %v", opts, elapsed, opts.Timeout)
		}
	}

	// Once the writer is gone, readers share the file.
	writer.Close()
	r1, err := Open(path, Options{ReadOnly: true, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := Open(path, Options{ReadOnly: true, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("second reader: %v", err)
	}
	r2.Close()
}

func TestReadOnlyRejectsWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	a := newArticle("https://example.org/a", "news", "2018-04-30")
	if _, err := ro.Save(Batch{Articles: []ArticleEvents{{Article: a}}}); err == nil {
		t.Error("Save on a read-only store succeeded")
	}
}

// A run opens the file for every visit; reopening a current file must not
// commit (two fdatasyncs each), while a new file must be initialised.
func TestOpenCurrentFileDoesNotWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policywatch.db")
	txid := func() int {
		t.Helper()
		bdb, err := bbolt.Open(path, 0o644, &bbolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer bdb.Close()
		tx, err := bdb.Begin(false)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		return tx.ID()
	}
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	created := txid()
	if created == 0 {
		t.Fatal("a new file was not initialised")
	}
	for range 3 {
		db, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := txid(); got != created {
		t.Errorf("reopening a current file committed: txid %d, was %d", got, created)
	}
}

// The counts Save keeps must agree with counting the buckets themselves,
// across nights that re-extract articles (dropping events, emptying and
// merging stories); a file without them is counted the slow way read-only
// and given them by a read-write open.
func TestCountsAgreeWithBuckets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(db *DB, how string) {
		t.Helper()
		got, err := db.Counts()
		if err != nil {
			t.Fatal(err)
		}
		var want Counts
		db.view(func(tx *bbolt.Tx) error {
			want.Feeds = tx.Bucket(bucketFeeds).Stats().KeyN
			want.Articles = tx.Bucket(bucketArticles).Stats().KeyN
			want.Events = tx.Bucket(bucketEvents).Stats().KeyN
			want.Stories = tx.Bucket(bucketStories).Stats().KeyN
			return nil
		})
		if got != want || want.Events == 0 {
			t.Errorf("%s: Counts = %+v, buckets hold %+v", how, got, want)
		}
	}
	for night := range 4 {
		n := 300
		if night > 0 {
			n = 1 // re-extracts the first twenty articles
		}
		randomStore(t, db, n, uint64(night+7))
		check(db, fmt.Sprintf("night %d", night))
	}
	a := newArticle("https://example.org/dropped", "bbc", "2018-05-02")
	two := []event.Event{newEvent(a, "RU", "telegram", "block", "2018-05"), newEvent(a, "IR", "twitter", "fine", "2018-05-01")}
	for _, evs := range [][]event.Event{two, two[:1], nil} {
		if _, err := db.Save(Batch{Articles: []ArticleEvents{{Article: a, Events: evs}}}); err != nil {
			t.Fatal(err)
		}
		check(db, fmt.Sprintf("an article with %d events", len(evs)))
	}
	db.Close()

	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyCounts) }); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	check(ro, "read-only, without counts")
	ro.Close()
	rw, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	rw.bolt.View(func(tx *bbolt.Tx) error {
		if _, ok := readCounts(tx); !ok {
			t.Error("a read-write open did not count")
		}
		return nil
	})
	check(rw, "counted on open")
}

// openWithin opens path, failing the test if Open has not returned in 2
// minutes: a lock timeout that is not applied makes bbolt wait for ever.
func openWithin(t *testing.T, path string, opts Options) (*DB, error) {
	t.Helper()
	type opened struct {
		db  *DB
		err error
	}
	done := make(chan opened, 1)
	go func() {
		db, err := Open(path, opts)
		done <- opened{db, err}
	}()
	select {
	case o := <-done:
		return o.db, o.err
	case <-time.After(2 * time.Minute):
		t.Fatalf("Open %+v still waits for the lock after 2 minutes", opts)
		return nil, nil
	}
}
