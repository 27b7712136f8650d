//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/policywatch/policywatch/internal/synth"
)

// BenchmarkExportFormats runs the real binary exporting every event of a
// store of 10^5 events in each format, as BenchmarkMillionExport does at
// 10^6, so that Parquet's time and memory stand beside the CSV's: one
// Parquet file, and the directory of one file a month, written anew and
// then again over itself unchanged (which compares every file and
// rewrites none).
func BenchmarkExportFormats(b *testing.B) {
	const n = 100_000
	bin := filepath.Join(b.TempDir(), "policywatch")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	db := synth.Bench(b, n)
	for _, bm := range []struct {
		name, format, out string
		again             bool // export over the previous output first
	}{
		{"csv", "csv", "events.csv", false},
		{"parquet-file", "parquet", "events.parquet", false},
		{"parquet-dir", "parquet", "events", false},
		{"parquet-dir-unchanged", "parquet", "events", true},
	} {
		b.Run(bm.name, func(b *testing.B) {
			out := filepath.Join(b.TempDir(), bm.out)
			export := func() (usage, error) {
				return measure(exec.Command(bin, "export", "--db", db, "--format", bm.format, "-o", out))
			}
			if bm.again {
				if _, err := export(); err != nil {
					b.Fatal(err)
				}
			}
			// Only the process's own memory is reported: ru_maxrss of a child
			// counts the parent's pages it was forked with, and this parent
			// may just have built the store.
			var peak int64
			for b.Loop() {
				if !bm.again {
					os.RemoveAll(out)
				}
				u, err := export()
				if err != nil {
					b.Fatal(err)
				}
				peak = max(peak, u.anon)
			}
			const mib = 1 << 20
			b.ReportMetric(float64(peak)/mib, "peak-anon-MiB")
			b.ReportMetric(float64(du(b, out))/mib, "output-MiB")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// du is the bytes of the files at path, a file or a directory.
func du(b *testing.B, path string) int64 {
	var total int64
	err := filepath.Walk(path, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			total += info.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return total
}
