package eval

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// ArticleScore is one article's share of a Report's counts.
type ArticleScore struct {
	ID string `json:"id"`
	// Story is the article's story, or its id when it has none.
	Story     string `json:"story"`
	Gold      int    `json:"gold"`
	Extracted int    `json:"extracted"`
	Matched   int    `json:"matched"`
}

// Interval is a range a score lies in.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	// Draws is how many resamplings it was read from.
	Draws int `json:"draws"`
}

// counts are an article's, a story's or a draw's gold, extracted and
// matched events.
type counts struct{ gold, extracted, matched int }

func (c *counts) add(o counts) {
	c.gold, c.extracted, c.matched = c.gold+o.gold, c.extracted+o.extracted, c.matched+o.matched
}

func (c counts) f1() float64 { return f1(ratio(c.matched, c.extracted), ratio(c.matched, c.gold)) }

func (a ArticleScore) counts() counts { return counts{a.Gold, a.Extracted, a.Matched} }

// byStory sums the columns cols gives each article (one per report
// compared) into the article's story, stories in the order they first
// appear.
func byStory(per []ArticleScore, cols func(ArticleScore) []counts) [][]counts {
	var out [][]counts
	index := make(map[string]int)
	for _, a := range per {
		c := cols(a)
		i, ok := index[a.Story]
		if !ok {
			i = len(out)
			index[a.Story] = i
			out = append(out, make([]counts, len(c)))
		}
		for j := range c {
			out[i][j].add(c[j])
		}
	}
	return out
}

// resample draws len(stories) stories with replacement, draws times,
// and returns score of each draw, sorted; the seed is fixed, so the same
// stories give the same draws.
func resample(stories [][]counts, draws int, score func(sums []counts) float64) []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]float64, draws)
	for d := range out {
		sums := make([]counts, len(stories[0]))
		for range stories {
			s := stories[rng.IntN(len(stories))]
			for j := range sums {
				sums[j].add(s[j])
			}
		}
		out[d] = score(sums)
	}
	slices.Sort(out)
	return out
}

// central95 is the range of the middle 95% of sorted.
func central95(sorted []float64) Interval {
	n := len(sorted)
	return Interval{Low: sorted[int(0.025*float64(n))], High: sorted[min(n-1, int(0.975*float64(n)))], Draws: n}
}

// Bootstrap sets r.F1Interval to where F1 lies for 95% of draws
// resamplings of the scored stories, with replacement: each story (an
// article with none is its own) is drawn whole, since retellings of one
// episode succeed or fail together. It says how precisely the set
// measures F1, which matters because the labelled sets hold many
// retellings of a few episodes. The draws are seeded, so the same report
// gives the same interval.
func (r *Report) Bootstrap(draws int) {
	if draws <= 0 || len(r.PerArticle) == 0 {
		return
	}
	stories := byStory(r.PerArticle, func(a ArticleScore) []counts { return []counts{a.counts()} })
	iv := central95(resample(stories, draws, func(s []counts) float64 { return s[0].f1() }))
	r.F1Interval = &iv
}

// Difference is how one report's F1 differs from another's on the same
// articles.
type Difference struct {
	BaseF1 float64 `json:"base_f1"`
	F1     float64 `json:"f1"`
	// Diff is F1 - BaseF1; Interval is where it lies for 95% of paired
	// resamplings of the stories.
	Diff     float64  `json:"diff"`
	Interval Interval `json:"interval"`
}

// Compare says how far r's F1 differs from base's, scored on the same
// articles: the difference, and where it lies for 95% of draws
// resamplings of the stories, each story drawn with both reports' counts
// of it. Paired so, two extractors are compared on the same draws, which
// is far tighter than comparing each one's Bootstrap interval. Reports
// of different articles are an error naming one of them.
func Compare(base, r Report, draws int) (Difference, error) {
	baseOf := make(map[string]ArticleScore, len(base.PerArticle))
	for _, a := range base.PerArticle {
		baseOf[a.ID] = a
	}
	if len(base.PerArticle) != len(r.PerArticle) {
		return Difference{}, fmt.Errorf("the baseline scored %d articles, this run %d: compare reports of the same gold files", len(base.PerArticle), len(r.PerArticle))
	}
	for _, a := range r.PerArticle {
		b, ok := baseOf[a.ID]
		if !ok {
			return Difference{}, fmt.Errorf("article %s is not in the baseline: compare reports of the same gold files", a.ID)
		}
		if b.Gold != a.Gold {
			return Difference{}, fmt.Errorf("article %s has %d gold events in the baseline and %d here: the gold files differ", a.ID, b.Gold, a.Gold)
		}
	}
	if draws <= 0 || len(r.PerArticle) == 0 {
		return Difference{}, fmt.Errorf("nothing to compare")
	}
	stories := byStory(r.PerArticle, func(a ArticleScore) []counts { return []counts{baseOf[a.ID].counts(), a.counts()} })
	var all [2]counts
	for _, s := range stories {
		all[0].add(s[0])
		all[1].add(s[1])
	}
	d := Difference{BaseF1: all[0].f1(), F1: all[1].f1()}
	d.Diff = d.F1 - d.BaseF1
	d.Interval = central95(resample(stories, draws, func(s []counts) float64 { return s[1].f1() - s[0].f1() }))
	return d, nil
}
