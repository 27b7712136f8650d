package web

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/policywatch/policywatch/extract"
)

// CSVHeader is the column order of the event CSV that `policywatch
// export` writes and /events.csv serves. Researchers script against it:
// add columns at the end, never reorder.
func CSVHeader() []string {
	return []string{
		"id", "date", "country", "service", "action", "reason", "confidence",
		"evidence", "source_url", "source_title", "published", "feed", "article_id", "first_seen",
	}
}

// CSVRecord is one event as a CSV row, in the order of CSVHeader.
// Evidence sentences are joined with a newline inside one cell.
func CSVRecord(e extract.Event) []string {
	first := ""
	if !e.FirstSeen.IsZero() {
		first = e.FirstSeen.UTC().Format(time.RFC3339)
	}
	return []string{
		e.ID, e.Date, e.Country, e.Service, string(e.Action), e.Reason,
		strconv.FormatFloat(e.Confidence, 'f', 2, 64),
		strings.Join(e.Evidence, "\n"), e.SourceURL, e.SourceTitle, e.Published, e.Feed, e.ArticleID, first,
	}
}

// WriteEventsCSV writes a header row and one row per event. encoding/csv
// writes RFC 4180: fields with commas, quotes or line breaks are quoted,
// quotes doubled; the result loads in pandas and R with no options.
func WriteEventsCSV(w io.Writer, events []extract.Event) error {
	cw := NewCSVWriter(w)
	for _, e := range events {
		if err := cw.Write(e); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// CSVWriter writes the event CSV a row at a time, for events streamed
// from the store: the header, then one row per Write. It buffers; call
// Flush at the end.
type CSVWriter struct {
	cw     *csv.Writer
	header bool // written
}

// NewCSVWriter returns a CSVWriter writing to w.
func NewCSVWriter(w io.Writer) *CSVWriter {
	return &CSVWriter{cw: csv.NewWriter(w)}
}

// Write writes the row of e, after the header if it is the first.
func (w *CSVWriter) Write(e extract.Event) error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	return w.cw.Write(CSVRecord(e))
}

// Flush writes what is buffered, and the header if no event came.
func (w *CSVWriter) Flush() error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	w.cw.Flush()
	return w.cw.Error()
}

func (w *CSVWriter) writeHeader() error {
	if w.header {
		return nil
	}
	w.header = true
	return w.cw.Write(CSVHeader())
}
