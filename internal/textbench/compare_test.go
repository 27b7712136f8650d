package textbench_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"

	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/internal/textbench"
)

const benchDir = "../../ingest/testdata/article-text"

var compare = flag.Bool("textbench.compare", false, "score every extractor on the benchmark (TestCompareExtractors)")

var outDir = flag.String("textbench.out", "",
	"write each extractor's text of the pages to DIR/NAME.json, the format of the benchmark's evaluate.py")

// extractors are the page-text extractors compared side by side.
// go-trafilatura runs with the options the benchmark's own runner gives it
// (extractors/go_trafilatura/cli.go): fallback to Readability and
// DOM Distiller on, everything else default.
var extractors = []struct {
	name    string
	extract func(page []byte) (string, error)
}{
	{"policywatch", func(page []byte) (string, error) {
		p, err := ingest.ReadPage(bytes.NewReader(page), "text/html; charset=utf-8")
		return p.Text, err
	}},
	{"trafilatura", func(page []byte) (string, error) {
		doc, err := html.Parse(bytes.NewReader(page))
		if err != nil {
			return "", err
		}
		r, err := trafilatura.ExtractDocument(doc, trafilatura.Options{EnableFallback: true})
		if err != nil {
			// go-trafilatura gives up on pages it finds no text in; the
			// benchmark's runner then records an empty body.
			return "", nil
		}
		return r.ContentText, nil
	}},
}

// TestCompareExtractors scores every extractor on the article-text
// benchmark's development half, for docs/BENCHMARKS.md. It checks nothing
// beyond the extractors running: ingest's TestPageTextQuality holds the
// floor.
func TestCompareExtractors(t *testing.T) {
	if !*compare {
		t.Skip("a measurement for docs/BENCHMARKS.md, not a check: run with -textbench.compare")
	}
	pages, err := textbench.Load(benchDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range extractors {
		var cs []textbench.Counts
		bodies := make(map[string]string, len(pages))
		for _, p := range pages {
			text, err := x.extract(p.HTML)
			if err != nil {
				t.Errorf("%s: page %s (%s): %v", x.name, p.ID, p.URL, err)
			}
			bodies[p.ID] = text
			cs = append(cs, textbench.Match(p.Body, text))
		}
		if *outDir != "" {
			writePredictions(t, filepath.Join(*outDir, x.name+".json"), bodies)
		}
		s := textbench.Average(cs)
		t.Logf("%-12s F1 %.4f  precision %.4f  recall %.4f", x.name, s.F1, s.Precision, s.Recall)
	}
}

// BenchmarkPageText times each extractor over all the benchmark's pages
// in one run; one op is all 92 pages, and ms/page is the figure to compare.
func BenchmarkPageText(b *testing.B) {
	pages, err := textbench.Load(benchDir)
	if err != nil {
		b.Fatal(err)
	}
	for _, x := range extractors {
		b.Run(x.name, func(b *testing.B) {
			for b.Loop() {
				for _, p := range pages {
					if _, err := x.extract(p.HTML); err != nil {
						b.Fatalf("page %s: %v", p.ID, err)
					}
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N*len(pages)), "ms/page")
		})
	}
}

func writePredictions(t *testing.T, path string, bodies map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := textbench.WritePredictions(f, bodies); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
