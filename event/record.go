package event

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Record is an event as a store holds and exports it: the event and when
// the store first saw it. CSV and JSON Lines exports, the HTTP API and
// alert payloads all write Records.
type Record struct {
	Event
	// FirstSeen is when the store first saw the event.
	FirstSeen time.Time `json:"first_seen,omitzero"`
}

// CSVHeader is the column order of the event CSV that `policywatch
// export` writes and /events.csv serves. Researchers script against it:
// add columns at the end, never reorder.
func CSVHeader() []string {
	return []string{
		"id", "date", "country", "service", "action", "reason", "confidence",
		"evidence", "source_url", "source_title", "published", "feed", "article_id", "first_seen",
		"extractor", "warc_file", "warc_offset", "warc_length",
	}
}

// CSVRecord is one event as a CSV row, in the order of CSVHeader.
// Evidence sentences are joined with a newline inside one cell. Text
// cells are neutralised with CSVText, so that a title such as
// "=HYPERLINK(…)" is not run by a spreadsheet.
func CSVRecord(r Record) []string {
	first := ""
	if !r.FirstSeen.IsZero() {
		first = r.FirstSeen.UTC().Format(time.RFC3339)
	}
	e := r.Event
	return CSVTextRow([]string{
		e.ID, e.Date, e.Country, e.Service, string(e.Action), e.Reason,
		strconv.FormatFloat(e.Confidence, 'f', 2, 64),
		strings.Join(e.Evidence, "\n"), e.SourceURL, e.SourceTitle, e.Published, e.Feed, e.ArticleID, first,
		e.Extractor, e.WARCFile, warcNumber(e, e.WARCOffset), warcNumber(e, e.WARCLength),
	}, csvConfidence)
}

// csvConfidence is the index of the one numeric column; every other cell
// is text and goes through CSVText (the WARC offsets and lengths are
// digits, which it leaves alone).
const csvConfidence = 6

// warcNumber is an offset or length of an event's WARC record, empty for
// an event not read from one (where 0 would claim a record at the start).
func warcNumber(e Event, n int64) string {
	if e.WARCFile == "" {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// A Writer writes records one at a time, as they stream from a store, in
// an export format.
type Writer interface {
	Write(Record) error
	// Flush ends the output; a CSV with no records still has its header.
	Flush() error
}

// NewWriter returns a buffered Writer of format "csv" or "jsonl" to w.
func NewWriter(w io.Writer, format string) (Writer, error) {
	switch format {
	case "csv":
		return NewCSVWriter(w), nil
	case "jsonl":
		return NewJSONLWriter(w), nil
	}
	return nil, fmt.Errorf("unknown format %q: want csv or jsonl", format)
}

// CSVWriter writes the event CSV: the header, then one row per Write.
// encoding/csv writes RFC 4180 (fields with commas, quotes or line breaks
// quoted, quotes doubled), which loads in spreadsheets, pandas and R with
// no options. It buffers; call Flush at the end.
type CSVWriter struct {
	cw     *csv.Writer
	header bool // written
}

// NewCSVWriter returns a CSVWriter writing to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{cw: csv.NewWriter(w)} }

// Write writes the row of r, after the header if it is the first.
func (w *CSVWriter) Write(r Record) error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	return w.cw.Write(CSVRecord(r))
}

// Flush writes what is buffered, and the header if no record came.
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

// JSONLWriter writes one JSON object per line, with the field names of
// Record's JSON tags. It buffers; call Flush at the end.
type JSONLWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

// NewJSONLWriter returns a JSONLWriter writing to w.
func NewJSONLWriter(w io.Writer) *JSONLWriter {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &JSONLWriter{bw, enc}
}

// Write writes r as one line.
func (w *JSONLWriter) Write(r Record) error { return w.enc.Encode(r) }

// Flush writes what is buffered.
func (w *JSONLWriter) Flush() error { return w.bw.Flush() }

// WriteCSV writes a header row and one row per record.
func WriteCSV(w io.Writer, rs []Record) error {
	cw := NewCSVWriter(w)
	for _, r := range rs {
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	return cw.Flush()
}
