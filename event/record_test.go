package event

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

var sample = Record{
	Event: Event{
		ID: "e1", Date: "2018-04", Country: "IR", Service: "telegram", Action: Block,
		Reason:     `"national security", they said`,
		Evidence:   []string{"First sentence, with a comma.", "Второе предложение; ادامه دارد"},
		Confidence: 0.875, SourceURL: "https://news.test/a?x=1&y=2", SourceTitle: "Title\nwith a break",
		Published: "2018-04-30", Feed: "Wire", ArticleID: "a1", Extractor: "v1.2.0+data.0123456789ab",
	},
	FirstSeen: time.Date(2018, 5, 1, 2, 3, 4, 0, time.FixedZone("", 3600)),
}

// The CSV loads back whole whatever the text holds.
func TestCSVWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewCSVWriter(&buf)
	if err := w.Write(sample); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"e1", "2018-04", "IR", "telegram", "block", `"national security", they said`, "0.88",
		"First sentence, with a comma.\nВторое предложение; ادامه دارد", "https://news.test/a?x=1&y=2", "Title\nwith a break",
		"2018-04-30", "Wire", "a1", "2018-05-01T01:03:04Z", "v1.2.0+data.0123456789ab", "", "", ""}
	if len(rows) != 2 || !slices.Equal(rows[0], CSVHeader()) || !slices.Equal(rows[1], want) {
		t.Errorf("rows %q\nwant %q", rows, want)
	}
	if len(CSVHeader()) != len(CSVRecord(Record{})) {
		t.Error("a record and the header differ in length")
	}
}

// An event a backfill read from a WARC file says where: the file, and the
// offset and length of its record, the first record's offset 0 included.
func TestCSVRecordWARC(t *testing.T) {
	r := sample
	r.WARCFile, r.WARCOffset, r.WARCLength = "https://data.example/CC-NEWS-1.warc.gz", 0, 4711
	row := CSVRecord(r)
	if got := row[len(row)-3:]; !slices.Equal(got, []string{"https://data.example/CC-NEWS-1.warc.gz", "0", "4711"}) {
		t.Errorf("WARC columns %q", got)
	}
	if h := CSVHeader(); !slices.Equal(h[len(h)-3:], []string{"warc_file", "warc_offset", "warc_length"}) {
		t.Errorf("header ends %q", h[len(h)-3:])
	}
}

// A CSV with no records is still a table with its header.
func TestCSVWriterEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := NewCSVWriter(&buf).Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), strings.Join(CSVHeader(), ",")+"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A JSON Lines record is flat (the event's fields beside first_seen),
// keeps non-ASCII and markup as written, and reads back the same.
func TestJSONLWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	r := sample
	r.Reason = "<b>&</b>"
	if err := w.Write(r); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	if strings.Count(line, "\n") != 1 || !strings.Contains(line, `"reason":"<b>&</b>"`) || !strings.Contains(line, "Второе") {
		t.Errorf("line %s", line)
	}
	var flat map[string]any
	if err := json.Unmarshal(buf.Bytes(), &flat); err != nil {
		t.Fatal(err)
	}
	if flat["first_seen"] != "2018-05-01T02:03:04+01:00" || flat["country"] != "IR" {
		t.Errorf("flat record %v", flat)
	}
	var back Record
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !back.FirstSeen.Equal(r.FirstSeen) || back.Reason != r.Reason || !slices.Equal(back.Evidence, r.Evidence) {
		t.Errorf("read back %+v", back)
	}
}

func TestNewWriterUnknownFormat(t *testing.T) {
	if _, err := NewWriter(&bytes.Buffer{}, "xml"); err == nil || !strings.Contains(err.Error(), `"xml"`) {
		t.Errorf("err = %v", err)
	}
}
