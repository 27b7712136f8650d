package store

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// padDate turns an event date at any precision into the YYYY-MM-DD form
// used for ordering and index keys: a partial date stands for its first
// day, so "2018-04" sorts with 2018-04-01.
func padDate(s string) (string, error) {
	t, err := parseDate(s)
	if err != nil {
		return "", err
	}
	return t.Format(time.DateOnly), nil
}

// ParseDateBound turns a user's date bound into YYYY-MM-DD. A partial
// date is widened to its first day, or to its last when end is true, so
// Until "2018-04" includes all of April. The empty string is an open bound
// and stays empty.
func ParseDateBound(s string, end bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	t, err := parseDate(s)
	if err != nil {
		return "", err
	}
	if end {
		switch len(s) {
		case len("2006"):
			t = t.AddDate(1, 0, -1)
		case len("2006-01"):
			t = t.AddDate(0, 1, -1)
		}
	}
	return t.Format(time.DateOnly), nil
}

// A partial date is a range: "2018-04" is 1 to 30 April. A filter from
// Since to Until keeps an event or story whose range overlaps its own:
// one that ends on or after Since and begins on or before Until. So
// "2018-04" is kept by Since 2018-04-16 and by Until 2018-04-10 alike.

// dateEnd is the last day, YYYY-MM-DD, of a stored date at any precision:
// the date itself for a day. start is its padded form, returned for a
// full date and for one that does not parse (Save validated them all).
func dateEnd(date, start string) string {
	if len(date) == len("2006-01-02") {
		return start
	}
	sp, err := dateSpan(date)
	if err != nil {
		return start
	}
	return sp.to.Format(time.DateOnly)
}

// partialStarts are the padded starts before since (YYYY-MM-DD) of the
// partial dates whose range reaches it: the first of since's month and 1
// January of its year. Indexes order by padded start, so a query reads
// these two days besides its range, and nothing else before since; dates
// after until are left out.
func partialStarts(since, until string) []string {
	if since == "" {
		return nil
	}
	var out []string
	for _, d := range []string{since[:len("2006-01")] + "-01", since[:len("2006")] + "-01-01"} {
		if d < since && (until == "" || d <= until) && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// parseDate accepts exactly YYYY, YYYY-MM or YYYY-MM-DD.
func parseDate(s string) (time.Time, error) {
	var layout string
	switch len(s) {
	case len("2006"):
		layout = "2006"
	case len("2006-01"):
		layout = "2006-01"
	case len("2006-01-02"):
		layout = time.DateOnly
	default:
		return time.Time{}, fmt.Errorf("invalid date %q: want YYYY, YYYY-MM or YYYY-MM-DD", s)
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid date %q: want YYYY, YYYY-MM or YYYY-MM-DD", s)
	}
	return t, nil
}

// span is the days an event date covers, both ends inclusive: a partial
// date stands for its whole period, "2018-04" for 1 to 30 April.
type span struct {
	from, to time.Time
}

func dateSpan(s string) (span, error) {
	t, err := parseDate(s)
	if err != nil {
		return span{}, err
	}
	sp := span{from: t, to: t}
	switch len(s) {
	case len("2006"):
		sp.to = t.AddDate(1, 0, -1)
	case len("2006-01"):
		sp.to = t.AddDate(0, 1, -1)
	}
	return sp, nil
}

// parseSpan reads the padded YYYY-MM-DD ends a story record and its index
// keys store.
func parseSpan(from, to string) (span, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return span{}, fmt.Errorf("invalid span start %q", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return span{}, fmt.Errorf("invalid span end %q", to)
	}
	return span{from: f, to: t}, nil
}

// hull is the smallest span covering both.
func (s span) hull(o span) span {
	if o.from.Before(s.from) {
		s.from = o.from
	}
	if o.to.After(s.to) {
		s.to = o.to
	}
	return s
}

// near reports whether o comes within window of s: the story test.
func (s span) near(o span, window time.Duration) bool {
	return !o.from.After(s.to.Add(window)) && !o.to.Before(s.from.Add(-window))
}

func (s span) keys() (from, to string) {
	return s.from.Format(time.DateOnly), s.to.Format(time.DateOnly)
}

// precision ranks a date's precision: 3 for a day, 2 a month, 1 a year.
func precision(date string) int {
	switch len(date) {
	case len("2006-01-02"):
		return 3
	case len("2006-01"):
		return 2
	}
	return 1
}
