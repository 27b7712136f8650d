// Command train fits extraction's learned decisions on the labelled train
// set, calibrates them on dev, and writes extract/data/models.yaml:
//
//	go run ./internal/tools/train    (make train)
//
// It never reads a blind batch. The same labelled files give the same
// file, byte for byte: examples are read in file order and the learner is
// deterministic.
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/extract/learn"
)

func main() {
	trainDir := flag.String("train", "testdata/eval/train", "labelled articles to fit on")
	devDir := flag.String("dev", "testdata/eval/dev", "labelled articles to calibrate on")
	out := flag.String("o", "extract/data/models.yaml", "where to write the models")
	share := flag.Int("share", 100, "fit on this percent of train's articles (for learning curves)")
	flag.Parse()
	if err := run(*trainDir, *devDir, *out, *share); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func triples(arts []eval.Article) map[string]map[string]bool {
	m := make(map[string]map[string]bool, len(arts))
	for _, a := range arts {
		m[a.ID] = map[string]bool{}
		for _, e := range a.Events {
			m[a.ID][e.Country+"|"+e.Service+"|"+e.Action] = true
		}
	}
	return m
}

func key(e event.Event) string { return e.Country + "|" + e.Service + "|" + string(e.Action) }

// candidates runs x over arts, in order.
func candidates(x *extract.Extractor, arts []eval.Article) ([][]extract.Candidate, error) {
	out := make([][]extract.Candidate, len(arts))
	for i, a := range arts {
		d, err := a.Document()
		if err != nil {
			return nil, err
		}
		out[i] = x.Candidates(d)
	}
	return out, nil
}

func run(trainDir, devDir, out string, share int) error {
	start := time.Now()
	train, err := eval.LoadAll(trainDir)
	if err != nil {
		return err
	}
	if share < 100 {
		// Every k-th article, so that a share spans every batch.
		var part []eval.Article
		for i, a := range train {
			if i*share/100 != (i+1)*share/100 {
				part = append(part, a)
			}
		}
		train = part
	}
	dev, err := eval.LoadAll(devDir)
	if err != nil {
		return err
	}
	base, err := extract.NewUntrained()
	if err != nil {
		return err
	}
	trainGold, devGold := triples(train), triples(dev)

	models := &extract.Models{}
	// Keep or drop: fitted on what the rules propose, right when the
	// labels hold the same triple.
	rules := base.WithModels(nil)
	keepExamples := func(arts []eval.Article, g map[string]map[string]bool) ([]learn.Example, int, error) {
		cs, err := candidates(rules, arts)
		if err != nil {
			return nil, 0, err
		}
		var ex []learn.Example
		gold := 0
		for i, a := range arts {
			gold += len(g[a.ID])
			for _, c := range cs[i] {
				ex = append(ex, learn.Example{Features: c.Features, Label: g[a.ID][key(c.Event)]})
			}
		}
		return ex, gold, nil
	}
	trainCands, err := candidates(rules, train)
	if err != nil {
		return err
	}
	devCands, err := candidates(rules, dev)
	if err != nil {
		return err
	}
	trainKeep, _, err := keepExamples(train, trainGold)
	if err != nil {
		return err
	}
	devKeep, devGoldN, err := keepExamples(dev, devGold)
	if err != nil {
		return err
	}
	opt := learn.Options{MinCount: 3}
	keep := learn.Train(trainKeep, opt)
	// The probability is calibrated on dev (Platt scaling). A model's
	// scores on train, what it was fitted on, are too sure of themselves.
	if err := keep.Calibrate(devKeep); err != nil {
		return fmt.Errorf("keep model: %w", err)
	}
	// The threshold is the probability above which keeping events gives
	// the best F1 on held-out data: dev, scored by this model, and each
	// half of train (split by story), scored by a model fitted on the
	// other half and calibrated on dev. On dev alone (a few hundred
	// events) the best threshold moved from 0.23 to 0.42 between refits
	// that changed little, and blind batches scored best at the low end
	// (docs/QUALITY.md, "The keep threshold").
	var held []scored
	for _, e := range devKeep {
		held = append(held, scored{keep.Prob(e.Features), e.Label})
	}
	heldGold := devGoldN
	for half := range 2 {
		var fit, test []learn.Example
		for i, a := range train {
			for _, c := range trainCands[i] {
				ex := learn.Example{Features: c.Features, Label: trainGold[a.ID][key(c.Event)]}
				if storyHalf(a) == half {
					test = append(test, ex)
				} else {
					fit = append(fit, ex)
				}
			}
			if storyHalf(a) == half {
				heldGold += len(trainGold[a.ID])
			}
		}
		m := learn.Train(fit, opt)
		if err := m.Calibrate(devKeep); err != nil {
			return fmt.Errorf("keep model: %w", err)
		}
		for _, e := range test {
			held = append(held, scored{m.Prob(e.Features), e.Label})
		}
	}
	models.Keep = extract.KeepModel{Model: *keep, Threshold: round2(bestThreshold(held, heldGold))}

	// The reason: fitted on the reasons the rules could give the events
	// train's labels hold, right when they agree with the label's reason
	// as scoring counts agreement. Kept only if it agrees more often than
	// the rules' own choice on held-out data (heldOut).
	reason, reasonDev, reasonCV := heldOut(train, trainCands, dev, devCands, reasonExamples, reasonAgreement, opt)
	reasonNote := fmt.Sprintf("reason model agrees on dev's %d matched events %d times, the rules %d; cross-validated on train's %d, %d and %d",
		reasonDev.n, reasonDev.model, reasonDev.rules, reasonCV.n, reasonCV.model, reasonCV.rules)
	if reasonDev.model+reasonCV.model > reasonDev.rules+reasonCV.rules {
		models.Reason = *reason
	} else {
		reasonNote += "; not kept, the rules choose"
	}

	// The date: the same, for the dates the events could be given.
	dateModel, dateDev, dateCV := heldOut(train, trainCands, dev, devCands, dateExamples, dateAgreement, opt)
	dateNote := fmt.Sprintf("date model right on dev's %d matched events %d times, the rules %d; cross-validated on train's %d, %d and %d",
		dateDev.n, dateDev.model, dateDev.rules, dateCV.n, dateCV.model, dateCV.rules)
	if dateDev.model+dateCV.model > dateDev.rules+dateCV.rules {
		models.Date = *dateModel
	} else {
		dateNote += "; not kept, the rules choose"
	}

	header := fmt.Sprintf(`The learned decisions of extraction, made by make train
(go run ./internal/tools/train) from testdata/eval: fitted on train
(%d articles, %d events the rules propose), calibrated on dev
(%d articles). Do not edit by hand: change the data or the
features (extract/models.go) and run make train.
dev after calibration: %s
%s
%s`, len(train), len(trainKeep), len(dev), summary(keep, models.Keep.Threshold, devKeep, devGoldN), reasonNote, dateNote)
	b, err := extract.MarshalModels(models, header)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s in %s\n%s\n", out, time.Since(start).Round(time.Second), strings.ReplaceAll(header, "\n", " "))
	return nil
}

type scored struct {
	s     float64
	right bool
}

// bestThreshold is the lowest score above which keeping events gives an
// F1 on the scored examples within nearF1 of the best, gold counting every
// labelled event.
func bestThreshold(ss []scored, gold int) float64 {
	ss = slices.Clone(ss)
	slices.SortFunc(ss, func(a, b scored) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return 0
	})
	type cut struct{ s, f1 float64 }
	var cuts []cut
	bestF1, tp := 0.0, 0
	for i, s := range ss {
		if s.right {
			tp++
		}
		if i+1 == len(ss) || ss[i+1].s < s.s {
			f1 := 2 * float64(tp) / float64(i+1+gold)
			cuts = append(cuts, cut{s.s, f1})
			bestF1 = max(bestF1, f1)
		}
	}
	best := ss[len(ss)-1].s - 1
	for _, c := range cuts {
		if c.f1 >= bestF1-nearF1 {
			best = c.s // cuts run from high scores to low: the last is lowest
		}
	}
	return best
}

// nearF1 is how far below the best F1 a threshold may be and still count
// as as good. It was 0.01 when dev alone set the threshold, whose F1 was
// flat within that from 0.2 to 0.45; over dev and train's held-out halves
// (about 4,000 labelled events) the curve is smooth, and a wide band
// would only pull the threshold to its low end.
const nearF1 = 0.002

func summary(m *learn.Model, threshold float64, ex []learn.Example, gold int) string {
	var kept, right, all int
	for _, e := range ex {
		if e.Label {
			all++
		}
		if m.Prob(e.Features) >= threshold {
			kept++
			if e.Label {
				right++
			}
		}
	}
	p := float64(right) / float64(max(kept, 1))
	r := float64(right) / float64(max(gold, 1))
	return fmt.Sprintf("keep precision %.3f, recall %.3f of %d gold (rules alone: %d of %d right)", p, r, gold, all, len(ex))
}

func round2(v float64) float64 { return float64(int(v*100+0.5)) / 100 }

// goldReasons maps each article's labelled triples to their reasons.
func goldReasons(arts []eval.Article) map[string]map[string]string {
	m := make(map[string]map[string]string, len(arts))
	for _, a := range arts {
		m[a.ID] = map[string]string{}
		for _, e := range a.Events {
			m[a.ID][e.Country+"|"+e.Service+"|"+e.Action] = e.Reason
		}
	}
	return m
}

// reasonExamples labels every reason option of every proposed event the
// labels hold: right when it agrees with the labelled reason.
func reasonExamples(arts []eval.Article, cands [][]extract.Candidate) []learn.Example {
	gold := goldReasons(arts)
	var ex []learn.Example
	for i, a := range arts {
		for _, c := range cands[i] {
			g, ok := gold[a.ID][key(c.Event)]
			if !ok {
				continue
			}
			for _, o := range c.Reasons {
				ex = append(ex, learn.Example{Features: o.Features, Label: eval.ReasonAgrees(g, o.Text)})
			}
		}
	}
	return ex
}

// reasonAgreement counts, over the proposed events the labels hold, how
// often the rules' reason and the model's choice agree with the label's.
func reasonAgreement(m *learn.Model, arts []eval.Article, cands [][]extract.Candidate) (rules, model, matched int) {
	gold := goldReasons(arts)
	for i, a := range arts {
		for _, c := range cands[i] {
			g, ok := gold[a.ID][key(c.Event)]
			if !ok || len(c.Reasons) == 0 {
				continue
			}
			matched++
			if eval.ReasonAgrees(g, c.Event.Reason) {
				rules++
			}
			if eval.ReasonAgrees(g, c.Reasons[extract.PickReason(m, c.Reasons, c.Event.Reason)].Text) {
				model++
			}
		}
	}
	return rules, model, matched
}

// goldDates maps each article's labelled triples to their dates.
func goldDates(arts []eval.Article) map[string]map[string]string {
	m := make(map[string]map[string]string, len(arts))
	for _, a := range arts {
		m[a.ID] = map[string]string{}
		for _, e := range a.Events {
			m[a.ID][e.Country+"|"+e.Service+"|"+e.Action] = e.Date
		}
	}
	return m
}

// dateExamples labels every date option of every proposed event the
// labels hold: right when it matches the labelled date as scoring does.
func dateExamples(arts []eval.Article, cands [][]extract.Candidate) []learn.Example {
	gold := goldDates(arts)
	var ex []learn.Example
	for i, a := range arts {
		for _, c := range cands[i] {
			g, ok := gold[a.ID][key(c.Event)]
			if !ok {
				continue
			}
			for _, o := range c.Dates {
				ex = append(ex, learn.Example{Features: o.Features, Label: eval.DateMatches(g, o.Date)})
			}
		}
	}
	return ex
}

// dateAgreement counts, over the proposed events the labels hold, how
// often the rules' date and the model's choice match the label's.
func dateAgreement(m *learn.Model, arts []eval.Article, cands [][]extract.Candidate) (rules, model, matched int) {
	gold := goldDates(arts)
	for i, a := range arts {
		for _, c := range cands[i] {
			g, ok := gold[a.ID][key(c.Event)]
			if !ok || len(c.Dates) == 0 {
				continue
			}
			matched++
			if eval.DateMatches(g, c.Event.Date) {
				rules++
			}
			if eval.DateMatches(g, c.Dates[extract.PickDate(m, c.Dates, c.Event.Date)].Date) {
				model++
			}
		}
	}
	return rules, model, matched
}

// agreement counts, over the proposed events the labels hold, how often
// the rules' choice and a model's match the labels.
type agreement struct{ rules, model, n int }

// heldOut fits a choice model on train and counts how often it and the
// rules match the labels where it was not fitted: on dev, and on each
// half of train (split by story) for a model fitted on the other half.
// Dev alone is a few hundred events, on which a refit that changes
// nothing of the choice moves the count by more than the model's gain:
// the two halves of train add ten times as many.
func heldOut(train []eval.Article, trainCands [][]extract.Candidate, dev []eval.Article, devCands [][]extract.Candidate,
	examples func([]eval.Article, [][]extract.Candidate) []learn.Example,
	agree func(*learn.Model, []eval.Article, [][]extract.Candidate) (int, int, int),
	opt learn.Options) (*learn.Model, agreement, agreement) {
	m := learn.Train(examples(train, trainCands), opt)
	var onDev, cv agreement
	onDev.rules, onDev.model, onDev.n = agree(m, dev, devCands)
	for half := range 2 {
		var fit, test []eval.Article
		var fitC, testC [][]extract.Candidate
		for i, a := range train {
			if storyHalf(a) == half {
				test, testC = append(test, a), append(testC, trainCands[i])
			} else {
				fit, fitC = append(fit, a), append(fitC, trainCands[i])
			}
		}
		r, mo, n := agree(learn.Train(examples(fit, fitC), opt), test, testC)
		cv.rules, cv.model, cv.n = cv.rules+r, cv.model+mo, cv.n+n
	}
	return m, onDev, cv
}

// storyHalf puts all the articles of a story in the same half, 0 or 1.
func storyHalf(a eval.Article) int {
	story := a.Story
	if story == "" {
		story = a.ID
	}
	h := fnv.New32a()
	h.Write([]byte(story))
	return int(h.Sum32() & 1)
}
