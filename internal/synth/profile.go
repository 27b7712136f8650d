package synth

import (
	_ "embed"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/event"
)

// profileYAML is the shape of the store; its hash is part of the cache
// key, so editing it rebuilds cached stores.
//
//go:embed profile.yaml
var profileYAML []byte

// profile is profile.yaml; see its comments for what each field means.
type profile struct {
	FirstDay         string    `yaml:"first_day"`
	LastDay          string    `yaml:"last_day"`
	Growth           float64   `yaml:"growth"`
	Feeds            int       `yaml:"feeds"`
	EventsPerArticle []float64 `yaml:"events_per_article"`
	FollowUp         float64   `yaml:"follow_up"`
	FollowWindowDays int       `yaml:"follow_window_days"`
	SameReason       float64   `yaml:"same_reason"`
	RecallYears      int       `yaml:"recall_years"`

	Countries []struct {
		Code   string  `yaml:"code"`
		Weight float64 `yaml:"weight"`
	} `yaml:"countries"`
	Services []struct {
		Slug   string  `yaml:"slug"`
		Weight float64 `yaml:"weight"`
	} `yaml:"services"`
	Actions []struct {
		Action event.Action `yaml:"action"`
		Weight float64      `yaml:"weight"`
	} `yaml:"actions"`
	Precision struct {
		Day   float64 `yaml:"day"`
		Month float64 `yaml:"month"`
		Year  float64 `yaml:"year"`
	} `yaml:"precision"`
	NoReason  float64  `yaml:"no_reason"`
	TextChars []int    `yaml:"text_chars"`
	Reasons   []string `yaml:"reasons"`
	Titles    []string `yaml:"titles"`
	Sentences []string `yaml:"sentences"`
}

// shape is the profile made ready for drawing from.
type shape struct {
	first, last      time.Time
	growth           float64
	feeds            weighted[string]
	eventsPerArticle weighted[int]
	followUp         float64
	followWindow     int
	sameReason       float64
	recallDays       int
	countries        weighted[string]
	services         weighted[string]
	actions          weighted[event.Action]
	precision        weighted[int] // length of the date string
	noReason         float64
	textChars        []int
	reasons          []string
	titles           []string
	sentences        []string
}

func loadShape() (*shape, error) {
	var p profile
	if err := yaml.Unmarshal(profileYAML, &p); err != nil {
		return nil, fmt.Errorf("synth profile.yaml: %w", err)
	}
	first, err := time.Parse(time.DateOnly, p.FirstDay)
	if err != nil {
		return nil, fmt.Errorf("synth profile.yaml: first_day: %w", err)
	}
	last, err := time.Parse(time.DateOnly, p.LastDay)
	if err != nil {
		return nil, fmt.Errorf("synth profile.yaml: last_day: %w", err)
	}
	s := &shape{
		first: first, last: last, growth: p.Growth,
		followUp: p.FollowUp, followWindow: p.FollowWindowDays, sameReason: p.SameReason,
		recallDays: 365 * p.RecallYears, noReason: p.NoReason, textChars: p.TextChars,
		reasons: p.Reasons, titles: p.Titles, sentences: p.Sentences,
	}
	// Feeds follow Zipf's law: the i-th carries 1/i of the first's share.
	for i := range p.Feeds {
		s.feeds.add(fmt.Sprintf("feed%02d", i+1), 1/float64(i+1))
	}
	for i, w := range p.EventsPerArticle {
		s.eventsPerArticle.add(i+1, w)
	}
	for _, c := range p.Countries {
		s.countries.add(c.Code, c.Weight)
	}
	for _, v := range p.Services {
		s.services.add(v.Slug, v.Weight)
	}
	for _, a := range p.Actions {
		if !a.Action.Valid() {
			return nil, fmt.Errorf("synth profile.yaml: unknown action %q", a.Action)
		}
		s.actions.add(a.Action, a.Weight)
	}
	s.precision.add(len("2006-01-02"), p.Precision.Day)
	s.precision.add(len("2006-01"), p.Precision.Month)
	s.precision.add(len("2006"), p.Precision.Year)

	switch {
	case !first.Before(last):
		return nil, fmt.Errorf("synth profile.yaml: first_day %s is not before last_day %s", p.FirstDay, p.LastDay)
	case len(p.TextChars) < 2 || !slices.IsSorted(p.TextChars):
		return nil, fmt.Errorf("synth profile.yaml: text_chars wants at least two percentiles, in order")
	case len(s.reasons) == 0 || len(s.titles) == 0 || len(s.sentences) == 0:
		return nil, fmt.Errorf("synth profile.yaml: reasons, titles and sentences must not be empty")
	}
	for name, w := range map[string]float64{
		"feeds": s.feeds.total, "events_per_article": s.eventsPerArticle.total, "countries": s.countries.total,
		"services": s.services.total, "actions": s.actions.total, "precision": s.precision.total,
	} {
		if w <= 0 {
			return nil, fmt.Errorf("synth profile.yaml: %s has no weight", name)
		}
	}
	return s, nil
}

// weighted draws values in proportion to their weights.
type weighted[T any] struct {
	values []T
	cum    []float64 // running total of the weights
	total  float64
}

func (w *weighted[T]) add(v T, weight float64) {
	if weight <= 0 {
		return
	}
	w.total += weight
	w.values = append(w.values, v)
	w.cum = append(w.cum, w.total)
}

func (w *weighted[T]) draw(rng *rand.Rand) T {
	x := rng.Float64() * w.total
	i, _ := slices.BinarySearch(w.cum, x)
	return w.values[min(i, len(w.values)-1)]
}

// textLength draws an article length from the percentiles in textChars,
// uniform between neighbouring ones.
func (s *shape) textLength(rng *rand.Rand) int {
	x := rng.Float64() * float64(len(s.textChars)-1)
	i := int(x)
	if i >= len(s.textChars)-1 {
		return s.textChars[len(s.textChars)-1]
	}
	lo, hi := s.textChars[i], s.textChars[i+1]
	return lo + int((x-float64(i))*float64(hi-lo))
}
