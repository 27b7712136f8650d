package extract_test

import (
	"testing"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/extract"
)

// BenchmarkExtract measures extraction of one average article: every
// labelled article of the dev, extra and demo sets in turn, so ns/op is
// the mean over them. Run with -cpu 1, articles/s is per core.
func BenchmarkExtract(b *testing.B) {
	benchmarkArticles(b, "../testdata/eval/seed.jsonl", "../testdata/eval/train/extra.jsonl", "../demo/corpus/gold.jsonl")
}

// BenchmarkExtractDemo measures the demo corpus's articles alone: the
// issue's yardstick of articles per second per core. "rules" leaves every
// decision to the rules, "model" adds what the learned keep model costs
// (and the doubted cues it weighs), side by side in one run.
func BenchmarkExtractDemo(b *testing.B) {
	b.Run("model", func(b *testing.B) { benchmarkArticlesWith(b, extractor(b), "../demo/corpus/gold.jsonl") })
	b.Run("rules", func(b *testing.B) {
		benchmarkArticlesWith(b, extractor(b).WithModels(nil), "../demo/corpus/gold.jsonl")
	})
}

func benchmarkArticles(b *testing.B, files ...string) {
	benchmarkArticlesWith(b, extractor(b), files...)
}

func benchmarkArticlesWith(b *testing.B, x *extract.Extractor, files ...string) {
	_, docs := labelledDocuments(b, files...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		x.Extract(docs[i%len(docs)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkExtractSeed measures the seed article (3,600 characters).
func BenchmarkExtractSeed(b *testing.B) {
	arts, err := eval.Load("../testdata/eval/seed.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	d, _ := arts[0].Document()
	x := extractor(b)
	b.ReportAllocs()
	for b.Loop() {
		x.Extract(d)
	}
}

// BenchmarkNew measures loading the gazetteer, the cue lexicon, prose's
// model and the sentence segmenter's: the start-up cost of every command
// that extracts.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := extract.New(); err != nil {
			b.Fatal(err)
		}
	}
}
