package pipeline_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/pipeline"
	"github.com/policywatch/policywatch/store"
)

// lockstep is a clock that moves only when a test says so, and a
// pipeline.Progress that counts the results the run's writer has taken.
type lockstep struct {
	mu        sync.Mutex
	changed   *sync.Cond
	now       time.Time
	processed int
}

func newLockstep() *lockstep {
	l := &lockstep{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	l.changed = sync.NewCond(&l.mu)
	return l
}

func (l *lockstep) Now() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.now
}

func (l *lockstep) advance(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.now = l.now.Add(d)
}

func (l *lockstep) Start(int) {}
func (l *lockstep) Finish()   {}
func (l *lockstep) Add(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.processed += n
	l.changed.Broadcast()
}

// awaitProcessed waits until the writer has taken n results. The bound
// is only a failsafe against a hung run.
func (l *lockstep) awaitProcessed(t *testing.T, n int) {
	stop := time.AfterFunc(2*time.Minute, func() {
		t.Errorf("the run's writer did not take result %d in 2 minutes", n)
		l.Add(1 << 30) // let the run go on and end
	})
	defer stop.Stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.processed < n {
		l.changed.Wait()
	}
}

// A slow run commits what it has every CommitEvery rather than waiting
// for a full batch, and a feed's state is never committed before the last
// of its articles.
//
// "Slow" is on a clock the test moves: every article page takes 40 ms of
// it, and a page is answered only once the run has taken the result
// before it and is not in the store, so the run sees the same time pass
// however fast or loaded the machine is, and none of it while storing.
func TestRunCommitsSlowWorkAsItGoes(t *testing.T) {
	s := newSite(t)
	feeds := s.demoFeeds()
	demo := s.demo
	clock := newLockstep()
	db := &idleStore{countingStore: &countingStore{Store: openDB(t)}}
	db.idle = sync.NewCond(&db.mu)
	var mu sync.Mutex
	pages := 0
	s.demo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/articles/") {
			mu.Lock()
			n := pages
			pages++
			mu.Unlock()
			clock.awaitProcessed(t, n)
			db.awaitIdle()
			clock.advance(40 * time.Millisecond)
		}
		demo.ServeHTTP(w, r)
	})

	r := newRunner(t, db)
	r.Fetcher = newFetcher(2 * time.Minute) // a page may wait long for the writer
	r.Progress = clock
	r.BatchSize = 1000
	r.CommitEvery = 150 * time.Millisecond
	pipeline.SetClock(r, clock.Now)
	sum := run(t, r, feeds...)
	if sum.NewArticles == 0 {
		t.Fatal("nothing stored")
	}

	var sizes []int                 // articles per commit
	lastBatchOf := map[string]int{} // feed name -> last batch holding one of its articles
	stateBatch := map[string]int{}  // feed URL -> batch holding its state
	for i, b := range db.batches {
		if len(b.Articles) > 0 {
			sizes = append(sizes, len(b.Articles))
		}
		for _, a := range b.Articles {
			lastBatchOf[a.Article.Feed] = i
		}
		for _, st := range b.Feeds {
			stateBatch[st.URL] = i
		}
	}
	// 28 pages at 40 ms, one at a time: over a second of the clock, and a
	// commit each time 150 ms of it have passed. The run may read the
	// clock before or after the next page moved it, so a commit spans 3
	// to 5 pages; and one more page may be answered between the batch
	// being handed to the writer and the writer being in the store.
	mu.Lock()
	defer mu.Unlock()
	if pages < 20 {
		t.Fatalf("%d article pages fetched; the test needs more", pages)
	}
	if len(sizes) < 4 {
		t.Errorf("articles per commit %v; want a commit every %v", sizes, r.CommitEvery)
	}
	for i, n := range sizes[:len(sizes)-1] {
		if n < 3 || n > 6 {
			t.Errorf("commit %d holds %d articles (all: %v); want the 3 or 4 pages of %v", i+1, n, sizes, r.CommitEvery)
		}
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

// idleStore is a countingStore that tells when no Save is in progress.
type idleStore struct {
	*countingStore
	mu     sync.Mutex
	idle   *sync.Cond
	saving int
}

func (s *idleStore) Save(b store.Batch) (store.SaveStats, error) {
	s.mu.Lock()
	s.saving++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.saving--
		s.idle.Broadcast()
		s.mu.Unlock()
	}()
	return s.countingStore.Save(b)
}

// awaitIdle waits until no Save is in progress.
func (s *idleStore) awaitIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.saving > 0 {
		s.idle.Wait()
	}
}

// slowStore is a Store whose first Save of articles waits until the run
// has taken n results: a store busy for as long as the run needs.
type slowStore struct {
	*countingStore
	clock *lockstep
	t     *testing.T
	n     int
	once  sync.Once
}

func (s *slowStore) Save(b store.Batch) (store.SaveStats, error) {
	if len(b.Articles) > 0 {
		s.once.Do(func() { s.clock.awaitProcessed(s.t, s.n) })
	}
	return s.countingStore.Save(b)
}

// While the writer is in the store, the run goes on taking results into
// the next batch, up to BatchSize of them, which is then committed as
// one (a group commit). The run used to hold the results while it was in
// the store, so the workers stopped as soon as a batch was waiting; with
// a store as slow as this one's first Save, it never went on.
func TestRunTakesResultsWhileStoring(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	feed := s.feed("Wire Roundup", "five.rss.xml")
	clock := newLockstep()
	db := &slowStore{countingStore: &countingStore{Store: openDB(t)}, clock: clock, t: t, n: 5}
	r := newRunner(t, db)
	r.Progress = clock
	r.Concurrency = 1
	r.BatchSize = 4
	r.CommitEvery = time.Nanosecond // commit whatever is in hand whenever the writer is free
	sum := run(t, r, feed)
	if sum.NewArticles != 5 {
		t.Fatalf("NewArticles %d, want 5", sum.NewArticles)
	}
	// The first article is committed alone, as soon as it is in; the
	// other four arrive while it is being stored, and go together.
	var sizes []int
	for _, b := range db.batches {
		if len(b.Articles) > 0 {
			sizes = append(sizes, len(b.Articles))
		}
	}
	if want := []int{1, 4}; !slices.Equal(sizes, want) {
		t.Errorf("articles per transaction %v, want %v", sizes, want)
	}
}

// signalStore is a countingStore that closes stored once a batch of
// articles is in the store.
type signalStore struct {
	*countingStore
	once   sync.Once
	stored chan struct{}
}

func (s *signalStore) Save(b store.Batch) (store.SaveStats, error) {
	st, err := s.countingStore.Save(b)
	if err == nil && len(b.Articles) > 0 {
		s.once.Do(func() { close(s.stored) })
	}
	return st, err
}

// What was fetched is committed once it is CommitEvery old even when no
// further result comes to set the commit off: while the workers wait on
// a slow page (a host's timeout, a Retry-After), a run killed meanwhile
// would otherwise lose every article it had, however old, although the
// README promises it loses at most CommitEvery's worth. Here the second
// page is answered only once the first article is stored.
func TestRunCommitsWhileWaitingForResults(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	feed := s.feed("Wire Roundup", "five.rss.xml")
	db := &signalStore{countingStore: &countingStore{Store: openDB(t)}, stored: make(chan struct{})}
	demo := s.demo
	var mu sync.Mutex
	pages, gaveUp := 0, false
	s.demo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/articles/") {
			mu.Lock()
			n := pages
			pages++
			mu.Unlock()
			if n > 0 {
				select {
				case <-db.stored:
				case <-time.After(30 * time.Second): // a failsafe
					mu.Lock()
					gaveUp = true
					mu.Unlock()
				}
			}
		}
		demo.ServeHTTP(w, r)
	})
	r := newRunner(t, db)
	r.Concurrency = 1
	r.CommitEvery = 10 * time.Millisecond
	sum := run(t, r, feed)
	if sum.NewArticles != 5 {
		t.Errorf("NewArticles %d, want 5", sum.NewArticles)
	}
	mu.Lock()
	defer mu.Unlock()
	if gaveUp {
		t.Errorf("the first article was not stored while the run waited 30 s for the next page (CommitEvery %v)", r.CommitEvery)
	}
}
