// Dates: the time expressions of a sentence, resolved against the
// publication date.

package extract

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
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

// after reports whether day d is later than day e; both are whole days.
func (d date) after(e date) bool {
	if d.y != e.y {
		return d.y > e.y
	}
	if d.m != e.m {
		return d.m > e.m
	}
	return d.d > e.d
}

func dayOf(t time.Time) date { return date{t.Year(), int(t.Month()), t.Day()} }

// time is the first day d covers.
func (d date) time() time.Time {
	return time.Date(d.y, time.Month(max(d.m, 1)), max(d.d, 1), 0, 0, 0, 0, time.UTC)
}

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

// monthOf is the month t falls in.
func monthOf(t time.Time) date { return date{y: t.Year(), m: int(t.Month())} }

// dateExpr is a date expression found in a sentence.
type dateExpr struct {
	start, end int // byte offsets in the sentence
	value      date
	rule       int  // index of the rule that found it; lower is more specific
	until      bool // the end of a period: "until November 11"
}

// A dateRule turns one kind of expression into a date. Rules are tried
// in order and the longest non-overlapping matches win, so "from 1 to 5
// May 2018" is one range, not "5 May 2018".
//
// Each rule's comment gives its grammar as a regular expression, which
// its match function follows exactly, as Go's regexp package would match
// it (leftmost-first, ASCII \s, \d and \b, case folded where (?i) says,
// "ſ" and the Kelvin sign matching "s" and "k"): dates_oracle_test.go
// holds every rule to its expression on every labelled sentence and on
// fuzzed text. Hand-written matchers replace the expressions because the
// regexp engine backtracked over every position of every sentence and
// cost a third of extraction's time; these look at a position only when
// its byte can begin the expression, and settle each choice (which month
// spelling, "through" or "throughout") by looking a few bytes ahead.
type dateRule struct {
	// needs are the keys an expression of the rule holds one of.
	needs dateKey
	// starts are the bytes an expression of the rule can begin with.
	starts string
	// match reports where the rule's expression that begins at byte i of
	// t.s ends, or -1, and leaves its groups in t.m.
	match   func(t *dateScan, i int) int
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

// Words that open a rule's expression, in the order its alternation
// tries them: "through" before "throughout", "mid" before "mid-".
var (
	monthOpeners = []string{"in", "since", "during", "by", "from", "until", "through", "throughout",
		"early", "mid", "late", "mid-", "of", "last", "this", "that"}
	yearOpeners = []string{"in", "since", "during", "by", "from", "until", "through", "throughout",
		"early", "mid", "late", "mid-", "of", "around", "before", "after", "back in"}
	weekdayOpeners = []string{"last", "this", "on", "early", "late", "since", "from", "starting", "until", "by", "next"}
	agoCounts      = []string{"a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}

	monthOpenerIndex   = indexFolded(monthOpeners)
	yearOpenerIndex    = indexFolded(yearOpeners)
	weekdayOpenerIndex = indexFolded(weekdayOpeners)
	agoCountIndex      = indexFolded(agoCounts)
)

// indexFolded indexes words compared ignoring case by the bytes they can
// begin with (see foldStarts), in their order, so that a matcher tries at
// a place only the few words that can be there.
func indexFolded(words []string) *[256][]string {
	var idx [256][]string
	for _, w := range words {
		for _, c := range []byte(foldStarts(w)) {
			idx[c] = append(idx[c], w)
		}
	}
	return &idx
}

// A dateKey is a word or a kind of word that every expression of some
// rules holds: where a sentence has none of a rule's keys, the rule is
// not tried. Most sentences name no month, weekday or year.
type dateKey uint16

const (
	keyMonth     dateKey = 1 << iota // a month's name as the rules spell it
	keyWeekday                       // a weekday's name
	keyDigit                         // a digit
	keyCentury                       // "19" or "20" and two digits
	keyWeek                          // "week", in any case, as are the rest
	keyMonthWord                     // "month"
	keyYear                          // "year"
	keyDay                           // "day"
	keyNight                         // "night"
	keyThis                          // "this"
	keyAgo                           // "ago"
	keySeason                        // "summer", "spring", "autumn" or "fall"
)

// keys are the dateKeys of t.s.
func (t *dateScan) keys() dateKey {
	var k dateKey
	s := t.s
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c | ('a' - 'A') {
		case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			k |= keyDigit
			if (c == '1' && t.lit(i, "19") >= 0 || c == '2' && t.lit(i, "20") >= 0) && t.fixedDigits(i+2, 2) >= 0 {
				k |= keyCentury
			}
			continue
		case 'w':
			if t.fold(i, "week") >= 0 {
				k |= keyWeek
			}
		case 'm':
			if t.fold(i, "month") >= 0 {
				k |= keyMonthWord
			}
		case 'y':
			if t.fold(i, "year") >= 0 {
				k |= keyYear
			}
		case 'd':
			if t.fold(i, "day") >= 0 {
				k |= keyDay
			}
		case 'n':
			if t.fold(i, "night") >= 0 {
				k |= keyNight
			}
		case 't':
			if t.fold(i, "this") >= 0 {
				k |= keyThis
			}
		case 'a':
			if t.fold(i, "ago") >= 0 {
				k |= keyAgo
			}
			if t.fold(i, "autumn") >= 0 {
				k |= keySeason
			}
		case 's':
			if t.foldAny(i, "summer", "spring") >= 0 {
				k |= keySeason
			}
		case 'f':
			if t.fold(i, "fall") >= 0 {
				k |= keySeason
			}
		}
		if 'A' <= c && c <= 'Z' {
			if _, n := t.months(i); n > 0 {
				k |= keyMonth
			}
			if t.weekday(i) >= 0 {
				k |= keyWeekday
			}
		}
	}
	return k
}

const (
	digitBytes   = "0123456789"
	monthBytes   = "JFMASOND"
	weekdayBytes = "MTWFS"
)

var dateRules = []dateRule{
	// Ranges take their first day: when the action took effect.

	// (?i:from|between)\s+(\d{1,2})ORD\s+(?:to|and|until|till|through|-)\s+\d{1,2}ORD\s+MONTH(?:,?\s+(\d{4}))?
	{keyMonth, foldStarts("from", "between"), (*dateScan).fromDayToDayMonth,
		func(m []string, c dateContext) date { return dayMonth(m[1], m[2], m[3], c.pub) }},
	// (\d{1,2})ORD\s*-\s*\d{1,2}ORD\s+MONTH(?:,?\s+(\d{4}))?
	{keyMonth, digitBytes, (*dateScan).dayDashDayMonth,
		func(m []string, c dateContext) date { return dayMonth(m[1], m[2], m[3], c.pub) }},
	// MONTH\s+(\d{1,2})ORD\s*(?:-|to|through|until|and)\s*\d{1,2}ORD(?:,?\s+(\d{4}))?
	{keyMonth, monthBytes, (*dateScan).monthDayToDay,
		func(m []string, c dateContext) date { return dayMonth(m[2], m[1], m[3], c.pub) }},
	// Absolute dates.

	// (\d{4})-(\d{2})-(\d{2})
	{keyDigit, digitBytes, (*dateScan).isoDate,
		func(m []string, c dateContext) date { return ymd(m[1], m[2], m[3]) }},
	// (\d{1,2})ORD\s+(?:of\s+)?MONTH,?\s+(\d{4})
	{keyMonth, digitBytes, (*dateScan).dayMonthYear,
		func(m []string, c dateContext) date { return dayMonth(m[1], m[2], m[3], c.pub) }},
	// MONTH\s+(\d{1,2})ORD,?\s+(\d{4})
	{keyMonth, monthBytes, (*dateScan).monthDayYear,
		func(m []string, c dateContext) date { return dayMonth(m[2], m[1], m[3], c.pub) }},
	// (\d{1,2})ORD\s+(?:of\s+)?MONTH(\s+(?:last|this|that)\s+year)?
	{keyMonth, digitBytes, (*dateScan).dayMonth,
		func(m []string, c dateContext) date { return withYearWord(dayMonth(m[1], m[2], "", c.pub), m[3], c) }},
	// MONTH\s+(\d{1,2})ORD\b(\s+(?:last|this|that)\s+year)?
	{keyMonth, monthBytes, (*dateScan).monthDay,
		func(m []string, c dateContext) date { return withYearWord(dayMonth(m[2], m[1], "", c.pub), m[3], c) }},
	// (?:(?i:early|mid|late|mid-)\s*)?MONTH,?\s+(?:of\s+)?(\d{4})
	{keyMonth, foldStarts("early", "mid", "late") + monthBytes, (*dateScan).monthYear,
		func(m []string, c dateContext) date { return monthYear(m[1], m[2], c.pub) }},
	// (?i:(in|since|during|by|from|until|through|throughout|early|mid|late|mid-|of|last|this|that))\s+MONTH(\s+(?:last|this|that)\s+year)?\b
	{keyMonth, foldStarts(monthOpeners...), (*dateScan).inMonth,
		func(m []string, c dateContext) date {
			d := withYearWord(monthYear(m[2], "", c.pub), m[3], c)
			if strings.EqualFold(m[1], "last") && m[3] == "" {
				d.y = c.pub.Year() - 1 // "last June": not this year's
			}
			return d
		}},
	// (?i)\b(?:the same|that) (month|day|week)\b
	{keyMonthWord | keyDay | keyWeek, foldStarts("the same", "that"), (*dateScan).sameUnit,
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
	// (?i:in|since|during|by|from|until|through|throughout|early|mid|late|mid-|of|around|before|after|back in)\s+((?:19|20)\d\d)\b
	{keyCentury, foldStarts(yearOpeners...), (*dateScan).inYear,
		func(m []string, c dateContext) date { y, _ := strconv.Atoi(m[1]); return date{y: y} }},
	// Relative to publication.

	// (?i)\b(?:today|tonight|this (?:morning|afternoon|evening))\b
	{keyDay | keyNight | keyThis, foldStarts("today", "tonight", "this"), datePhrases("today", "tonight", "this morning", "this afternoon", "this evening"),
		func(m []string, c dateContext) date { return dayOf(c.pub) }},
	// (?i)\b(?:yesterday|last night|overnight)\b
	{keyDay | keyNight, foldStarts("yesterday", "last", "overnight"), datePhrases("yesterday", "last night", "overnight"),
		func(m []string, c dateContext) date { return dayOf(c.pub.AddDate(0, 0, -1)) }},
	// (?i:\b(last|this|on|early|late|since|from|starting|until|by|next)\s+)?WEEKDAY(?:\s+(?i:night|morning|evening|afternoon))?
	{keyWeekday, foldStarts(weekdayOpeners...) + weekdayBytes, (*dateScan).weekdayAt,
		func(m []string, c dateContext) date {
			switch q := strings.ToLower(m[1]); {
			case q == "next", c.future && (q == "from" || q == "starting" || q == "until" || q == "by" || q == "on"):
				return nextWeekday(m[2], c.pub) // "will lift the ban from Thursday"
			}
			return weekday(m[1], m[2], c.pub)
		}},
	// (?i)\b(?:earlier |later )?this week\b
	// SCHEMA.md: "this week" and "last week" are the month of that
	// week's Monday, also when the week runs into the next month.
	{keyWeek, foldStarts("earlier", "later", "this"), datePhrases("earlier this week", "later this week", "this week"),
		func(m []string, c dateContext) date { return monthOf(weekStart(c.pub)) }},
	// (?i)\blast week\b
	{keyWeek, foldStarts("last"), datePhrases("last week"),
		func(m []string, c dateContext) date { return monthOf(weekStart(c.pub).AddDate(0, 0, -7)) }},
	// (?i)\b(?:over|at|during) the weekend\b|\bthis weekend\b|\blast weekend\b
	{keyWeek, foldStarts("over", "at", "during", "this", "last"),
		datePhrases("over the weekend", "at the weekend", "during the weekend", "this weekend", "last weekend"),
		func(m []string, c dateContext) date {
			sat := c.pub
			for sat.Weekday() != time.Saturday {
				sat = sat.AddDate(0, 0, -1)
			}
			return span(sat, sat.AddDate(0, 0, 1))
		}},
	// (?i)\b(?:earlier |later )?this month\b
	{keyMonthWord, foldStarts("earlier", "later", "this"), datePhrases("earlier this month", "later this month", "this month"),
		func(m []string, c dateContext) date { return date{y: c.pub.Year(), m: int(c.pub.Month())} }},
	// (?i)\blast month\b
	{keyMonthWord, foldStarts("last"), datePhrases("last month"),
		func(m []string, c dateContext) date {
			t := time.Date(c.pub.Year(), c.pub.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
			return date{y: t.Year(), m: int(t.Month())}
		}},
	// (?i)\b(?:earlier |later )?this year\b
	{keyYear, foldStarts("earlier", "later", "this"), datePhrases("earlier this year", "later this year", "this year"),
		func(m []string, c dateContext) date { return date{y: c.pub.Year()} }},
	// (?i)\blast year\b
	{keyYear, foldStarts("last"), datePhrases("last year"),
		func(m []string, c dateContext) date { return date{y: c.pub.Year() - 1} }},
	// (?i)\b(last|this)\s+(summer|spring|autumn|fall)\b
	{keySeason, foldStarts("last", "this"), (*dateScan).season,
		func(m []string, c dateContext) date { return season(m[1], m[2], c.pub) }},
	// (?i)\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(day|week|month|year)s?\s+ago\b
	{keyAgo, digitBytes + foldStarts(agoCounts...), (*dateScan).ago,
		func(m []string, c dateContext) date { return ago(m[1], m[2], c.pub) }},
}

// dateStarts says, for each byte, which rules' expressions can begin
// with it: bit i is dateRules[i].
var dateStarts = func() (t [256]uint32) {
	if len(dateRules) > 32 {
		panic("extract: more date rules than dateStarts has bits")
	}
	for i, r := range dateRules {
		for j := 0; j < len(r.starts); j++ {
			t[r.starts[j]] |= 1 << i
		}
	}
	return t
}()

// foldStarts are the bytes words compared ignoring case can begin with:
// either case, and the first byte of "ſ" or the Kelvin sign, which match
// "s" and "k" as Go's regexp folds case.
func foldStarts(words ...string) string {
	var b strings.Builder
	for _, w := range words {
		c := w[0]
		b.WriteByte(c)
		b.WriteByte(c - 'a' + 'A')
		switch c {
		case 's':
			b.WriteString("\u017f"[:1])
		case 'k':
			b.WriteString("\u212a"[:1])
		}
	}
	return b.String()
}

// dateScan matches the rules' expressions in one sentence. Its methods
// take and give byte offsets into s, -1 meaning no match: given -1, each
// gives -1, so that a sequence reads as a chain of calls.
type dateScan struct {
	s string
	m [4]string // the groups of the last match; m[0] is unused
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c == '_'
}

// boundary is \b: i if a word byte stands on one side of it and not on
// the other, else -1. Only ASCII makes words, as in the regexp package.
func (t *dateScan) boundary(i int) int {
	if i < 0 {
		return -1
	}
	before := i > 0 && isWordByte(t.s[i-1])
	after := i < len(t.s) && isWordByte(t.s[i])
	if before == after {
		return -1
	}
	return i
}

// spaces is \s*: the end of the run of white space at i.
func (t *dateScan) spaces(i int) int {
	if i < 0 {
		return -1
	}
	for i < len(t.s) && isSpace(t.s[i]) {
		i++
	}
	return i
}

// space is \s+. The whole run is taken: in every rule what follows white
// space begins with something else, so giving some back never helps.
func (t *dateScan) space(i int) int {
	if j := t.spaces(i); j > i {
		return j
	}
	return -1
}

// digits is \d+.
func (t *dateScan) digits(i int) int {
	if i < 0 {
		return -1
	}
	j := i
	for j < len(t.s) && isDigit(t.s[j]) {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// day is \d{1,2} where what follows can neither begin with a digit nor be
// a word boundary before one: the run of digits at i, if one or two long.
func (t *dateScan) day(i int) int {
	j := t.digits(i)
	if j < 0 || j-i > 2 {
		return -1
	}
	return j
}

// fixedDigits is \d{n}.
func (t *dateScan) fixedDigits(i, n int) int {
	if i < 0 || i+n > len(t.s) {
		return -1
	}
	for j := i; j < i+n; j++ {
		if !isDigit(t.s[j]) {
			return -1
		}
	}
	return i + n
}

// ord is (?:st|nd|rd|th)?, the suffix taken when there is one. Where
// white space, a comma or a word boundary must follow, leaving the suffix
// out cannot help: a letter would follow.
func (t *dateScan) ord(i int) int {
	if t.hasOrd(i) {
		return i + 2
	}
	return i
}

func (t *dateScan) hasOrd(i int) bool {
	if i < 0 || i+2 > len(t.s) {
		return false
	}
	switch t.s[i : i+2] {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

// lit is the literal w.
func (t *dateScan) lit(i int, w string) int {
	if i < 0 || !strings.HasPrefix(t.s[i:], w) {
		return -1
	}
	return i + len(w)
}

// char is the byte c.
func (t *dateScan) char(i int, c byte) int {
	if i < 0 || i >= len(t.s) || t.s[i] != c {
		return -1
	}
	return i + 1
}

// fold is w, in lower case, ignoring case. As in Go's regexp, "ſ"
// matches "s" and the Kelvin sign "k".
func (t *dateScan) fold(i int, w string) int {
	if i < 0 {
		return -1
	}
	s := t.s
	for k := 0; k < len(w); k++ {
		c := w[k]
		if i < len(s) && (s[i] == c || 'A' <= s[i] && s[i] <= 'Z' && s[i]+('a'-'A') == c) {
			i++
			continue
		}
		switch {
		case c == 's' && strings.HasPrefix(s[i:], "\u017f"):
			i += len("\u017f")
		case c == 'k' && strings.HasPrefix(s[i:], "\u212a"):
			i += len("\u212a")
		default:
			return -1
		}
	}
	return i
}

// foldAny is the first of ws, ignoring case; words that can both match at
// one place are tried in turn by the callers that need it.
func (t *dateScan) foldAny(i int, ws ...string) int {
	for _, w := range ws {
		if j := t.fold(i, w); j >= 0 {
			return j
		}
	}
	return -1
}

var (
	monthNames   = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	monthAbbrevs = [...]string{"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	weekdayNames = [...]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)

// months are the ends of the month names at i in the order the pattern
// January|…|December|Jan\.?|…|Sept?\.?|…|Dec\.? tries them: the name in
// full, then the abbreviation with its "t" and full stop, then without.
func (t *dateScan) months(i int) (ends [4]int, n int) {
	if i < 0 || i >= len(t.s) || strings.IndexByte(monthBytes, t.s[i]) < 0 {
		return ends, 0
	}
	for _, name := range monthNames {
		if e := t.lit(i, name); e >= 0 {
			ends[n], n = e, n+1
			break
		}
	}
	for _, ab := range monthAbbrevs {
		e := t.lit(i, ab)
		if e < 0 {
			continue
		}
		if ab == "Sep" && t.char(e, 't') >= 0 {
			if t.char(e+1, '.') >= 0 {
				ends[n], n = e+2, n+1
			}
			ends[n], n = e+1, n+1
		}
		if t.char(e, '.') >= 0 {
			ends[n], n = e+1, n+1
		}
		ends[n], n = e, n+1
		break
	}
	return ends, n
}

// month is the first month name at i: where all that follows it is
// optional, the first name always wins.
func (t *dateScan) month(i int) int {
	if ends, n := t.months(i); n > 0 {
		return ends[0]
	}
	return -1
}

// weekday is a weekday's name.
func (t *dateScan) weekday(i int) int {
	for _, name := range weekdayNames {
		if e := t.lit(i, name); e >= 0 {
			return e
		}
	}
	return -1
}

// commaYear is ,?\s+\d{4}. Without the comma, white space could not
// follow one, so the comma is taken when there is one.
func (t *dateScan) commaYear(i int) int {
	if j := t.char(i, ','); j >= 0 {
		i = j
	}
	return t.fixedDigits(t.space(i), 4)
}

// optYear is (?:,?\s+(\d{4}))?: its end, and the year or "".
func (t *dateScan) optYear(i int) (int, string) {
	if e := t.commaYear(i); e >= 0 {
		return e, t.s[e-4 : e]
	}
	return i, ""
}

// yearWord is \s+(?:last|this|that)\s+year.
func (t *dateScan) yearWord(i int) int {
	j := t.space(i)
	k := t.lit(j, "last")
	if k < 0 {
		k = t.lit(j, "this")
	}
	if k < 0 {
		k = t.lit(j, "that")
	}
	return t.lit(t.space(k), "year")
}

// optYearWord is (\s+(?:last|this|that)\s+year)?: its end, and its text
// or "".
func (t *dateScan) optYearWord(i int) (int, string) {
	if e := t.yearWord(i); e >= 0 {
		return e, t.s[i:e]
	}
	return i, ""
}

// ofSpace is (?:of\s+)?. When "of" and white space are there, they are
// taken: what follows ("May", "2018") cannot begin with "of" either.
func (t *dateScan) ofSpace(i int) int {
	if j := t.space(t.lit(i, "of")); j >= 0 {
		return j
	}
	return i
}

// text is s[i:j], or "" when the group took no part.
func (t *dateScan) text(i, j int) string {
	if i < 0 || j < 0 {
		return ""
	}
	return t.s[i:j]
}

// (?i:from|between)\s+(\d{1,2})ORD\s+(?:to|and|until|till|through|-)\s+\d{1,2}ORD\s+MONTH(?:,?\s+(\d{4}))?
func (t *dateScan) fromDayToDayMonth(i int) int {
	d := t.space(t.foldAny(i, "from", "between"))
	j := t.space(t.ord(t.day(d)))
	dayEnd := t.day(d)
	// The connectives begin differently: one at most is there.
	k := -1
	for _, w := range [...]string{"to", "and", "until", "till", "through", "-"} {
		if k = t.lit(j, w); k >= 0 {
			break
		}
	}
	mo := t.space(t.ord(t.day(t.space(k))))
	m := t.month(mo)
	if m < 0 {
		return -1
	}
	e, y := t.optYear(m)
	t.m = [4]string{1: t.s[d:dayEnd], 2: t.s[mo:m], 3: y}
	return e
}

// (\d{1,2})ORD\s*-\s*\d{1,2}ORD\s+MONTH(?:,?\s+(\d{4}))?
func (t *dateScan) dayDashDayMonth(i int) int {
	d := t.day(i)
	mo := t.space(t.ord(t.day(t.spaces(t.char(t.spaces(t.ord(d)), '-')))))
	m := t.month(mo)
	if m < 0 {
		return -1
	}
	e, y := t.optYear(m)
	t.m = [4]string{1: t.s[i:d], 2: t.s[mo:m], 3: y}
	return e
}

// MONTH\s+(\d{1,2})ORD\s*(?:-|to|through|until|and)\s*\d{1,2}ORD(?:,?\s+(\d{4}))?
func (t *dateScan) monthDayToDay(i int) int {
	ends, n := t.months(i)
	for _, m := range ends[:n] {
		d := t.space(m)
		dayEnd := t.day(d)
		if dayEnd < 0 {
			continue
		}
		// "3th" then "rough" fails where "3" then "through" holds: the
		// suffix is tried, then its absence.
		ords := [2]int{dayEnd, dayEnd}
		if t.hasOrd(dayEnd) {
			ords[0] = dayEnd + 2
		}
		for _, o := range ords {
			j := t.spaces(o)
			k := -1
			for _, w := range [...]string{"-", "to", "through", "until", "and"} {
				if k = t.lit(j, w); k >= 0 {
					break
				}
			}
			// The second day is followed by nothing required: it takes
			// two digits if there are two.
			k = t.spaces(k)
			end := t.digits(k)
			if end < 0 {
				continue
			}
			end = t.ord(min(end, k+2))
			e, y := t.optYear(end)
			t.m = [4]string{1: t.s[i:m], 2: t.s[d:dayEnd], 3: y}
			return e
		}
	}
	return -1
}

// (\d{4})-(\d{2})-(\d{2})
func (t *dateScan) isoDate(i int) int {
	y := t.fixedDigits(i, 4)
	m := t.fixedDigits(t.char(y, '-'), 2)
	d := t.fixedDigits(t.char(m, '-'), 2)
	if d < 0 {
		return -1
	}
	t.m = [4]string{1: t.s[i:y], 2: t.s[y+1 : m], 3: t.s[m+1 : d]}
	return d
}

// (\d{1,2})ORD\s+(?:of\s+)?MONTH,?\s+(\d{4})
func (t *dateScan) dayMonthYear(i int) int {
	d := t.day(i)
	mo := t.ofSpace(t.space(t.ord(d)))
	ends, n := t.months(mo)
	for _, m := range ends[:n] {
		if e := t.commaYear(m); e >= 0 {
			t.m = [4]string{1: t.s[i:d], 2: t.s[mo:m], 3: t.s[e-4 : e]}
			return e
		}
	}
	return -1
}

// MONTH\s+(\d{1,2})ORD,?\s+(\d{4})
func (t *dateScan) monthDayYear(i int) int {
	ends, n := t.months(i)
	for _, m := range ends[:n] {
		d := t.space(m)
		dayEnd := t.day(d)
		if e := t.commaYear(t.ord(dayEnd)); e >= 0 {
			t.m = [4]string{1: t.s[i:m], 2: t.s[d:dayEnd], 3: t.s[e-4 : e]}
			return e
		}
	}
	return -1
}

// (\d{1,2})ORD\s+(?:of\s+)?MONTH(\s+(?:last|this|that)\s+year)?
func (t *dateScan) dayMonth(i int) int {
	d := t.day(i)
	mo := t.ofSpace(t.space(t.ord(d)))
	m := t.month(mo)
	if m < 0 {
		return -1
	}
	e, yw := t.optYearWord(m)
	t.m = [4]string{1: t.s[i:d], 2: t.s[mo:m], 3: yw}
	return e
}

// MONTH\s+(\d{1,2})ORD\b(\s+(?:last|this|that)\s+year)?
func (t *dateScan) monthDay(i int) int {
	ends, n := t.months(i)
	for _, m := range ends[:n] {
		d := t.space(m)
		dayEnd := t.day(d)
		b := t.boundary(t.ord(dayEnd))
		if b < 0 {
			continue
		}
		e, yw := t.optYearWord(b)
		t.m = [4]string{1: t.s[i:m], 2: t.s[d:dayEnd], 3: yw}
		return e
	}
	return -1
}

// (?:(?i:early|mid|late|mid-)\s*)?MONTH,?\s+(?:of\s+)?(\d{4})
func (t *dateScan) monthYear(i int) int {
	for _, w := range [...]string{"early", "mid", "late", "mid-"} {
		if e := t.monthYearFrom(t.spaces(t.fold(i, w))); e >= 0 {
			return e
		}
	}
	return t.monthYearFrom(i)
}

// MONTH,?\s+(?:of\s+)?(\d{4})
func (t *dateScan) monthYearFrom(i int) int {
	ends, n := t.months(i)
	for _, m := range ends[:n] {
		j := m
		if k := t.char(j, ','); k >= 0 {
			j = k
		}
		y := t.ofSpace(t.space(j))
		if e := t.fixedDigits(y, 4); e >= 0 {
			t.m = [4]string{1: t.s[i:m], 2: t.s[y:e]}
			return e
		}
	}
	return -1
}

// (?i:(in|since|…|this|that))\s+MONTH(\s+(?:last|this|that)\s+year)?\b
func (t *dateScan) inMonth(i int) int {
	for _, w := range monthOpenerIndex[t.s[i]] {
		o := t.fold(i, w)
		mo := t.space(o)
		ends, n := t.months(mo)
		for _, m := range ends[:n] {
			if e := t.boundary(t.yearWord(m)); e >= 0 {
				t.m = [4]string{1: t.s[i:o], 2: t.s[mo:m], 3: t.s[m:e]}
				return e
			}
			if e := t.boundary(m); e >= 0 {
				t.m = [4]string{1: t.s[i:o], 2: t.s[mo:m]}
				return e
			}
		}
	}
	return -1
}

// (?i)\b(?:the same|that) (month|day|week)\b
func (t *dateScan) sameUnit(i int) int {
	u := t.char(t.foldAny(t.boundary(i), "the same", "that"), ' ')
	e := t.boundary(t.foldAny(u, "month", "day", "week"))
	if e < 0 {
		return -1
	}
	t.m = [4]string{1: t.s[u:e]}
	return e
}

// (?i:in|since|…|back in)\s+((?:19|20)\d\d)\b
func (t *dateScan) inYear(i int) int {
	for _, w := range yearOpenerIndex[t.s[i]] {
		y := t.space(t.fold(i, w))
		c := t.lit(y, "19")
		if c < 0 {
			c = t.lit(y, "20")
		}
		if e := t.boundary(t.fixedDigits(c, 2)); e >= 0 {
			t.m = [4]string{1: t.s[y:e]}
			return e
		}
	}
	return -1
}

// datePhrases matches (?i)\b(?:p1|p2|…)\b, trying the phrases in turn.
func datePhrases(ps ...string) func(t *dateScan, i int) int {
	return func(t *dateScan, i int) int {
		if t.boundary(i) < 0 {
			return -1
		}
		for _, p := range ps {
			if e := t.boundary(t.fold(i, p)); e >= 0 {
				t.m = [4]string{}
				return e
			}
		}
		return -1
	}
}

// (?i:\b(last|this|…|next)\s+)?WEEKDAY(?:\s+(?i:night|morning|evening|afternoon))?
func (t *dateScan) weekdayAt(i int) int {
	q, d, w := i, i, -1
	if t.boundary(i) >= 0 {
		for _, o := range weekdayOpenerIndex[t.s[i]] {
			oe := t.fold(i, o)
			de := t.space(oe)
			if w = t.weekday(de); w >= 0 {
				q, d = oe, de
				break
			}
		}
	}
	if w < 0 {
		w = t.weekday(i)
	}
	if w < 0 {
		return -1
	}
	e := t.foldAny(t.space(w), "night", "morning", "evening", "afternoon")
	if e < 0 {
		e = w
	}
	t.m = [4]string{1: t.s[i:q], 2: t.s[d:w]}
	return e
}

// (?i)\b(\d+|a|an|one|…|twelve)\s+(day|week|month|year)s?\s+ago\b
func (t *dateScan) ago(i int) int {
	if t.boundary(i) < 0 {
		return -1
	}
	if e := t.agoAfter(i, t.digits(i)); e >= 0 {
		return e
	}
	for _, w := range agoCountIndex[t.s[i]] {
		if e := t.agoAfter(i, t.fold(i, w)); e >= 0 {
			return e
		}
	}
	return -1
}

// agoAfter is \s+(day|week|month|year)s?\s+ago\b after a count from i
// to n. The plural "s" is taken when there: white space could not follow
// the unit without it.
func (t *dateScan) agoAfter(i, n int) int {
	u := t.space(n)
	ue := t.foldAny(u, "day", "week", "month", "year")
	j := ue
	if k := t.fold(ue, "s"); k >= 0 {
		j = k
	}
	e := t.boundary(t.fold(t.space(j), "ago"))
	if e < 0 {
		return -1
	}
	t.m = [4]string{1: t.s[i:n], 2: t.s[u:ue]}
	return e
}

// season is (?i)\b(last|this)\s+(summer|spring|autumn|fall)\b at i.
func (t *dateScan) season(i int) int {
	if t.boundary(i) < 0 {
		return -1
	}
	w := t.foldAny(i, "last", "this")
	if w < 0 {
		return -1
	}
	u := t.space(w)
	e := t.boundary(t.foldAny(u, "summer", "spring", "autumn", "fall"))
	if e < 0 {
		return -1
	}
	t.m = [4]string{1: t.s[i:w], 2: t.s[u:e]}
	return e
}

// season is the year of "last summer" or "this spring" in a text
// published on pub: "last" is the latest such season that has ended by
// then (in the northern hemisphere, where the seasons are named so in
// most of the news). Only the year is known, as with "last year".
func season(which, name string, pub time.Time) date {
	if strings.EqualFold(which, "this") {
		return date{y: pub.Year()}
	}
	ends := map[string]time.Month{"spring": time.June, "summer": time.September, "autumn": time.December, "fall": time.December}[strings.ToLower(name)]
	if pub.Month() >= ends {
		return date{y: pub.Year()}
	}
	return date{y: pub.Year() - 1}
}

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

// lastYear is the last year, 1980 to 2099, that text names as a word of
// its own: what "that year" refers to.
func lastYear(text string) (int, bool) {
	for i := len(text) - 4; i >= 0; i-- {
		if i > 0 && isWordByte(text[i-1]) || i+4 < len(text) && isWordByte(text[i+4]) {
			continue
		}
		y := text[i : i+4]
		if y[0] == '1' && y[1] == '9' && (y[2] == '8' || y[2] == '9') && isDigit(y[3]) ||
			y[0] == '2' && y[1] == '0' && isDigit(y[2]) && isDigit(y[3]) {
			n, _ := strconv.Atoi(y)
			return n, true
		}
	}
	return 0, false
}

// scanDates calls f with each rule's expressions in text, by place, then
// by rule: what each rule's regular expression would find with FindAll,
// its groups in m. One pass over the text: each rule is tried where its
// expression can begin, from the end of its last match on.
func scanDates(text string, f func(rule, start, end int, m []string)) {
	t := dateScan{s: text}
	keys := t.keys()
	var tried uint32 // the rules whose keys the text has
	for ri, r := range dateRules {
		if r.needs&keys != 0 {
			tried |= 1 << ri
		}
	}
	var from [32]int
	for i := 0; i < len(text) && tried != 0; i++ {
		for rules := dateStarts[text[i]] & tried; rules != 0; rules &= rules - 1 {
			ri := bits.TrailingZeros32(rules)
			if i < from[ri] {
				continue
			}
			if end := dateRules[ri].match(&t, i); end >= 0 {
				from[ri] = end
				f(ri, i, end, t.m[:])
			}
		}
	}
}

// findDates returns the date expressions of a sentence, left to right.
func findDates(text string, pub time.Time) []dateExpr {
	return findDatesIn(text, dateContext{pub: pub, future: strings.Contains(" "+strings.ToLower(text)+" ", " will ")})
}

// findDatesIn is findDates with what the article said before.
func findDatesIn(text string, c dateContext) []dateExpr {
	pub := c.pub
	var all []dateExpr
	scanDates(text, func(ri, start, end int, m []string) {
		// "that year" is the last year named before it.
		rc := c
		if y, ok := lastYear(text[:start]); ok {
			rc.year = y
		}
		if d, ok := lastBefore(all, start); ok {
			rc.last = d // "In August it blocked Roblox, and the same month ..."
		}
		// A date far from publication is kept while overlaps are
		// resolved, so "4 November 2020" is not read as "4 November",
		// and dropped after.
		if d := dateRules[ri].resolve(m, rc); !d.zero() {
			all = append(all, dateExpr{start: start, end: end, value: d, rule: ri})
		}
	})
	// Found by place then rule: ordered by place, longest first, and by
	// rule where place and length tie.
	slices.SortStableFunc(all, func(a, b dateExpr) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return (b.end - b.start) - (a.end - a.start)
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
	return dropNamedWeekdays(text, kept)
}

// lastBefore is the date of the expression that ends last among those
// that end by start, the longest on a tie: found holds overlapping
// pieces ("October 2019" inside "6 October 2019"), not yet resolved into
// the longest. A year alone is not taken: "the same month" after it
// still means the month the article named before.
func lastBefore(found []dateExpr, start int) (date, bool) {
	best := -1
	for i, d := range found {
		if d.end > start || d.value.m == 0 {
			continue
		}
		if best < 0 || d.end > found[best].end || d.end == found[best].end && d.start < found[best].start {
			best = i
		}
	}
	if best < 0 {
		return date{}, false
	}
	return found[best].value, true
}

// dropNamedWeekdays drops a weekday followed by the date it names ("on
// Sunday 6 October", "Sunday, October 6"): the date says which day it
// is, and the weekday alone, resolved against publication, names a day
// of the week before it, which may be another.
func dropNamedWeekdays(text string, ds []dateExpr) []dateExpr {
	out := ds[:0]
	for i, d := range ds {
		if dateRules[d.rule].needs == keyWeekday && i+1 < len(ds) && ds[i+1].value.d != 0 {
			// "Sunday 6 October", "Sunday, October 6", "Monday the 7
			// October"; but "on Sunday, the 6 October protests ..." goes
			// on with another thing.
			gap := strings.TrimSpace(text[d.end:ds[i+1].start])
			if gap == "" || gap == "," || strings.EqualFold(gap, "the") {
				continue
			}
		}
		out = append(out, d)
	}
	return out
}
