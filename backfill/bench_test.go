package backfill

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBackfill reads a WARC file of news as CC-NEWS mixes it (the
// article-text benchmark's ordinary pages and the demo corpus's reports
// of actions, about eight to one, with a crawl's requests and noise)
// into a fresh store, with and without the prefilter, with one and two
// workers. records/s counts every WARC record, as the progress bar does.
//
//	go test ./backfill -run '^$' -bench Backfill -benchtime 3x
func BenchmarkBackfill(b *testing.B) {
	pages := append(ordinaryPages(b), corpusPages(b)[:12]...)
	pages = append(pages, noise()...)
	dir := b.TempDir()
	warc := filepath.Join(dir, "bench.warc.gz")
	writeWARC(b, warc, pages, true)
	for _, prefilter := range []bool{true, false} {
		for _, workers := range []int{1, 2} {
			name := fmt.Sprintf("prefilter=%v/workers=%d", prefilter, workers)
			b.Run(name, func(b *testing.B) {
				records, pagesKept, pagesRead := 0, 0, 0
				var cpu time.Duration
				for i := range b.N {
					b.StopTimer()
					path := filepath.Join(dir, fmt.Sprintf("%s-%d.db", filepath.Base(name), i))
					os.Remove(path)
					db := openStore(b, path)
					bf := newBackfiller(b, db, prefilter)
					bf.Workers = workers
					before := cpuTime()
					b.StartTimer()
					sum, err := bf.Run(background(), []string{warc})
					b.StopTimer()
					cpu += cpuTime() - before
					b.StartTimer()
					if err != nil || sum.FilesRead != 1 {
						b.Fatalf("%+v, %v", sum, err)
					}
					records += sum.Records
					pagesRead += sum.Pages
					pagesKept += sum.Pages - sum.Prefiltered
				}
				b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
				b.ReportMetric(float64(pagesRead)/b.Elapsed().Seconds(), "pages/s")
				b.ReportMetric(float64(pagesKept)/float64(pagesRead), "extracted/page")
				// CPU time is what a fleet pays for, and what a busy
				// machine does not distort as it does the wall clock.
				b.ReportMetric(cpu.Seconds()*1000/float64(pagesRead), "cpu-ms/page")
			})
		}
	}
}
