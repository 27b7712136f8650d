package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
)

// TestCompact compacts a store grown by many small batches, as nightly
// runs grow one, with events dated out of order: the copy holds the same
// records, passes Check, answers the same queries and is smaller; the
// original is left as it was.
func TestCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	countries := []string{"IR", "RU", "TR", "CN"}
	for batch := range 40 {
		var b Batch
		for i := range 10 {
			n := batch*10 + i
			// Dates step through the years out of order, so that writes
			// land all over the events bucket.
			day := time.Date(2010+n*7%15, time.Month(1+n%12), 1+n%28, 0, 0, 0, 0, time.UTC)
			a := newArticle(fmt.Sprintf("https://news.example/%d", n), "Feed", day.Format(time.DateOnly))
			a.Text = strings.Repeat(fmt.Sprintf("Report %d on what happened. ", n), 20)
			ae := ArticleEvents{Article: a}
			for j := range 1 + n%3 {
				ae.Events = append(ae.Events, newEvent(a, countries[(n+j)%len(countries)], "telegram", event.Block, day.Format(time.DateOnly)))
			}
			b.Articles = append(b.Articles, ae)
		}
		if _, err := db.Save(b); err != nil {
			t.Fatal(err)
		}
	}
	want := dump(t, db)
	wantEvents, err := db.Events(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	wantStories, err := db.Stories(StoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	to := filepath.Join(t.TempDir(), "compact.db")
	n, err := Compact(path, to, Options{})
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(to)
	if err != nil || info.Size() != n {
		t.Fatalf("Compact said %d bytes; the file: %v %v", n, info, err)
	}
	t.Logf("store %d bytes, compact copy %d", len(before), n)
	if n >= int64(len(before)) {
		t.Errorf("compact copy is %d bytes, the store %d", n, len(before))
	}
	if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
		t.Errorf("the store was changed (%v)", err)
	}
	if rep, err := Check(to, Options{}); err != nil || !rep.OK() {
		t.Fatalf("check of the copy: %v %v", rep.Problems, err)
	}
	got, err := Open(to, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	have := dump(t, got)
	for name, kv := range want {
		if fmt.Sprint(kv) != fmt.Sprint(have[name]) {
			t.Errorf("bucket %s differs in the copy", name)
		}
	}
	if len(have) != len(want) {
		t.Errorf("copy has %d buckets, the store %d", len(have), len(want))
	}
	evs, err := got.Events(Filter{})
	if err != nil || fmt.Sprint(evs) != fmt.Sprint(wantEvents) {
		t.Errorf("the copy's events differ (%v)", err)
	}
	stories, err := got.Stories(StoryFilter{})
	if err != nil || fmt.Sprint(stories) != fmt.Sprint(wantStories) {
		t.Errorf("the copy's stories differ (%v)", err)
	}

	if _, err := Compact(path, to, Options{}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("compact onto an existing file: %v", err)
	}
	damaged := writeFixture(t, func(b []byte) []byte { return b[:200000] })
	if _, err := Compact(damaged, filepath.Join(t.TempDir(), "x.db"), Options{}); !errors.Is(err, ErrDamaged) {
		t.Errorf("compact of a damaged file: %v; want ErrDamaged", err)
	}
}
