package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A feed no stored event came from is a 400 naming the feeds there are,
// on every listing, as the command line's --feed is: a misspelt name
// must not silently match nothing.
func TestUnknownFeedParam(t *testing.T) {
	srv := start(t, fixtureDB(t))
	all := decode[eventsBody](t, get(t, srv, "/events"), http.StatusOK)
	if len(all.Events) == 0 || all.Events[0].Feed == "" {
		t.Fatalf("the fixture's events name no feed: %+v", all.Events)
	}
	known := all.Events[0].Feed
	for _, path := range []string{"/events", "/events.csv", "/stories"} {
		got := decode[errorBody](t, get(t, srv, path+"?feed=No+Such+Feed"), http.StatusBadRequest)
		if !strings.Contains(got.Error, `"No Such Feed": no stored event came from that feed`) || !strings.Contains(got.Error, `"`+known+`"`) {
			t.Errorf("%s?feed=No Such Feed: %q", path, got.Error)
		}
	}
	some := decode[eventsBody](t, get(t, srv, "/events?feed="+url.QueryEscape(known)), http.StatusOK)
	if len(some.Events) == 0 {
		t.Errorf("/events?feed=%s: no events", known)
	}
}
