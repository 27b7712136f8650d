package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/internal/race"
)

// copyLines writes the first n lines of src to dst.
func copyLines(t *testing.T, src, dst string, n int) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, []byte(strings.Join(lines[:min(n, len(lines))], "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Training on real labelled articles writes a model file the extractor
// reads back, and the same data give the same bytes.
func TestTrainDeterministic(t *testing.T) {
	if race.Enabled {
		t.Skip("extraction over dozens of articles: run without -race (make test does)")
	}
	dir := t.TempDir()
	copyLines(t, "../../../testdata/eval/train/extra.jsonl", filepath.Join(dir, "train", "a.jsonl"), 30)
	copyLines(t, "../../../testdata/eval/train/holdout.jsonl", filepath.Join(dir, "dev", "b.jsonl"), 15)
	var outs [][]byte
	for i := range 2 {
		out := filepath.Join(dir, "models"+string(rune('0'+i))+".yaml")
		if err := run(filepath.Join(dir, "train"), filepath.Join(dir, "dev"), out, 100); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two trainings on the same data wrote different files")
	}
	for _, want := range []string{"# The learned decisions", "keep:", "threshold:", "platt_a:", "action="} {
		if !bytes.Contains(outs[0], []byte(want)) {
			t.Errorf("model file lacks %q:\n%.400s", want, outs[0])
		}
	}
	if err := run(filepath.Join(dir, "missing"), filepath.Join(dir, "dev"), filepath.Join(dir, "x.yaml"), 100); err == nil {
		t.Error("training on a missing directory succeeded")
	}
}

func TestBestThresholdTakesTheMiddleOfTheBand(t *testing.T) {
	// Ten gold events. Keeping the top four (all right) gives F1 8/14 =
	// 0.571; the top six (five right) 10/16 = 0.625; all eight (six
	// right) 12/18 = 0.667; all ten but the 0.05 (seven right) 14/19.
	ss := []scored{{0.9, true}, {0.8, true}, {0.7, true}, {0.6, true}, {0.5, false}, {0.4, true}, {0.3, true}, {0.2, false}, {0.1, true}, {0.05, false}}
	tests := []struct {
		name string
		ss   []scored
		gold int
		want float64
	}{
		{"the best, when nothing is near it", ss, 10, 0.1},
		{"the only best of a peaked top", []scored{{0.9, true}, {0.8, true}, {0.7, false}, {0.6, true}, {0.5, false}, {0.4, false}}, 10, 0.6},
		// Four gold: keeping two (two right), five (three) or eight
		// (four) all give F1 2/3; the middle of the three is 0.5.
		{"the middle of a flat top", []scored{{0.9, true}, {0.8, true}, {0.7, false}, {0.6, false}, {0.5, true}, {0.4, false}, {0.3, false}, {0.2, true}}, 4, 0.5},
	}
	for _, tc := range tests {
		if got := bestThreshold(heldOut{tc.ss, tc.gold, 1}); got != tc.want {
			t.Errorf("%s: bestThreshold = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestBestThresholdWeighsTheSets(t *testing.T) {
	// low keeps its four gold events best when it keeps all of them;
	// high's two gold events score 0.8 and above, its wrong ones below.
	low := heldOut{[]scored{{0.9, true}, {0.8, true}, {0.3, true}, {0.2, true}}, 4, 1}
	high := heldOut{[]scored{{0.9, true}, {0.8, true}, {0.3, false}, {0.2, false}}, 2, 1}
	if got := bestThreshold(low, high); got != 0.2 {
		t.Errorf("equal weights: bestThreshold = %v, want 0.2", got)
	}
	high.weight = 10
	if got := bestThreshold(low, high); got != 0.8 {
		t.Errorf("high weighing 10: bestThreshold = %v, want 0.8", got)
	}
}

func TestStoryHalf(t *testing.T) {
	// Articles of one story fall in the same half; an article without a
	// story is its own; both halves are used.
	arts := []eval.Article{{ID: "a1", Story: "ru-telegram-2018"}, {ID: "a2", Story: "ru-telegram-2018"}}
	if storyHalf(arts[0]) != storyHalf(arts[1]) {
		t.Error("two articles of one story fall in different halves")
	}
	seen := map[int]bool{}
	for i := range 20 {
		h := storyHalf(eval.Article{ID: "x" + strconv.Itoa(i)})
		if h != 0 && h != 1 {
			t.Fatalf("storyHalf = %d", h)
		}
		seen[h] = true
	}
	if len(seen) != 2 {
		t.Error("twenty stories all fell in one half")
	}
}
