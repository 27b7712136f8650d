package eval

import (
	"fmt"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/event"
)

// goldLine is one article of a gold file with one Russian Telegram block.
func goldLine(id, story string) string {
	return fmt.Sprintf(`{"id":%q,"story":%q,"title":"t","published":"2018-04-20","text":"x","events":[{"country":"RU","service":"telegram","action":"block","date":"2018-04"}]}`, id, story)
}

func TestBootstrap(t *testing.T) {
	hit := []event.Event{{Country: "RU", Service: "telegram", Action: event.Block, Date: "2018-04-16", Confidence: 0.9}}
	tests := []struct {
		name    string
		stories []string // one article each
		found   map[string]bool
		// want the interval to be one point (every draw scores the same)
		point bool
	}{
		{"every story right", []string{"a", "b", "c"}, map[string]bool{"a1": true, "a2": true, "a3": true}, true},
		{"one story of two right, retold", []string{"a", "a", "a", "b"}, map[string]bool{"a1": true, "a2": true, "a3": true}, false},
	}
	for _, tc := range tests {
		var lines []string
		ex := fixed{}
		for i, s := range tc.stories {
			id := fmt.Sprintf("a%d", i+1)
			lines = append(lines, goldLine(id, s))
			if tc.found[id] {
				ex[id] = hit
			}
		}
		arts, err := Read(strings.NewReader(strings.Join(lines, "\n")), "gold.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		r := Score(arts, ex)
		r.Bootstrap(500)
		iv := r.F1Interval
		if iv == nil || iv.Draws != 500 {
			t.Fatalf("%s: interval %+v", tc.name, iv)
		}
		if iv.Low > r.F1 || iv.High < r.F1 || iv.Low < 0 || iv.High > 1 {
			t.Errorf("%s: F1 %.3f outside its interval %.3f-%.3f", tc.name, r.F1, iv.Low, iv.High)
		}
		if tc.point != (iv.Low == iv.High) {
			t.Errorf("%s: interval %.3f-%.3f, want a point: %v", tc.name, iv.Low, iv.High, tc.point)
		}
		again := Score(arts, ex)
		again.Bootstrap(500)
		if *again.F1Interval != *iv {
			t.Errorf("%s: two bootstraps of one report differ: %+v, %+v", tc.name, *iv, *again.F1Interval)
		}
	}
	// The three retellings are one story: a draw takes all or none of
	// them, so F1 is 1 (story a alone) or 0 (story b alone) or the whole
	// set's, never an F1 a draw of single articles would give (a1 with
	// b: 2/3).
	var lines []string
	for i, s := range []string{"a", "a", "a", "b"} {
		lines = append(lines, goldLine(fmt.Sprintf("a%d", i+1), s))
	}
	arts, _ := Read(strings.NewReader(strings.Join(lines, "\n")), "gold.jsonl")
	r := Score(arts, fixed{"a1": hit, "a2": hit, "a3": hit})
	r.Bootstrap(2000)
	if r.F1Interval.Low != 0 || r.F1Interval.High != 1 {
		t.Errorf("retold story: interval %.3f-%.3f, want 0-1", r.F1Interval.Low, r.F1Interval.High)
	}
}

func TestCompare(t *testing.T) {
	hit := []event.Event{{Country: "RU", Service: "telegram", Action: event.Block, Date: "2018-04-16", Confidence: 0.9}}
	miss := []event.Event{{Country: "RU", Service: "twitter", Action: event.Block, Date: "2018-04-16", Confidence: 0.9}}
	var lines []string
	for i, s := range []string{"a", "a", "b", "c", "d"} {
		lines = append(lines, goldLine(fmt.Sprintf("a%d", i+1), s))
	}
	arts, err := Read(strings.NewReader(strings.Join(lines, "\n")), "gold.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	base := Score(arts, fixed{"a1": hit, "a2": hit, "a3": miss, "a4": miss, "a5": miss})
	better := Score(arts, fixed{"a1": hit, "a2": hit, "a3": hit, "a4": hit, "a5": hit})

	same, err := Compare(base, base, 500)
	if err != nil || same.Diff != 0 || same.Interval.Low != 0 || same.Interval.High != 0 {
		t.Errorf("a report against itself: %+v, %v; want a difference of 0 in 0-0", same, err)
	}
	d, err := Compare(base, better, 500)
	if err != nil {
		t.Fatal(err)
	}
	if d.BaseF1 != base.F1 || d.F1 != better.F1 || d.Diff <= 0 {
		t.Errorf("better against base: %+v; want F1 %.3f -> %.3f", d, base.F1, better.F1)
	}
	// The better extractor is at least as good on every story, so no
	// paired draw can find it worse.
	if d.Interval.Low < 0 || d.Interval.High < d.Interval.Low || d.Interval.Draws != 500 {
		t.Errorf("interval %+v, want within 0 and above", d.Interval)
	}

	other := Score(arts[:4], fixed{})
	if _, err := Compare(base, other, 500); err == nil || !strings.Contains(err.Error(), "same gold files") {
		t.Errorf("reports of different articles: %v", err)
	}
}
