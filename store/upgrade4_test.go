package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"go.etcd.io/bbolt"
)

// storedText is the compressed text of an article record, nil if its
// text is stored as it is.
func storedText(t *testing.T, raw []byte) []byte {
	t.Helper()
	var s storedArticle
	if err := cborDec().Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s.TextZ
}

// downgradeToV3 turns the file at path into what schema version 3
// wrote: the same records, but the articles' text compressed without a
// dictionary, at zstd's default level, as version 3 did.
func downgradeToV3(t *testing.T, path string) {
	t.Helper()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	n := 0
	err = bdb.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketArticles)
		redo := map[string][]byte{}
		b.ForEach(func(k, v []byte) error {
			var s storedArticle
			if err := cborDec().Unmarshal(v, &s); err != nil {
				return err
			}
			if s.TextZ == nil {
				return nil
			}
			text, err := zstdDec().DecodeAll(s.TextZ, nil)
			if err != nil {
				return err
			}
			s.TextZ = enc.EncodeAll(text, nil)
			raw, err := cborEnc().Marshal(s)
			redo[string(k)] = raw
			return err
		})
		for k, v := range redo {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
			n++
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("3"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no article has compressed text to downgrade")
	}
}

// A store written by schema version 3 upgrades on its first read-write
// open: the articles' text is compressed again with the dictionary,
// reporting progress, and every record reads as it did; every bucket but
// the articles is left byte for byte as it was.
func TestUpgradeFromV3(t *testing.T) {
	path, want := fullStore(t)
	downgradeToV3(t, path)
	addExtractorIndex(t, path)
	before := map[string]string{}
	{
		bdb, err := bbolt.Open(path, 0o644, &bbolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		bdb.View(func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error { before[string(k)] = string(v); return nil })
		})
		bdb.Close()
	}

	_, err := Open(path, Options{ReadOnly: true})
	if !errors.Is(err, ErrNeedsUpgrade) || !strings.Contains(err.Error(), "schema version 3") || !strings.Contains(err.Error(), "policywatch upgrade") {
		t.Errorf("read-only open of a version 3 file: %v, want ErrNeedsUpgrade naming its version and the fix", err)
	}

	var seen []UpgradeStep
	db, err := Open(path, Options{Progress: func(p UpgradeStep) { seen = append(seen, p) }})
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	got := snap(t, db)
	after := dump(t, db)
	db.Close()
	want.diff(t, got)
	if fmt.Sprint(after[string(bucketEvents)]) != fmt.Sprint(before) {
		t.Error("the events bucket changed in the upgrade")
	}
	step := "compressing the articles' text with a dictionary (upgrade from schema version 3 to 4)"
	drop := "dropping the unused index of events by extractor (upgrade to schema version 4)"
	total := len(want.articles)
	if len(seen) != 4 || seen[0] != (UpgradeStep{Step: step, Total: total}) ||
		seen[1] != (UpgradeStep{Step: step, Done: total, Total: total, End: true}) ||
		seen[2].Step != drop || seen[3].Step != drop || !seen[3].End {
		t.Errorf("progress %+v, want %q from 0 to %d, then %q, and no other step", seen, step, total, drop)
	}
	if _, ok := after[string(bucketIdxExtractor)]; ok {
		t.Error("idx_extractor is left after the upgrade")
	}
	compressed := 0
	for id, raw := range after[string(bucketArticles)] {
		if z := storedText(t, []byte(raw)); z != nil {
			compressed++
			if frameDictID(z) != textDictID {
				t.Errorf("article %s: text compressed without the dictionary after the upgrade", id)
			}
		}
	}
	if compressed == 0 {
		t.Error("no article holds compressed text")
	}
	if v := after[string(bucketMeta)][string(keySchemaVersion)]; v != "4" {
		t.Errorf("schema version %q after the upgrade, want 4", v)
	}
	if rep, err := Check(path, Options{}); err != nil || !rep.OK() {
		t.Errorf("check after the upgrade: %v, %v", rep.Problems, err)
	}

	// Once: the next open finds nothing to do.
	seen = nil
	db, err = Open(path, Options{Progress: func(p UpgradeStep) { seen = append(seen, p) }})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if len(seen) != 0 {
		t.Errorf("a second open upgraded again: %+v", seen)
	}
}

// An upgrade from version 3 killed half-way (here: its chunks run one at
// a time, and the version stamped back) goes on where it stopped: what
// it compressed is not compressed again, and the rest is.
func TestUpgradeFromV3Resumes(t *testing.T) {
	path, want := fullStore(t)
	downgradeToV3(t, path)
	db, err := Open(path, Options{ReadOnly: true})
	if err == nil {
		db.Close()
		t.Fatal("a version 3 file opened read-only")
	}
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	half := &DB{bolt: bdb, path: path, version: 3}
	// Two articles a transaction, and a failure after the first: the
	// first transaction's articles are done, the rest are not.
	calls := 0
	half.progress = func(p UpgradeStep) {
		if calls++; calls == 2 {
			panic(errStop)
		}
	}
	func() {
		defer func() { recover() }()
		half.upgradeText(2)
	}()
	bdb.Close()
	done := 0
	bdb, err = bbolt.Open(path, 0o644, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	bdb.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketArticles).ForEach(func(k, v []byte) error {
			if z := storedText(t, v); z != nil && frameDictID(z) == textDictID {
				done++
			}
			return nil
		})
	})
	bdb.Close()
	if done == 0 || done == len(want.articles) {
		t.Fatalf("%d of %d articles compressed with the dictionary after a killed upgrade; want some", done, len(want.articles))
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := snap(t, db)
	db.Close()
	want.diff(t, got)
}

// Recovering a version 3 file makes a version 4 one: the same events and
// articles, the articles' text compressed with the dictionary.
func TestRecoverVersion3(t *testing.T) {
	path, want := fullStore(t)
	downgradeToV3(t, path)
	to := filepath.Join(t.TempDir(), "recovered.db")
	rep, err := Recover(path, to, Options{})
	if err != nil || rep.DroppedN != 0 || len(rep.Unreadable) != 0 {
		t.Fatalf("recover of a sound version 3 file: %+v, %v", rep, err)
	}
	db, err := Open(to, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	got := snap(t, db)
	articles := dump(t, db)[string(bucketArticles)]
	db.Close()
	if !reflect.DeepEqual(got.events, want.events) || !reflect.DeepEqual(got.articles, want.articles) || got.counts != want.counts {
		t.Errorf("recovered events, articles or counts differ:\n%+v\nwant %+v", got.counts, want.counts)
	}
	for id, raw := range articles {
		if z := storedText(t, []byte(raw)); z != nil && frameDictID(z) != textDictID {
			t.Errorf("recovered article %s: text compressed without the dictionary", id)
		}
	}
	if rep, err := Check(to, Options{}); err != nil || !rep.OK() {
		t.Errorf("check of the recovered file: %v, %v", rep.Problems, err)
	}
}

// A file whose upgrade from version 3 stopped half-way must not say it
// is version 3 while some of its text is compressed with the dictionary:
// the release that wrote it reads version 3 files without one, and would
// report those articles damaged (and its recover drop them). Stamped
// version 4, that release refuses the file instead, and this one goes on
// with the upgrade.
func TestUpgradeFromV3StoppedIsNoV3File(t *testing.T) {
	path, want := fullStore(t)
	downgradeToV3(t, path)
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	half := &DB{bolt: bdb, path: path, version: 3}
	calls := 0
	half.progress = func(p UpgradeStep) {
		if calls++; calls == 2 {
			panic(errStop) // after the first chunk
		}
	}
	func() {
		defer func() { recover() }()
		half.upgradeText(2)
	}()
	// What a version 3 release decodes text with.
	v3, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v3.Close()
	bdb.View(func(tx *bbolt.Tx) error {
		version := string(tx.Bucket(bucketMeta).Get(keySchemaVersion))
		return tx.Bucket(bucketArticles).ForEach(func(k, v []byte) error {
			if z := storedText(t, v); z != nil && version == "3" {
				if _, err := v3.DecodeAll(z, nil); err != nil {
					t.Errorf("article %s of a file that says it is version 3: its text does not decode as version 3 did: %v", k, err)
				}
			}
			return nil
		})
	})
	bdb.Close()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := snap(t, db)
	db.Close()
	want.diff(t, got)
	if rep, err := Check(path, Options{}); err != nil || !rep.OK() {
		t.Errorf("check after the upgrade: %v, %v", rep.Problems, err)
	}
}
