package pipeline_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// A slow run commits what it has every CommitEvery rather than waiting
// for a full batch, and a feed's state is never committed before the last
// of its articles.
func TestRunCommitsSlowWorkAsItGoes(t *testing.T) {
	s := newSite(t)
	feeds := s.demoFeeds()
	demo := s.demo
	s.demo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/articles/") {
			time.Sleep(40 * time.Millisecond)
		}
		demo.ServeHTTP(w, r)
	})

	db := &countingStore{Store: openDB(t)}
	r := newRunner(t, db)
	r.BatchSize = 1000
	r.CommitEvery = 150 * time.Millisecond
	sum := run(t, r, feeds...)
	if sum.NewArticles == 0 {
		t.Fatal("nothing stored")
	}

	withArticles := 0
	lastBatchOf := map[string]int{} // feed name -> last batch holding one of its articles
	stateBatch := map[string]int{}  // feed URL -> batch holding its state
	for i, b := range db.batches {
		if len(b.Articles) > 0 {
			withArticles++
		}
		for _, a := range b.Articles {
			lastBatchOf[a.Article.Feed] = i
		}
		for _, st := range b.Feeds {
			stateBatch[st.URL] = i
		}
	}
	// 28 pages at 40 ms, one at a time on the one host: over a second.
	if withArticles < 4 {
		t.Errorf("%d commits with articles over the run; want one every %v", withArticles, r.CommitEvery)
	}
	for _, f := range feeds {
		last, ok := lastBatchOf[f.Name]
		if !ok {
			continue
		}
		if got, ok := stateBatch[f.URL]; !ok || got < last {
			t.Errorf("feed %s: state committed in batch %d (found %v), its last article in batch %d", f.Name, got, ok, last)
		}
	}
}
