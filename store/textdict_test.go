package store

import (
	"bufio"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/klauspost/compress/dict"
	"github.com/klauspost/compress/zstd"
)

var updateTextDict = flag.Bool("update-text-dict", false, "train data/text.dict again from ingest/testdata/article-text")

// trainingTexts are the texts textDict is trained from: the article
// bodies of ingest's page-text ground truth, in a fixed order.
func trainingTexts(t testing.TB) [][]byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", "article-text", "ground-truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(truth))
	for k := range truth {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out [][]byte
	for _, k := range keys {
		if body := truth[k].ArticleBody; body != "" {
			out = append(out, []byte(body))
		}
	}
	return out
}

// heldOutTexts are news texts the dictionary was not trained on: the
// labelled articles' texts.
func heldOutTexts(t testing.TB) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "eval", "*", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no labelled sets: %v", err)
	}
	var out [][]byte
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var a struct{ Text string }
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(a.Text) >= minCompress {
				out = append(out, []byte(a.Text))
			}
		}
		f.Close()
	}
	return out
}

// TestTextDict checks the embedded dictionary has its ID, that text
// compressed with it reads back, as does text compressed without one
// (schema version 3), and that it pays: on
// news it was not trained on, the text is at least a tenth smaller than
// without it. With -update-text-dict it trains the dictionary again (training is not
// deterministic: the bytes differ from run to run, the gain does not).
func TestTextDict(t *testing.T) {
	if *updateTextDict {
		d, err := dict.BuildZstdDict(trainingTexts(t), dict.Options{
			MaxDictSize: 64 << 10, HashBytes: 6, ZstdDictID: textDictID, ZstdLevel: zstd.SpeedBestCompression,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("data", "text.dict"), d, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote data/text.dict, %d bytes; rebuild the test binary to embed it", len(d))
		return
	}
	if id, err := zstd.InspectDictionary(textDict); err != nil || id.ID() != textDictID {
		t.Fatalf("data/text.dict: %v, id %v; want id %#x", err, id, textDictID)
	}
	plain, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	var raw, without, with int
	for _, text := range heldOutTexts(t) {
		z := zstdEnc().EncodeAll(text, nil)
		if got := frameDictID(z); got != textDictID {
			t.Fatalf("frame names dictionary %#x, want %#x", got, textDictID)
		}
		back, err := zstdDec().DecodeAll(z, nil)
		if err != nil || string(back) != string(text) {
			t.Fatalf("round trip: %v", err)
		}
		raw += len(text)
		with += len(z)
		old := plain.EncodeAll(text, nil)
		if frameDictID(old) != 0 {
			t.Fatal("a frame without a dictionary names one")
		}
		// What schema version 3 wrote still reads.
		if back, err := zstdDec().DecodeAll(old, nil); err != nil || string(back) != string(text) {
			t.Fatalf("reading a frame without a dictionary: %v", err)
		}
		without += len(old)
	}
	t.Logf("%d bytes of held-out text: %d compressed as in schema version 3 (%.2fx), %d with the dictionary (%.2fx)",
		raw, without, float64(raw)/float64(without), with, float64(raw)/float64(with))
	if with*10 > without*9 {
		t.Errorf("the dictionary gains too little: %d bytes with it, %d without", with, without)
	}
}

// BenchmarkTextEncoder compares the text encoder at zstd's default window
// (8 MB) and at textWindow on the labelled articles' text: ns/op is one
// article, enc-MiB the heap the encoder holds once made and used, ratio
// the compression over all the texts.
func BenchmarkTextEncoder(b *testing.B) {
	texts := heldOutTexts(b)
	for _, c := range []struct {
		name   string
		window int
		level  zstd.EncoderLevel
	}{
		{"window=8MiB", 8 << 20, zstd.SpeedBetterCompression},
		{"window=256KiB", textWindow, zstd.SpeedBetterCompression},
		// The default level resets smaller tables from the dictionary
		// before each article: the better level's reset is most of its
		// time (docs/BENCHMARKS.md).
		{"window=256KiB/level=default", textWindow, zstd.SpeedDefault},
	} {
		b.Run(c.name, func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			e, err := zstd.NewWriter(nil, append(textEncoderOptions(c.window), zstd.WithEncoderLevel(c.level))...)
			if err != nil {
				b.Fatal(err)
			}
			var raw, z int
			for _, t := range texts {
				raw += len(t)
				z += len(e.EncodeAll(t, nil))
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			held := float64(after.HeapInuse) - float64(before.HeapInuse)
			for i := 0; b.Loop(); i++ {
				e.EncodeAll(texts[i%len(texts)], nil)
			}
			b.ReportMetric(held/(1<<20), "enc-MiB")
			b.ReportMetric(float64(raw)/float64(z), "ratio")
			runtime.KeepAlive(e)
		})
	}
}
