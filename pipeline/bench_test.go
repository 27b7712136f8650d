package pipeline_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/policywatch/policywatch/demo"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/pipeline"
	"github.com/policywatch/policywatch/store"
)

// BenchmarkRunDemo measures a whole nightly run over the demo corpus
// (6 feeds, 28 articles) served on loopback, into a fresh bbolt file each
// time: fetch, parse, extract, store and group. ns/op is one run.
func BenchmarkRunDemo(b *testing.B) {
	h, err := demo.Handler()
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	feeds, err := demo.Feeds(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	x, err := extract.New()
	if err != nil {
		b.Fatal(err)
	}
	fetcher := ingest.NewFetcher(ingest.Config{Concurrency: 4, Timeout: 10 * time.Second, HostDelay: time.Microsecond, AllowPrivate: []string{"127.0.0.1"}}, nil)
	dir := b.TempDir()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		path := filepath.Join(dir, fmt.Sprintf("run%d.db", i))
		db, err := store.Open(path, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		r := &pipeline.Runner{Fetcher: fetcher, Extractor: x, DB: db, Concurrency: 4}
		sum, err := r.Run(context.Background(), feeds)
		if err != nil || sum.NewArticles != 28 {
			b.Fatalf("run: %v, %d articles", err, sum.NewArticles)
		}
		db.Close()
	}
}
