package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/policywatch/policywatch/dataset"
	"github.com/policywatch/policywatch/event"
)

// readParquet reads the events of a Parquet file back.
func readParquet(t *testing.T, b []byte) []event.Record {
	t.Helper()
	rows, err := parquet.Read[dataset.Row](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a Parquet file of events: %v", err)
	}
	out := []event.Record{}
	for _, r := range rows {
		out = append(out, r.Record())
	}
	return out
}

// asParquet is events as Parquet gives them back: first_seen to the
// microsecond, no evidence as an empty list.
func asParquet(events []event.Record) []event.Record {
	out := []event.Record{}
	for _, e := range events {
		e.FirstSeen = e.FirstSeen.UTC().Truncate(time.Microsecond)
		if e.Evidence == nil {
			e.Evidence = []string{}
		}
		out = append(out, e)
	}
	return out
}

func TestExportParquetFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "policywatch.db")
	fillDB(t, db, "tricky.jsonl")
	stored := fillDB(t, db, "events.jsonl") // both fixtures, in the store's order
	if len(stored) < 10 {
		t.Fatalf("%d events stored", len(stored))
	}

	file := filepath.Join(dir, "events.parquet")
	if out := must(t, "export", "--db", db, "--format", "parquet", "-o", file); out != "" {
		t.Errorf("export -o FILE also wrote %q to stdout", out)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := readParquet(t, b); !reflect.DeepEqual(got, asParquet(stored)) {
		t.Errorf("read back\n%+v\nstored\n%+v", got, asParquet(stored))
	}
	// Standard output, here a pipe, carries the same bytes.
	if out := must(t, "export", "--db", db, "--format", "parquet"); out != string(b) {
		t.Errorf("stdout has %d bytes, -o FILE %d", len(out), len(b))
	}
	// Filters apply.
	got := readParquet(t, []byte(must(t, "export", "--db", db, "--format", "parquet", "--country", "IR", "--since", "2018")))
	var want []event.Record
	for _, e := range stored {
		if e.Country == "IR" && e.Date >= "2018" {
			want = append(want, e)
		}
	}
	if len(want) == 0 || !reflect.DeepEqual(got, asParquet(want)) {
		t.Errorf("--country IR --since 2018 gave %d events, want %d", len(got), len(want))
	}
}

func TestExportParquetDirectory(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	db := filepath.Join(tmp, "policywatch.db")
	fillDB(t, db, "tricky.jsonl")
	stored := fillDB(t, db, "events.jsonl")
	out := filepath.Join(tmp, "events") // no .parquet: a directory

	msg := must(t, "export", "--db", db, "--format", "parquet", "-o", out, "--since", "2017")
	m, err := dataset.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "events to "+out) || !strings.Contains(msg, plural(len(m.Files), "file", "files")+" written") {
		t.Errorf("export said %q", msg)
	}
	if m.Filter["since"] != "2017" || m.Extractor == "" || m.Generated.IsZero() {
		t.Errorf("manifest header: filter %v, extractor %q, generated %v", m.Filter, m.Extractor, m.Generated)
	}

	// Every event of 2017 on is in the file of its month, in the store's
	// order, and the manifest tells each file's size, sha256 and events.
	want := map[string][]event.Record{}
	n := 0
	for _, e := range stored {
		if e.Date >= "2017" {
			rel, _ := dataset.Partition(e.Date)
			want[rel] = append(want[rel], e)
			n++
		}
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(b)) != f.Size || f.Events != int64(len(want[f.Path])) {
			t.Errorf("%s: the manifest's size, sha256 or count is wrong: %+v", f.Path, f)
		}
		if got := readParquet(t, b); !reflect.DeepEqual(got, asParquet(want[f.Path])) {
			t.Errorf("%s holds\n%+v\nwant\n%+v", f.Path, got, asParquet(want[f.Path]))
		}
	}
	if m.Events != int64(n) || len(paths) != len(want) {
		t.Errorf("manifest: %d events in %v; want %d in %d files", m.Events, paths, n, len(want))
	}
	for _, p := range []string{"year=2018/month=04/events.parquet", "year=2017/month=" + dataset.Null + "/events.parquet"} {
		if !slices.Contains(paths, p) {
			t.Errorf("no partition %s in %v", p, paths)
		}
	}

	// Again, unchanged: nothing is rewritten.
	msg = must(t, "export", "--db", db, "--format", "parquet", "-o", out, "--since", "2017")
	if !strings.Contains(msg, "0 files written, "+strings.TrimSuffix(plural(len(m.Files), "", ""), " ")+" unchanged, 0 removed") {
		t.Errorf("second export said %q", msg)
	}

	// A directory of someone else's files is refused.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), nil, 0o644)
	r := policywatch(t, nil, "export", "--db", db, "--format", "parquet", "-o", other)
	if r.code == exitOK || !strings.Contains(r.stderr, "notes.txt") {
		t.Errorf("export into a directory of other files: exit %d, %s", r.code, r.stderr)
	}
}
