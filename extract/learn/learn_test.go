package learn

import (
	"fmt"
	"math"
	"reflect"
	"testing"
)

// data makes examples where "good" makes a decision right nine times in
// ten and "bad" wrong nine times in ten; "noise" says nothing.
func data(n int) []Example {
	var out []Example
	for i := range n {
		f := []string{"noise" + fmt.Sprint(i%3)}
		label := i%10 != 0
		if i%2 == 0 {
			f = append(f, "good")
		} else {
			f = append(f, "bad")
			label = !label
		}
		out = append(out, Example{Features: f, Label: label})
	}
	return out
}

func TestTrainLearns(t *testing.T) {
	m := Train(data(400), Options{})
	if m.Weights["good"] <= m.Weights["bad"]+1 {
		t.Errorf("good %.3f, bad %.3f: want good well above bad", m.Weights["good"], m.Weights["bad"])
	}
	if p := m.Prob([]string{"good"}); p < 0.8 {
		t.Errorf("P(right | good) = %.3f, want about 0.9", p)
	}
	if p := m.Prob([]string{"bad"}); p > 0.2 {
		t.Errorf("P(right | bad) = %.3f, want about 0.1", p)
	}
	if c := m.Contributions([]string{"good", "noise0", "unknown"}); len(c) == 0 || c[0].Feature != "good" {
		t.Errorf("contributions %v: want good first", c)
	}
}

func TestTrainDeterministic(t *testing.T) {
	a, b := Train(data(300), Options{}), Train(data(300), Options{})
	if !reflect.DeepEqual(a, b) {
		t.Error("two trainings on the same data differ")
	}
}

func TestMinCount(t *testing.T) {
	ex := append(data(100), Example{Features: []string{"once"}, Label: true})
	if _, ok := Train(ex, Options{}).Weights["once"]; ok {
		t.Error("a feature seen once got a weight")
	}
}

// Calibration on held-out data pulls an overconfident model back: a
// model whose scores say 0.99 for decisions right 60% of the time.
func TestCalibrate(t *testing.T) {
	m := &Model{Bias: 0, Weights: map[string]float64{"x": 5}, A: 1}
	var held []Example
	for i := range 100 {
		held = append(held, Example{Features: []string{"x"}, Label: i%5 < 3})
		held = append(held, Example{Features: nil, Label: i%2 == 0})
	}
	if err := m.Calibrate(held); err != nil {
		t.Fatal(err)
	}
	if p := m.Prob([]string{"x"}); math.Abs(p-0.6) > 0.05 {
		t.Errorf("calibrated P(right | x) = %.3f, want about 0.6", p)
	}
	if err := m.Calibrate(nil); err == nil {
		t.Error("calibrating on nothing succeeded")
	}
}
