package web

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"github.com/policywatch/policywatch/extract"
)

// The CSV loads back whole whatever the text holds.
func TestWriteEventsCSV(t *testing.T) {
	e := extract.Event{
		ID: "e1", Date: "2018-04", Country: "IR", Service: "telegram", Action: extract.Block,
		Reason:     `"national security", they said`,
		Evidence:   []string{"First sentence, with a comma.", "Второе предложение; ادامه دارد"},
		Confidence: 0.875, SourceURL: "https://news.test/a?x=1&y=2", SourceTitle: "Title\nwith a break",
		Published: "2018-04-30", Feed: "Wire", ArticleID: "a1",
		FirstSeen: time.Date(2018, 5, 1, 2, 3, 4, 0, time.FixedZone("", 3600)),
	}
	var buf bytes.Buffer
	if err := WriteEventsCSV(&buf, []extract.Event{e}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"e1", "2018-04", "IR", "telegram", "block", `"national security", they said`, "0.88",
		"First sentence, with a comma.\nВторое предложение; ادامه دارد", "https://news.test/a?x=1&y=2", "Title\nwith a break",
		"2018-04-30", "Wire", "a1", "2018-05-01T01:03:04Z"}
	if len(rows) != 2 || !slices.Equal(rows[0], CSVHeader()) || !slices.Equal(rows[1], want) {
		t.Errorf("rows %q\nwant %q", rows, want)
	}
	if len(CSVHeader()) != len(CSVRecord(extract.Event{})) {
		t.Error("a record and the header differ in length")
	}
}
