package web

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

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
	spec := store.Spec{
		Countries: list(q, "country"), Services: list(q, "service"), Actions: list(q, "action"), Feeds: list(q, "feed"),
	}
	var err error
	if spec.Since, err = single(q, "since"); err != nil {
		return f, err
	}
	if spec.Until, err = single(q, "until"); err != nil {
		return f, err
	}
	if spec.Text, err = single(q, "text"); err != nil {
		return f, err
	}
	conf, err := single(q, "min_confidence")
	if err != nil {
		return f, err
	}
	if conf != "" {
		if spec.MinConfidence, err = strconv.ParseFloat(conf, 64); err != nil {
			return f, badParam("min_confidence", "%q is not a number from 0 to 1", conf)
		}
	}
	if f, err = spec.Resolve(v.gaz); err != nil {
		if fes := store.FieldErrors(err); len(fes) > 0 {
			return f, badParam(fes[0].Field, "%q %s", fes[0].Value, fes[0].Msg)
		}
		return f, err
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

// knownFeeds refuses a feed no stored event came from, as the command
// line's --feed does: a misspelt name would silently match nothing.
func knownFeeds(db reader, feeds []string) error {
	err := store.CheckFeeds(db, feeds)
	if uf := (*store.UnknownFeedError)(nil); errors.As(err, &uf) {
		return badParam("feed", "%v", uf)
	}
	return err
}
