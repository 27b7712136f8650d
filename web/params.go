package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/store"
)

// maxLimit caps how many events or stories one request returns, so a
// careless client cannot make the server decode the whole store at once.
// /events.csv, an export, has no limit unless asked for one.
const maxLimit = 1000

// paramError is a bad query parameter: a 400 naming it.
type paramError struct {
	param string
	msg   string
}

func (e *paramError) Error() string { return e.param + ": " + e.msg }

func badParam(param, format string, args ...any) error {
	return &paramError{param: param, msg: fmt.Sprintf(format, args...)}
}

// filterParams are the query parameters every listing takes; they mean
// what the flags of `policywatch query` mean.
var filterParams = []string{
	"country", "service", "action", "since", "until", "text", "min_confidence", "feed", "limit",
}

// parseFilter reads the filter parameters of a listing. Lists may be
// repeated (country=IR&country=RU) or comma-separated (country=IR,RU);
// countries and services are resolved by name as well as code or slug.
// Empty values count as absent, so a form submitted with blank fields
// selects everything. defLimit is the limit when none is given (0 for
// all). Unknown parameters are refused rather than ignored: a misspelt
// filter silently matching everything would mislead.
func (v *vocab) parseFilter(q url.Values, defLimit int) (store.Filter, error) {
	var f store.Filter
	for name := range q {
		if !isFilterParam(name) {
			return f, badParam(name, "unknown parameter; want one of %s", strings.Join(filterParams, ", "))
		}
	}
	for _, c := range list(q, "country") {
		code, ok := v.gaz.LookupCountry(c)
		if !ok {
			return f, badParam("country", "%q is not a country code or name policywatch knows", c)
		}
		f.Countries = append(f.Countries, code)
	}
	for _, s := range list(q, "service") {
		slug, ok := v.gaz.LookupService(s)
		if !ok {
			return f, badParam("service", "%q is not a service policywatch knows", s)
		}
		f.Services = append(f.Services, slug)
	}
	for _, a := range list(q, "action") {
		a = strings.ToLower(a)
		if !extract.ValidAction(extract.Action(a)) {
			return f, badParam("action", "%q is not an action; want one of %s", a, actionNames())
		}
		f.Actions = append(f.Actions, a)
	}
	f.Feeds = list(q, "feed")

	var err error
	if f.Since, err = dateParam(q, "since", false); err != nil {
		return f, err
	}
	if f.Until, err = dateParam(q, "until", true); err != nil {
		return f, err
	}
	if f.Text, err = single(q, "text"); err != nil {
		return f, err
	}
	conf, err := single(q, "min_confidence")
	if err != nil {
		return f, err
	}
	if conf != "" {
		f.MinConfidence, err = strconv.ParseFloat(conf, 64)
		// Written so that NaN, which compares false with everything, fails.
		if err != nil || !(f.MinConfidence >= 0 && f.MinConfidence <= 1) {
			return f, badParam("min_confidence", "%q is not a number from 0 to 1", conf)
		}
	}
	limit, err := single(q, "limit")
	if err != nil {
		return f, err
	}
	f.Limit = defLimit
	if limit != "" {
		f.Limit, err = strconv.Atoi(limit)
		if err != nil || f.Limit < 1 || f.Limit > maxLimit {
			return f, badParam("limit", "%q is not a whole number from 1 to %d", limit, maxLimit)
		}
	}
	return f, nil
}

func isFilterParam(name string) bool {
	for _, p := range filterParams {
		if p == name {
			return true
		}
	}
	return false
}

// list gathers a list parameter from its repeats and commas.
func list(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// single is a parameter that takes one value; giving two is an error
// rather than a guess at which one was meant.
func single(q url.Values, name string) (string, error) {
	var out string
	for _, v := range q[name] {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if out != "" && v != out {
			return "", badParam(name, "given more than once")
		}
		out = v
	}
	return out, nil
}

// dateParam checks a date bound; the store widens it to its period.
func dateParam(q url.Values, name string, end bool) (string, error) {
	s, err := single(q, name)
	if err != nil || s == "" {
		return "", err
	}
	if _, err := store.ParseDateBound(s, end); err != nil {
		return "", badParam(name, "%q is not a date: want YYYY, YYYY-MM or YYYY-MM-DD", s)
	}
	return s, nil
}

func actionNames() string {
	names := make([]string, len(extract.Actions))
	for i, a := range extract.Actions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}
