package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
	"go.etcd.io/bbolt"
)

// storiesCLI runs the command line as main does, with no environment.
func storiesCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	return code, out.String(), errOut.String()
}

// storyDB fills a database through the store: two nights of reports,
// the second joining a story of the first.
func storyDB(t *testing.T) (path string, night1 store.SaveStats) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "pw.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	article := func(key, feed, published string) ingest.Article {
		pub, _ := time.Parse(time.DateOnly, published)
		return ingest.Article{ID: ingest.ArticleID(key), Key: key, URL: key, Feed: feed, Title: "Report " + key, Published: pub}
	}
	newEvent := func(a ingest.Article, country, service string, action event.Action, date, reason string) event.Event {
		return event.Event{
			ID: event.ID(a.ID, country, service, action), Country: country, Service: service, Action: action,
			Date: date, Reason: reason, Evidence: []string{"It happened, " + reason + "."}, Confidence: 0.8,
			ArticleID: a.ID, SourceURL: a.URL, SourceTitle: a.Title, Published: a.Published.Format(time.DateOnly), Feed: a.Feed,
		}
	}
	r1 := article("https://example.org/ru-1", "rferl", "2018-04-17")
	ir := article("https://example.org/ir", "rferl", "2018-04-30")
	night1, err = db.Save(store.Batch{Articles: []store.ArticleEvents{
		{Article: r1, Events: []event.Event{
			newEvent(r1, "RU", "telegram", event.Block, "2018-04-16", "refused to hand over encryption keys, a court said"),
			newEvent(r1, "RU", "google", event.Block, "2018-04", ""),
		}},
		{Article: ir, Events: []event.Event{newEvent(ir, "IR", "telegram", event.Restrict, "2018", "national security")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r2 := article("https://example.org/ru-2", "guardian", "2018-04-20")
	if _, err := db.Save(store.Batch{Articles: []store.ArticleEvents{
		{Article: r2, Events: []event.Event{newEvent(r2, "RU", "telegram", event.Block, "2018-04-18", "")}},
	}}); err != nil {
		t.Fatal(err)
	}
	return path, night1
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, s)
	}
	return rows
}

func TestQueryStoriesCSV(t *testing.T) {
	path, night1 := storyDB(t)
	code, out, errOut := storiesCLI(t, "query", "--db", path, "--stories", "--format", "csv")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := readCSV(t, out)
	if !reflect.DeepEqual(rows[0], storyCSVHeader) {
		t.Fatalf("header %q", rows[0])
	}
	col := func(row []string, name string) string {
		for i, h := range storyCSVHeader {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	type story struct{ last, first, date, country, service, action, reason, sources, feeds string }
	var got []story
	for _, r := range rows[1:] {
		got = append(got, story{col(r, "last"), col(r, "first"), col(r, "date"), col(r, "country"), col(r, "service"),
			col(r, "action"), col(r, "reason"), col(r, "sources"), col(r, "feeds")})
		// One event per article here, so as many event ids as sources.
		if n := len(strings.Split(col(r, "event_ids"), ";")); strconv.Itoa(n) != col(r, "sources") {
			t.Errorf("story %s lists %d events for %s sources", col(r, "id"), n, col(r, "sources"))
		}
		if _, err := time.Parse(time.RFC3339, col(r, "created")); err != nil {
			t.Errorf("created %q: %v", col(r, "created"), err)
		}
	}
	want := []story{
		{"2018-04-18", "2018-04-16", "2018-04-16", "RU", "telegram", "block", "refused to hand over encryption keys, a court said", "2", "guardian;rferl"},
		{"2018-04", "2018-04", "2018-04", "RU", "google", "block", "", "1", "rferl"},
		{"2018", "2018", "2018", "IR", "telegram", "restrict", "national security", "1", "rferl"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stories\n%q\nwant\n%q", got, want)
	}
	// The ids are the store's, so a script can look a story up again.
	if rows[3][0] != night1.NewStoryIDs[2] {
		t.Errorf("IR story id %s, want %s", rows[3][0], night1.NewStoryIDs[2])
	}

	// Filters apply to stories.
	_, out, _ = storiesCLI(t, "query", "--db", path, "--stories", "--format", "csv", "--country", "Russia", "--service", "telegram")
	if rows := readCSV(t, out); len(rows) != 2 || rows[1][0] != night1.NewStoryIDs[0] {
		t.Errorf("filtered stories %q", rows)
	}
	// Without --stories, query stays per event.
	_, out, _ = storiesCLI(t, "query", "--db", path, "--format", "csv")
	if rows := readCSV(t, out); len(rows) != 5 {
		t.Errorf("query without --stories gave %d rows, want a header and 4 events", len(rows))
	}
}

func TestQueryStoriesTableAndJSON(t *testing.T) {
	path, night1 := storyDB(t)
	code, out, errOut := storiesCLI(t, "query", "--db", path, "--stories")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if got := strings.Fields(lines[0]); !reflect.DeepEqual(got, []string{"LAST", "COUNTRY", "SERVICE", "ACTION", "SOURCES", "DATE", "REASON", "ID"}) {
		t.Errorf("table header %q", lines[0])
	}
	if f := strings.Fields(lines[1]); f[0] != "2018-04-18" || f[4] != "2" || f[len(f)-1] != night1.NewStoryIDs[0][:8] {
		t.Errorf("first row %q, want the RU Telegram story with 2 sources and its short id", lines[1])
	}
	if lines[len(lines)-1] != "3 stories." {
		t.Errorf("last line %q", lines[len(lines)-1])
	}

	_, out, _ = storiesCLI(t, "query", "--db", path, "--stories", "--format", "json", "--action", "restrict")
	var stories []store.Story
	if err := json.Unmarshal([]byte(out), &stories); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if len(stories) != 1 || stories[0].Country != "IR" || stories[0].Reason != "national security" || len(stories[0].EventIDs) != 1 {
		t.Errorf("json stories %+v", stories)
	}

	_, out, _ = storiesCLI(t, "query", "--db", path, "--stories", "--country", "CN")
	if strings.TrimSpace(out) != "No stories match." {
		t.Errorf("no match: %q", out)
	}
}

func TestStatsCSVAndTable(t *testing.T) {
	path, _ := storyDB(t)
	code, out, errOut := storiesCLI(t, "stats", "--db", path, "--format", "csv")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := [][]string{
		{"dimension", "key", "events"},
		{"country", "RU", "3"},
		{"country", "IR", "1"},
		{"service", "telegram", "3"},
		{"service", "google", "1"},
		{"action", "block", "3"},
		{"action", "restrict", "1"},
		// Months in order of time, a year before its months.
		{"month", "2018", "1"},
		{"month", "2018-04", "3"},
		{"extractor", "", "4"}, // stored without a version
		{"feed", "rferl", "3"},
		{"feed", "guardian", "1"},
	}
	if got := readCSV(t, out); !reflect.DeepEqual(got, want) {
		t.Errorf("stats csv\n%q\nwant\n%q", got, want)
	}

	_, out, _ = storiesCLI(t, "stats", "--db", path, "--format", "csv", "--service", "telegram", "--since", "2018-04")
	// The event dated 2018 overlaps April 2018, so it counts.
	want = [][]string{
		{"dimension", "key", "events"},
		{"country", "RU", "2"},
		{"country", "IR", "1"},
		{"service", "telegram", "3"},
		{"action", "block", "2"},
		{"action", "restrict", "1"},
		{"month", "2018", "1"},
		{"month", "2018-04", "2"},
		{"extractor", "", "3"},
		{"feed", "rferl", "2"},
		{"feed", "guardian", "1"},
	}
	if got := readCSV(t, out); !reflect.DeepEqual(got, want) {
		t.Errorf("filtered stats csv\n%q\nwant\n%q", got, want)
	}

	code, out, errOut = storiesCLI(t, "stats", "--db", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, s := range []string{"By country", "Russia (RU)", "Iran (IR)", "By service", "telegram", "By action", "restrict", "By month", "2018-04", "By extractor", "(not recorded)  4", "By feed", "rferl", "4 events."} {
		if !strings.Contains(out, s) {
			t.Errorf("stats table lacks %q:\n%s", s, out)
		}
	}

	_, out, _ = storiesCLI(t, "stats", "--db", path, "--format", "json")
	var st store.Stats
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Events != 4 || len(st.ByMonth) != 2 {
		t.Errorf("stats json %+v, %v", st, err)
	}

	code, _, errOut = storiesCLI(t, "stats", "--db", path, "--format", "jsonl")
	if code != exitUsage || !strings.Contains(errOut, `--format "jsonl": want table, csv, json`) {
		t.Errorf("bad format: exit %d, %q", code, errOut)
	}
}

func TestStoryWindowFlag(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"14d", 14 * 24 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"336h", 336 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{" 7d ", 7 * 24 * time.Hour, false},
		{"0d", 0, true},
		{"-3d", 0, true},
		{"two weeks", 0, true},
		{"d", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		var w storyWindow
		err := w.Set(tt.in)
		if (err != nil) != tt.err || time.Duration(w) != tt.want {
			t.Errorf("Set(%q) = %v, %v; want %v, error %v", tt.in, time.Duration(w), err, tt.want, tt.err)
		}
	}
	var w storyWindow
	if w.String() != "14d" {
		t.Errorf("default shows as %q, want 14d", w.String())
	}
	w.Set("36h")
	if w.String() != "36h0m0s" {
		t.Errorf("36h shows as %q", w.String())
	}

	code, _, errOut := storiesCLI(t, "run", "--story-window", "fortnight")
	if code != exitUsage || !strings.Contains(errOut, "--story-window") || !strings.Contains(errOut, "14d") {
		t.Errorf("bad --story-window: exit %d, %q", code, errOut)
	}
}

// A file from before stories is not read until it is upgraded: every
// reading command says how, and `policywatch upgrade` does it, once.
func TestQueryStoriesOnOldDatabase(t *testing.T) {
	path, _ := storyDB(t)
	// Make it a version 1 file: drop the story buckets (store/doc.go lists
	// them) and the version number.
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		for _, b := range []string{"stories", "story_events", "event_story", "idx_story_triple", "idx_story_last"} {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte("1"))
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{{"query", "--db", path, "--stories"}, {"query", "--db", path}, {"stats", "--db", path}} {
		code, _, errOut := storiesCLI(t, args...)
		if code != exitFailure || !strings.Contains(errOut, "run `policywatch upgrade`") || !strings.Contains(errOut, "schema version 1") {
			t.Errorf("%q on version 1: exit %d, %q", args, code, errOut)
		}
	}
	code, out, errOut := storiesCLI(t, "upgrade", "--db", path)
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("Upgraded %s from schema version 1 to %d", path, store.SchemaVersion)) {
		t.Errorf("upgrade: exit %d, %q, %q", code, out, errOut)
	}
	code, out, _ = storiesCLI(t, "upgrade", "--db", path)
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("is current (schema version %d); nothing to do", store.SchemaVersion)) {
		t.Errorf("second upgrade: exit %d, %q", code, out)
	}
	for _, args := range [][]string{{"query", "--db", path, "--stories"}, {"query", "--db", path}, {"stats", "--db", path}} {
		if code, _, errOut := storiesCLI(t, args...); code != exitOK {
			t.Errorf("%q after the upgrade: exit %d, %q", args, code, errOut)
		}
	}
}

// stats counts every matching event: a --limit, which it would ignore,
// is refused rather than silently accepted.
func TestStatsRefusesLimit(t *testing.T) {
	path, _ := storyDB(t)
	code, out, errOut := storiesCLI(t, "stats", "--db", path, "--limit", "5")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "--limit does not apply") {
		t.Errorf("stats --limit 5: exit %d, stdout %q, stderr %q; want 2 and why", code, out, errOut)
	}
}
