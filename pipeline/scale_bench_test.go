package pipeline_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/demo/demotest"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/pipeline"
	"github.com/policywatch/policywatch/store"
)

// These benchmarks run the whole pipeline at the scale of a real
// deployment: hundreds of feeds served by a demotest.Newsroom on loopback,
// whose items are the demo corpus's article pages under distinct URLs,
// read and extracted for real, into a bbolt file through a store.Handle
// as `policywatch run` uses it. Each takes minutes; run them alone:
//
//	go test -run '^$' -bench 'Ingest1000|NightlyGrowth' -benchtime 1x ./pipeline

// timedStore is a Store that adds up the time a run spends in it, and
// notes when the run has read every feed, which ends the feed phase.
type timedStore struct {
	pipeline.Store

	mu        sync.Mutex
	spent     time.Duration
	saves     int       // transactions with articles
	feedsDone time.Time // when the last Seen returned
}

func (s *timedStore) add(start time.Time) time.Time {
	now := time.Now()
	s.mu.Lock()
	s.spent += now.Sub(start)
	s.mu.Unlock()
	return now
}

func (s *timedStore) FeedState(url string) (ingest.FeedState, error) {
	defer s.add(time.Now())
	return s.Store.FeedState(url)
}

func (s *timedStore) Seen(keys []string) (map[string]bool, error) {
	start := time.Now()
	seen, err := s.Store.Seen(keys)
	end := s.add(start)
	s.mu.Lock()
	s.feedsDone = end
	s.mu.Unlock()
	return seen, err
}

func (s *timedStore) Save(b store.Batch) (store.SaveStats, error) {
	defer s.add(time.Now())
	if len(b.Articles) > 0 {
		s.mu.Lock()
		s.saves++
		s.mu.Unlock()
	}
	return s.Store.Save(b)
}

// scaleFetcher is a run's fetcher with the shipped feeds.yaml's settings,
// but for the host delay: every feed and page is on one loopback host,
// where a politeness delay would only measure itself. (0 in a Config
// means the default of 1 s, so the delay is a nanosecond.)
func scaleFetcher() *ingest.Fetcher {
	return ingest.NewFetcher(ingest.Config{
		UserAgent:    ingest.DefaultUserAgent,
		Concurrency:  ingest.DefaultConcurrency,
		Timeout:      20 * time.Second,
		MaxBodyBytes: ingest.DefaultMaxBodyBytes,
		HostDelay:    time.Nanosecond,
		AllowPrivate: []string{"127.0.0.1"},
	}, nil)
}

// newsroom serves a demotest.Newsroom for a benchmark, from one host.
func newsroom(b *testing.B, opts demotest.Options) (*demotest.Newsroom, []ingest.Feed) {
	return newsroomOn(b, opts, 1)
}

// newsroomOn serves a demotest.Newsroom from hosts loopback servers, feed
// f and its pages from server f%hosts. The fetcher sends one request at a
// time to a host (a port makes another), so on one host fetching is one
// request after another however many cores are free, and what the run
// measures is how soon each request's goroutines are scheduled while
// extraction keeps the cores busy; 1,000 feeds come from many sites.
func newsroomOn(b *testing.B, opts demotest.Options, hosts int) (*demotest.Newsroom, []ingest.Feed) {
	b.Helper()
	nr, err := demotest.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	var feeds []ingest.Feed
	for h := range hosts {
		srv := httptest.NewServer(nr)
		b.Cleanup(srv.Close)
		for f, feed := range nr.Feeds(srv.URL) {
			if f%hosts == h {
				feeds = append(feeds, feed)
			}
		}
	}
	return nr, feeds
}

func benchExtractor(b *testing.B) *extract.Extractor {
	b.Helper()
	x, err := extract.New()
	if err != nil {
		b.Fatal(err)
	}
	return x
}

// nightlyRun is one `policywatch run` against feeds into the database at
// path: a fresh fetcher and a store opened per visit, as the command
// does; the extractor, loaded once per process, is shared.
func nightlyRun(b *testing.B, x *extract.Extractor, path string, feeds []ingest.Feed) (pipeline.Summary, *timedStore) {
	b.Helper()
	ts := &timedStore{Store: store.Handle{Path: path, Options: store.Options{Timeout: 30 * time.Second}}}
	r := &pipeline.Runner{Fetcher: scaleFetcher(), Extractor: x, DB: ts, Concurrency: ingest.DefaultConcurrency}
	sum, err := r.Run(context.Background(), feeds)
	if err != nil {
		b.Fatal(err)
	}
	if sum.FeedsFailed > 0 || sum.ArticlesFailed > 0 {
		b.Fatalf("run: %d feeds and %d articles failed: %v", sum.FeedsFailed, sum.ArticlesFailed, sum.Failures)
	}
	return sum, ts
}

// BenchmarkIngest1000Feeds is a first run over 1,000 feeds of 20 items
// each: 20,000 articles fetched, read, extracted and stored into a new
// file. One op is the whole run. The copies of a corpus article are
// spread over 40 years, so the 20,000 reports are 1,120 different pieces
// of news rather than 28, each reported by about 18 feeds.
func BenchmarkIngest1000Feeds(b *testing.B) {
	benchIngest(b, 1000, 20)
}

// BenchmarkIngest100Feeds is the same run at a tenth of the size, to see
// whether the cost per article grows with the size of the batch.
func BenchmarkIngest100Feeds(b *testing.B) {
	benchIngest(b, 100, 20)
}

// BenchmarkIngest100FeedsOn50Hosts is BenchmarkIngest100Feeds with the
// feeds spread over 50 hosts, 2 feeds each, so that four requests can be
// in flight as the run's concurrency allows: what is measured is then
// the run's own work on the two cores.
func BenchmarkIngest100FeedsOn50Hosts(b *testing.B) {
	benchIngestOn(b, 100, 20, 50)
}

func benchIngest(b *testing.B, nFeeds, nItems int) {
	benchIngestOn(b, nFeeds, nItems, 1)
}

func benchIngestOn(b *testing.B, nFeeds, nItems, hosts int) {
	_, feeds := newsroomOn(b, demotest.Options{Feeds: nFeeds, Items: nItems, YearSpan: 40}, hosts)
	x := benchExtractor(b)
	dir := b.TempDir()
	var articles int
	var inStore, feedPhase time.Duration
	var saves int
	i := 0
	for b.Loop() {
		i++
		path := filepath.Join(dir, fmt.Sprintf("run%d.db", i))
		start := time.Now()
		sum, ts := nightlyRun(b, x, path, feeds)
		if sum.NewArticles != nFeeds*nItems {
			b.Fatalf("stored %d articles, want %d", sum.NewArticles, nFeeds*nItems)
		}
		articles += sum.NewArticles
		inStore += ts.spent
		saves += ts.saves
		feedPhase += ts.feedsDone.Sub(start)
	}
	n := float64(b.N)
	b.ReportMetric(float64(articles)/b.Elapsed().Seconds(), "articles/s")
	b.ReportMetric(feedPhase.Seconds()/n, "feed-phase-s/op")
	b.ReportMetric(inStore.Seconds()/n, "in-store-s/op")
	b.ReportMetric(float64(saves)/n, "batches/op")
}

// BenchmarkNightlyGrowth runs 30 nights against one store. 99 feeds list
// their latest 20 items; each night two feeds in three publish 3 new
// ones, and the third answers 304 to its ETag. A first run (night 0, not
// compared) stores the 1,980 items the feeds start with; each night then
// adds 198 articles, so the store grows from about 2,200 articles at
// night 1 to 7,900 at night 30. A night must not take longer because the
// store is bigger: night30/night1 should stay near 1. in-store is the
// part of a night spent in the store (opening it per visit, reading
// feed states and seen keys, saving batches with their stories), where a
// scan of the whole store would show first; as one night's figure is
// noisy, it is compared as the mean of the first and the last five
// nights. One op is all 31 runs; -v logs every night.
func BenchmarkNightlyGrowth(b *testing.B) {
	const nFeeds, nItems, perNight, nights = 99, 20, 3, 30
	nr, feeds := newsroom(b, demotest.Options{Feeds: nFeeds, Items: nItems, NewPerNight: perNight, YearSpan: 40})
	x := benchExtractor(b)
	dir := b.TempDir()
	var took, inStore, cpu [nights + 1]time.Duration
	i := 0
	for b.Loop() {
		i++
		path := filepath.Join(dir, fmt.Sprintf("nights%d.db", i))
		for night := 0; night <= nights; night++ {
			nr.SetNight(night)
			start, startCPU := time.Now(), processCPU(b)
			sum, ts := nightlyRun(b, x, path, feeds)
			took[night] += time.Since(start)
			cpu[night] += processCPU(b) - startCPU
			inStore[night] += ts.spent
			want := nFeeds * nItems
			if night > 0 {
				want = nFeeds * 2 / 3 * perNight
			}
			if sum.NewArticles != want || (night > 0 && sum.FeedsNotModified != nFeeds/3) {
				b.Fatalf("night %d: %d new articles, %d feeds not modified; want %d and %d", night, sum.NewArticles, sum.FeedsNotModified, want, nFeeds/3)
			}
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(b.N) / 1e6 }
	mean := func(ds []time.Duration) float64 {
		var sum time.Duration
		for _, d := range ds {
			sum += d
		}
		return ms(sum) / float64(len(ds))
	}
	for night := range took {
		b.Logf("night %2d: %6.0f ms, %6.0f ms in the store, %6.0f ms of CPU", night, ms(took[night]), ms(inStore[night]), ms(cpu[night]))
	}
	b.ReportMetric(ms(took[1]), "night1-ms")
	b.ReportMetric(ms(took[nights]), "night30-ms")
	b.ReportMetric(float64(took[nights])/float64(took[1]), "night30/night1")
	first, last := mean(inStore[1:6]), mean(inStore[nights-4:])
	b.ReportMetric(first, "in-store-first5-ms")
	b.ReportMetric(last, "in-store-last5-ms")
	b.ReportMetric(last/first, "in-store-last5/first5")
	// The same comparison of whole nights, by the clock and by the CPU
	// the process spent (its server's included): a machine shared with
	// other work stretches single nights' times by a factor of two or
	// more, and CPU much less.
	b.ReportMetric(mean(took[nights-4:])/mean(took[1:6]), "last5/first5")
	b.ReportMetric(mean(cpu[nights-4:])/mean(cpu[1:6]), "cpu-last5/first5")
	b.ReportMetric(mean(cpu[1:6]), "cpu-first5-ms")
}
