// Dates: the time expressions of a sentence, resolved against the
// publication date.

package extract

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/policywatch/policywatch/extract/internal/prefilter"
)

// date is a calendar date at the precision the text supports: month and
// day are zero when unknown.
type date struct{ y, m, d int }

func (d date) String() string {
	switch {
	case d.y == 0:
		return ""
	case d.m == 0:
		return fmt.Sprintf("%04d", d.y)
	case d.d == 0:
		return fmt.Sprintf("%04d-%02d", d.y, d.m)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.y, d.m, d.d)
}

func (d date) zero() bool { return d.y == 0 }

func dayOf(t time.Time) date { return date{t.Year(), int(t.Month()), t.Day()} }

// span is the date that covers every day from a to b at the finest
// precision that holds both: a week inside April is "2018-04".
func span(a, b time.Time) date {
	switch {
	case a.Year() != b.Year():
		return date{y: b.Year()}
	case a.Month() != b.Month():
		return date{y: a.Year()}
	case a.Day() != b.Day():
		return date{y: a.Year(), m: int(a.Month())}
	}
	return dayOf(a)
}

// dateExpr is a date expression found in a sentence.
type dateExpr struct {
	start, end int // byte offsets in the sentence
	value      date
	rule       int  // index of the rule that found it; lower is more specific
	until      bool // the end of a period: "until November 11"
}

const monthRE = `(January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)`
const weekdayRE = `(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)`
const ordRE = `(?:st|nd|rd|th)?`

// A dateRule turns one kind of expression into a date. Rules are tried
// in order and the longest non-overlapping matches win, so "from 1 to 5
// May 2018" is one range, not "5 May 2018".
type dateRule struct {
	re      *regexp.Regexp
	resolve func(m []string, c dateContext) date
}

// dateContext is what relative expressions resolve against: the
// publication date, and what the article said just before ("in June that
// year", "the same month").
type dateContext struct {
	pub    time.Time
	year   int  // the last year the text named, for "that year"
	last   date // the last date the text gave, for "the same month"
	future bool // the sentence speaks of what will happen: "from Thursday"
}

var dateRules = []dateRule{
	// Ranges take their first day: when the action took effect.
	{regexp.MustCompile(`(?i:from|between)\s+(\d{1,2})` + ordRE + `\s+(?:to|and|until|till|through|-)\s+\d{1,2}` + ordRE + `\s+` + monthRE + `(?:,?\s+(\d{4}))?`),
		func(m []string, c dateContext) date { return dayMonth(m[1], m[2], m[3], c.pub) }},
	{regexp.MustCompile(`(\d{1,2})` + ordRE + `\s*-\s*\d{1,2}` + ordRE + `\s+` + monthRE + `(?:,?\s+(\d{4}))?`),
		func(m []string, c dateContext) date { return dayMonth(m[1], m[2], m[3], c.pub) }},
	{regexp.MustCompile(monthRE + `\s+(\d{1,2})` + ordRE + `\s*(?:-|to|through|until|and)\s*\d{1,2}` + ordRE + `(?:,?\s+(\d{4}))?`),
		func(m []string, c dateContext) date { return dayMonth(m[2], m[1], m[3], c.pub) }},
	// Absolute dates.
	{regexp.MustCompile(`(\d{4})-(\d{2})-(\d{2})`),
		func(m []string, c dateContext) date { return ymd(m[1], m[2], m[3]) }},
	{regexp.MustCompile(`(\d{1,2})` + ordRE + `\s+(?:of\s+)?` + monthRE + `,?\s+(\d{4})`),
		func(m []string, c dateContext) date { return dayMonth(m[1], m[2], m[3], c.pub) }},
	{regexp.MustCompile(monthRE + `\s+(\d{1,2})` + ordRE + `,?\s+(\d{4})`),
		func(m []string, c dateContext) date { return dayMonth(m[2], m[1], m[3], c.pub) }},
	{regexp.MustCompile(`(\d{1,2})` + ordRE + `\s+(?:of\s+)?` + monthRE + `(\s+(?:last|this|that)\s+year)?`),
		func(m []string, c dateContext) date { return withYearWord(dayMonth(m[1], m[2], "", c.pub), m[3], c) }},
	{regexp.MustCompile(monthRE + `\s+(\d{1,2})` + ordRE + `\b(\s+(?:last|this|that)\s+year)?`),
		func(m []string, c dateContext) date { return withYearWord(dayMonth(m[2], m[1], "", c.pub), m[3], c) }},
	{regexp.MustCompile(`(?:(?i:early|mid|late|mid-)\s*)?` + monthRE + `,?\s+(?:of\s+)?(\d{4})`),
		func(m []string, c dateContext) date { return monthYear(m[1], m[2], c.pub) }},
	{regexp.MustCompile(`(?i:(in|since|during|by|from|until|through|throughout|early|mid|late|mid-|of|last|this|that))\s+` + monthRE + `(\s+(?:last|this|that)\s+year)?\b`),
		func(m []string, c dateContext) date {
			d := withYearWord(monthYear(m[2], "", c.pub), m[3], c)
			if strings.EqualFold(m[1], "last") && m[3] == "" {
				d.y = c.pub.Year() - 1 // "last June": not this year's
			}
			return d
		}},
	{regexp.MustCompile(`(?i)\b(?:the same|that) (month|day|week)\b`),
		func(m []string, c dateContext) date {
			switch strings.ToLower(m[1]) {
			case "day":
				return c.last
			}
			if c.last.m == 0 {
				return date{}
			}
			return date{y: c.last.y, m: c.last.m}
		}},
	{regexp.MustCompile(`(?i:in|since|during|by|from|until|through|throughout|early|mid|late|mid-|of|around|before|after|back in)\s+((?:19|20)\d\d)\b`),
		func(m []string, c dateContext) date { y, _ := strconv.Atoi(m[1]); return date{y: y} }},
	// Relative to publication.
	{regexp.MustCompile(`(?i)\b(?:today|tonight|this (?:morning|afternoon|evening))\b`),
		func(m []string, c dateContext) date { return dayOf(c.pub) }},
	{regexp.MustCompile(`(?i)\b(?:yesterday|last night|overnight)\b`),
		func(m []string, c dateContext) date { return dayOf(c.pub.AddDate(0, 0, -1)) }},
	{regexp.MustCompile(`(?i:\b(last|this|on|early|late|since|from|starting|until|by|next)\s+)?` + weekdayRE + `(?:\s+(?i:night|morning|evening|afternoon))?`),
		func(m []string, c dateContext) date {
			switch q := strings.ToLower(m[1]); {
			case q == "next", c.future && (q == "from" || q == "starting" || q == "until" || q == "by" || q == "on"):
				return nextWeekday(m[2], c.pub) // "will lift the ban from Thursday"
			}
			return weekday(m[1], m[2], c.pub)
		}},
	{regexp.MustCompile(`(?i)\b(?:earlier |later )?this week\b`),
		func(m []string, c dateContext) date { return span(weekStart(c.pub), c.pub) }},
	{regexp.MustCompile(`(?i)\blast week\b`),
		func(m []string, c dateContext) date {
			s := weekStart(c.pub).AddDate(0, 0, -7)
			return span(s, s.AddDate(0, 0, 6))
		}},
	{regexp.MustCompile(`(?i)\b(?:over|at|during) the weekend\b|\bthis weekend\b|\blast weekend\b`),
		func(m []string, c dateContext) date {
			sat := c.pub
			for sat.Weekday() != time.Saturday {
				sat = sat.AddDate(0, 0, -1)
			}
			return span(sat, sat.AddDate(0, 0, 1))
		}},
	{regexp.MustCompile(`(?i)\b(?:earlier |later )?this month\b`),
		func(m []string, c dateContext) date { return date{y: c.pub.Year(), m: int(c.pub.Month())} }},
	{regexp.MustCompile(`(?i)\blast month\b`),
		func(m []string, c dateContext) date {
			t := time.Date(c.pub.Year(), c.pub.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
			return date{y: t.Year(), m: int(t.Month())}
		}},
	{regexp.MustCompile(`(?i)\b(?:earlier |later )?this year\b`),
		func(m []string, c dateContext) date { return date{y: c.pub.Year()} }},
	{regexp.MustCompile(`(?i)\blast year\b`),
		func(m []string, c dateContext) date { return date{y: c.pub.Year() - 1} }},
	{regexp.MustCompile(`(?i)\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(day|week|month|year)s?\s+ago\b`),
		func(m []string, c dateContext) date { return ago(m[1], m[2], c.pub) }},
}

// datePrefilters are the rules' prefilters, by rule: most sentences give
// no date, and most rules need a word the sentence lacks.
var datePrefilters = func() []prefilter.Prefilter {
	out := make([]prefilter.Prefilter, len(dateRules))
	for i, r := range dateRules {
		out[i] = prefilter.New(r.re)
	}
	return out
}()

var numberWords = map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}

func ago(n, unit string, pub time.Time) date {
	k, err := strconv.Atoi(n)
	if err != nil {
		k = numberWords[strings.ToLower(n)]
	}
	switch strings.ToLower(unit) {
	case "day":
		return dayOf(pub.AddDate(0, 0, -k))
	case "week":
		s := pub.AddDate(0, 0, -7*k)
		return span(weekStart(s), weekStart(s).AddDate(0, 0, 6))
	case "month":
		t := time.Date(pub.Year(), pub.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -k, 0)
		return date{y: t.Year(), m: int(t.Month())}
	}
	return date{y: pub.Year() - k}
}

func weekStart(t time.Time) time.Time {
	off := (int(t.Weekday()) + 6) % 7 // Monday = 0
	return t.AddDate(0, 0, -off)
}

// weekday resolves "on Monday" to the last Monday on or before
// publication; "last Monday" on a Monday means a week before.
func weekday(qual, name string, pub time.Time) date {
	want := map[string]time.Weekday{"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
		"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday}[strings.ToLower(name)]
	t := pub
	if strings.EqualFold(qual, "last") && t.Weekday() == want {
		t = t.AddDate(0, 0, -7)
	}
	for t.Weekday() != want {
		t = t.AddDate(0, 0, -1)
	}
	return dayOf(t)
}

// nextWeekday resolves a weekday after publication: "from Thursday" in a
// sentence about what will happen.
func nextWeekday(name string, pub time.Time) date {
	t := pub.AddDate(0, 0, 1)
	for !strings.EqualFold(t.Weekday().String(), name) {
		t = t.AddDate(0, 0, 1)
	}
	return dayOf(t)
}

func monthNum(s string) int {
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	for i, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if strings.HasPrefix(s, m) {
			return i + 1
		}
	}
	return 0
}

func ymd(y, m, d string) date {
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	if mi < 1 || mi > 12 || di < 1 || di > 31 {
		return date{}
	}
	return onCalendar(date{yi, mi, di})
}

// onCalendar is d if that day exists, else no date: "31 April" is a typo,
// and a day no calendar has must not reach an event.
func onCalendar(d date) date {
	if time.Date(d.y, time.Month(d.m), d.d, 0, 0, 0, 0, time.UTC).Day() != d.d {
		return date{}
	}
	return d
}

// dayMonth builds a date from a day and month; a missing year is the
// publication year, or the one before when that would put the date well
// after publication ("on 28 December" in a January article).
func dayMonth(d, m, y string, pub time.Time) date {
	di, _ := strconv.Atoi(d)
	mi := monthNum(m)
	if di < 1 || di > 31 || mi == 0 {
		return date{}
	}
	if y != "" {
		yi, _ := strconv.Atoi(y)
		return onCalendar(date{yi, mi, di})
	}
	yi := pub.Year()
	if time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC).After(pub.AddDate(0, 0, 31)) {
		yi--
	}
	return onCalendar(date{yi, mi, di})
}

func monthYear(m, y string, pub time.Time) date {
	mi := monthNum(m)
	if mi == 0 {
		return date{}
	}
	if y != "" {
		yi, _ := strconv.Atoi(y)
		return date{y: yi, m: mi}
	}
	yi := pub.Year()
	if mi > int(pub.Month())+1 {
		yi--
	}
	return date{y: yi, m: mi}
}

// withYearWord applies "last year", "this year" or "that year" after a
// month or day.
func withYearWord(d date, word string, c dateContext) date {
	w := strings.ToLower(word)
	switch {
	case d.zero() || word == "":
		return d
	case strings.Contains(w, "last"):
		d.y = c.pub.Year() - 1
	case strings.Contains(w, "that"):
		if c.year == 0 {
			return date{}
		}
		d.y = c.year
	default:
		d.y = c.pub.Year()
	}
	return d
}

var yearRE = regexp.MustCompile(`\b(19[89]\d|20\d\d)\b`)

// findDates returns the date expressions of a sentence, left to right.
func findDates(text string, pub time.Time) []dateExpr {
	return findDatesIn(text, dateContext{pub: pub, future: strings.Contains(" "+strings.ToLower(text)+" ", " will ")})
}

// findDatesIn is findDates with what the article said before.
func findDatesIn(text string, c dateContext) []dateExpr {
	pub := c.pub
	var all []dateExpr
	folded := prefilter.FoldASCII(text)
	for ri, r := range dateRules {
		if !datePrefilters[ri].Admits(text, folded) {
			continue
		}
		for _, loc := range r.re.FindAllStringSubmatchIndex(text, -1) {
			m := make([]string, len(loc)/2)
			for i := range m {
				if loc[2*i] >= 0 {
					m[i] = text[loc[2*i]:loc[2*i+1]]
				}
			}
			// "that year" is the last year named before it.
			rc := c
			if ys := yearRE.FindAllString(text[:loc[0]], -1); len(ys) > 0 {
				rc.year, _ = strconv.Atoi(ys[len(ys)-1])
			}
			// A date far from publication is kept while overlaps are
			// resolved, so "4 November 2020" is not read as "4 November",
			// and dropped after.
			if d := r.resolve(m, rc); !d.zero() {
				all = append(all, dateExpr{start: loc[0], end: loc[1], value: d, rule: ri})
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].start != all[j].start {
			return all[i].start < all[j].start
		}
		return all[i].end-all[i].start > all[j].end-all[j].start
	})
	// Where two expressions overlap, the more specific rule wins: "since
	// November 2016" is November 2016, not "since November".
	var out []dateExpr
	for _, d := range all {
		if len(out) > 0 && d.start < out[len(out)-1].end {
			if last := out[len(out)-1]; d.rule < last.rule || d.rule == last.rule && d.end-d.start > last.end-last.start {
				out[len(out)-1] = d
			}
			continue
		}
		out = append(out, d)
	}
	kept := out[:0]
	for _, d := range out {
		if d.value.y >= 1990 && d.value.y <= pub.Year()+1 {
			before := strings.ToLower(strings.TrimSpace(text[max(0, d.start-8):d.start]))
			d.until = strings.HasSuffix(before, "until") || strings.HasSuffix(before, "till") ||
				strings.HasSuffix(before, "through") || strings.HasSuffix(before, "to") ||
				strings.HasPrefix(strings.ToLower(text[d.start:d.end]), "until")
			kept = append(kept, d)
		}
	}
	return kept
}
