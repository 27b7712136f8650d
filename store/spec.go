package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/policywatch/policywatch/event"
)

// Names resolves what people write for countries and services to codes
// and slugs; *event.Catalog is one.
type Names interface {
	LookupCountry(string) (string, bool)
	LookupService(string) (string, bool)
}

// Spec is a filter as a person writes it, on a command line, in a
// configuration file or in a URL: countries and services by code or name,
// actions as words, dates at any precision.
type Spec struct {
	Countries, Services, Actions, Feeds []string
	Since, Until, Text                  string
	MinConfidence                       float64
	Limit                               int
}

// FieldError is one bad value of a Spec. Field is "country", "service",
// "action", "since", "until", "min_confidence" or "limit"; callers name
// it as their users know it (a flag, a key, a parameter).
type FieldError struct {
	Field string
	Value string
	Msg   string // "is not a country code or name policywatch knows"
}

func (e *FieldError) Error() string {
	if e.Value == "" {
		return e.Field + " " + e.Msg
	}
	return fmt.Sprintf("%s %q %s", e.Field, e.Value, e.Msg)
}

// Resolve checks every value of the spec and turns it into a Filter. The
// error joins one *FieldError per bad value.
func (s Spec) Resolve(names Names) (Filter, error) {
	var errs []error
	bad := func(field, value, msg string) { errs = append(errs, &FieldError{field, value, msg}) }
	f := Filter{Text: strings.TrimSpace(s.Text), MinConfidence: s.MinConfidence, Limit: s.Limit}
	for _, c := range trimmed(s.Countries) {
		if code, ok := names.LookupCountry(c); ok {
			f.Countries = append(f.Countries, code)
		} else {
			bad("country", c, "is not a country code or name policywatch knows")
		}
	}
	for _, v := range trimmed(s.Services) {
		if slug, ok := names.LookupService(v); ok {
			f.Services = append(f.Services, slug)
		} else {
			bad("service", v, "is not a service policywatch knows")
		}
	}
	for _, a := range trimmed(s.Actions) {
		if act := strings.ToLower(a); (event.Action(act)).Valid() {
			f.Actions = append(f.Actions, act)
		} else {
			bad("action", a, "is not an action; want one of "+ActionList())
		}
	}
	f.Feeds = trimmed(s.Feeds)
	for _, d := range []struct {
		field, value string
		end          bool
		dst          *string
	}{{"since", s.Since, false, &f.Since}, {"until", s.Until, true, &f.Until}} {
		v := strings.TrimSpace(d.value)
		if v == "" {
			continue
		}
		if _, err := ParseDateBound(v, d.end); err != nil {
			bad(d.field, v, "is not a date: want YYYY, YYYY-MM or YYYY-MM-DD")
			continue
		}
		*d.dst = v
	}
	// Written so that NaN, which compares false with everything, fails.
	if !(s.MinConfidence >= 0 && s.MinConfidence <= 1) {
		bad("min_confidence", fmt.Sprint(s.MinConfidence), "is not a number from 0 to 1")
	}
	if s.Limit < 0 {
		bad("limit", fmt.Sprint(s.Limit), "is not 0 or more")
	}
	return f, errors.Join(errs...)
}

// ActionList is the action vocabulary as a person reads it.
func ActionList() string {
	names := make([]string, len(event.Actions))
	for i, a := range event.Actions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

func trimmed(list []string) []string {
	var out []string
	for _, v := range list {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// FieldErrors lists the *FieldError values an error from Resolve holds.
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		if fe, ok := err.(*FieldError); ok {
			out = append(out, fe)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}
