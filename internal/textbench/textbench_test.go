package textbench

import (
	"math"
	"slices"
	"testing"
)

func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Hello, world!", []string{"Hello", "world"}},
		{"snake_case 3.14 l'été", []string{"snake_case", "3", "14", "l", "été"}},
		{"“Quoted” — dash…", []string{"Quoted", "dash"}},
		// Python's \w is letters, numbers and _, not combining marks: a
		// Devanagari vowel sign splits the word as it does in evaluate.py.
		{"हिन्दी", []string{"ह", "न", "द"}},
		{"한국어 뉴스", []string{"한국어", "뉴스"}},
		{"½ Ⅻ ²", []string{"½", "Ⅻ", "²"}},
	} {
		if got := Tokens(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The expected figures were computed with the benchmark's evaluate.py
// (string_shingle_matching, metrics_from_tp_fp_fns) on the same strings.
func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		truth, pred string
		want        Counts
	}{
		{"", "", Counts{}},
		{"a b c d e", "", Counts{0, 0, 1}},
		{"", "a b c d e", Counts{0, 1, 0}},
		{"a b c d e", "a b c d e", Counts{1, 0, 0}},
		{"a b", "a b", Counts{1, 0, 0}}, // one short shingle
		{"a b c d e f", "a b c d", Counts{1.0 / 3, 0, 2.0 / 3}},
		{"a b c d a b c d", "a b c d", Counts{1.0 / 5, 0, 4.0 / 5}}, // counts, not sets
		{"a b c d e", "x a b c d e y", Counts{2.0 / 4, 2.0 / 4, 0}},
	} {
		got := Match(tc.truth, tc.pred)
		if !near(got.TP, tc.want.TP) || !near(got.FP, tc.want.FP) || !near(got.FN, tc.want.FN) {
			t.Errorf("Match(%q, %q) = %+v, want %+v", tc.truth, tc.pred, got, tc.want)
		}
	}
}

func TestAverage(t *testing.T) {
	cs := []Counts{
		Match("a b c d e f", "a b c d"),                   // P 1, R 1/3
		Match("a b c d e", "x a b c d e y"),               // P 1/2, R 1
		Match("a b c d e", ""),                            // no precision, R 0
		Match("", ""),                                     // neither
		Match("one two three four", "one two three four"), // P 1, R 1
	}
	got := Average(cs)
	p, r := (1+0.5+1)/3.0, (1.0/3+1+0+1)/4
	want := Score{F1: 2 * p * r / (p + r), Precision: p, Recall: r}
	if !near(got.F1, want.F1) || !near(got.Precision, want.Precision) || !near(got.Recall, want.Recall) {
		t.Errorf("Average = %+v, want %+v", got, want)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
