// Package learn fits the small models extraction uses to choose among the
// candidates its rules propose: logistic regression over named binary
// features, trained by deterministic stochastic gradient descent, with
// Platt scaling to calibrate the result on held-out data.
//
// Models are plain data (a bias and a weight per feature name), written
// as YAML so that they are embedded in the binary, diffable in review and
// explainable: Contributions says which features moved a decision.
package learn

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Example is one decision with its answer: the features that hold for it
// and whether it was right.
type Example struct {
	Features []string
	Label    bool
}

// Options control training. The zero value trains with the defaults.
type Options struct {
	Epochs int     // passes over the examples (default 30)
	Rate   float64 // initial learning rate (default 0.1)
	L2     float64 // weight decay per example (default 1e-4)
	// MinCount drops features seen in fewer examples (default 2): a
	// feature seen once is memorised, not learned.
	MinCount int
}

func (o Options) withDefaults() Options {
	if o.Epochs == 0 {
		o.Epochs = 30
	}
	if o.Rate == 0 {
		o.Rate = 0.1
	}
	if o.L2 == 0 {
		o.L2 = 1e-4
	}
	if o.MinCount == 0 {
		o.MinCount = 2
	}
	return o
}

// Model is a logistic model: P(right) = σ(A·(Bias + Σ weights) + B), where
// A and B are the Platt calibration (1 and 0 until Calibrate).
type Model struct {
	Bias    float64            `yaml:"bias"`
	Weights map[string]float64 `yaml:"weights"`
	A       float64            `yaml:"platt_a"`
	B       float64            `yaml:"platt_b"`
}

// Train fits a model to the examples. The same examples in the same
// order give the same model on every machine: the pass order is a fixed
// permutation and nothing depends on map iteration.
func Train(examples []Example, opt Options) *Model {
	opt = opt.withDefaults()
	counts := map[string]int{}
	for _, ex := range examples {
		for _, f := range dedupe(ex.Features) {
			counts[f]++
		}
	}
	names := make([]string, 0, len(counts))
	for f, n := range counts {
		if n >= opt.MinCount {
			names = append(names, f)
		}
	}
	slices.Sort(names)
	index := make(map[string]int, len(names))
	for i, f := range names {
		index[f] = i
	}
	xs := make([][]int, len(examples))
	for i, ex := range examples {
		for _, f := range dedupe(ex.Features) {
			if j, ok := index[f]; ok {
				xs[i] = append(xs[i], j)
			}
		}
	}

	w := make([]float64, len(names))
	sum := make([]float64, len(names)) // for averaging, which steadies SGD
	var bias, biasSum float64
	steps := 0
	order := permutation(len(examples))
	for epoch := range opt.Epochs {
		rate := opt.Rate / (1 + float64(epoch)/5)
		for _, i := range order {
			z := bias
			for _, j := range xs[i] {
				z += w[j]
			}
			y := 0.0
			if examples[i].Label {
				y = 1
			}
			g := y - sigmoid(z)
			bias += rate * g
			for _, j := range xs[i] {
				w[j] += rate * (g - opt.L2*w[j])
			}
			steps++
			for j := range w {
				sum[j] += w[j]
			}
			biasSum += bias
		}
	}
	m := &Model{Weights: make(map[string]float64, len(names)), A: 1}
	if steps > 0 {
		m.Bias = round(biasSum / float64(steps))
		for j, f := range names {
			if v := round(sum[j] / float64(steps)); v != 0 {
				m.Weights[f] = v
			}
		}
	}
	return m
}

// Score is the model's raw log-odds for the features, before calibration.
func (m *Model) Score(features []string) float64 {
	z := m.Bias
	for _, f := range dedupe(features) {
		z += m.Weights[f]
	}
	return z
}

// Prob is the calibrated probability that a decision with these features
// is right.
func (m *Model) Prob(features []string) float64 {
	return sigmoid(m.A*m.Score(features) + m.B)
}

// Contribution is one feature's part in a decision.
type Contribution struct {
	Feature string
	Weight  float64
}

// Contributions lists the features that moved a decision, largest
// effect first, for explaining it.
func (m *Model) Contributions(features []string) []Contribution {
	var out []Contribution
	for _, f := range dedupe(features) {
		if w, ok := m.Weights[f]; ok {
			out = append(out, Contribution{f, w})
		}
	}
	slices.SortFunc(out, func(a, b Contribution) int {
		return cmp.Or(cmp.Compare(math.Abs(b.Weight), math.Abs(a.Weight)), cmp.Compare(a.Feature, b.Feature))
	})
	return out
}

// Calibrate fits Platt scaling on held-out examples (never the ones the
// model was trained on): A and B such that σ(A·score + B) matches how
// often decisions with that score are right.
func (m *Model) Calibrate(held []Example) error {
	if len(held) == 0 {
		return fmt.Errorf("learn: no examples to calibrate on")
	}
	scores := make([]float64, len(held))
	var pos int
	for i, ex := range held {
		scores[i] = m.Score(ex.Features)
		if ex.Label {
			pos++
		}
	}
	// Platt's targets, smoothed so that a perfect split does not push A
	// to infinity.
	hi, lo := (float64(pos)+1)/(float64(pos)+2), 1/(float64(len(held)-pos)+2)
	a, b := 1.0, 0.0
	for range 2000 {
		var ga, gb float64
		for i, ex := range held {
			t := lo
			if ex.Label {
				t = hi
			}
			d := sigmoid(a*scores[i]+b) - t
			ga += d * scores[i]
			gb += d
		}
		n := float64(len(held))
		a -= 0.5 * ga / n
		b -= 0.5 * gb / n
	}
	m.A, m.B = round(a), round(b)
	return nil
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// round keeps four decimals: the file stays readable and a retrain that
// changes nothing changes no line.
func round(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func dedupe(fs []string) []string {
	if len(fs) < 2 {
		return fs
	}
	out := slices.Clone(fs)
	slices.Sort(out)
	return slices.Compact(out)
}

// permutation is a fixed shuffle of 0..n-1 (a linear congruential
// sequence), so training sees examples mixed but identically everywhere.
func permutation(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var s uint64 = 0x9e3779b97f4a7c15
	for i := n - 1; i > 0; i-- {
		s = s*6364136223846793005 + 1442695040888963407
		j := int((s >> 33) % uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
	return p
}
