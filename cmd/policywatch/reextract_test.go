package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/policywatch/policywatch/alert"
	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// oldVersion stands for an extractor older than any this code builds.
const oldVersion = "v0.0.1+data.000000000000"

// weakStore is a store as an older, weaker extractor left it, over the
// demo corpus's article pages: mostly the rules without the learned
// model, with events missed, dates and reasons wrong, a spurious event;
// some events of an older version that found what this one finds, and
// some stored before versions were recorded. The
// last article was read by the current extractor already. It returns the
// articles and, by article id, the events the current extractor finds.
func weakStore(t *testing.T, path string) ([]ingest.Article, map[string][]event.Event) {
	t.Helper()
	b, articles, want := weakBatch(t)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	return articles, want
}

// weakBatch is what weakStore saves.
func weakBatch(t *testing.T) (store.Batch, []ingest.Article, map[string][]event.Event) {
	t.Helper()
	x, err := newExtractor()
	if err != nil {
		t.Fatal(err)
	}
	weak := x.WithModels(nil)
	pages, err := filepath.Glob("../../demo/corpus/articles/*.html")
	if err != nil || len(pages) < 10 {
		t.Fatalf("demo pages: %q, %v", pages, err)
	}
	var b store.Batch
	var articles []ingest.Article
	want := map[string][]event.Event{}
	for i, p := range pages {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		page, err := ingest.ReadPage(bytes.NewReader(raw), "text/html")
		if err != nil {
			t.Fatal(err)
		}
		key := "https://demo.test/articles/" + filepath.Base(p)
		a := ingest.Article{
			ID: ingest.ArticleID(key), Key: key, Feed: []string{"Wire", "Post"}[i%2], URL: key,
			Title: page.Title, Published: page.Published, Text: page.Text, TextFrom: "page",
			Fetched: page.Published.Add(time.Hour),
		}
		if a.Published.IsZero() {
			t.Fatalf("%s has no publication date", p)
		}
		articles = append(articles, a)
		doc := extract.Document{ID: a.ID, URL: a.URL, Title: a.Title, Text: a.Text, Published: a.Published, Feed: a.Feed}
		want[a.ID] = x.Extract(doc)

		ae := store.ArticleEvents{Article: a, Events: weak.Extract(doc), Extractor: weak.Version()}
		switch {
		case i == len(pages)-1:
			ae.Events, ae.Extractor = want[a.ID], x.Version()
		case i%4 == 0:
			ae.Extractor = ""
			for j := range ae.Events {
				ae.Events[j].Extractor = ""
			}
		case i%4 == 1:
			// An older version that found what this one finds.
			ae.Events, ae.Extractor = slices.Clone(want[a.ID]), oldVersion
			for j := range ae.Events {
				ae.Events[j].Extractor = oldVersion
			}
		}
		if i != len(pages)-1 {
			if i%5 == 2 && len(ae.Events) > 0 {
				ae.Events = ae.Events[1:] // missed
			}
			if i%3 == 0 && len(ae.Events) > 0 {
				ae.Events[0].Date, ae.Events[0].Reason = "2001-01-01", "a wrong reason"
			}
			if i == 0 {
				e := event.Event{Country: "KP", Service: "telegram", Action: event.Block, Date: "2001", Evidence: []string{"Nothing of the sort."},
					ArticleID: a.ID, SourceURL: a.URL, SourceTitle: a.Title, Published: "2001-01-01", Feed: a.Feed, Extractor: ae.Extractor}
				e.ID = event.ID(a.ID, e.Country, e.Service, e.Action)
				ae.Events = append(ae.Events, e)
			}
		}
		b.Articles = append(b.Articles, ae)
	}
	return b, articles, want
}

// expectedChanges counts what bringing the stored events to want must do.
func expectedChanges(t *testing.T, path string, articles []ingest.Article, want map[string][]event.Event) (added, removed, changed, unchanged int) {
	t.Helper()
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, a := range articles[:len(articles)-1] { // the last is current
		stored, err := db.ArticleEvents(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		before := map[string]event.Event{}
		for _, r := range stored {
			before[r.ID] = r.Event
		}
		for _, e := range want[a.ID] {
			old, ok := before[e.ID]
			delete(before, e.ID)
			old.Extractor, e.Extractor = "", ""
			switch {
			case !ok:
				added++
			case !reflect.DeepEqual(old, e):
				changed++
			default:
				unchanged++
			}
		}
		removed += len(before)
	}
	return added, removed, changed, unchanged
}

// checkReextracted checks the store holds exactly the events want, each
// found again by the index of each of its fields and in one story of its
// own triple, and nothing else: no index entry or story keeps a removed
// event.
func checkReextracted(t *testing.T, path string, articles []ingest.Article, want map[string][]event.Event) {
	t.Helper()
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	x, _ := newExtractor()
	all := map[string]event.Event{}
	for _, a := range articles {
		stored, err := db.ArticleEvents(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]event.Event{}
		for _, r := range stored {
			got[r.ID] = r.Event
		}
		exp := map[string]event.Event{}
		for _, e := range want[a.ID] {
			exp[e.ID] = e
			all[e.ID] = e
		}
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("article %s (%s): events\n%+v\nwant\n%+v", a.ID, a.Title, got, exp)
		}
	}

	byCountry, byService, byDate := map[string][]string{}, map[string][]string{}, map[string][]string{}
	for id, e := range all {
		byCountry[e.Country] = append(byCountry[e.Country], id)
		byService[e.Service] = append(byService[e.Service], id)
		byDate[e.Date] = append(byDate[e.Date], id)
	}
	byCountry["KP"], byDate["2001-01-01"] = nil, nil // only removed events had these
	check := func(what string, f store.Filter, want []string) {
		evs, err := db.Events(f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, e.ID)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("events by %s: %q, want %q", what, got, want)
		}
	}
	for c, ids := range byCountry {
		check("country "+c, store.Filter{Countries: []string{c}}, ids)
	}
	for s, ids := range byService {
		check("service "+s, store.Filter{Services: []string{s}}, ids)
	}
	for d, ids := range byDate {
		// Dates are ranges, kept where they overlap: a partial date's
		// range holds the days in it, and a day lies in its month's.
		same := slices.Clone(ids)
		for id, e := range all {
			if e.Date != d && (strings.HasPrefix(e.Date, d) || strings.HasPrefix(d, e.Date)) {
				same = append(same, id)
			}
		}
		check("date "+d, store.Filter{Since: d, Until: d}, same)
	}
	st, err := db.Stats(store.Filter{}) // from the index keys alone
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != len(all) || !reflect.DeepEqual(st.ByExtractor, []store.Count{{Key: x.Version(), Events: len(all)}}) {
		t.Errorf("stats: %d events, by extractor %+v; want %d, all of %s", st.Events, st.ByExtractor, len(all), x.Version())
	}

	stories, err := db.Stories(store.StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	inStory := map[string]string{}
	for _, s := range stories {
		_, evs, err := db.Story(s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			t.Errorf("story %s is empty", s.ID)
		}
		for _, e := range evs {
			if _, ok := all[e.ID]; !ok {
				t.Errorf("story %s keeps event %s (%s %s %s), which is gone", s.ID, e.ID, e.Country, e.Service, e.Action)
			}
			if e.Country != s.Country || e.Service != s.Service || e.Action != s.Action {
				t.Errorf("story %s (%s %s %s) holds %s %s %s", s.ID, s.Country, s.Service, s.Action, e.Country, e.Service, e.Action)
			}
			if prev, ok := inStory[e.ID]; ok {
				t.Errorf("event %s is in stories %s and %s", e.ID, prev, s.ID)
			}
			inStory[e.ID] = s.ID
		}
	}
	if len(inStory) != len(all) {
		t.Errorf("%d events in stories, want all %d", len(inStory), len(all))
	}
}

// alertedStory records that rule r1 posted a story holding an event the
// current extractor finds again, and returns its id.
func alertedStory(t *testing.T, path string, want map[string][]event.Event) string {
	t.Helper()
	keep := map[string]bool{}
	for _, evs := range want {
		for _, e := range evs {
			keep[e.ID] = true
		}
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stories, err := db.Stories(store.StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stories {
		_, evs, err := db.Story(s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(evs, func(e event.Record) bool { return keep[e.ID] }) {
			continue
		}
		if _, ok, err := db.ClaimAlert("r1", s.ID, time.Now()); err != nil || !ok {
			t.Fatalf("claim: %v", err)
		}
		if _, err := db.FinishAlert("r1", s.ID, store.AlertSent, "", time.Now()); err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	t.Fatal("no story survives the reextract")
	return ""
}

// decodeReextract reads reextract --json.
func decodeReextract(t *testing.T, out string) reextractSummary {
	t.Helper()
	var s reextractSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("reextract --json: %v\n%s", err, out)
	}
	return s
}

// Reextract brings a store an older, weaker extractor made to what the
// current extractor finds: it adds, removes and changes events, says how
// many, leaves no index entry or story behind, and posts no alert again.
func TestReextractWeakStore(t *testing.T) {
	for _, waiting := range []bool{false, true} {
		name := "alerts up to date"
		if waiting {
			name = "a run's alerts waiting"
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "weak.db")
			began := time.Now()
			articles, want := weakStore(t, path)
			story := alertedStory(t, path, want)
			db, err := store.Open(path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// A run that alerted marks the time it began; one stopped
			// before alerting leaves an earlier mark.
			covered := time.Now()
			if waiting {
				covered = began.Add(-time.Hour)
			}
			if err := db.SetAlertsCovered(covered); err != nil {
				t.Fatal(err)
			}
			db.Close()
			added, removed, changed, unchanged := expectedChanges(t, path, articles, want)
			if added == 0 || removed == 0 || changed == 0 || unchanged == 0 {
				t.Fatalf("the weak store differs by %d added, %d removed, %d changed, %d unchanged: the test needs each", added, removed, changed, unchanged)
			}

			sum := decodeReextract(t, must(t, "reextract", "--db", path, "--json", "--batch", "4"))
			t.Logf("reextract: %+v", sum)
			x, _ := newExtractor()
			wantSum := reextractSummary{
				Extractor: x.Version(), Articles: len(articles) - 1, Current: 1,
				Added: added, Removed: removed, Changed: changed, Unchanged: unchanged, AlertsHeld: !waiting,
			}
			got := sum
			got.Duration, got.NewStories, got.UpdatedStories, got.DeletedStories = 0, 0, 0, 0
			if got != wantSum {
				t.Errorf("summary %+v\nwant %+v", got, wantSum)
			}
			if sum.NewStories+sum.UpdatedStories+sum.DeletedStories == 0 {
				t.Errorf("stories did not regroup: %+v", sum)
			}
			checkReextracted(t, path, articles, want)

			// The next run's alerts: the story posted before is not
			// posted again; the others are left to the run only when
			// a run's alerts were waiting.
			var posts atomic.Int64
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { posts.Add(1) }))
			defer hook.Close()
			rule := alert.Rule{Name: "r1", Webhook: alert.Webhook{URL: hook.URL, Format: alert.JSON}}
			h := store.Handle{Path: path}
			n := &alert.Notifier{Client: hook.Client(), Store: alert.Visits(h)}
			rep, err := n.Notify(t.Context(), alert.Rules{rule}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var stories []store.Story
			h.Do(func(db *store.DB) error { stories, err = db.Stories(store.StoryFilter{}); return err })
			if err != nil {
				t.Fatal(err)
			}
			wantPosts := 0
			if waiting {
				wantPosts = len(stories) - 1
			}
			if int(posts.Load()) != wantPosts || rep.Totals().Sent != wantPosts {
				t.Errorf("the next run posted %d alerts (%+v); want %d", posts.Load(), rep.Totals(), wantPosts)
			}
			for _, d := range rep.Rules[0].Deliveries {
				if d.Story == story {
					t.Errorf("story %s was alerted again", story)
				}
			}
			var rec store.AlertRecord
			h.Do(func(db *store.DB) error { rec, err = db.Alert("r1", story); return err })
			if err != nil || rec.State != store.AlertSent || rec.Attempts != 1 {
				t.Errorf("alert of story %s: %+v, %v; want sent once", story, rec, err)
			}

			// Nothing is left to do, and the table says so.
			out := must(t, "reextract", "--db", path)
			if !strings.Contains(out, fmt.Sprintf("Articles:  0 read again (%d read by this extractor already)", len(articles))) ||
				!strings.Contains(out, "Events:    0 added, 0 removed, 0 changed, 0 unchanged") {
				t.Errorf("second reextract:\n%s", out)
			}
		})
	}
}

// Filters pick the articles: by feed and publication date, or by the
// events stored for them.
func TestReextractFilters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weak.db")
	articles, _ := weakStore(t, path)
	count := func(pick func(ingest.Article) bool) int {
		n := 0
		for _, a := range articles[:len(articles)-1] {
			if pick(a) {
				n++
			}
		}
		return n
	}
	sum := decodeReextract(t, must(t, "reextract", "--db", path, "--json", "--feed", "Post", "--since", "2020"))
	if want := count(func(a ingest.Article) bool { return a.Feed == "Post" && a.Published.Year() >= 2020 }); sum.Articles != want || want == 0 {
		t.Errorf("--feed Post --since 2020 read %d articles, want %d", sum.Articles, want)
	}
	sum = decodeReextract(t, must(t, "reextract", "--db", path, "--json", "--country", "North Korea"))
	if sum.Articles != 1 || sum.Removed == 0 {
		t.Errorf("--country KP: %+v; want the one article with the spurious KP event, and it removed", sum)
	}
	for _, args := range [][]string{
		{"--country", "Atlantis"}, {"--since", "someday"}, {"--batch", "0"}, {"--text", "x"}, {"extra"},
	} {
		r := policywatch(t, nil, append([]string{"reextract", "--db", path}, args...)...)
		if r.code != exitUsage {
			t.Errorf("reextract %q: exit %d, %s", args, r.code, r.stderr)
		}
	}
	if r := policywatch(t, nil, "reextract", "--db", filepath.Join(t.TempDir(), "none.db")); r.code != exitFailure || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("reextract of no database: exit %d, %s", r.code, r.stderr)
	}
}

// A reextract killed with SIGKILL keeps the batches it stored, and the
// next one reads only the articles it had not, ending where an
// uninterrupted reextract ends.
func TestReextractSurvivesSIGKILL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weak.db")
	articles, want := weakStore(t, path)
	p := start(t, "reextract", "--db", path, "--batch", "1", "--log-level", "debug", "--no-progress")
	p.stderr.await(t, regexp.MustCompile(`msg="batch stored"(?s:.*)msg="batch stored"`))
	p.cmd.Process.Signal(syscall.SIGKILL)
	if code := p.wait(t); code != -1 {
		t.Fatalf("reextract ended (exit %d) before the kill:\n%s", code, p.stderr.String())
	}
	sum := decodeReextract(t, must(t, "reextract", "--db", path, "--json"))
	t.Logf("after the kill: %+v", sum)
	if sum.Current < 3 || sum.Articles+sum.Current != len(articles) || sum.Articles == 0 {
		t.Errorf("after the kill: %d read again, %d current; want the %d articles split, at least 2 done before the kill", sum.Articles, sum.Current, len(articles))
	}
	checkReextracted(t, path, articles, want)
}

// An interrupt stops reextract between articles with exit code 130, and
// what it did is kept for the next one.
func TestReextractInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weak.db")
	articles, want := weakStore(t, path)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"reextract", "--db", path, "--json"}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	if code != exitInterrupted || !strings.Contains(stderr.String(), "the next reextract goes on from there") {
		t.Fatalf("interrupted reextract: exit %d, %s", code, stderr.String())
	}
	if sum := decodeReextract(t, stdout.String()); !sum.Interrupted || sum.Articles != 0 {
		t.Errorf("summary %+v, want interrupted before any article", sum)
	}
	sum := decodeReextract(t, must(t, "reextract", "--db", path, "--json"))
	if sum.Interrupted || sum.Articles != len(articles)-1 {
		t.Errorf("the next reextract: %+v", sum)
	}
	checkReextracted(t, path, articles, want)
}
