package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// Chart geometry, in SVG user units (CSS pixels at full size).
const (
	chartHeight  = 240
	chartTop     = 12  // room for the top tick label
	chartBottom  = 40  // below the plot: month and year labels
	chartLeft    = 40  // left of the plot: count labels
	chartRight   = 20  // room for the last year label
	chartWidth   = 900 // the plot's width, unless months are few
	minSlot      = 4   // narrowest month; past 225 months the page scales the chart down
	maxSlot      = 48
	monthLabelAt = 26 // a slot this wide has room for "Apr"
)

// timeline is the chart of events per month by action, laid out for the
// template: every coordinate is computed here so the template only
// prints them.
type timeline struct {
	Width, Height  int
	PlotLeft       int
	TickX          int // right edge of the count labels
	PlotRight      int
	PlotTop        int
	PlotBottom     int
	Months         []monthBar // months with events, oldest first
	Ticks          []tick
	Labels         []axisLabel
	Legend         []legendItem // actions with events, in vocabulary order
	Events         int          // events on the chart
	YearOnly       int          // events dated only by year, which no month holds
	First, Last    string       // YYYY-MM of the first and last month shown
	Busiest        monthBar
	Summary        string // the chart in a sentence
	AriaLabel      string
	SlotWidth, Bar int
}

// monthBar is one month's stack of bars.
type monthBar struct {
	Month    string // YYYY-MM
	Label    string // "April 2018"
	X        int    // left edge of the bars
	Total    int
	Title    string // tooltip
	Segments []segment
}

// segment is one action's part of a month's stack.
type segment struct {
	Action    event.Action
	Count     int
	Y, Height int
	Title     string
}

type tick struct {
	Y     int
	Label string
}

type axisLabel struct {
	X, Y  int
	Text  string
	Class string // "month" or "year"
}

type legendItem struct {
	Action event.Action
	Label  string
	Count  int
}

// newTimeline lays out the chart of the counts of events by period and
// action; nil when no event has a month.
func (v *vocab) newTimeline(periods []store.PeriodCount) *timeline {
	counts := map[string]map[event.Action]int{}
	byAction := map[event.Action]int{}
	t := &timeline{}
	var first, last time.Time
	for _, p := range periods {
		m, err := time.Parse("2006-01", p.Period)
		if err != nil {
			// "2018": a year has no place on a monthly axis.
			t.YearOnly += p.Events
			continue
		}
		key := m.Format("2006-01")
		if counts[key] == nil {
			counts[key] = map[event.Action]int{}
		}
		counts[key][p.Action] += p.Events
		byAction[p.Action] += p.Events
		t.Events += p.Events
		if first.IsZero() || m.Before(first) {
			first = m
		}
		if m.After(last) {
			last = m
		}
	}
	if t.Events == 0 {
		return nil
	}

	n := monthsBetween(first, last) + 1
	slot := min(max(chartWidth/n, minSlot), maxSlot)
	t.SlotWidth, t.Bar = slot, max(slot*7/10, min(slot-1, 6))
	t.PlotLeft, t.PlotTop = chartLeft, chartTop
	t.TickX = chartLeft - 6
	t.PlotRight = chartLeft + n*slot
	t.Width = t.PlotRight + chartRight
	t.Height = chartHeight
	t.PlotBottom = chartHeight - chartBottom
	t.First, t.Last = first.Format("2006-01"), last.Format("2006-01")

	peak := 0
	for _, m := range counts {
		total := 0
		for _, c := range m {
			total += c
		}
		peak = max(peak, total)
	}
	top, step := niceScale(peak)
	plotH := t.PlotBottom - t.PlotTop
	y := func(c int) int { return t.PlotBottom - c*plotH/top }
	for c := 0; c <= top; c += step {
		t.Ticks = append(t.Ticks, tick{Y: y(c), Label: strconv.Itoa(c)})
	}

	for i := range n {
		m := first.AddDate(0, i, 0)
		key := m.Format("2006-01")
		x := chartLeft + i*slot
		if slot >= monthLabelAt {
			t.Labels = append(t.Labels, axisLabel{X: x + slot/2, Y: t.PlotBottom + 16, Text: m.Format("Jan"), Class: "month"})
		}
		if i == 0 || m.Month() == time.January {
			t.Labels = append(t.Labels, axisLabel{X: x + slot/2, Y: t.PlotBottom + 32, Text: m.Format("2006"), Class: "year"})
		}
		c := counts[key]
		if c == nil {
			continue
		}
		bar := monthBar{Month: key, Label: m.Format("January 2006"), X: x + (slot-t.Bar)/2}
		var parts []string
		// Stacked bottom up in vocabulary order, so a colour sits at the
		// same height from month to month.
		stacked := 0
		for _, a := range event.Actions {
			if c[a] == 0 {
				continue
			}
			top, bottom := y(stacked+c[a]), y(stacked)
			stacked += c[a]
			bar.Segments = append(bar.Segments, segment{
				Action: a, Count: c[a], Y: top, Height: bottom - top,
				Title: fmt.Sprintf("%s, %s: %s", bar.Label, v.label(a), plural(c[a], "event", "events")),
			})
			parts = append(parts, fmt.Sprintf("%s %d", v.label(a), c[a]))
		}
		bar.Total = stacked
		bar.Title = fmt.Sprintf("%s: %s (%s)", bar.Label, plural(stacked, "event", "events"), strings.Join(parts, ", "))
		if bar.Total > t.Busiest.Total {
			t.Busiest = bar
		}
		t.Months = append(t.Months, bar)
	}
	for _, a := range event.Actions {
		if byAction[a] > 0 {
			t.Legend = append(t.Legend, legendItem{Action: a, Label: v.label(a), Count: byAction[a]})
		}
	}
	if len(t.Months) == 1 {
		t.Summary = fmt.Sprintf("%s, all in %s.", plural(t.Events, "event", "events"), t.Busiest.Label)
	} else {
		t.Summary = fmt.Sprintf("%s from %s to %s; the busiest month was %s, with %d.",
			plural(t.Events, "event", "events"), first.Format("January 2006"), last.Format("January 2006"),
			t.Busiest.Label, t.Busiest.Total)
	}
	t.AriaLabel = fmt.Sprintf("Bar chart of %s per month by action, %s to %s; the busiest month is %s with %d",
		plural(t.Events, "event", "events"), first.Format("January 2006"), last.Format("January 2006"),
		t.Busiest.Label, t.Busiest.Total)
	return t
}

// monthOf is the YYYY-MM of an event date, or the date itself when it
// has only a year.
func monthOf(date string) string {
	if len(date) >= len("2006-01") {
		return date[:len("2006-01")]
	}
	return date
}

func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// niceScale picks the top of the count axis and the step between its
// ticks: a step of 1, 2 or 5 times a power of ten giving at most five
// steps, so the gridlines fall on round numbers.
func niceScale(peak int) (top, step int) {
	peak = max(peak, 1)
	for base := 1; ; base *= 10 {
		for _, m := range []int{1, 2, 5} {
			step = base * m
			if (peak+step-1)/step <= 5 {
				return (peak + step - 1) / step * step, step
			}
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
