package store

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// names is a two-country, two-service stand-in for the gazetteer.
type names struct{}

func (names) LookupCountry(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "ir", "iran":
		return "IR", true
	case "ru", "russia":
		return "RU", true
	}
	return "", false
}

func (names) LookupService(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "telegram":
		return "telegram", true
	case "x", "twitter":
		return "twitter", true
	}
	return "", false
}

func TestSpecResolve(t *testing.T) {
	f, err := Spec{
		Countries: []string{"Iran", " ru "}, Services: []string{"X"}, Actions: []string{"Block", "throttle"},
		Since: "2018", Until: "2018-04", Text: " keys ", MinConfidence: 0.5, Feeds: []string{"Wire", ""}, Limit: 10,
	}.Resolve(names{})
	if err != nil {
		t.Fatal(err)
	}
	want := Filter{Countries: []string{"IR", "RU"}, Services: []string{"twitter"}, Actions: []string{"block", "throttle"},
		Since: "2018", Until: "2018-04", Text: "keys", MinConfidence: 0.5, Feeds: []string{"Wire"}, Limit: 10}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("got %+v\nwant %+v", f, want)
	}
}

func TestSpecResolveReportsEveryBadValue(t *testing.T) {
	_, err := Spec{
		Countries: []string{"Atlantis", "IR"}, Services: []string{"Friendster"}, Actions: []string{"nuke"},
		Since: "2018-13", Until: "soon", MinConfidence: math.NaN(), Limit: -1,
	}.Resolve(names{})
	got := FieldErrors(err)
	var fields []string
	for _, fe := range got {
		fields = append(fields, fe.Field)
	}
	want := []string{"country", "service", "action", "since", "until", "min_confidence", "limit"}
	if !reflect.DeepEqual(fields, want) {
		t.Fatalf("bad fields %v, want %v (err %v)", fields, want, err)
	}
	if s := got[0].Error(); s != `country "Atlantis" is not a country code or name policywatch knows` {
		t.Errorf("message %q", s)
	}
}
