package store_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/internal/synth"
	"github.com/policywatch/policywatch/store"
	"go.etcd.io/bbolt"
)

// million is the size of the store the BenchmarkMillion benchmarks
// measure: a million events, or POLICYWATCH_BENCH_EVENTS for a quicker
// look at a smaller store built by the same generator.
var million = synth.BenchEvents(1_000_000)

func openMillion(b *testing.B) *store.DB {
	b.Helper()
	db, err := store.Open(synth.Bench(b, million), store.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkMillionEvents queries a store of a million events. A query
// reads one index and decodes only the events in its range, so its cost
// follows the size of the answer, not of the store; a text filter has no
// index and decodes every event of the range it scans.
func BenchmarkMillionEvents(b *testing.B) {
	db := openMillion(b)
	for _, bm := range []struct {
		name string
		f    store.Filter
	}{
		// RU is the commonest country, a sixth of the store; IS and KP
		// are in the long tail.
		{"country-year/common", store.Filter{Countries: []string{"RU"}, Since: "2025", Until: "2025"}},
		// The largest answers through each index: the commonest service
		// and action over the busiest whole year, and the year itself.
		{"service-year/common", store.Filter{Services: []string{"twitter"}, Since: "2025", Until: "2025"}},
		{"action-year/common", store.Filter{Actions: []string{"block"}, Since: "2025", Until: "2025"}},
		{"year", store.Filter{Since: "2025", Until: "2025"}},
		{"country-year/rare", store.Filter{Countries: []string{"IS"}, Since: "2025", Until: "2025"}},
		{"country-all/rare", store.Filter{Countries: []string{"KP"}}},
		{"country-all/common-limit100", store.Filter{Countries: []string{"RU"}, Limit: 100}},
		{"service-year/telegram", store.Filter{Services: []string{"telegram"}, Since: "2024", Until: "2024"}},
		{"country-service-month", store.Filter{Countries: []string{"RU"}, Services: []string{"telegram"}, Since: "2024-06", Until: "2024-06"}},
		{"month", store.Filter{Since: "2025-06", Until: "2025-06"}},
		{"newest100", store.Filter{Limit: 100}},
		{"text-country-year", store.Filter{Countries: []string{"RU"}, Since: "2025", Until: "2025", Text: "security"}},
		{"text-month", store.Filter{Since: "2025-06", Until: "2025-06", Text: "security"}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			p, err := db.Explain(bm.f)
			if err != nil {
				b.Fatal(err)
			}
			var n int
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				evs, err := db.Events(bm.f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(evs)
			}
			cpu.report(b)
			if n == 0 {
				b.Fatal("no events")
			}
			b.ReportMetric(float64(n), "events/op")
			b.ReportMetric(float64(p.Loaded), "decoded/op")
		})
	}
}

// cpuClock measures the CPU time of a benchmark's loop (see cpuTime).
type cpuClock struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuClock {
	t, ok := cpuTime()
	return cpuClock{t, ok}
}

// report adds the CPU time per op, as cpu-ns/op, after the loop (b.Loop
// clears metrics reported before it ends).
func (c cpuClock) report(b *testing.B) {
	if t, ok := cpuTime(); ok && c.ok && b.N > 0 {
		b.ReportMetric(float64(t-c.start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkMillionEachEvent walks every event of the store, as an export
// of everything does, without writing it anywhere.
func BenchmarkMillionEachEvent(b *testing.B) {
	db := openMillion(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		err := db.EachEvent(store.Filter{}, func(event.Record) error {
			n++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if n != million {
		b.Fatalf("walked %d events, want %d", n, million)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkMillionStats counts along every dimension, as the web page
// does for its lists of countries and services on every load.
func BenchmarkMillionStats(b *testing.B) {
	db := openMillion(b)
	for _, bm := range []struct {
		name string
		f    store.Filter
	}{
		{"all", store.Filter{}}, // from the index keys alone
		{"country-year", store.Filter{Countries: []string{"RU"}, Since: "2025", Until: "2025"}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := db.Stats(bm.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMillionPeriods counts events by month and action, as the web
// page's chart does on every load: unfiltered, from the kept tallies.
func BenchmarkMillionPeriods(b *testing.B) {
	db := openMillion(b)
	for _, bm := range []struct {
		name string
		f    store.Filter
	}{
		{"all", store.Filter{}},
		{"mid-month-range", store.Filter{Since: "2024-06-15", Until: "2025-03-10"}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := db.ByPeriodAndAction(bm.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMillionRecount opens read-write a copy of the store from which
// what a read-write open makes when missing (the tallies) is removed, as
// the first run after an upgrade of policywatch did within schema version
// 2, and reports how long it took and how many progress reports the
// steps made. (BenchmarkMillionUpgrade is the upgrade to version 3.)
func BenchmarkMillionRecount(b *testing.B) {
	src := synth.Bench(b, million)
	path := filepath.Join(b.TempDir(), "policywatch.db")
	for b.Loop() {
		b.StopTimer()
		if err := copyFile(path, src); err != nil {
			b.Fatal(err)
		}
		bdb, err := bbolt.Open(path, 0o644, nil)
		if err != nil {
			b.Fatal(err)
		}
		err = bdb.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket([]byte("event_tallies")) })
		bdb.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		var steps []store.UpgradeStep
		db, err := store.Open(path, store.Options{Progress: func(s store.UpgradeStep) { steps = append(steps, s) }})
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
		b.StopTimer()
		if len(steps) == 0 || !steps[len(steps)-1].End {
			b.Fatalf("progress %+v", steps)
		}
		b.ReportMetric(float64(len(steps)), "progress-reports/op")
		b.StartTimer()
	}
}

// BenchmarkMillionStories lists stories, as the web page, the Atom feed
// and alerts do.
func BenchmarkMillionStories(b *testing.B) {
	db := openMillion(b)
	for _, bm := range []struct {
		name string
		f    store.StoryFilter
	}{
		{"newest100", store.StoryFilter{Filter: store.Filter{Limit: 100}}},
		{"country-year", store.StoryFilter{Filter: store.Filter{Countries: []string{"RU"}, Since: "2025", Until: "2025"}}},
		{"all", store.StoryFilter{}}, // every story, as an alert rule without filters asks
	} {
		b.Run(bm.name, func(b *testing.B) {
			var n int
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				list, err := db.Stories(bm.f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(list)
			}
			cpu.report(b)
			b.ReportMetric(float64(n), "stories/op")
		})
	}
}

// BenchmarkMillionCounts is what /healthz asks on every probe, and all it
// asks.
func BenchmarkMillionCounts(b *testing.B) {
	db := openMillion(b)
	for b.Loop() {
		if _, err := db.Counts(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMillionSave writes nightly batches (50 new articles) into a
// copy of the store, which grows by them as it goes, and reports the
// file's size per event.
func BenchmarkMillionSave(b *testing.B) {
	path := filepath.Join(b.TempDir(), "policywatch.db")
	if err := copyFile(path, synth.Bench(b, million)); err != nil {
		b.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}

	db, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	news, err := synth.After(million)
	if err != nil {
		b.Fatal(err)
	}
	events := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		batch := news.Batch()
		b.StartTimer()
		st, err := db.Save(batch)
		if err != nil {
			b.Fatal(err)
		}
		events += st.NewEvents
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
	// Reported after the loop: b.Loop clears metrics reported before it.
	b.ReportMetric(float64(info.Size())/float64(million), "file-bytes/event")
}

// BenchmarkMillionFile reports how the file's bytes divide between what
// it holds, per event: the events themselves, their articles (text
// included), the indexes and the stories. One op reads every bucket's
// page statistics.
func BenchmarkMillionFile(b *testing.B) {
	reportFile(b, synth.Bench(b, million), true)
}

// BenchmarkMillionCompact writes a compact copy of the store (what
// `policywatch compact` does) and reports the copy's bytes as
// BenchmarkMillionFile does. One op is one copy; run it with
// -benchtime 1x.
func BenchmarkMillionCompact(b *testing.B) {
	src := synth.Bench(b, million)
	dir := b.TempDir()
	var to string
	for i := 0; b.Loop(); i++ {
		to = filepath.Join(dir, fmt.Sprintf("compact-%d.db", i))
		if _, err := store.Compact(src, to, store.Options{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if i > 0 {
			os.Remove(filepath.Join(dir, fmt.Sprintf("compact-%d.db", i-1)))
		}
		b.StartTimer()
	}
	reportFile(b, to, false)
}

// reportFile reports how the bytes of the file at path divide between
// what it holds, per event of the store of a million; with loop, reading
// the buckets' statistics is the benchmark's op.
func reportFile(b *testing.B, path string, loop bool) {
	b.Helper()
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	bdb, err := bbolt.Open(path, 0o644, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer bdb.Close()
	parts := map[string]int{}
	read := func() {
		clear(parts)
		err := bdb.View(func(tx *bbolt.Tx) error {
			return tx.ForEach(func(name []byte, bk *bbolt.Bucket) error {
				st := bk.Stats()
				parts[part(string(name))] += st.BranchAlloc + st.LeafAlloc
				return nil
			})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if loop {
		for b.Loop() {
			read()
		}
	} else {
		read()
	}
	used := 0
	for name, n := range parts {
		b.ReportMetric(float64(n)/float64(million), name+"-bytes/event")
		used += n
	}
	b.ReportMetric(float64(info.Size())/float64(million), "file-bytes/event")
	b.ReportMetric(float64(info.Size()-int64(used))/float64(million), "free-bytes/event")
}

// part names the group a bucket belongs to.
func part(bucket string) string {
	switch bucket {
	case "events":
		return "events"
	case "articles", "keys", "article_events":
		return "articles"
	case "idx_country", "idx_service", "idx_action", "idx_date", "idx_extractor", "event_dates": // idx_date until schema 3, idx_extractor until 4
		return "indexes"
	case "stories", "story_events", "event_story", "idx_story_triple", "idx_story_last", "idx_story_updated", "story_tallies":
		return "stories"
	case "event_tallies":
		return "tallies"
	}
	return "other"
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// BenchmarkMillionChangedStories lists the stories a nightly batch made or
// changed in a store of a million events, as the alerts step after a run
// does: through idx_story_updated, so it reads those stories only. (The
// same list by reading every story is MillionStories/all.) Opening the
// copy read-write builds the index, as a store made before it existed is.
func BenchmarkMillionChangedStories(b *testing.B) {
	path := filepath.Join(b.TempDir(), "policywatch.db")
	if err := copyFile(path, synth.Bench(b, million)); err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.Logf("opening read-write took %v (building the index when the file lacks it)", time.Since(began).Round(time.Millisecond))
	news, err := synth.After(million)
	if err != nil {
		b.Fatal(err)
	}
	since := time.Now()
	st, err := db.Save(news.Batch())
	if err != nil {
		b.Fatal(err)
	}
	want := st.NewStories + st.UpdatedStories
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		list, err := db.Stories(store.StoryFilter{ChangedSince: since})
		if err != nil {
			b.Fatal(err)
		}
		n = len(list)
	}
	if n != want || n == 0 {
		b.Fatalf("%d stories changed since the batch, the batch made or changed %d", n, want)
	}
	b.ReportMetric(float64(n), "stories/op")
}

// BenchmarkMillionUpgrade upgrades a copy of the store of a million
// events that the previous release's code built (schema version 2, its
// benchmarks' cache; build it with that code, as this code builds only
// its own), and reports the file's size after. One op is the whole
// upgrade; run it with -benchtime 1x.
func BenchmarkMillionUpgrade(b *testing.B) {
	older, err := synth.UserCachedOlder(million, 2)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(older); err != nil {
		b.Skipf("no store of schema version 2 to upgrade: %v", err)
	}
	path := filepath.Join(b.TempDir(), "policywatch.db")
	var size int64
	for b.Loop() {
		b.StopTimer()
		os.Remove(path)
		if err := copyFile(path, older); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		calls := 0
		from, err := store.Upgrade(path, store.Options{Progress: func(store.UpgradeStep) { calls++ }})
		if err != nil || from != 2 || calls < 2 {
			b.Fatalf("upgrade from %d, %d progress reports: %v", from, calls, err)
		}
		b.StopTimer()
		info, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size = info.Size()
		b.StartTimer()
	}
	b.ReportMetric(float64(size)/float64(million), "file-bytes/event")
}
