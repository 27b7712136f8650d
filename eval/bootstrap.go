package eval

import (
	"math/rand/v2"
	"slices"
)

// Interval is a range a score lies in.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	// Draws is how many resamplings it was read from.
	Draws int `json:"draws"`
}

// articleCount is one article's share of a Report's counts.
type articleCount struct {
	story                    string
	gold, extracted, matched int
}

// Bootstrap sets r.F1Interval to where F1 lies for 95% of draws
// resamplings of the scored stories, with replacement: each story (an
// article with none is its own) is drawn whole, since retellings of one
// episode succeed or fail together. It says how precisely the set
// measures F1, which matters because the labelled sets hold many
// retellings of a few episodes. The draws are seeded, so the same report
// gives the same interval.
func (r *Report) Bootstrap(draws int) {
	if draws <= 0 || len(r.counts) == 0 {
		return
	}
	var stories [][3]int // gold, extracted, matched
	index := make(map[string]int)
	for _, c := range r.counts {
		i, ok := index[c.story]
		if !ok {
			i = len(stories)
			index[c.story] = i
			stories = append(stories, [3]int{})
		}
		stories[i][0] += c.gold
		stories[i][1] += c.extracted
		stories[i][2] += c.matched
	}
	rng := rand.New(rand.NewPCG(1, 2))
	f1s := make([]float64, draws)
	for d := range f1s {
		var gold, extracted, matched int
		for range stories {
			s := stories[rng.IntN(len(stories))]
			gold, extracted, matched = gold+s[0], extracted+s[1], matched+s[2]
		}
		f1s[d] = f1(ratio(matched, extracted), ratio(matched, gold))
	}
	slices.Sort(f1s)
	lo := int(0.025 * float64(draws))
	hi := min(draws-1, int(0.975*float64(draws)))
	r.F1Interval = &Interval{Low: f1s[lo], High: f1s[hi], Draws: draws}
}
