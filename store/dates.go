package store

import (
	"fmt"
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
