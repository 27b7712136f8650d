package extract

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// labelled is one extracted event's features and whether the gold set has
// its (country, service, action).
type labelled struct {
	f     []float64
	right bool
	conf  float64
}

// goldSets are the labelled sets confidence is fitted and checked on.
var goldSets = []string{
	"../testdata/eval/seed.jsonl",
	"../testdata/eval/train/extra.jsonl",
	"../testdata/eval/train/holdout.jsonl",
	"../testdata/eval/train/holdout2.jsonl",
	"../testdata/eval/train/holdout3.jsonl",
	"../demo/corpus/gold.jsonl",
}

// labelledEvents extracts every article of the gold sets. It reads the
// files itself, because package eval imports this one.
func labelledEvents(t *testing.T, x *Extractor) []labelled {
	t.Helper()
	var out []labelled
	for _, path := range goldSets {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var a struct {
				ID, Title, Text, Published string
				Events                     []struct{ Country, Service, Action string }
			}
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			pub, _ := time.Parse("2006-01-02", a.Published)
			evs, feats := x.extract(Document{ID: a.ID, Title: a.Title, Text: a.Text, Published: pub}, nil, true)
			for _, e := range evs {
				right := false
				for _, g := range a.Events {
					right = right || g.Country == e.Country && g.Service == e.Service && g.Action == string(e.Action)
				}
				out = append(out, labelled{f: feats[triple{e.Country, e.Service, e.Action}], right: right, conf: e.Confidence})
			}
		}
		f.Close()
	}
	return out
}

// TestFitConfidence refits the confidence model on the labelled sets and
// writes data/confidence.yaml: PW_FIT=1 go test ./extract -run TestFitConfidence
func TestFitConfidence(t *testing.T) {
	if os.Getenv("PW_FIT") == "" {
		t.Skip("set PW_FIT=1 to refit data/confidence.yaml")
	}
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	evs := labelledEvents(t, x)
	// Logistic regression by gradient descent, with a little L2 so that a
	// feature seen a handful of times cannot take an extreme weight.
	const rate, l2, rounds = 0.5, 0.01, 20000
	w := make([]float64, len(featureNames))
	bias := 0.0
	for range rounds {
		gb := 0.0
		g := make([]float64, len(w))
		for _, e := range evs {
			z := bias
			for i, v := range e.f {
				z += w[i] * v
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if e.right {
				y = 1
			}
			gb += p - y
			for i, v := range e.f {
				g[i] += (p - y) * v
			}
		}
		n := float64(len(evs))
		bias -= rate * gb / n
		for i := range w {
			w[i] -= rate * (g[i]/n + l2*w[i])
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Confidence: a logistic model over the features in confidence.go,\n")
	fmt.Fprintf(&b, "# fitted on the %d events extracted from the labelled sets on %s.\n", len(evs), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "# Refit after changing extraction: PW_FIT=1 go test ./extract -run TestFitConfidence\n")
	fmt.Fprintf(&b, "bias: %.3f\nweights:\n", bias)
	keys := append([]string(nil), featureNames...)
	sort.SliceStable(keys, func(i, j int) bool { return featureIndex[keys[i]] < featureIndex[keys[j]] })
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %.3f\n", k, w[featureIndex[k]])
	}
	if err := os.WriteFile("data/confidence.yaml", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log(b.String())
}
