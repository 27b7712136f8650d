// Package dataset writes events as Apache Parquet for researchers: one
// file, or a directory partitioned by year and month the Hive way, with a
// manifest of its files so that a mirror copies only those that changed.
//
// The files hold the columns of the event CSV (event.CSVHeader), in its
// order and with the types a reader can filter on, then the date range
// each event's date stands for. pandas, pyarrow, DuckDB and R's arrow read
// them, and a directory of them as one table.
package dataset

import (
	"fmt"
	"io"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/policywatch/policywatch/event"
)

// Row is one event as a Parquet row. The columns up to warc_length are
// those of the CSV, in its order, so the same scripts name the same
// columns; add columns at the end, never reorder.
//
// Date keeps the event's own precision ("2018-04-16", "2018-04" or
// "2018"), which a DATE cannot; DateStart and DateEnd are the first and
// last day it stands for, both inclusive, so "2018-04" is 1 to 30 April.
// They are null only for a date that is not one of the three forms, which
// a store never holds.
type Row struct {
	ID          string     `parquet:"id"`
	Date        string     `parquet:"date,dict"`
	Country     string     `parquet:"country,dict"`
	Service     string     `parquet:"service,dict"`
	Action      string     `parquet:"action,dict"`
	Reason      string     `parquet:"reason"`
	Confidence  float64    `parquet:"confidence"`
	Evidence    []string   `parquet:"evidence,list"`
	SourceURL   string     `parquet:"source_url"`
	SourceTitle string     `parquet:"source_title"`
	Published   string     `parquet:"published,dict"`
	Feed        string     `parquet:"feed,dict"`
	ArticleID   string     `parquet:"article_id"`
	FirstSeen   *time.Time `parquet:"first_seen,timestamp(microsecond:utc)"`
	Extractor   string     `parquet:"extractor,dict"`
	// Where a backfilled event's page is in its WARC file; null for one
	// a feed gave.
	WARCFile   string `parquet:"warc_file,dict"`
	WARCOffset *int64 `parquet:"warc_offset,optional"`
	WARCLength *int64 `parquet:"warc_length,optional"`
	DateStart  *int32 `parquet:"date_start,date"`
	DateEnd    *int32 `parquet:"date_end,date"`
}

// NewRow is r as a Row.
func NewRow(r event.Record) Row {
	e := r.Event
	row := Row{
		ID: e.ID, Date: e.Date, Country: e.Country, Service: e.Service,
		Action: string(e.Action), Reason: e.Reason, Confidence: e.Confidence,
		Evidence: e.Evidence, SourceURL: e.SourceURL, SourceTitle: e.SourceTitle,
		Published: e.Published, Feed: e.Feed, ArticleID: e.ArticleID, Extractor: e.Extractor,
	}
	if row.Evidence == nil {
		row.Evidence = []string{}
	}
	if e.WARCFile != "" {
		off, n := e.WARCOffset, e.WARCLength
		row.WARCFile, row.WARCOffset, row.WARCLength = e.WARCFile, &off, &n
	}
	if !r.FirstSeen.IsZero() {
		t := r.FirstSeen.UTC().Truncate(time.Microsecond)
		row.FirstSeen = &t
	}
	if from, to, ok := DateRange(e.Date); ok {
		a, b := epochDays(from), epochDays(to)
		row.DateStart, row.DateEnd = &a, &b
	}
	return row
}

// Record is the event a Row holds, as NewRow was given it (first_seen to
// the microsecond).
func (r Row) Record() event.Record {
	rec := event.Record{Event: event.Event{
		ID: r.ID, Date: r.Date, Country: r.Country, Service: r.Service,
		Action: event.Action(r.Action), Reason: r.Reason, Confidence: r.Confidence,
		Evidence: r.Evidence, SourceURL: r.SourceURL, SourceTitle: r.SourceTitle,
		Published: r.Published, Feed: r.Feed, ArticleID: r.ArticleID, Extractor: r.Extractor,
		WARCFile: r.WARCFile,
	}}
	if r.WARCOffset != nil && r.WARCLength != nil {
		rec.WARCOffset, rec.WARCLength = *r.WARCOffset, *r.WARCLength
	}
	if r.FirstSeen != nil {
		rec.FirstSeen = r.FirstSeen.UTC()
	}
	return rec
}

// DateRange is the first and last day an event date stands for: the day
// itself, or the whole month or year of a partial date. ok is false for
// anything but YYYY-MM-DD, YYYY-MM and YYYY.
func DateRange(date string) (from, to time.Time, ok bool) {
	var layout string
	switch len(date) {
	case len("2006"):
		layout = "2006"
	case len("2006-01"):
		layout = "2006-01"
	case len(time.DateOnly):
		layout = time.DateOnly
	default:
		return from, to, false
	}
	t, err := time.Parse(layout, date)
	if err != nil {
		return from, to, false
	}
	switch len(date) {
	case len("2006"):
		return t, t.AddDate(1, 0, -1), true
	case len("2006-01"):
		return t, t.AddDate(0, 1, -1), true
	}
	return t, t, true
}

func epochDays(t time.Time) int32 { return int32(t.Unix() / 86400) }

// rowGroupBytes is about how much event text a row group holds before it
// is written out. The writer keeps a row group's columns in memory until
// then, so it bounds the memory of an export however many events it has;
// larger groups compress a little better and are read in fewer pieces.
const rowGroupBytes = 32 << 20

// batchRows is how many rows go to the Parquet writer in one call, which
// costs less per row than one call a row.
const batchRows = 256

// A Writer writes one Parquet file of events as they stream in, flushing
// a row group whenever it holds about rowGroupBytes of text, so that
// memory stays flat however many events there are. It implements the
// Write and Flush of event.Writer; Flush ends the file.
type Writer struct {
	pw       *parquet.GenericWriter[Row]
	batch    []Row
	groupLen int   // bytes of text in the row group being built
	limit    int   // rowGroupBytes, smaller in tests
	rows     int64 // written
	closed   bool
}

// NewWriter returns a Writer of one Parquet file to w.
func NewWriter(w io.Writer) *Writer { return newWriter(w, rowGroupBytes) }

func newWriter(w io.Writer, limit int) *Writer {
	// Snappy is what pyarrow and Spark write by default: every reader has
	// it, where zstd is missing from some minimal builds of R's arrow.
	pw := parquet.NewGenericWriter[Row](w, parquet.Compression(&parquet.Snappy))
	return &Writer{pw: pw, limit: limit, batch: make([]Row, 0, batchRows)}
}

// Write adds r to the file.
func (w *Writer) Write(r event.Record) error {
	if w.closed {
		return fmt.Errorf("parquet: write after the file was ended")
	}
	row := NewRow(r)
	w.batch = append(w.batch, row)
	w.rows++
	w.groupLen += rowLen(&row)
	if len(w.batch) == cap(w.batch) {
		if err := w.writeBatch(); err != nil {
			return err
		}
	}
	if w.groupLen >= w.limit {
		if err := w.writeBatch(); err != nil {
			return err
		}
		if err := w.pw.Flush(); err != nil {
			return fmt.Errorf("parquet: %w", err)
		}
		w.groupLen = 0
	}
	return nil
}

func (w *Writer) writeBatch() error {
	if len(w.batch) == 0 {
		return nil
	}
	if _, err := w.pw.Write(w.batch); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	clear(w.batch)
	w.batch = w.batch[:0]
	return nil
}

// Flush writes what is buffered and the file's footer, which ends it: a
// file of no events is still a valid file, with the schema.
func (w *Writer) Flush() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.writeBatch(); err != nil {
		return err
	}
	if err := w.pw.Close(); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	return nil
}

// Rows is how many events were written.
func (w *Writer) Rows() int64 { return w.rows }

// rowLen is about the bytes of text r holds.
func rowLen(r *Row) int {
	n := 64 + len(r.ID) + len(r.Date) + len(r.Country) + len(r.Service) + len(r.Action) +
		len(r.Reason) + len(r.SourceURL) + len(r.SourceTitle) + len(r.Published) +
		len(r.Feed) + len(r.ArticleID) + len(r.Extractor)
	for _, s := range r.Evidence {
		n += len(s)
	}
	return n
}
