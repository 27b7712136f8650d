package extract_test

import (
	"testing"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/extract"
)

// BenchmarkExtract measures extraction of one average article: every
// labelled article in turn, so ns/op is the mean over the corpus.
func BenchmarkExtract(b *testing.B) {
	var docs []extract.Document
	for _, f := range []string{"../testdata/eval/dev.jsonl", "../testdata/eval/extra.jsonl", "../demo/corpus/gold.jsonl"} {
		arts, err := eval.Load(f)
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range arts {
			d, _ := a.Document()
			docs = append(docs, d)
		}
	}
	x := extractor(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		x.Extract(docs[i%len(docs)])
	}
}

// BenchmarkExtractSeed measures the seed article (3,600 characters).
func BenchmarkExtractSeed(b *testing.B) {
	arts, err := eval.Load("../testdata/eval/dev.jsonl")
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

// BenchmarkNew measures loading the gazetteer, the cue lexicon and
// prose's model: the start-up cost of every command that extracts.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := extract.New(); err != nil {
			b.Fatal(err)
		}
	}
}
