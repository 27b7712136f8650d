//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/synth"
	"github.com/policywatch/policywatch/store"
)

// BenchmarkMillionExport runs the real binary, as a researcher would,
// exporting every event of a store of a million events to a file, and
// reports what the process held at its peak.
//
// peak-RSS-MiB is the kernel's high-water mark of resident memory
// (getrusage's ru_maxrss). It counts the pages of the database file the
// export touched through bbolt's read-only memory map: page cache shared
// with every other reader, which the kernel drops first when memory is
// short. peak-anon-MiB is the process's own memory (RssAnon in
// /proc/PID/status, sampled every 5 ms): the heap, stacks and buffers,
// which is what streaming keeps flat.
//
// The "empty" case exports an empty store: what starting the binary
// costs.
func BenchmarkMillionExport(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "policywatch")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	empty := filepath.Join(b.TempDir(), "empty.db")
	db, err := store.Open(empty, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	for _, bm := range []struct {
		name, format string
		events       int
	}{
		{"empty", "csv", 0},
		{"csv", "csv", million},
		{"jsonl", "jsonl", million},
		{"parquet", "parquet", million},
	} {
		b.Run(bm.name, func(b *testing.B) {
			path := empty
			if bm.events > 0 {
				path = synth.Bench(b, million)
			}
			out := filepath.Join(b.TempDir(), "events."+bm.format)
			var peak usage
			for b.Loop() {
				u, err := measure(exec.Command(bin, "export", "--db", path, "--format", bm.format, "-o", out))
				if err != nil {
					b.Fatal(err)
				}
				peak.maxRSS = max(peak.maxRSS, u.maxRSS)
				peak.anon = max(peak.anon, u.anon)
			}
			info, err := os.Stat(out)
			if err != nil {
				b.Fatal(err)
			}
			const mib = 1 << 20
			b.ReportMetric(float64(peak.maxRSS)/mib, "peak-RSS-MiB")
			b.ReportMetric(float64(peak.anon)/mib, "peak-anon-MiB")
			b.ReportMetric(float64(info.Size())/mib, "output-MiB")
			if bm.events > 0 {
				b.ReportMetric(float64(bm.events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			}
		})
	}
}

// million is POLICYWATCH_BENCH_EVENTS when set (see synth.BenchEvents).
var million = synth.BenchEvents(1_000_000)

// usage is what a child process held at its peak, in bytes.
type usage struct {
	maxRSS int64 // ru_maxrss
	anon   int64 // the largest RssAnon sampled
}

// measure runs cmd to the end, sampling its anonymous memory as it goes.
func measure(cmd *exec.Cmd) (usage, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return usage{}, err
	}
	status := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "status")
	done := make(chan struct{})
	sampled := make(chan int64)
	go func() {
		var peak int64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, rssAnon(status))
			select {
			case <-done:
				sampled <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	u := usage{anon: <-sampled}
	if err != nil {
		return u, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, stderr.Bytes())
	}
	// Linux gives ru_maxrss in KiB.
	u.maxRSS = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
	return u, nil
}

// rssAnon reads RssAnon from /proc/PID/status, in bytes; 0 once the
// process is gone.
func rssAnon(status string) int64 {
	f, err := os.Open(status)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kib * 1024
		}
	}
	return 0
}
