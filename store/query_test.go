package store

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
)

// fixture stores a handful of real-world-like events and returns them by
// label.
func fixture(t *testing.T) (*DB, map[string]event.Event) {
	t.Helper()
	type ev struct {
		label, country, service string
		action                  event.Action
		date, reason, evidence  string
		confidence              float64
	}
	articles := []struct {
		key, feed, published, title string
		events                      []ev
	}{
		{"https://www.rferl.org/a/iran-telegram/29200000.html", "rferl", "2018-04-30", "Iran Begins To Block Telegram Messaging App", []ev{
			{"irTelegram", "IR", "telegram", event.Restrict, "2018-04-30", "", "Iran has begun to disrupt certain features of Telegram.", 0.9},
			{"ruTelegramMonth", "RU", "telegram", event.Block, "2018-04", "refused to give encryption keys", "Access to Telegram was shut down in Russia this month.", 0.6},
		}},
		{"https://www.theguardian.com/world/2018/apr/17/russia-telegram", "guardian", "2018-04-17", "Russia's Telegram ban hits Google", []ev{
			{"ruTelegram", "RU", "telegram", event.Block, "2018-04-16", "refused to hand over encryption keys", "Roskomnadzor began blocking Telegram on Monday.", 0.85},
			{"ruGoogle", "RU", "google", event.Block, "2018-04-16", "the Telegram ban", "The Telegram ban has also affected Google services.", 0.5},
		}},
		{"https://www.reuters.com/eu-google-fine", "reuters", "2019-01-10", "EU fines Google over Android", []ev{
			{"euGoogle", "EU", "google", event.Fine, "2018-07-18", "abusing the dominance of Android", "The Commission fined Google 4.34 billion euros.", 0.95},
		}},
		{"https://netblocks.org/reports/iran-internet", "netblocks", "2019-11-17", "Internet disrupted in Iran amid fuel protests", []ev{
			{"irInternet", "IR", "internet", event.Shutdown, "2019-11-16", "fuel price protests", "Iran cut connectivity nationwide.", 0.9},
		}},
		{"https://www.bbc.co.uk/news/world-africa-nigeria-twitter", "bbc", "2021-06-05", "Nigeria suspends Twitter", []ev{
			{"ngTwitter", "NG", "twitter", event.Block, "2021-06-04", "deleted a post by the president", "Nigeria suspended Twitter indefinitely.", 0.92},
		}},
		{"https://www.bbc.co.uk/news/technology-russia-twitter", "bbc", "2021-03-10", "Russia slows down Twitter", []ev{
			{"ruTwitter", "RU", "twitter", event.Throttle, "2021-03", "failure to remove banned content", "Roskomnadzor said it was slowing Twitter.", 0.8},
			{"ruTwitterThreat", "RU", "twitter", event.Threaten, "2021", "", "Twitter could be blocked entirely.", 0.4},
		}},
	}
	db := openTemp(t)
	byLabel := map[string]event.Event{}
	var b Batch
	for _, a := range articles {
		art := newArticle(a.key, a.feed, a.published)
		art.Title = a.title
		ae := ArticleEvents{Article: art}
		for _, e := range a.events {
			x := newEvent(art, e.country, e.service, e.action, e.date)
			x.Reason, x.Evidence, x.Confidence = e.reason, []string{e.evidence}, e.confidence
			ae.Events = append(ae.Events, x)
			byLabel[e.label] = x
		}
		b.Articles = append(b.Articles, ae)
	}
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	return db, byLabel
}

func TestEventsFilter(t *testing.T) {
	db, ev := fixture(t)
	// ruTelegram and ruGoogle share date and publication: ordered by id.
	sameDay := []string{"ruTelegram", "ruGoogle"}
	if ev["ruGoogle"].ID < ev["ruTelegram"].ID {
		sameDay = []string{"ruGoogle", "ruTelegram"}
	}
	all := slices.Concat([]string{"ngTwitter", "ruTwitter", "ruTwitterThreat", "irInternet", "euGoogle", "irTelegram"}, sameDay, []string{"ruTelegramMonth"})

	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"everything", Filter{}, all},
		{"country", Filter{Countries: []string{"IR"}}, []string{"irInternet", "irTelegram"}},
		{"country lower case", Filter{Countries: []string{"ir"}}, []string{"irInternet", "irTelegram"}},
		{"countries any of", Filter{Countries: []string{"NG", "EU", "IR"}}, []string{"ngTwitter", "irInternet", "euGoogle", "irTelegram"}},
		{"unknown country", Filter{Countries: []string{"FR"}}, nil},
		{"service", Filter{Services: []string{"google"}}, []string{"euGoogle", "ruGoogle"}},
		{"services any of", Filter{Services: []string{"Internet", "twitter"}}, []string{"ngTwitter", "ruTwitter", "ruTwitterThreat", "irInternet"}},
		{"action", Filter{Actions: []string{"block"}}, slices.Concat([]string{"ngTwitter"}, sameDay, []string{"ruTelegramMonth"})},
		{"actions any of", Filter{Actions: []string{"fine", "throttle"}}, []string{"ruTwitter", "euGoogle"}},
		{"country and service", Filter{Countries: []string{"RU"}, Services: []string{"telegram"}}, []string{"ruTelegram", "ruTelegramMonth"}},
		{"country service action", Filter{Countries: []string{"RU"}, Services: []string{"twitter"}, Actions: []string{"threaten"}}, []string{"ruTwitterThreat"}},
		// A partial date is its whole month or year, kept when it
		// overlaps the range.
		{"since day keeps its month", Filter{Since: "2018-04-16"}, all},
		{"since day after the month", Filter{Since: "2018-05-01"}, all[:len(all)-4]},
		{"since month keeps its year", Filter{Since: "2021-03"}, []string{"ngTwitter", "ruTwitter", "ruTwitterThreat"}},
		{"since month after a month", Filter{Since: "2021-04"}, []string{"ngTwitter", "ruTwitterThreat"}},
		{"since year takes partial dates", Filter{Since: "2021"}, []string{"ngTwitter", "ruTwitter", "ruTwitterThreat"}},
		{"until month includes the whole month", Filter{Until: "2018-04"}, slices.Concat([]string{"irTelegram"}, sameDay, []string{"ruTelegramMonth"})},
		{"until day", Filter{Until: "2018-04-16"}, slices.Concat(sameDay, []string{"ruTelegramMonth"})},
		{"since and until", Filter{Since: "2018-05", Until: "2019"}, []string{"irInternet", "euGoogle"}},
		{"one day", Filter{Since: "2018-04-16", Until: "2018-04-16"}, slices.Concat(sameDay, []string{"ruTelegramMonth"})},
		{"until before the day, in the month", Filter{Until: "2018-04-10"}, []string{"ruTelegramMonth"}},
		{"country and dates", Filter{Countries: []string{"RU"}, Since: "2018-04-02", Until: "2020"}, slices.Concat(sameDay, []string{"ruTelegramMonth"})},
		{"partial dates overlapping the range", Filter{Countries: []string{"RU"}, Since: "2018-04-02", Until: "2021-02"}, slices.Concat([]string{"ruTwitterThreat"}, sameDay, []string{"ruTelegramMonth"})},
		{"a range inside a month", Filter{Since: "2021-03-20", Until: "2021-03-25"}, []string{"ruTwitter", "ruTwitterThreat"}},
		{"an empty range", Filter{Since: "2018-04-20", Until: "2018-04-10"}, nil},
		{"text in reason", Filter{Text: "ENCRYPTION"}, []string{"ruTelegram", "ruTelegramMonth"}},
		{"text in evidence", Filter{Text: "roskomnadzor"}, []string{"ruTwitter", "ruTelegram"}},
		{"text in source title", Filter{Text: "android"}, []string{"euGoogle"}},
		{"text nowhere", Filter{Text: "whatsapp"}, nil},
		{"min confidence", Filter{MinConfidence: 0.9}, []string{"ngTwitter", "irInternet", "euGoogle", "irTelegram"}},
		{"feed", Filter{Feeds: []string{"bbc"}}, []string{"ngTwitter", "ruTwitter", "ruTwitterThreat"}},
		{"feeds any of", Filter{Feeds: []string{"netblocks", "reuters"}}, []string{"irInternet", "euGoogle"}},
		{"limit", Filter{Limit: 2}, []string{"ngTwitter", "ruTwitter"}},
		{"limit inside a day", Filter{Until: "2018-04-16", Limit: 1}, sameDay[:1]},
		{"limit over the result", Filter{Countries: []string{"IR"}, Limit: 10}, []string{"irInternet", "irTelegram"}},
		{"all together", Filter{Countries: []string{"RU", "IR"}, Services: []string{"telegram"}, Actions: []string{"block", "restrict"},
			Since: "2018", Until: "2018-12", Text: "telegram", MinConfidence: 0.7, Feeds: []string{"rferl", "guardian"}, Limit: 1}, []string{"irTelegram"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Events(tt.f)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]string, len(tt.want))
			for i, l := range tt.want {
				want[i] = ev[l].ID
			}
			if !slices.Equal(ids(got), want) {
				t.Errorf("Events(%+v) = %v, want %v", tt.f, labels(ev, got), tt.want)
			}
		})
	}
}

func labels(ev map[string]event.Event, got []event.Record) []string {
	var out []string
	for _, e := range got {
		for l, x := range ev {
			if x.ID == e.ID {
				out = append(out, l)
			}
		}
	}
	return out
}

func TestEventsBadFilter(t *testing.T) {
	db := openTemp(t)
	tests := []struct {
		f    Filter
		want string
	}{
		{Filter{Since: "2018-13"}, `since: invalid date "2018-13"`},
		{Filter{Until: "yesterday"}, `until: invalid date "yesterday"`},
		{Filter{Limit: -1}, "negative limit"},
	}
	for _, tt := range tests {
		if _, err := db.Events(tt.f); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Events(%+v) error = %v, want %q", tt.f, err, tt.want)
		}
		if _, err := db.Explain(tt.f); err == nil {
			t.Errorf("Explain(%+v) succeeded", tt.f)
		}
	}
}

func TestEventsOrderPartialDates(t *testing.T) {
	db := openTemp(t)
	var b Batch
	add := func(key, published, date string) string {
		a := newArticle(key, "news", published)
		e := newEvent(a, "RU", "telegram", event.Block, date)
		b.Articles = append(b.Articles, ArticleEvents{Article: a, Events: []event.Event{e}})
		return e.ID
	}
	year := add("year", "2018-06-01", "2018")
	month := add("month", "2018-04-20", "2018-04")
	firstDay := add("first-day", "2018-04-10", "2018-04-01")
	firstDayLater := add("first-day-later", "2018-05-01", "2018-04-01")
	before := add("before", "2018-04-01", "2018-03-31")
	after := add("after", "2018-04-03", "2018-04-02")
	lastYear := add("last-year", "2018-01-02", "2017-12-31")
	if _, err := db.Save(b); err != nil {
		t.Fatal(err)
	}
	// "2018-04" counts as 2018-04-01; ties go to the later publication.
	want := []string{after, firstDayLater, month, firstDay, before, year, lastYear}
	for _, f := range []Filter{{}, {Countries: []string{"RU"}}, {Since: "2017"}} {
		got, err := db.Events(f)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), want) {
			t.Errorf("Events(%+v) order = %v, want %v", f, ids(got), want)
		}
	}
}

// bigStore holds n generated events, one per article, spread over ten
// years; 5 of them are in the rare country KP and 10 about the rare
// service signal.
func bigStore(tb testing.TB, n int) *DB {
	tb.Helper()
	db := openTemp(tb)
	countries := []string{"RU", "IR", "CN", "TR", "PK", "IN"}
	services := []string{"telegram", "twitter", "google", "whatsapp", "youtube", "internet", "facebook"}
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	var b Batch
	for i := range n {
		pub := start.AddDate(0, 0, (i*37)%3650)
		a := newArticle(fmt.Sprintf("https://example.org/%d", i), fmt.Sprintf("feed%d", i%5), pub.Format(time.DateOnly))
		country := countries[i%len(countries)]
		if i%(n/5) == 3 {
			country = "KP"
		}
		service := services[i%len(services)]
		if i%(n/10) == 7 {
			service = "signal"
		}
		date := pub.Format(time.DateOnly)
		switch {
		case i%25 == 0:
			date = date[:4]
		case i%10 == 0:
			date = date[:7]
		}
		e := newEvent(a, country, service, event.Actions[i%len(event.Actions)], date)
		e.Confidence = float64(i%10) / 10
		b.Articles = append(b.Articles, ArticleEvents{Article: a, Events: []event.Event{e}})
		if len(b.Articles) == 500 {
			if _, err := db.Save(b); err != nil {
				tb.Fatal(err)
			}
			b.Articles = b.Articles[:0]
		}
	}
	if _, err := db.Save(b); err != nil {
		tb.Fatal(err)
	}
	return db
}

// matches is the filter semantics written out the slow way, to check the
// planner's answers against.
func matches(f Filter, e event.Event) bool {
	in := func(vs []string, v string) bool {
		return len(vs) == 0 || slices.ContainsFunc(vs, func(x string) bool { return strings.EqualFold(x, v) })
	}
	sp, _ := dateSpan(e.Date)
	from, to := sp.keys()
	since, _ := ParseDateBound(f.Since, false)
	until, _ := ParseDateBound(f.Until, true)
	text := strings.ToLower(f.Text)
	hay := strings.ToLower(e.Reason + "\n" + e.SourceTitle + "\n" + strings.Join(e.Evidence, "\n"))
	return in(f.Countries, e.Country) && in(f.Services, e.Service) && in(f.Actions, string(e.Action)) &&
		in(f.Feeds, e.Feed) && (since == "" || to >= since) && (until == "" || from <= until) && (since == "" || until == "" || since <= until) &&
		e.Confidence >= f.MinConfidence && strings.Contains(hay, text)
}

func TestExplainUsesIndexes(t *testing.T) {
	const total = 2000
	db := bigStore(t, total)
	all, err := db.Events(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != total {
		t.Fatalf("%d events stored, want %d", len(all), total)
	}
	tests := []struct {
		name      string
		f         Filter
		index     string
		maxKeys   int
		maxLoaded int
	}{
		{"rare country", Filter{Countries: []string{"KP"}}, "idx_country", 5, 5},
		{"rare country among common filters", Filter{Countries: []string{"kp"}, Services: []string{"telegram", "whatsapp"}, Actions: []string{"shutdown", "fine"}}, "idx_country", 5, 5},
		{"rare service beats common country", Filter{Countries: []string{"IR"}, Services: []string{"signal"}}, "idx_service", 10, 10},
		{"action beats many countries", Filter{Countries: []string{"RU", "IR", "CN", "TR"}, Actions: []string{"fine"}}, "idx_action", total / 8, total / 8},
		{"country in a date range", Filter{Countries: []string{"RU"}, Since: "2016", Until: "2016-06"}, "idx_country", 20, 20},
		{"date range only", Filter{Since: "2020-02-01", Until: "2020-02-29"}, "events", 40, 40},
		{"no indexable filter", Filter{Text: "telegram"}, "events", total, total},
		{"nothing", Filter{}, "events", total, total},
		{"limit stops early", Filter{Limit: 10}, "events", 20, 20},
		{"limit on an index", Filter{Countries: []string{"RU"}, Limit: 5}, "idx_country", 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := db.Explain(tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Index != tt.index || p.Keys > tt.maxKeys || p.Loaded > tt.maxLoaded {
				t.Errorf("Explain = %+v, want index %s, keys <= %d, loaded <= %d", p, tt.index, tt.maxKeys, tt.maxLoaded)
			}
			got, err := db.Events(tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var want []event.Record
			for _, e := range all {
				if matches(tt.f, e.Event) {
					want = append(want, e)
				}
			}
			if tt.f.Limit > 0 && len(want) > tt.f.Limit {
				want = want[:tt.f.Limit]
			}
			if len(want) == 0 {
				t.Fatal("test filter matches nothing; it proves nothing")
			}
			if !reflect.DeepEqual(ids(got), ids(want)) {
				t.Errorf("Events = %d events %v\nwant %d events %v", len(got), ids(got), len(want), ids(want))
			}
		})
	}
}

func TestArticleWithoutEvents(t *testing.T) {
	db := openTemp(t)
	a := newArticle("https://example.org/nothing", "news", "2018-04-30")
	if _, err := db.Save(Batch{Articles: []ArticleEvents{{Article: a}}}); err != nil {
		t.Fatal(err)
	}
	evs, err := db.ArticleEvents(a.ID)
	if err != nil || len(evs) != 0 {
		t.Errorf("ArticleEvents = %v, %v; want none", evs, err)
	}
	if c, _ := db.Counts(); c != (Counts{Articles: 1}) {
		t.Errorf("Counts = %+v", c)
	}
	if seen, _ := db.Seen([]string{a.Key}); !seen[a.Key] {
		t.Error("an article without events is not Seen; it would be fetched every night")
	}
}
