package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// filterCases are query strings with the store filter they must mean
// and the events that filter selects in the fixture.
var filterCases = []struct {
	query string
	want  store.Filter
	n     int // matching events
}{
	{"", store.Filter{}, 10},
	{"country=Iran", store.Filter{Countries: []string{"IR"}}, 4},
	{"country=ir,Russia", store.Filter{Countries: []string{"IR", "RU"}}, 7},
	{"country=IR&country=Turkey", store.Filter{Countries: []string{"IR", "TR"}}, 6},
	{"country=European+Union", store.Filter{Countries: []string{"EU"}}, 1},
	{"service=Telegram", store.Filter{Services: []string{"telegram"}}, 3},
	{"service=Amazon+Web+Services", store.Filter{Services: []string{"aws"}}, 1},
	{"action=block", store.Filter{Actions: []string{"block"}}, 4},
	{"action=Block,UNBLOCK", store.Filter{Actions: []string{"block", "unblock"}}, 5},
	{"since=2018&until=2018", store.Filter{Since: "2018", Until: "2018"}, 5},
	{"since=2018-04&until=2018-04", store.Filter{Since: "2018-04", Until: "2018-04"}, 3},
	{"since=2018-04-16&until=2018-04-16", store.Filter{Since: "2018-04-16", Until: "2018-04-16"}, 2},
	{"since=2022", store.Filter{Since: "2022"}, 2},
	{"text=ENCRYPTION+keys", store.Filter{Text: "ENCRYPTION keys"}, 1},
	{"min_confidence=0.95", store.Filter{MinConfidence: 0.95}, 3},
	{"feed=Steppe+Dispatch", store.Filter{Feeds: []string{"Steppe Dispatch"}}, 3},
	{"country=IR&action=block", store.Filter{Countries: []string{"IR"}, Actions: []string{"block"}}, 1},
	// A form submitted with its fields blank selects everything.
	{"country=&service=&action=&since=&until=&text=", store.Filter{}, 10},
}

func TestEventsFilters(t *testing.T) {
	path := fixtureDB(t)
	srv := start(t, path)
	for _, tc := range filterCases {
		t.Run(tc.query, func(t *testing.T) {
			body := decode[eventsBody](t, get(t, srv, "/events?"+tc.query), http.StatusOK)
			want := tc.want
			want.Limit = defaultLimit
			var stored []event.Record
			readDB(t, path, func(db *store.DB) (err error) { stored, err = db.Events(want); return err })
			if len(stored) != tc.n {
				t.Fatalf("the store has %d events for %+v, the case says %d", len(stored), want, tc.n)
			}
			if body.Count != tc.n || len(body.Events) != tc.n {
				t.Fatalf("count %d, %d events; want %d: %v", body.Count, len(body.Events), tc.n, triples(body.Events))
			}
			if !reflect.DeepEqual(normalise(body.Events), normalise(stored)) {
				t.Errorf("events differ from the store's for %+v:\n got %v\nwant %v", want, triples(body.Events), triples(stored))
			}
		})
	}
}

// normalise drops what a JSON round trip changes: the monotonic clock
// and location of FirstSeen.
func normalise(events []event.Record) []event.Record {
	out := slices.Clone(events)
	for i := range out {
		out[i].FirstSeen = out[i].FirstSeen.UTC().Round(0)
	}
	return out
}

func TestEventsNewestFirstAndLimit(t *testing.T) {
	srv := start(t, fixtureDB(t))
	all := decode[eventsBody](t, get(t, srv, "/events"), http.StatusOK)
	for i := 1; i < len(all.Events); i++ {
		a, b := all.Events[i-1].Date, all.Events[i].Date
		if pad(a) < pad(b) {
			t.Errorf("event %d (%s) is older than event %d (%s)", i-1, a, i, b)
		}
	}
	two := decode[eventsBody](t, get(t, srv, "/events?limit=2"), http.StatusOK)
	if got, want := triples(two.Events), triples(all.Events[:2]); !slices.Equal(got, want) {
		t.Errorf("limit=2 gave %v, want the newest two %v", got, want)
	}
	if got := triples(two.Events); !slices.Equal(got, []string{"IR/instagram/block", "IR/internet/shutdown"}) {
		t.Errorf("newest two are %v", got)
	}
}

// pad is an event date as the store orders it.
func pad(date string) string {
	switch len(date) {
	case len("2006"):
		return date + "-01-01"
	case len("2006-01"):
		return date + "-01"
	}
	return date
}

func TestBadParameters(t *testing.T) {
	srv := start(t, fixtureDB(t))
	cases := []struct {
		query, param string
	}{
		{"country=Narnia", "country"},
		{"country=IR,Atlantis", "country"},
		{"service=Friendster2000", "service"},
		{"action=ban", "action"},
		{"since=2018-13", "since"},
		{"since=18", "since"},
		{"until=April", "until"},
		{"until=2018-02-30", "until"},
		{"min_confidence=2", "min_confidence"},
		{"min_confidence=high", "min_confidence"},
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"limit=ten", "limit"},
		{"contry=IR", "contry"},
		{"text=a&text=b", "text"},
	}
	for _, path := range []string{"/events", "/stories", "/events.csv", "/feed.atom"} {
		for _, tc := range cases {
			t.Run(path+"?"+tc.query, func(t *testing.T) {
				body := decode[errorBody](t, get(t, srv, path+"?"+tc.query), http.StatusBadRequest)
				if body.Parameter != tc.param || !strings.HasPrefix(body.Error, tc.param+": ") {
					t.Errorf("error %+v, want one naming %q", body, tc.param)
				}
			})
		}
	}
}

func TestStories(t *testing.T) {
	path := fixtureDB(t)
	srv := start(t, path)

	all := decode[storiesBody](t, get(t, srv, "/stories"), http.StatusOK)
	var stored []store.Story
	readDB(t, path, func(db *store.DB) (err error) {
		stored, err = db.Stories(store.StoryFilter{Filter: store.Filter{Limit: defaultLimit}})
		return err
	})
	if all.Count != fixtureStories || !reflect.DeepEqual(normaliseStories(all.Stories), normaliseStories(stored)) {
		t.Fatalf("stories %v (count %d), want the store's %v", storyTriples(all.Stories), all.Count, storyTriples(stored))
	}

	iran := decode[storiesBody](t, get(t, srv, "/stories?country=Iran&since=2018-04"), http.StatusOK)
	if got := storyTriples(iran.Stories); !slices.Equal(got, []string{"IR/instagram/block", "IR/internet/shutdown", "IR/telegram/restrict"}) {
		t.Errorf("Iran's stories: %v", got)
	}
	tg := iran.Stories[2]
	if tg.Sources != 2 || tg.First != "2018-04-30" || tg.Last != "2018-05-01" || len(tg.EventIDs) != 2 {
		t.Errorf("the telegram story is %+v, want two sources from 2018-04-30 to 2018-05-01", tg)
	}

	one := decode[storyBody](t, get(t, srv, "/stories/"+tg.ID), http.StatusOK)
	if one.Story.ID != tg.ID || len(one.Events) != 2 {
		t.Fatalf("story %s: %+v with %d events", tg.ID, one.Story, len(one.Events))
	}
	for i, e := range one.Events {
		if e.ID != tg.EventIDs[i] {
			t.Errorf("event %d is %s, want %s", i, e.ID, tg.EventIDs[i])
		}
	}

	missing := decode[errorBody](t, get(t, srv, "/stories/0000"), http.StatusNotFound)
	if !strings.Contains(missing.Error, "0000") {
		t.Errorf("404 says %q", missing.Error)
	}
}

func normaliseStories(stories []store.Story) []store.Story {
	out := slices.Clone(stories)
	for i := range out {
		out[i].Created = out[i].Created.UTC().Round(0)
		out[i].Updated = out[i].Updated.UTC().Round(0)
	}
	return out
}

func TestEventsCSV(t *testing.T) {
	path := fixtureDB(t)
	srv := start(t, path)

	r := get(t, srv, "/events.csv")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="events.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	// Byte for byte what `policywatch export --format csv` writes: the
	// same function over the same events.
	var events []event.Record
	readDB(t, path, func(db *store.DB) (err error) { events, err = db.Events(store.Filter{}); return err })
	var want bytes.Buffer
	if err := event.WriteCSV(&want, events); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.body, want.Bytes()) {
		t.Errorf("CSV differs from the export:\n%s\nwant\n%s", r.body, want.Bytes())
	}

	records, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(records[0], event.CSVHeader()) {
		t.Errorf("header %q", records[0])
	}
	if len(records) != fixtureEvents+1 {
		t.Errorf("%d rows, want %d events and the header", len(records), fixtureEvents)
	}
	reason := slices.Index(event.CSVHeader(), "reason")
	title := slices.Index(event.CSVHeader(), "source_title")
	found := false
	for _, rec := range records[1:] {
		if rec[reason] == `abusing Android's dominance, "illegally" <b>tying</b> apps & services` {
			found = true
		}
		if strings.HasPrefix(rec[title], "ایران") && rec[title] != "ایران اینستاگرام را مسدود کرد" {
			t.Errorf("Persian title came back as %q", rec[title])
		}
	}
	if !found {
		t.Error("the reason with commas, quotes and markup did not come back whole")
	}

	// The export has every event unless limited; the filters apply.
	ru := get(t, srv, "/events.csv?country=Russia&limit=2")
	rows, err := csv.NewReader(bytes.NewReader(ru.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Errorf("country=Russia&limit=2 gave %d rows, want the header and 2", len(rows))
	}
	for _, rec := range rows[1:] {
		if rec[slices.Index(event.CSVHeader(), "country")] != "RU" {
			t.Errorf("row %q is not Russian", rec)
		}
	}
}

// The CSV reaches the client only once the database is closed, so a
// client that reads slowly does not keep a nightly run from writing.
func TestEventsCSVReleasesLock(t *testing.T) {
	path := fixtureDB(t)
	w := &lockProbe{ResponseRecorder: httptest.NewRecorder(), path: path}
	newServer(t, path).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/events.csv", nil))
	if w.Code != http.StatusOK || w.Body.Len() == 0 {
		t.Fatalf("status %d, %d bytes", w.Code, w.Body.Len())
	}
	if w.openErr != nil {
		t.Errorf("a writer could not open the database while the CSV was sent: %v", w.openErr)
	}
	if got := w.Header().Get("Content-Length"); got != strconv.Itoa(w.Body.Len()) {
		t.Errorf("Content-Length %q for %d bytes", got, w.Body.Len())
	}
}

// lockProbe is a client that, before taking the first bytes, tries what
// a nightly run does: open the database for writing.
type lockProbe struct {
	*httptest.ResponseRecorder
	path    string
	probed  bool
	openErr error
}

func (p *lockProbe) Write(b []byte) (int, error) {
	if !p.probed {
		p.probed = true
		db, err := store.Open(p.path, store.Options{Timeout: 100 * time.Millisecond})
		if err == nil {
			err = db.Close()
		}
		p.openErr = err
	}
	return p.ResponseRecorder.Write(b)
}

func TestHealth(t *testing.T) {
	srv := start(t, fixtureDB(t))
	h := decode[healthBody](t, get(t, srv, "/healthz"), http.StatusOK)
	if h.Status != "ok" || h.Events == nil || *h.Events != fixtureEvents || h.Stories == nil || *h.Stories != fixtureStories {
		t.Errorf("healthz %+v, want ok with %d events and %d stories", h, fixtureEvents, fixtureStories)
	}

	empty := decode[healthBody](t, get(t, start(t, emptyDB(t)), "/healthz"), http.StatusOK)
	if empty.Status != "ok" || *empty.Events != 0 || *empty.Stories != 0 {
		t.Errorf("healthz of an empty database %+v", empty)
	}

	missing := start(t, filepath.Join(t.TempDir(), "none.db"))
	r := get(t, missing, "/healthz")
	gone := decode[healthBody](t, r, http.StatusServiceUnavailable)
	if gone.Status != "unavailable" || !strings.Contains(gone.Error, "policywatch demo") || r.header.Get("Retry-After") == "" {
		t.Errorf("healthz without a database: %+v, Retry-After %q", gone, r.header.Get("Retry-After"))
	}
}

// A run holding the write lock makes every request answer 503 quickly,
// and healthz busy; once it lets go, requests succeed again.
func TestLockedDatabase(t *testing.T) {
	path := fixtureDB(t)
	writer, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}

	// With the default lock timeout, a client hears within seconds.
	byDefault := httptest.NewServer(must(New(Options{DB: path, Gazetteer: gazetteer(t)})))
	defer byDefault.Close()
	// It waits the lock timeout (bbolt gives up 50 ms early) and then
	// answers; how much later depends on the machine, so only a request
	// waiting for the lock without end fails the upper bound.
	began := time.Now()
	answered := make(chan response, 1)
	go func() { answered <- get(t, byDefault, "/events") }()
	var r response
	select {
	case r = <-answered:
	case <-time.After(2 * time.Minute):
		writer.Close()
		t.Fatal("a request still waits for the lock after 2 minutes")
	}
	if took := time.Since(began); took < DefaultLockTimeout-50*time.Millisecond {
		t.Errorf("took %v to give up, want about %v", took, DefaultLockTimeout)
	}
	body := decode[errorBody](t, r, http.StatusServiceUnavailable)
	if r.header.Get("Retry-After") != "5" || !strings.Contains(body.Error, "busy") {
		t.Errorf("Retry-After %q, error %q", r.header.Get("Retry-After"), body.Error)
	}

	srv := start(t, path) // a short lock timeout for the rest
	for _, p := range []string{"/stories", "/stories/x", "/events.csv", "/feed.atom"} {
		r := get(t, srv, p)
		body := decode[errorBody](t, r, http.StatusServiceUnavailable)
		if r.header.Get("Retry-After") != "5" || !strings.Contains(body.Error, "busy") {
			t.Errorf("%s: Retry-After %q, error %q", p, r.header.Get("Retry-After"), body.Error)
		}
	}
	r = get(t, srv, "/")
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "5" ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !bytes.Contains(r.body, []byte("busy")) {
		t.Errorf("page while locked: %d %q\n%s", r.status, r.header, r.body)
	}
	if h := decode[healthBody](t, get(t, srv, "/healthz"), http.StatusOK); h.Status != "busy" {
		t.Errorf("healthz while locked: %+v", h)
	}

	if err := writer.Close(); err != nil {
		t.Fatal(err)
	}
	if body := decode[eventsBody](t, get(t, srv, "/events"), http.StatusOK); body.Count != fixtureEvents {
		t.Errorf("after the lock: %d events", body.Count)
	}
}

// The server must not keep the file open between requests, or a run
// could never take the write lock.
func TestServerLetsWritersIn(t *testing.T) {
	path := fixtureDB(t)
	srv := start(t, path)
	for _, p := range []string{"/", "/events", "/feed.atom", "/healthz"} {
		get(t, srv, p)
		// The server may close the file just after the client has the
		// answer: a wide timeout, which only a file kept open runs out.
		db, err := store.Open(path, store.Options{Timeout: 30 * time.Second})
		if err != nil {
			t.Fatalf("after GET %s a writer cannot open the database: %v", p, err)
		}
		db.Close()
	}
}

func TestMissingDatabase(t *testing.T) {
	srv := start(t, filepath.Join(t.TempDir(), "none.db"))
	r := get(t, srv, "/events")
	body := decode[errorBody](t, r, http.StatusServiceUnavailable)
	if !strings.Contains(body.Error, "policywatch demo") {
		t.Errorf("error %q does not say what to do", body.Error)
	}
}

func TestRoutes(t *testing.T) {
	srv := start(t, fixtureDB(t))
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/nope", http.StatusNotFound, ""},
		{http.MethodGet, "/events/", http.StatusNotFound, ""},
		{http.MethodGet, "/stories/", http.StatusNotFound, ""},
		{http.MethodGet, "/stories/a/b", http.StatusNotFound, ""},
		{http.MethodGet, "/static/", http.StatusNotFound, ""},
		{http.MethodPost, "/events", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodDelete, "/stories/abc", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPost, "/", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPost, "/nope", http.StatusNotFound, ""},
		{http.MethodHead, "/events", http.StatusOK, ""},
		{http.MethodGet, "/static/style.css", http.StatusOK, ""},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want %d Allow %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), tc.status, tc.allow)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s %s: CSP %q", tc.method, tc.path, csp)
		}
	}
	css := get(t, srv, "/static/style.css")
	if !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") || !bytes.Contains(css.body, []byte("--ink")) {
		t.Errorf("stylesheet: %q", css.header.Get("Content-Type"))
	}
	// Every action's colour comes from the vocabulary, and only from it.
	words, err := event.LoadVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	colours := get(t, srv, "/static/actions.css")
	if !strings.HasPrefix(colours.header.Get("Content-Type"), "text/css") {
		t.Errorf("actions.css: %q", colours.header.Get("Content-Type"))
	}
	for _, w := range words.All() {
		rule := fmt.Sprintf(".action-%s { fill: %s; background: %s; }", w.Action, w.Colour, w.Colour)
		if !bytes.Contains(colours.body, []byte(rule)) {
			t.Errorf("actions.css lacks %q:\n%s", rule, colours.body)
		}
		if bytes.Contains(css.body, []byte(".action-"+string(w.Action))) {
			t.Errorf("style.css still sets a colour of %s; the vocabulary owns them", w.Action)
		}
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	if _, err := New(Options{Gazetteer: gazetteer(t)}); err == nil {
		t.Error("New without a database path succeeded")
	}
	if _, err := New(Options{DB: "x.db"}); err == nil {
		t.Error("New without a gazetteer succeeded")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
