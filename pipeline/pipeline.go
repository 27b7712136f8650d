// Package pipeline runs the nightly batch: fetch every feed, fetch the
// articles not stored yet, extract their events and store them.
//
// A run is safe to interrupt. Articles are committed in batches as they
// are done; a feed's fetch state (its ETag and Last-Modified) is stored
// only with or after the last of its articles, so an interrupted feed is
// fetched in full next time and its stored articles are skipped.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// Progress is told how the article phase advances; a terminal progress
// bar implements it. Nil is fine.
type Progress interface {
	Start(total int)
	Add(n int)
	Finish()
}

// Store is where a run reads fetch state and writes what it finds:
// *store.DB, or a store.Handle that holds the file lock only per call.
type Store interface {
	FeedState(url string) (ingest.FeedState, error)
	Seen(keys []string) (map[string]bool, error)
	Save(b store.Batch) (store.SaveStats, error)
}

// Runner holds what a run needs.
type Runner struct {
	Fetcher     *ingest.Fetcher
	Extractor   *extract.Extractor
	DB          Store
	Logger      *slog.Logger
	Progress    Progress
	Concurrency int // feeds and articles fetched at once; default 4
	// BatchSize is the most articles one transaction holds; default 200.
	// A batch is committed once the writer is free and it is full or
	// CommitEvery old, so a run whose store keeps up commits smaller
	// ones. Readers wait for a transaction (a second, at most, before
	// they give up), which bounds it.
	BatchSize int
	// CommitEvery is how long what was fetched waits for a full batch
	// before it is committed anyway; default 500 ms. A slow run then
	// keeps its work and shows readers its progress every so often, and
	// a fast one commits full batches.
	CommitEvery time.Duration

	now func() time.Time // the clock CommitEvery is measured by; nil is time.Now
}

// Summary is what a run did, for the report at its end.
type Summary struct {
	Feeds            int `json:"feeds"`
	FeedsOK          int `json:"feeds_ok"`
	FeedsNotModified int `json:"feeds_not_modified"`
	FeedsFailed      int `json:"feeds_failed"`
	Items            int `json:"items"`
	NewItems         int `json:"new_items"`
	NewArticles      int `json:"new_articles"`
	FromFeedText     int `json:"articles_from_feed_text"`
	ArticlesFailed   int `json:"articles_failed"`
	NewEvents        int `json:"new_events"`
	UpdatedEvents    int `json:"updated_events"`
	NewStories       int `json:"new_stories"`
	UpdatedStories   int `json:"updated_stories"`
	// NewStoryIDs are the stories this run founded, for alerts.
	NewStoryIDs []string       `json:"-"`
	Failures    []Failure      `json:"failures,omitempty"`
	Unavailable []Failure      `json:"pages_unavailable,omitempty"` // pages of articles stored from feed text
	Duration    time.Duration  `json:"duration_ns"`
	Interrupted bool           `json:"interrupted,omitempty"`
	EventIDs    []string       `json:"-"` // new events, for alerting
	PerFeed     map[string]int `json:"new_articles_per_feed,omitempty"`
}

// Failure is one feed or article that could not be had.
type Failure struct {
	Feed  string `json:"feed"`
	URL   string `json:"url"`
	Error string `json:"error"`
}

// NothingFetched reports whether no feed could be fetched at all, the one
// case a nightly run should fail on.
func (s Summary) NothingFetched() bool {
	return s.Feeds > 0 && s.FeedsOK+s.FeedsNotModified == 0
}

// feedWork is one feed's new items on their way through the run.
type feedWork struct {
	feed    ingest.Feed
	state   ingest.FeedState
	pending int // articles not yet done
	// interrupted is set when an article was given up because the run
	// was stopped: the feed is then not done, however many are pending.
	interrupted bool
	failed      bool // some article failed: do not remember validators
}

type result struct {
	work     *feedWork
	item     ingest.Item
	article  ingest.Article
	events   []event.Event
	err      error // no text could be had
	fromFeed error // the page could not be had, and the feed's text was used
	panicked *panicked
}

// panicked is a panic in a worker or the writer: a bug, carried to the
// goroutine that called Run and raised again there, so that the command
// reports it as one (policywatch exits 70 with the stack to send) rather
// than the runtime ending the process from a goroutine nobody watches.
type panicked struct {
	value any
	stack []byte
}

func (p *panicked) raise() {
	panic(fmt.Sprintf("%v\n\ngoroutine that panicked:\n%s", p.value, p.stack))
}

// catch runs fn, returning the panic it raised, if any.
func catch(fn func()) (p *panicked) {
	defer func() {
		if v := recover(); v != nil {
			p = &panicked{v, debug.Stack()}
		}
	}()
	fn()
	return nil
}

// Run fetches feeds and stores what is new. It returns an error only when
// the store fails; feed and article failures are in the summary.
func (r *Runner) Run(ctx context.Context, feeds []ingest.Feed) (Summary, error) {
	start := time.Now()
	conc := r.Concurrency
	if conc <= 0 {
		conc = 4
	}
	batchSize := r.BatchSize
	if batchSize <= 0 {
		batchSize = 200
	}
	commitEvery := r.CommitEvery
	if commitEvery <= 0 {
		commitEvery = 500 * time.Millisecond
	}
	now := r.now
	if now == nil {
		now = time.Now
	}
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sum := Summary{Feeds: len(feeds), PerFeed: make(map[string]int)}

	works, states, err := r.fetchFeeds(ctx, feeds, conc, log, &sum)
	if err != nil {
		return sum, err
	}
	// Feeds with nothing new (304, failures, no new items) only update
	// their fetch state.
	if len(states) > 0 {
		if _, err := r.DB.Save(store.Batch{Feeds: states}); err != nil {
			return sum, fmt.Errorf("store fetch state: %w", err)
		}
	}

	type job struct {
		work *feedWork
		item ingest.Item
	}
	var jobs []job
	for _, w := range works {
		for _, it := range w.items {
			jobs = append(jobs, job{w.feedWork, it})
		}
	}
	// The fetcher lets one request at a time go to a host. In feed order,
	// a feed's many articles on one site would hold every worker waiting
	// for that site while other sites' articles sit in the queue.
	jobs = interleave(jobs, func(j job) string { return host(j.item.Link) })
	sum.NewItems = len(jobs)
	if r.Progress != nil && len(jobs) > 0 {
		r.Progress.Start(len(jobs))
		defer r.Progress.Finish()
	}

	// A store that fails ends the run: fetching the rest of the articles
	// would only delay the error, as they could not be kept.
	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	jobCh := make(chan job)
	// Unbuffered: the collector below takes results as they come while
	// the writer is in the store, and holds them in the next batch.
	results := make(chan result)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobCh {
				var res result
				if p := catch(func() { res = r.article(workCtx, log, j.work, j.item) }); p != nil {
					res = result{work: j.work, item: j.item, panicked: p}
				}
				results <- res
			}
		}()
	}
	go func() {
		defer close(jobCh)
		for _, j := range jobs {
			select {
			case jobCh <- j:
			case <-workCtx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	// One writer stores batches, one at a time, in the order they were
	// made, while the collector goes on taking results into the next
	// batch (a group commit): a batch is handed over once the writer is
	// free and it is full or CommitEvery old. When the store is slower
	// than fetching and extracting, batches grow up to BatchSize instead
	// of stopping the workers, and each transaction's fixed costs (the
	// file opened and its pages faulted in again, stories recomputed,
	// pages written and synced) are paid over more articles.
	type pending struct {
		batch store.Batch
		ids   [][]string
	}
	type written struct {
		pending
		st       store.SaveStats
		err      error
		panicked *panicked
	}
	toWriter := make(chan pending)
	fromWriter := make(chan written)
	go func() {
		for p := range toWriter {
			var w written
			w.pending = p
			w.panicked = catch(func() { w.st, w.err = r.DB.Save(p.batch) })
			fromWriter <- w
		}
	}()
	defer close(toWriter)

	var next pending
	writing := false
	// A story that many batches add reports to is updated by each, but
	// is one story of the run: new if a batch of this run made it.
	made, updated := make(map[string]bool), make(map[string]bool)
	lastCommit := now()
	var storeErr error
	stored := func(w written) {
		writing = false
		if w.panicked != nil {
			stopWork()
			w.panicked.raise()
		}
		if w.err != nil {
			if storeErr == nil {
				storeErr = fmt.Errorf("store batch of %d articles: %w", len(w.batch.Articles), w.err)
			}
			stopWork()
			return
		}
		st := w.st
		sum.NewArticles += st.NewArticles
		sum.NewEvents += st.NewEvents
		sum.UpdatedEvents += st.UpdatedEvents
		sum.NewStoryIDs = append(sum.NewStoryIDs, st.NewStoryIDs...)
		for _, id := range st.NewStoryIDs {
			made[id] = true
			delete(updated, id)
		}
		for _, id := range st.UpdatedStoryIDs {
			if !made[id] {
				updated[id] = true
			}
		}
		sum.NewStories, sum.UpdatedStories = len(made), len(updated)
		for _, ids := range w.ids {
			sum.EventIDs = append(sum.EventIDs, ids...)
		}
	}
	// hand gives the writer the batch in hand, if it has anything.
	hand := func() {
		if len(next.batch.Articles) == 0 && len(next.batch.Feeds) == 0 {
			return
		}
		toWriter <- next
		next, writing, lastCommit = pending{}, true, now()
	}
	// due wakes the collector when the batch in hand comes of age with
	// no result arriving to notice it: while the workers wait on slow
	// pages, what was fetched is committed all the same, so that a run
	// killed meanwhile loses no more than CommitEvery's worth. Only on
	// the wall clock: a test's clock (r.now) cannot be waited on.
	due := time.NewTimer(time.Hour)
	due.Stop()
	defer due.Stop()
	in := results
	for in != nil || writing {
		// A full batch waits for the writer; so do the workers then.
		take := in
		if writing && len(next.batch.Articles) >= batchSize {
			take = nil
		}
		var tick <-chan time.Time
		if r.now == nil && storeErr == nil && !writing && (len(next.batch.Articles) > 0 || len(next.batch.Feeds) > 0) {
			due.Reset(commitEvery - now().Sub(lastCommit))
			tick = due.C
		}
		took := false
		select {
		case <-tick:
		case w := <-fromWriter:
			stored(w)
		case res, ok := <-take:
			if !ok {
				in = nil
				break
			}
			took = true
			if res.panicked != nil {
				stopWork()
				res.panicked.raise()
			}
			if storeErr == nil {
				r.collect(&sum, &next.batch, &next.ids, res)
			}
		}
		// A finished feed's state waits for the batch: it goes in with
		// or after its last articles, never before. Committing as each
		// feed finished meant, with twenty items a feed, a visit to the
		// store every twenty articles.
		if storeErr == nil && !writing && (in == nil || len(next.batch.Articles) >= batchSize || now().Sub(lastCommit) >= commitEvery) {
			hand()
		}
		// Told once the result is in a batch, and the batch handed over
		// if it was due.
		if took && r.Progress != nil {
			r.Progress.Add(1)
		}
	}
	sum.Interrupted = ctx.Err() != nil
	sum.Duration = time.Since(start)
	return sum, storeErr
}

// collect adds one article's result to the batch in hand: the article
// and its events, or its failure; and the feed's state once its last
// article is in.
func (r *Runner) collect(sum *Summary, batch *store.Batch, batchIDs *[][]string, res result) {
	w := res.work
	w.pending--
	if res.fromFeed != nil {
		sum.FromFeedText++
		sum.Unavailable = append(sum.Unavailable, Failure{Feed: w.feed.Name, URL: res.item.Link, Error: res.fromFeed.Error()})
	}
	if res.err == nil {
		batch.Articles = append(batch.Articles, store.ArticleEvents{Article: res.article, Events: res.events, Extractor: r.Extractor.Version()})
		ids := make([]string, len(res.events))
		for i, e := range res.events {
			ids[i] = e.ID
		}
		*batchIDs = append(*batchIDs, ids)
		sum.PerFeed[w.feed.Name]++
	} else {
		w.failed = true
		if errors.Is(res.err, context.Canceled) {
			w.interrupted = true
		} else {
			sum.ArticlesFailed++
			sum.Failures = append(sum.Failures, Failure{Feed: w.feed.Name, URL: res.item.Link, Error: res.err.Error()})
		}
	}
	// A feed whose articles were cut short by an interruption is not
	// done: its state is not stored, so the next run fetches it again.
	if w.pending == 0 && !w.interrupted {
		st := w.state
		if w.failed {
			// Fetch the whole feed again next time so the failed
			// articles are retried; stored ones are skipped.
			st.ETag, st.LastModified = "", ""
		}
		batch.Feeds = append(batch.Feeds, st)
	}
}

type feedItems struct {
	*feedWork
	items []ingest.Item
}

// fetchFeeds fetches all feeds concurrently and keeps the new items. It
// returns the feeds with new items, and the states to store now for the
// others.
func (r *Runner) fetchFeeds(ctx context.Context, feeds []ingest.Feed, conc int, log *slog.Logger, sum *Summary) ([]feedItems, []ingest.FeedState, error) {
	type fetched struct {
		res ingest.FeedResult
		err error
	}
	out := make([]fetched, len(feeds))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i, f := range feeds {
		prev, err := r.DB.FeedState(f.URL)
		if err != nil {
			return nil, nil, fmt.Errorf("read fetch state of %s: %w", f.URL, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = fetched{ingest.FeedResult{Feed: f, State: prev}, ctx.Err()}
				return
			}
			defer func() { <-sem }()
			res, err := r.Fetcher.FetchFeed(ctx, f, prev)
			out[i] = fetched{res, err}
		}()
	}
	wg.Wait()

	var works []feedItems
	var states []ingest.FeedState
	seenInRun := make(map[string]bool)
	for i, f := range out {
		feed := feeds[i]
		switch {
		case errors.Is(f.err, context.Canceled):
			// The run was stopped, the feed did not fail: neither count
			// it nor remember the attempt.
			continue
		case f.err != nil:
			sum.FeedsFailed++
			sum.Failures = append(sum.Failures, Failure{Feed: feed.Name, URL: feed.URL, Error: f.err.Error()})
			log.Error("feed failed", "feed", feed.Name, "url", feed.URL, "err", f.err)
			if f.res.State.URL != "" {
				states = append(states, f.res.State)
			}
			continue
		case f.res.NotModified:
			sum.FeedsNotModified++
			log.Info("feed not modified", "feed", feed.Name)
			states = append(states, f.res.State)
			continue
		}
		sum.FeedsOK++
		sum.Items += len(f.res.Items)
		keys := make([]string, 0, len(f.res.Items))
		for _, it := range f.res.Items {
			keys = append(keys, it.Key())
		}
		seen, err := r.DB.Seen(keys)
		if err != nil {
			return nil, nil, fmt.Errorf("check stored articles of %s: %w", feed.URL, err)
		}
		var fresh []ingest.Item
		for _, it := range f.res.Items {
			k := it.Key()
			if seen[k] || seenInRun[k] {
				continue
			}
			seenInRun[k] = true
			fresh = append(fresh, it)
		}
		log.Info("feed fetched", "feed", feed.Name, "items", len(f.res.Items), "new", len(fresh))
		if len(fresh) == 0 {
			states = append(states, f.res.State)
			continue
		}
		works = append(works, feedItems{&feedWork{feed: feed, state: f.res.State, pending: len(fresh)}, fresh})
	}
	return works, states, nil
}

// article fetches and extracts one item.
func (r *Runner) article(ctx context.Context, log *slog.Logger, w *feedWork, it ingest.Item) result {
	if err := ctx.Err(); err != nil {
		return result{work: w, item: it, err: err}
	}
	art, pageErr, err := r.Fetcher.FetchArticle(ctx, it)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			log.Error("article failed", "feed", w.feed.Name, "url", it.Link, "err", err)
		}
		return result{work: w, item: it, err: err}
	}
	if pageErr != nil {
		log.Warn("article page unavailable, using feed text", "feed", w.feed.Name, "url", it.Link, "err", pageErr)
	}
	events := r.Extractor.Extract(extract.Document{
		ID: art.ID, URL: art.URL, Title: art.Title, Text: art.Text, Published: art.Published, Feed: art.Feed,
	})
	return result{work: w, item: it, article: art, events: events, fromFeed: pageErr}
}

// interleave orders xs so that consecutive elements come from different
// keys where it can: round-robin over the keys, in the order they first
// appear, each key's elements keeping their order.
func interleave[T any](xs []T, key func(T) string) []T {
	var order []string
	groups := make(map[string][]T)
	for _, x := range xs {
		k := key(x)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], x)
	}
	out := make([]T, 0, len(xs))
	for len(order) > 0 {
		left := order[:0]
		for _, k := range order {
			g := groups[k]
			out = append(out, g[0])
			if groups[k] = g[1:]; len(g) > 1 {
				left = append(left, k)
			}
		}
		order = left
	}
	return out
}

// host is the host of an article link, the unit the fetcher is polite to;
// links that do not parse share the empty key.
func host(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}
