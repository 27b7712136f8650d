package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
)

func TestPartition(t *testing.T) {
	for _, tt := range []struct{ date, rel, start string }{
		{"2018-04-16", "year=2018/month=04/events.parquet", "2018-04-01"},
		{"2018-04", "year=2018/month=04/events.parquet", "2018-04-01"},
		{"2018", "year=2018/month=__HIVE_DEFAULT_PARTITION__/events.parquet", "2018-01-01"},
		{"", "year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/events.parquet", ""},
		{"April 2018", "year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/events.parquet", ""},
	} {
		rel, start := Partition(tt.date)
		if rel != tt.rel || start != tt.start {
			t.Errorf("Partition(%q) = %q, %q; want %q, %q", tt.date, rel, start, tt.rel, tt.start)
		}
	}
}

// export writes rs into dir as a dataset, with row groups small enough
// that partitions have several.
func export(t *testing.T, dir string, rs []event.Record) Result {
	t.Helper()
	d, err := Create(dir, Options{Generated: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), Program: "test", Extractor: "2026.11"})
	if err != nil {
		t.Fatal(err)
	}
	d.limit = 16 << 10
	for _, r := range rs {
		if err := d.Write(r); err != nil {
			d.Abort()
			t.Fatal(err)
		}
	}
	res, err := d.Close()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkDataset reads every file of dir back and checks it against the
// manifest and against the events that should be in it.
func checkDataset(t *testing.T, dir string, rs []event.Record) Manifest {
	t.Helper()
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	byPart := map[string][]event.Record{}
	for _, r := range rs {
		rel, _ := Partition(r.Date)
		byPart[rel] = append(byPart[rel], r)
	}
	var total, bytes int64
	var listed []string
	for _, f := range m.Files {
		listed = append(listed, f.Path)
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatalf("manifest lists %s: %v", f.Path, err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 || int64(len(b)) != f.Size {
			t.Errorf("%s: %d bytes, sha256 %s; manifest says %d, %s", f.Path, len(b), got, f.Size, f.SHA256)
		}
		got := readRecords(t, b)
		if int64(len(got)) != f.Events {
			t.Errorf("%s holds %d events; manifest says %d", f.Path, len(got), f.Events)
		}
		if w := want(byPart[f.Path]); !reflect.DeepEqual(got, w) {
			t.Errorf("%s holds %d events, not the %d of its months in order", f.Path, len(got), len(w))
		}
		total += f.Events
		bytes += f.Size
	}
	if total != int64(len(rs)) || m.Events != total || m.Bytes != bytes {
		t.Errorf("manifest: %d events, %d bytes; files hold %d of %d events, %d bytes", m.Events, m.Bytes, total, len(rs), bytes)
	}
	var parts []string
	for rel := range byPart {
		parts = append(parts, rel)
	}
	slices.Sort(parts)
	if !slices.Equal(listed, parts) {
		t.Errorf("manifest lists\n%v\nwant\n%v", listed, parts)
	}
	// Nothing else is on disk: no temporary files, no stale partitions.
	var onDisk []string
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() && p != filepath.Join(dir, ManifestName) {
			rel, _ := filepath.Rel(dir, p)
			onDisk = append(onDisk, filepath.ToSlash(rel))
		}
		return err
	})
	if !slices.Equal(onDisk, parts) {
		t.Errorf("on disk\n%v\nwant\n%v", onDisk, parts)
	}
	return m
}

func TestDirRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "events")
	rs := records(2000, 2)
	res := export(t, dir, rs)
	m := checkDataset(t, dir, rs)
	if len(res.Written) != len(m.Files) || len(res.Unchanged) != 0 || len(res.Removed) != 0 {
		t.Errorf("first export: %d written, %d unchanged, %d removed; want all %d written",
			len(res.Written), len(res.Unchanged), len(res.Removed), len(m.Files))
	}
	if m.Generated.IsZero() || m.Program != "test" || m.Extractor != "2026.11" {
		t.Errorf("manifest header %+v", m)
	}
	if !slices.ContainsFunc(m.Files, func(f File) bool { return strings.Contains(f.Path, "month="+Null) }) {
		t.Error("no partition of year-only dates: the test data lacks them")
	}
}

// A mirror copies the files whose sha256 changed, so a re-export must
// leave the file of every partition whose events did not change as it
// was, and replace or remove only the others.
func TestDirRewritesOnlyChangedPartitions(t *testing.T) {
	dir := t.TempDir()
	rs := records(1500, 3)
	export(t, dir, rs)
	before := stats(t, dir)

	// The same events again: nothing is written.
	res := export(t, dir, rs)
	if len(res.Written) != 0 || len(res.Removed) != 0 || len(res.Unchanged) != len(before) {
		t.Fatalf("same events: written %v, removed %v, %d unchanged of %d", res.Written, res.Removed, len(res.Unchanged), len(before))
	}
	for rel, fi := range stats(t, dir) {
		if !os.SameFile(fi, before[rel]) {
			t.Errorf("%s was replaced though its events are the same", rel)
		}
	}

	// One event more in June 2017, and none left of March 2018.
	changed, gone := "year=2017/month=06/events.parquet", "year=2018/month=03/events.parquet"
	if _, ok := before[changed]; !ok {
		t.Fatal("the test data has no June 2017")
	}
	if _, ok := before[gone]; !ok {
		t.Fatal("the test data has no March 2018")
	}
	extra := rs[0]
	extra.ID, extra.Date = "added", "2017-06-15"
	next := []event.Record{extra}
	for _, r := range rs {
		if rel, _ := Partition(r.Date); rel != gone {
			next = append(next, r)
		}
	}
	sortNewestFirst(next)
	res = export(t, dir, next)
	if !slices.Equal(res.Written, []string{changed}) || !slices.Equal(res.Removed, []string{gone}) {
		t.Errorf("written %v, removed %v; want [%s], [%s]", res.Written, res.Removed, changed, gone)
	}
	after := stats(t, dir)
	for rel, fi := range after {
		if same := os.SameFile(fi, before[rel]); same == (rel == changed) {
			t.Errorf("%s: replaced %v", rel, !same)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, path.Dir(gone))); !os.IsNotExist(err) {
		t.Errorf("the emptied partition's directory is still there (%v)", err)
	}
	checkDataset(t, dir, next)
}

func stats(t *testing.T, dir string) map[string]os.FileInfo {
	t.Helper()
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]os.FileInfo{}
	for _, f := range m.Files {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		out[f.Path] = fi
	}
	return out
}

// An export that fails half-way leaves the directory as it was, and
// temporary files an export killed outright left go with the next one.
func TestDirAbort(t *testing.T) {
	dir := t.TempDir()
	rs := records(500, 4)
	export(t, dir, rs)
	manifest, _ := os.ReadFile(filepath.Join(dir, ManifestName))
	before := stats(t, dir)

	d, err := Create(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs[:300] {
		if err := d.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	d.Abort()
	after := stats(t, dir)
	for rel, fi := range before {
		if !os.SameFile(fi, after[rel]) {
			t.Errorf("%s changed", rel)
		}
	}
	if m, _ := os.ReadFile(filepath.Join(dir, ManifestName)); string(m) != string(manifest) {
		t.Error("the manifest changed")
	}
	for _, killed := range []string{
		filepath.Join(dir, "year=2017", "month=01", "."+FileName+".123"),
		filepath.Join(dir, "."+ManifestName+".456"),
	} {
		if err := os.WriteFile(killed, []byte("half a file"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	export(t, dir, rs)
	checkDataset(t, dir, rs) // fails on the temporary file if it is left
}

// Events must come newest first; one that comes after its month was
// finished is an error, not a second file or a lost event.
func TestDirOutOfOrder(t *testing.T) {
	d, err := Create(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	for _, date := range []string{"2018-05-02", "2018-04-30", "2018-04", "2018-03-01", "2018", "2017-12-31"} {
		if err := d.Write(event.Record{Event: event.Event{ID: date, Date: date}}); err != nil {
			t.Fatalf("%s in order: %v", date, err)
		}
	}
	err = d.Write(event.Record{Event: event.Event{ID: "late", Date: "2018-04-16"}})
	if err == nil || !strings.Contains(err.Error(), "late") || !strings.Contains(err.Error(), "newest first") {
		t.Errorf("event out of order: %v", err)
	}
}

func TestCreateRefusesForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "thesis.tex"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(dir, Options{}); err == nil || !strings.Contains(err.Error(), "thesis.tex") {
		t.Errorf("Create in a directory of other files: %v", err)
	}
	// Beside a manifest anything may lie: a mirror's README, say.
	export(t, filepath.Join(dir, "events"), records(10, 5))
	if err := os.WriteFile(filepath.Join(dir, "events", "README"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(filepath.Join(dir, "events"), Options{}); err != nil {
		t.Errorf("Create over an earlier export: %v", err)
	}
}

func TestDirEmpty(t *testing.T) {
	dir := t.TempDir()
	export(t, dir, records(50, 6))
	res := export(t, dir, nil)
	if len(res.Files) != 0 || res.Events != 0 || len(res.Removed) == 0 {
		t.Errorf("empty export: %+v", res)
	}
	checkDataset(t, dir, nil)
}
