package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/policywatch/policywatch/event"
)

// ManifestName is the manifest's file name in a dataset directory. The
// leading underscore makes pyarrow, pandas and R's arrow skip it when
// they read the directory as a table, as they skip Spark's _SUCCESS.
const ManifestName = "_manifest.json"

// FileName is the name of every partition's one file.
const FileName = "events.parquet"

// Null is the Hive name of a partition whose value is null: month for an
// event dated only by its year, year and month for an event with no
// date. pyarrow, pandas, R's arrow and DuckDB read it as null.
const Null = "__HIVE_DEFAULT_PARTITION__"

// A Manifest lists a dataset directory's files, as GDELT's masterfilelist
// does its own, so that a mirror fetches only the files whose sha256 it
// does not have and checks what it fetched.
type Manifest struct {
	// Generated is when the export that wrote the directory ran.
	Generated time.Time `json:"generated"`
	// Program is the version of policywatch that exported, and Extractor
	// the version of its extractor; each event has its own extractor too.
	Program   string `json:"program,omitempty"`
	Extractor string `json:"extractor,omitempty"`
	// Filter is the export's filters, as given on its command line; a
	// directory of every event has none.
	Filter map[string]string `json:"filter,omitempty"`
	Events int64             `json:"events"`
	Bytes  int64             `json:"bytes"`
	Files  []File            `json:"files"`
}

// File is one file of a dataset directory.
type File struct {
	Path   string `json:"path"` // relative to the directory, with forward slashes
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Events int64  `json:"events"`
}

// Result is what Close did: the manifest it wrote, and which partition
// files it wrote anew, left alone because their content was the same, or
// removed because no event is in them any more.
type Result struct {
	Manifest
	Written, Unchanged, Removed []string
}

// Dir writes events into a directory partitioned by the year and month of
// their dates, year=YYYY/month=MM/events.parquet, and a manifest of its
// files. Events must come newest first, as a store yields them: a
// partition is finished once the stream has passed its first day, so at
// most two are open at once (a month and the year-only dates of its year,
// which sort with 1 January) and memory stays flat however many months
// there are.
//
// Nothing in the directory changes until Close: partitions go to
// temporary files beside their places, and Close moves in only those
// whose bytes differ from the file already there, so a file's time and
// sha256 change only when its events did and a mirror copies only those.
type Dir struct {
	dir   string
	meta  Manifest
	limit int // rowGroupBytes, smaller in tests

	open     []*partition // being written
	finished []*partition // written to their temporary files
	seen     map[string]bool
}

// partition is one year=/month= directory's file being written.
type partition struct {
	rel   string // year=2018/month=04/events.parquet
	start string // its first day, YYYY-MM-DD; "" for undated events
	tmp   *os.File
	hash  hash.Hash
	size  int64
	rows  int64
	w     *Writer // nil once ended, which frees its buffers
}

// Options are what the manifest says about the export.
type Options struct {
	Generated time.Time
	Program   string
	Extractor string
	Filter    map[string]string
}

// Create prepares dir, creating it if need be, for a dataset. A
// directory that holds anything but an earlier export's files is refused,
// so that an export given the wrong path never mixes its files into
// someone else's.
func Create(dir string, opts Options) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	return &Dir{
		dir:   dir,
		limit: rowGroupBytes,
		seen:  map[string]bool{},
		meta: Manifest{
			Generated: opts.Generated.UTC().Truncate(time.Second), Program: opts.Program,
			Extractor: opts.Extractor, Filter: opts.Filter,
		},
	}, nil
}

func checkDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	var foreign []string
	for _, e := range entries {
		switch name := e.Name(); {
		case name == ManifestName:
			return nil
		case strings.HasPrefix(name, "year=") && e.IsDir(), strings.HasPrefix(name, "."):
			// An export's partitions, perhaps of one interrupted before
			// it wrote the manifest, and temporary files.
		default:
			foreign = append(foreign, name)
		}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("dataset: %s holds files an export did not write (%s) and no %s: export into a new or empty directory, or one an export made",
			dir, strings.Join(foreign[:min(3, len(foreign))], ", "), ManifestName)
	}
	return nil
}

// Partition is the path, relative to the dataset directory, of the file
// that holds events of date, and the first day of its partition
// (YYYY-MM-DD; "" for no date).
func Partition(date string) (rel, start string) {
	from, _, ok := DateRange(date)
	switch {
	case !ok:
		return path.Join("year="+Null, "month="+Null, FileName), ""
	case len(date) == len("2006"):
		return path.Join("year="+date, "month="+Null, FileName), from.Format(time.DateOnly)
	}
	return path.Join("year="+date[:4], "month="+date[5:7], FileName), date[:7] + "-01"
}

// Write adds r to its partition.
func (d *Dir) Write(r event.Record) error {
	rel, start := Partition(r.Date)
	if start != "" {
		// The stream has passed the first day of every partition that
		// starts after this event's day: nothing more can come for them.
		day, _, _ := DateRange(r.Date)
		if err := d.finish(day.Format(time.DateOnly)); err != nil {
			return err
		}
	}
	var p *partition
	for _, o := range d.open {
		if o.rel == rel {
			p = o
		}
	}
	if p == nil {
		if d.seen[rel] {
			return fmt.Errorf("dataset: event %s dated %s came after other events of %s were written: events must come newest first, as the store yields them",
				r.ID, r.Date, path.Dir(rel))
		}
		var err error
		if p, err = d.create(rel, start); err != nil {
			return err
		}
		d.seen[rel] = true
		d.open = append(d.open, p)
	}
	return p.w.Write(r)
}

func (d *Dir) create(rel, start string) (*partition, error) {
	dir := filepath.Join(d.dir, filepath.FromSlash(path.Dir(rel)))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+FileName+".*")
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	p := &partition{rel: rel, start: start, tmp: tmp, hash: sha256.New()}
	p.w = newWriter(io.MultiWriter(tmp, p.hash, (*counter)(&p.size)), d.limit)
	return p, nil
}

// finish ends the open partitions that start after day.
func (d *Dir) finish(day string) error {
	var keep []*partition
	for _, p := range d.open {
		if p.start == "" || p.start <= day {
			keep = append(keep, p)
			continue
		}
		if err := p.end(); err != nil {
			return err
		}
		d.finished = append(d.finished, p)
	}
	d.open = keep
	return nil
}

// end finishes the partition's temporary file.
func (p *partition) end() error {
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("dataset: %s: %w", p.tmp.Name(), err)
	}
	p.rows, p.w = p.w.Rows(), nil
	if err := p.tmp.Close(); err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	return nil
}

// Close finishes every partition, moves into place those whose bytes
// changed, removes the partition files of an earlier export that no event
// is in any more, and writes the manifest last, through a temporary file
// and a rename, so a mirror that reads it sees every file it lists.
func (d *Dir) Close() (Result, error) {
	var res Result
	if err := d.finish("0000-00-00"); err != nil { // every dated partition
		d.Abort()
		return res, err
	}
	for _, p := range d.open { // undated events, if any
		if err := p.end(); err != nil {
			d.Abort()
			return res, err
		}
		d.finished = append(d.finished, p)
	}
	d.open = nil
	slices.SortFunc(d.finished, func(a, b *partition) int { return strings.Compare(a.rel, b.rel) })

	m := d.meta
	m.Files = []File{}
	keep := map[string]bool{}
	for i, p := range d.finished {
		sum := hex.EncodeToString(p.hash.Sum(nil))
		final := filepath.Join(d.dir, filepath.FromSlash(p.rel))
		same, err := sameSHA256(final, p.size, sum)
		if err != nil {
			d.finished = d.finished[i:]
			d.Abort()
			return res, err
		}
		if same {
			os.Remove(p.tmp.Name())
			res.Unchanged = append(res.Unchanged, p.rel)
		} else {
			if err := os.Rename(p.tmp.Name(), final); err != nil {
				d.finished = d.finished[i:]
				d.Abort()
				return res, fmt.Errorf("dataset: %w", err)
			}
			res.Written = append(res.Written, p.rel)
		}
		keep[p.rel] = true
		m.Files = append(m.Files, File{Path: p.rel, Size: p.size, SHA256: sum, Events: p.rows})
		m.Events += p.rows
		m.Bytes += p.size
	}
	d.finished = nil

	removed, err := d.removeStale(keep)
	res.Removed = removed
	if err != nil {
		return res, err
	}
	if err := writeManifest(d.dir, m); err != nil {
		return res, err
	}
	res.Manifest = m
	return res, nil
}

// Abort removes the temporary files and leaves the directory as it was.
func (d *Dir) Abort() {
	for _, p := range append(d.open, d.finished...) {
		p.tmp.Close()
		os.Remove(p.tmp.Name())
	}
	d.open, d.finished = nil, nil
}

// removeStale removes the partition files not in keep, and temporary
// files an interrupted export left, then the partition directories left
// empty. It goes by the names an export gives, not by the old manifest,
// so that files an export killed before its manifest wrote go too.
func (d *Dir) removeStale(keep map[string]bool) ([]string, error) {
	var removed []string
	files, err := filepath.Glob(filepath.Join(d.dir, "year=*", "month=*", "*"))
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	for _, f := range files {
		rel, err := filepath.Rel(d.dir, f)
		if err != nil {
			return removed, fmt.Errorf("dataset: %w", err)
		}
		rel = filepath.ToSlash(rel)
		name := path.Base(rel)
		stale := name == FileName && !keep[rel]
		if !stale && !strings.HasPrefix(name, "."+FileName+".") {
			continue
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("dataset: remove %s: %w", f, err)
		}
		if stale {
			removed = append(removed, rel)
		}
	}
	// A manifest's temporary file, left by an export killed as it wrote.
	tmps, _ := filepath.Glob(filepath.Join(d.dir, "."+ManifestName+".*"))
	for _, f := range tmps {
		os.Remove(f)
	}
	// Remove only empty directories: os.Remove refuses the others.
	months, _ := filepath.Glob(filepath.Join(d.dir, "year=*", "month=*"))
	for _, m := range months {
		os.Remove(m)
	}
	years, _ := filepath.Glob(filepath.Join(d.dir, "year=*"))
	for _, y := range years {
		os.Remove(y)
	}
	return removed, nil
}

// sameSHA256 reports whether the file at path has this size and sha256.
func sameSHA256(path string, size int64, sum string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("dataset: %w", err)
	}
	if !info.Mode().IsRegular() || info.Size() != size {
		return false, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, fmt.Errorf("dataset: read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)) == sum, nil
}

func writeManifest(dir string, m Manifest) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("dataset: manifest: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+ManifestName+".*")
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("dataset: write manifest: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("dataset: write manifest: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, ManifestName)); err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	return nil
}

// ReadManifest reads the manifest of the dataset directory dir.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return m, fmt.Errorf("dataset: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("dataset: %s: %w", filepath.Join(dir, ManifestName), err)
	}
	return m, nil
}

// counter counts the bytes written through it.
type counter int64

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}
