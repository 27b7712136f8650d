package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/event"
)

// triple names an event in expectations: country/service/action.
func triple(e event.Record) string {
	return e.Country + "/" + e.Service + "/" + string(e.Action)
}

func triples(events []event.Record) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = triple(e)
	}
	return out
}

// parseJSONL reads one event object per line, refusing anything else.
func parseJSONL(t *testing.T, s string) []event.Record {
	t.Helper()
	var out []event.Record
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var e event.Record
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || dec.More() {
			t.Fatalf("jsonl line %d is not one event (%v): %s", n, err, sc.Text())
		}
		out = append(out, e)
	}
	return out
}

// parseCSV reads an export and checks its shape: the documented header,
// and as many fields in every row.
func parseCSV(t *testing.T, s string) [][]string {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("not valid CSV: %v\n%s", err, s)
	}
	if len(records) == 0 || !slices.Equal(records[0], csvHeader) {
		t.Fatalf("CSV header %q, want %q", records[0], csvHeader)
	}
	for i, r := range records {
		if len(r) != len(csvHeader) {
			t.Errorf("CSV row %d has %d fields, want %d", i, len(r), len(csvHeader))
		}
	}
	return records[1:]
}

func column(name string) int { return slices.Index(csvHeader, name) }

// padded is an event date as the store orders it: a partial date counts
// as its first day.
func padded(date string) string {
	return date + "-01-01"[len(date)-4:]
}

func TestQueryFilters(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "policywatch.db")
	fillDB(t, db, "events.jsonl")
	ruAll := []string{"RU/telegram/block", "RU/aws/block", "RU/telegram/order", "RU/twitter/throttle", "RU/twitter/threaten"}
	tests := []struct {
		args []string
		want []string
	}{
		{nil, append(slices.Clone(ruAll), "IR/telegram/restrict", "IR/telegram/block", "TR/wikipedia/block", "EU/google/fine")},
		{[]string{"--country", "RU"}, ruAll},
		{[]string{"--country", "ru,Turkey"}, append(slices.Clone(ruAll), "TR/wikipedia/block")},
		{[]string{"--country", "IR", "--country", "EU"}, []string{"IR/telegram/restrict", "IR/telegram/block", "EU/google/fine"}},
		{[]string{"--country", "RU", "--action", "block"}, []string{"RU/telegram/block", "RU/aws/block"}},
		{[]string{"--country", "Russia", "--action", "block,throttle", "--since", "2018", "--until", "2021-03"}, []string{"RU/telegram/block", "RU/aws/block", "RU/twitter/throttle"}},
		// A month bound holds the whole month, and an event dated to the
		// month is the whole month: kept when it overlaps the range.
		{[]string{"--since", "2018-04", "--until", "2018-04"}, []string{"RU/telegram/block", "RU/aws/block", "IR/telegram/restrict", "IR/telegram/block"}},
		{[]string{"--since", "2018-04-16", "--until", "2018-04-16"}, []string{"RU/telegram/block", "RU/aws/block", "IR/telegram/block"}},
		{[]string{"--since", "2018-04-17"}, []string{"IR/telegram/restrict", "IR/telegram/block", "EU/google/fine", "RU/twitter/throttle", "RU/twitter/threaten"}},
		{[]string{"--until", "2018-04-10", "--country", "IR"}, []string{"IR/telegram/block"}},
		{[]string{"--since", "2018-05", "--country", "IR"}, nil},
		{[]string{"--until", "2017"}, []string{"RU/telegram/order", "TR/wikipedia/block"}},
		{[]string{"--service", "Telegram,AWS", "--until", "2018"}, []string{"RU/telegram/block", "RU/aws/block", "RU/telegram/order", "IR/telegram/restrict", "IR/telegram/block"}},
		{[]string{"--country", "IR", "--action", "block", "--text", "NATIONAL SECURITY"}, []string{"IR/telegram/block"}},
		{[]string{"--min-confidence", "0.9", "--country", "RU"}, []string{"RU/telegram/block", "RU/telegram/order", "RU/twitter/throttle"}},
		{[]string{"--feed", "Steppe Dispatch", "--action", "threaten"}, []string{"RU/twitter/threaten"}},
		{[]string{"--country", "EU", "--action", "block"}, nil},
		{[]string{"--limit", "2"}, []string{"RU/twitter/throttle", "RU/twitter/threaten"}},
	}
	for _, tt := range tests {
		args := append([]string{"query", "--db", db, "--format", "jsonl"}, tt.args...)
		events := parseJSONL(t, must(t, args...))
		got := triples(events)
		slices.Sort(got)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("query %q:\n got %v\nwant %v", tt.args, got, want)
		}
		for i := 1; i < len(events); i++ {
			if padded(events[i-1].Date) < padded(events[i].Date) {
				t.Errorf("query %q: %s (%s) listed before the newer %s (%s)", tt.args,
					triple(events[i-1]), events[i-1].Date, triple(events[i]), events[i].Date)
			}
		}
	}
}

func TestQueryFormats(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "policywatch.db")
	stored := fillDB(t, db, "events.jsonl")
	query := func(args ...string) string {
		return must(t, append([]string{"query", "--db", db}, args...)...)
	}

	var fromJSON []event.Record
	out := query("--format", "json")
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fromJSON); err != nil || dec.More() {
		t.Fatalf("--format json is not one JSON array of events (%v):\n%s", err, out)
	}
	if !reflect.DeepEqual(fromJSON, stored) {
		t.Errorf("--format json gives\n%+v\nstored\n%+v", fromJSON, stored)
	}
	if lines := parseJSONL(t, query("--format", "jsonl")); !reflect.DeepEqual(lines, stored) {
		t.Errorf("--format jsonl gives\n%+v\nstored\n%+v", lines, stored)
	}
	if n := strings.Count(query("-f", "jsonl"), "\n"); n != len(stored) {
		t.Errorf("jsonl has %d lines for %d events", n, len(stored))
	}

	rows := parseCSV(t, query("--format", "csv"))
	if len(rows) != len(stored) {
		t.Fatalf("csv has %d rows for %d events", len(rows), len(stored))
	}
	for i, r := range rows {
		if r[column("id")] != stored[i].ID || r[column("country")] != stored[i].Country {
			t.Errorf("csv row %d is %s %s, want %s %s", i, r[column("id")], r[column("country")], stored[i].ID, stored[i].Country)
		}
	}

	table := query()
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if f := strings.Fields(lines[0]); !slices.Equal(f, []string{"DATE", "COUNTRY", "SERVICE", "ACTION", "CONF", "REASON", "SOURCE"}) {
		t.Errorf("table header %q", lines[0])
	}
	if want := "9 events."; lines[len(lines)-1] != want || len(stored) != 9 {
		t.Errorf("table ends %q, want %q", lines[len(lines)-1], want)
	}
	found := false
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > 5 && slices.Equal(f[:5], []string{"2018-04-16", "RU", "telegram", "block", "0.97"}) {
			found = true
		}
	}
	if !found {
		t.Errorf("table has no row for the RU telegram block:\n%s", table)
	}

	// No match is an empty list in every format, not an error.
	for format, want := range map[string]string{
		"json":  "[]\n",
		"jsonl": "",
		"csv":   strings.Join(csvHeader, ",") + "\n",
		"table": "No events match.\n",
	} {
		if got := query("--country", "FR", "--format", format); got != want {
			t.Errorf("no match as %s: %q, want %q", format, got, want)
		}
	}
}

func TestQueryDatabaseFromEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, other := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	fillDB(t, db, "events.jsonl")
	fillDB(t, other, "tricky.jsonl")

	r := policywatch(t, map[string]string{"POLICYWATCH_DB": db}, "query", "--country", "TR", "--format", "jsonl")
	if got := triples(parseJSONL(t, r.stdout)); r.code != exitOK || !slices.Equal(got, []string{"TR/wikipedia/block"}) {
		t.Errorf("query with POLICYWATCH_DB: exit %d, %v, %s", r.code, got, r.stderr)
	}
	// --db wins over the environment.
	r = policywatch(t, map[string]string{"POLICYWATCH_DB": db}, "query", "--db", other, "--country", "TR", "--format", "jsonl")
	if r.code != exitOK || r.stdout != "" {
		t.Errorf("--db %s still read POLICYWATCH_DB: exit %d, %q", other, r.code, r.stdout)
	}
}
