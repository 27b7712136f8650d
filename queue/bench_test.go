package queue_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/demo/demotest"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/internal/pgtest"
	"github.com/policywatch/policywatch/queue"
	"github.com/policywatch/policywatch/store/pgstore"
)

// pg is this binary's server, shared by the tests that want a database.
var pg pgtest.Shared

func TestMain(m *testing.M) { os.Exit(pg.Run(m)) }

// BenchmarkWorkers measures feed jobs worked by 1, 2 and 4 workers
// sharing one queue, each a River client of its own with its own
// connections and fetcher (as separate processes would be, but for the
// Go runtime they share), each working one job at a time: 16 feeds of
// 10 articles of the demo corpus, served on loopback, into a fresh
// PostgreSQL database each time. articles/s is the rate of the whole
// queue, from the enqueue to the last job's completion.
//
//	go test ./queue -run '^$' -bench Workers -benchtime 3x
func BenchmarkWorkers(b *testing.B) {
	const nFeeds, nItems = 16, 10
	nr, err := demotest.New(demotest.Options{Feeds: nFeeds, Items: nItems})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(nr)
	defer srv.Close()
	feeds := nr.Feeds(srv.URL)
	x, err := extract.New()
	if err != nil {
		b.Fatal(err)
	}
	cfg := ingest.Config{Concurrency: 4, Timeout: 30 * time.Second, HostDelay: time.Microsecond, AllowPrivate: []string{"127.0.0.1"}}

	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			var articles int
			var took time.Duration
			for b.Loop() {
				b.StopTimer()
				dsn := pg.Database(b)
				db, err := pgstore.Open(context.Background(), dsn)
				if err != nil {
					b.Fatal(err)
				}
				if err := queue.Migrate(context.Background(), db.Pool()); err != nil {
					b.Fatal(err)
				}
				ctx, stop := context.WithCancel(context.Background())
				done := make(chan queue.Result, nFeeds)
				var wg sync.WaitGroup
				for range n {
					wdb, err := pgstore.Open(ctx, dsn)
					if err != nil {
						b.Fatal(err)
					}
					w := &queue.Worker{DB: wdb, Fetcher: ingest.NewFetcher(cfg, nil), Extractor: x, Jobs: 1,
						Concurrency: cfg.Concurrency, Grace: time.Minute, Done: func(r queue.Result) { done <- r }}
					wg.Go(func() {
						defer wdb.Close()
						if err := w.Run(ctx); err != nil {
							b.Error(err)
						}
					})
				}
				b.StartTimer()
				start := time.Now()
				if _, err := queue.EnqueueFeeds(ctx, db, feeds); err != nil {
					b.Fatal(err)
				}
				for range nFeeds {
					r := <-done
					if r.Err != nil {
						b.Fatalf("job %s: %v", r.Name, r.Err)
					}
					articles += r.NewArticles
				}
				took += time.Since(start)
				b.StopTimer()
				stop()
				wg.Wait()
				db.Close()
				b.StartTimer()
			}
			if articles != b.N*nFeeds*nItems {
				b.Fatalf("%d articles stored in %d runs, want %d each", articles, b.N, nFeeds*nItems)
			}
			b.ReportMetric(float64(articles)/took.Seconds(), "articles/s")
		})
	}
}
