package dataset

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/policywatch/policywatch/event"
)

// records makes n events over several years at every date precision,
// newest first as a store yields them, with text as awkward as real
// reports: commas, quotes, line breaks, other scripts.
func records(n int, seed uint64) []event.Record {
	r := rand.New(rand.NewPCG(seed, 1))
	countries := []string{"IR", "RU", "CN", "TR"}
	services := []string{"telegram", "whatsapp", "x", "youtube"}
	actions := []event.Action{"block", "throttle", "fine", "restrict"}
	texts := []string{
		`Roskomnadzor said "Telegram, finally" was blocked`,
		"تلگرام را مسدود کرد",
		"Роскомнадзор заблокировал\nмессенджер",
		"a plain sentence",
	}
	var out []event.Record
	for i := range n {
		day := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(4*365))
		date := day.Format(time.DateOnly)
		switch r.IntN(6) {
		case 0:
			date = date[:7]
		case 1:
			date = date[:4]
		}
		e := event.Event{
			ID: fmt.Sprintf("ev%05d", i), Date: date,
			Country: countries[r.IntN(len(countries))], Service: services[r.IntN(len(services))],
			Action: actions[r.IntN(len(actions))], Reason: texts[r.IntN(len(texts))],
			Confidence: float64(r.IntN(100)) / 100,
			ArticleID:  fmt.Sprintf("a%d", i/2), SourceURL: fmt.Sprintf("https://news.example/%d?a=1,b=2", i),
			SourceTitle: texts[r.IntN(len(texts))], Published: day.AddDate(0, 0, r.IntN(3)).Format(time.DateOnly),
			Feed: "feed" + fmt.Sprint(r.IntN(3)), Extractor: "2026.11",
		}
		for range r.IntN(3) {
			e.Evidence = append(e.Evidence, texts[r.IntN(len(texts))])
		}
		rec := event.Record{Event: e}
		if i%7 != 0 {
			rec.FirstSeen = day.Add(time.Duration(r.Int64N(int64(48 * time.Hour))))
		}
		out = append(out, rec)
	}
	sortNewestFirst(out)
	return out
}

// sortNewestFirst orders records as a store yields them: by the first
// day of their dates, newest first, then by published, newest first,
// then by id.
func sortNewestFirst(rs []event.Record) {
	slices.SortStableFunc(rs, func(a, b event.Record) int {
		da, _, _ := DateRange(a.Date)
		db, _, _ := DateRange(b.Date)
		if c := db.Compare(da); c != 0 {
			return c
		}
		if c := strings.Compare(b.Published, a.Published); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// want is rs as a Parquet file gives them back: first_seen to the
// microsecond in UTC, no evidence as an empty list.
func want(rs []event.Record) []event.Record {
	out := make([]event.Record, len(rs))
	for i, r := range rs {
		if !r.FirstSeen.IsZero() {
			r.FirstSeen = r.FirstSeen.UTC().Truncate(time.Microsecond)
		}
		if r.Evidence == nil {
			r.Evidence = []string{}
		}
		out[i] = r
	}
	return out
}

func readRecords(t *testing.T, b []byte) []event.Record {
	t.Helper()
	rows, err := parquet.Read[Row](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	out := []event.Record{}
	for _, r := range rows {
		rec := r.Record()
		if rec.Evidence == nil {
			rec.Evidence = []string{}
		}
		out = append(out, rec)
	}
	return out
}

func TestWriterRoundTrip(t *testing.T) {
	rs := records(3000, 1)
	rs[0].FirstSeen = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("x", 3600))
	var buf bytes.Buffer
	w := newWriter(&buf, 64<<10) // several row groups
	for _, r := range rs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := readRecords(t, buf.Bytes()); !reflect.DeepEqual(got, want(rs)) {
		for i := range got {
			if !reflect.DeepEqual(got[i], want(rs)[i]) {
				t.Fatalf("row %d\n got %+v\nwant %+v", i, got[i], want(rs)[i])
			}
		}
		t.Fatalf("%d rows back for %d", len(got), len(rs))
	}

	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.RowGroups()); n < 3 {
		t.Errorf("%d row groups: the writer did not flush as it went", n)
	}
	if err := w.Write(rs[0]); err == nil {
		t.Error("Write after Flush did not fail")
	}
}

// The columns are the CSV's, in its order, then the date range; each has
// the type a researcher filters on.
func TestSchema(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("a file of no events: %v", err)
	}
	var names []string
	for _, c := range f.Schema().Fields() {
		names = append(names, c.Name())
	}
	if wantNames := append(event.CSVHeader(), "date_start", "date_end"); !slices.Equal(names, wantNames) {
		t.Errorf("columns\n%v\nwant\n%v", names, wantNames)
	}
	types := map[string]string{}
	for _, c := range f.Schema().Fields() {
		types[c.Name()] = fmt.Sprint(c.Type())
		if c.Optional() {
			types[c.Name()] += " optional"
		}
	}
	for name, typ := range map[string]string{
		"id":         "STRING",
		"date":       "STRING",
		"confidence": "DOUBLE",
		"evidence":   "LIST",
		"first_seen": "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS) optional",
		"date_start": "DATE optional",
		"date_end":   "DATE optional",
		"extractor":  "STRING",
	} {
		if types[name] != typ {
			t.Errorf("column %s is %s, want %s", name, types[name], typ)
		}
	}
}

func TestDateRange(t *testing.T) {
	for _, tt := range []struct {
		date, from, to string
	}{
		{"2018-04-16", "2018-04-16", "2018-04-16"},
		{"2018-04", "2018-04-01", "2018-04-30"},
		{"2016-02", "2016-02-01", "2016-02-29"},
		{"2018", "2018-01-01", "2018-12-31"},
		{"", "", ""},
		{"2018-4", "", ""},
		{"2018-13", "", ""},
		{"someday", "", ""},
	} {
		from, to, ok := DateRange(tt.date)
		if ok != (tt.from != "") {
			t.Errorf("DateRange(%q) ok = %v", tt.date, ok)
			continue
		}
		if ok && (from.Format(time.DateOnly) != tt.from || to.Format(time.DateOnly) != tt.to) {
			t.Errorf("DateRange(%q) = %s, %s; want %s, %s", tt.date, from.Format(time.DateOnly), to.Format(time.DateOnly), tt.from, tt.to)
		}
		row := NewRow(event.Record{Event: event.Event{Date: tt.date}})
		if !ok {
			if row.DateStart != nil || row.DateEnd != nil {
				t.Errorf("NewRow(%q) has a date range", tt.date)
			}
			continue
		}
		if got := time.Unix(int64(*row.DateStart)*86400, 0).UTC().Format(time.DateOnly); got != tt.from {
			t.Errorf("NewRow(%q).DateStart = %s, want %s", tt.date, got, tt.from)
		}
		if got := time.Unix(int64(*row.DateEnd)*86400, 0).UTC().Format(time.DateOnly); got != tt.to {
			t.Errorf("NewRow(%q).DateEnd = %s, want %s", tt.date, got, tt.to)
		}
	}
}

// BenchmarkWriterMemory writes 10^5 and 10^6 events, as one file and as
// a directory of months, and reports the largest heap seen between rows:
// flat, however many events, because row groups are written out as they
// fill and a month's file is finished once the stream has passed it.
func BenchmarkWriterMemory(b *testing.B) {
	pool := records(1000, 8)
	for _, n := range []int{100_000, 1_000_000} {
		for _, mode := range []string{"file", "dir"} {
			b.Run(fmt.Sprintf("%s-%d", mode, n), func(b *testing.B) {
				var peak uint64
				var ms runtime.MemStats
				for b.Loop() {
					var w interface {
						Write(event.Record) error
					}
					var end func() error
					if mode == "file" {
						fw := NewWriter(io.Discard)
						w, end = fw, fw.Flush
					} else {
						d, err := Create(b.TempDir(), Options{})
						if err != nil {
							b.Fatal(err)
						}
						w, end = d, func() error { _, err := d.Close(); return err }
					}
					// Ten years, newest first, a new date every few events.
					day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
					for i := range n {
						r := pool[i%len(pool)]
						r.ID = strconv.Itoa(i)
						r.Date = day.AddDate(0, 0, -i*3650/n).Format(time.DateOnly)
						if err := w.Write(r); err != nil {
							b.Fatal(err)
						}
						if i%4096 == 0 {
							runtime.ReadMemStats(&ms)
							peak = max(peak, ms.HeapAlloc)
						}
					}
					if err := end(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
