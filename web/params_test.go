package web

import (
	"errors"
	"net/url"
	"reflect"
	"testing"

	"github.com/policywatch/policywatch/store"
)

func TestParseFilter(t *testing.T) {
	v, err := loadVocab(gazetteer(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		want  store.Filter
	}{
		{"", store.Filter{Limit: 100}},
		{"country=Iran", store.Filter{Countries: []string{"IR"}, Limit: 100}},
		{"country=islamic+republic+of+iran", store.Filter{Countries: []string{"IR"}, Limit: 100}},
		{"country=IR,+Russia+&country=tr", store.Filter{Countries: []string{"IR", "RU", "TR"}, Limit: 100}},
		{"country=,&service=", store.Filter{Limit: 100}},
		{"service=X,Amazon+Web+Services", store.Filter{Services: []string{"twitter", "aws"}, Limit: 100}},
		{"action=Throttle", store.Filter{Actions: []string{"throttle"}, Limit: 100}},
		{"since=2018&until=2018-04", store.Filter{Since: "2018", Until: "2018-04", Limit: 100}},
		{"since=2018-04-16", store.Filter{Since: "2018-04-16", Limit: 100}},
		{"since=2018&since=2018", store.Filter{Since: "2018", Limit: 100}}, // the same twice is no conflict
		{"text=+national+security+", store.Filter{Text: "national security", Limit: 100}},
		{"min_confidence=0.5", store.Filter{MinConfidence: 0.5, Limit: 100}},
		{"feed=The+Global+Wire,Steppe+Dispatch", store.Filter{Feeds: []string{"The Global Wire", "Steppe Dispatch"}, Limit: 100}},
		{"limit=1000", store.Filter{Limit: 1000}},
		{"limit=1", store.Filter{Limit: 1}},
	} {
		q, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := v.parseFilter(q, 100)
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.query, got, tc.want)
		}
	}

	for _, tc := range []struct{ query, param string }{
		{"country=Nowhere", "country"},
		{"service=nothing-at-all", "service"},
		{"action=ban", "action"},
		{"since=2018-4", "since"},
		{"until=2018/04", "until"},
		{"since=2018&since=2019", "since"},
		{"min_confidence=-0.1", "min_confidence"},
		{"min_confidence=NaN", "min_confidence"},
		{"limit=-5", "limit"},
		{"limit=2.5", "limit"},
		{"page=2", "page"},
	} {
		q, _ := url.ParseQuery(tc.query)
		_, err := v.parseFilter(q, 100)
		var pe *paramError
		if !errors.As(err, &pe) || pe.param != tc.param {
			t.Errorf("%s: error %v, want one naming %q", tc.query, err, tc.param)
		}
	}

	// Without a default the limit is open, as the CSV export wants.
	if f, err := v.parseFilter(url.Values{}, 0); err != nil || f.Limit != 0 {
		t.Errorf("no default limit: %+v, %v", f, err)
	}
}
