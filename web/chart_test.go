package web

import (
	"slices"
	"testing"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct{ peak, top, step int }{
		{0, 1, 1},
		{1, 1, 1},
		{3, 3, 1},
		{5, 5, 1},
		{6, 6, 2},
		{7, 8, 2},
		{10, 10, 2},
		{11, 15, 5},
		{23, 25, 5},
		{26, 30, 10},
		{99, 100, 20},
		{1234, 1500, 500},
	} {
		top, step := niceScale(tc.peak)
		if top != tc.top || step != tc.step {
			t.Errorf("niceScale(%d) = %d, %d; want %d, %d", tc.peak, top, step, tc.top, tc.step)
		}
	}
}

// events counts events given as date, action pairs, as
// store.ByPeriodAndAction does.
func events(spec ...string) []store.PeriodCount {
	var out []store.PeriodCount
	for i := 0; i+1 < len(spec); i += 2 {
		out = append(out, store.PeriodCount{Period: monthOf(spec[i]), Action: event.Action(spec[i+1]), Events: 1})
	}
	return out
}

func TestTimeline(t *testing.T) {
	v, err := loadVocab(gazetteer(t))
	if err != nil {
		t.Fatal(err)
	}
	if v.newTimeline(nil) != nil || v.newTimeline(events("2019", "block")) != nil {
		t.Error("a chart without a single month")
	}

	tl := v.newTimeline(events(
		"2020-03-01", "unblock",
		"2020-01-15", "block", "2020-01", "block", "2020-01-31", "fine",
		"2019-11-30", "threaten",
		"2020", "block",
	))
	months := make([]string, len(tl.Months))
	for i, m := range tl.Months {
		months[i] = m.Month
	}
	// February 2020 has no events: it takes its place on the axis but
	// has no bars.
	if !slices.Equal(months, []string{"2019-11", "2020-01", "2020-03"}) {
		t.Fatalf("months %v", months)
	}
	if tl.First != "2019-11" || tl.Last != "2020-03" || tl.Events != 5 || tl.YearOnly != 1 {
		t.Errorf("first %s last %s events %d year-only %d", tl.First, tl.Last, tl.Events, tl.YearOnly)
	}
	if x0, x1, x3 := tl.Months[0].X, tl.Months[1].X, tl.Months[2].X; x1-x0 != 2*tl.SlotWidth || x3-x1 != 2*tl.SlotWidth {
		t.Errorf("bars at %d, %d, %d with slots of %d: months are not evenly spaced", x0, x1, x3, tl.SlotWidth)
	}
	jan := tl.Months[1]
	if jan.Total != 3 || len(jan.Segments) != 2 || jan.Segments[0].Action != event.Block || jan.Segments[1].Action != event.Fine {
		t.Fatalf("January: %+v", jan)
	}
	// Stacked from the axis up, heights in proportion to counts, the
	// tallest month reaching the top of the scale (3 of 3).
	block, fine := jan.Segments[0], jan.Segments[1]
	if block.Y+block.Height != tl.PlotBottom || fine.Y+fine.Height != block.Y || fine.Y != tl.PlotTop {
		t.Errorf("segments do not stack: block %+v, fine %+v, plot %d to %d", block, fine, tl.PlotTop, tl.PlotBottom)
	}
	if d := block.Height - 2*fine.Height; d < -1 || d > 1 {
		t.Errorf("block (2) is %d high, fine (1) %d", block.Height, fine.Height)
	}
	if jan.Title != "January 2020: 3 events (Block 2, Fine 1)" {
		t.Errorf("tooltip %q", jan.Title)
	}
	var legend []string
	for _, l := range tl.Legend {
		legend = append(legend, l.Label)
	}
	if !slices.Equal(legend, []string{"Block", "Unblock", "Fine", "Threaten"}) {
		t.Errorf("legend %v", legend)
	}
	if tl.Summary != "5 events from November 2019 to March 2020; the busiest month was January 2020, with 3." {
		t.Errorf("summary %q", tl.Summary)
	}
	if one := v.newTimeline(events("2022-09", "block")); one.Summary != "1 event, all in September 2022." {
		t.Errorf("summary of one month %q", one.Summary)
	}
	if tl.Busiest.Month != "2020-01" {
		t.Errorf("busiest %s", tl.Busiest.Month)
	}
	if tl.Width > chartLeft+chartWidth+chartRight || tl.Width < tl.PlotRight {
		t.Errorf("width %d, plot to %d", tl.Width, tl.PlotRight)
	}
}

// Fifteen years of months still fit the page width.
func TestTimelineLong(t *testing.T) {
	v, err := loadVocab(gazetteer(t))
	if err != nil {
		t.Fatal(err)
	}
	tl := v.newTimeline(events("2010-01-01", "block", "2024-12-01", "block"))
	if n := len(tl.Months); n != 2 {
		t.Errorf("%d bar groups", n)
	}
	if tl.SlotWidth < minSlot || tl.Width > chartLeft+chartWidth+chartRight || tl.Bar < 1 || tl.Bar > tl.SlotWidth {
		t.Errorf("slot %d bar %d width %d", tl.SlotWidth, tl.Bar, tl.Width)
	}
	years := 0
	for _, l := range tl.Labels {
		if l.Class == "month" {
			t.Fatalf("month label %q in a slot of %d", l.Text, tl.SlotWidth)
		}
		years++
	}
	if years != 15 {
		t.Errorf("%d year labels, want 15", years)
	}
}
