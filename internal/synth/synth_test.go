package synth

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// A built store holds exactly the events asked for, in the shape the
// profile describes, grouped into stories by the real Save.
func TestBuildShape(t *testing.T) {
	const n = 5000
	path := filepath.Join(t.TempDir(), "synth.db")
	b, err := Build(path, n)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if c.Events != n || b.Events != n || c.Articles != b.Articles {
		t.Fatalf("store counts %+v, Build says %+v, want %d events", c, b, n)
	}
	if per := float64(n) / float64(b.Articles); per < 2 || per > 3 {
		t.Errorf("%.2f events per article, want 2 to 3", per)
	}

	st, err := db.Stats(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// A few countries hold most events, and the tail is long.
	top := 0
	for _, k := range st.ByCountry[:5] {
		top += k.Events
	}
	if share := float64(top) / n; share < 0.3 || share > 0.6 {
		t.Errorf("the 5 commonest countries hold %.0f%% of events, want 30-60%%", 100*share)
	}
	if st.ByCountry[0].Key != "RU" {
		t.Errorf("commonest country %s, want RU as in the labels", st.ByCountry[0].Key)
	}
	if len(st.ByCountry) < 100 || len(st.ByService) < 120 || len(st.ByAction) != len(event.Actions) {
		t.Errorf("%d countries, %d services, %d actions: the tails are missing", len(st.ByCountry), len(st.ByService), len(st.ByAction))
	}

	evs, err := db.Events(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	byPrecision := map[int]int{}
	reasons := 0
	for _, e := range evs {
		byPrecision[len(e.Date)]++
		if e.Reason != "" {
			reasons++
		}
		if e.Date < "2005" || e.Date > "2026-11-30" || e.Published < "2005" || len(e.Evidence) == 0 {
			t.Fatalf("event %+v is out of the profile", e)
		}
	}
	if day := float64(byPrecision[10]) / n; day < 0.6 || day > 0.75 {
		t.Errorf("%.0f%% of dates are to the day, want about 68%%", 100*day)
	}
	if r := float64(reasons) / n; r < 0.5 || r > 0.7 {
		t.Errorf("%.0f%% of events give a reason, want about 59%%", 100*r)
	}
	// There is more news in later years.
	years := map[string]int{}
	for _, e := range evs {
		years[e.Published[:4]]++
	}
	if years["2025"] < 3*years["2006"] {
		t.Errorf("2006 has %d events and 2025 %d: news should grow", years["2006"], years["2025"])
	}

	// Outlets retell actions, so stories gather several reports.
	stories, err := db.Stories(store.StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	multi := slices.IndexFunc(stories, func(s store.Story) bool { return s.Sources >= 3 })
	if per := float64(n) / float64(len(stories)); per < 1.5 || multi < 0 {
		t.Errorf("%d stories for %d events; want reports to gather in stories", len(stories), n)
	}
}

// The same version builds the same events.
func TestBuildDeterministic(t *testing.T) {
	dir := t.TempDir()
	var got [2][]event.Record
	for i := range got {
		path := filepath.Join(dir, string(rune('a'+i))+".db")
		if _, err := Build(path, 300); err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(path, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		got[i], err = db.Events(store.Filter{})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	// FirstSeen is when each was built.
	if !slices.EqualFunc(got[0], got[1], func(a, b event.Record) bool {
		return a.ID == b.ID && a.Date == b.Date && a.Reason == b.Reason && slices.Equal(a.Evidence, b.Evidence)
	}) {
		t.Error("two builds differ")
	}
}

// Cached builds once, then hands back the same file; a store left by
// another version of the generator is removed when the new one is built.
func TestCached(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "synth-200-schema1-v0-00000000.db")
	other := filepath.Join(dir, "synth-300-schema1-v0-00000000.db")
	for _, p := range []string{stale, other} {
		if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path, built, err := Cached(dir, 200)
	if err != nil {
		t.Fatal(err)
	}
	if built == nil || built.Events != 200 {
		t.Fatalf("first Cached built %+v", built)
	}
	again, built, err := Cached(dir, 200)
	if err != nil || again != path || built != nil {
		t.Errorf("second Cached = %s, %+v, %v; want %s without a build", again, built, err, path)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{filepath.Base(other), filepath.Base(path)}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("cache holds %v, want %v", names, want)
	}
}

// The news after a store is new to it: saving it adds articles and
// events, updates none, and it is dated on the last day of the profile.
func TestAfter(t *testing.T) {
	const n = 2000
	path := filepath.Join(t.TempDir(), "synth.db")
	if _, err := Build(path, n); err != nil {
		t.Fatal(err)
	}
	next, err := After(n)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 3 {
		b := next.Batch()
		st, err := db.Save(b)
		if err != nil {
			t.Fatal(err)
		}
		events := 0
		for _, a := range b.Articles {
			events += len(a.Events)
			if day := a.Article.Published.Format("2006-01-02"); day != "2026-11-30" {
				t.Errorf("article published %s, want the last day", day)
			}
		}
		if st.NewArticles != len(b.Articles) || st.UpdatedArticles != 0 || st.NewEvents != events || st.UpdatedEvents != 0 {
			t.Errorf("saving %d articles with %d events: %+v", len(b.Articles), events, st)
		}
	}
}
