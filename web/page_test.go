package web

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func getPage(t *testing.T, r response, status int) *goquery.Document {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d:\n%s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// rowCountries is the data-country of each story row, in order.
func rowCountries(doc *goquery.Document) []string {
	var out []string
	doc.Find("table#stories tbody tr").Each(func(_ int, tr *goquery.Selection) {
		out = append(out, tr.AttrOr("data-country", "?"))
	})
	return out
}

func TestPageStories(t *testing.T) {
	srv := start(t, fixtureDB(t))
	doc := getPage(t, get(t, srv, "/"), http.StatusOK)

	rows := doc.Find("table#stories tbody tr")
	if rows.Length() != fixtureStories {
		t.Fatalf("%d rows, want a row per story (%d)", rows.Length(), fixtureStories)
	}
	first := rows.First()
	if first.AttrOr("data-country", "") != "IR" || first.AttrOr("data-service", "") != "instagram" || first.AttrOr("data-action", "") != "block" {
		t.Errorf("first row %v, want the newest story, Iran blocking Instagram", first.Nodes[0].Attr)
	}
	cells := first.Find("td").Map(func(_ int, s *goquery.Selection) string { return strings.TrimSpace(s.Text()) })
	want := []string{"2022-09", "Iran", "Instagram", "Block", "1", "protests over the death of Mahsa Amini", "ایران اینستاگرام را مسدود کرد"}
	if !slices.Equal(cells, want) {
		t.Errorf("first row reads %q, want %q", cells, want)
	}
	if href := first.Find("td.source a").AttrOr("href", ""); href != "https://news.test/ir-instagram" {
		t.Errorf("source link %q", href)
	}

	tg := doc.Find(`tr[data-country="IR"][data-service="telegram"]`)
	if tg.Find("td.num").Text() != "2" || tg.Find("td.reason").Text() != "officials were told to stop using it" {
		t.Errorf("the telegram story row reads %q", tg.Text())
	}
	// The best source is the most confident report.
	if href := tg.Find("td.source a").AttrOr("href", ""); href != "https://news.test/ir-telegram-2" {
		t.Errorf("telegram source %q", href)
	}
}

func TestPageFilters(t *testing.T) {
	srv := start(t, fixtureDB(t))
	for _, tc := range []struct {
		query string
		want  []string // data-country of the rows
	}{
		{"country=Iran", []string{"IR", "IR", "IR"}},
		{"country=ir&action=block", []string{"IR"}},
		{"country=Russia,Turkey&since=2018&until=2018-12", []string{"RU", "RU"}},
		{"service=Wikipedia", []string{"TR", "TR"}},
		{"text=encryption", []string{"RU"}},
		{"country=&service=&action=&since=&until=&text=", nil}, // all of them
	} {
		doc := getPage(t, get(t, srv, "/?"+tc.query), http.StatusOK)
		got := rowCountries(doc)
		if tc.want == nil {
			if len(got) != fixtureStories {
				t.Errorf("%s: %d rows", tc.query, len(got))
			}
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: rows %v, want %v", tc.query, got, tc.want)
		}
	}

	// The form shows the filters it was given, so they can be refined.
	doc := getPage(t, get(t, srv, "/?country=Iran&action=restrict&since=2018-04"), http.StatusOK)
	if v := doc.Find("#country").AttrOr("value", ""); v != "Iran" {
		t.Errorf("country input %q", v)
	}
	if v := doc.Find("#since").AttrOr("value", ""); v != "2018-04" {
		t.Errorf("since input %q", v)
	}
	if v := doc.Find("#action option[selected]").AttrOr("value", ""); v != "restrict" {
		t.Errorf("selected action %q", v)
	}
	if doc.Find("#clear").Length() != 1 {
		t.Error("no link to clear the filters")
	}
	// Links to the data carry the same filters.
	if href := doc.Find(`link[rel="alternate"]`).AttrOr("href", ""); href != "/feed.atom?action=restrict&country=Iran&since=2018-04" {
		t.Errorf("feed link %q", href)
	}

	// Several actions, as an API link may give, stay selected as given.
	doc = getPage(t, get(t, srv, "/?action=block,unblock"), http.StatusOK)
	if v := doc.Find("#action option[selected]").AttrOr("value", ""); v != "block,unblock" {
		t.Errorf("selected action %q", v)
	}
	if got := len(rowCountries(doc)); got != 5 {
		t.Errorf("block,unblock: %d rows, want 5", got)
	}

	// Suggestions are the countries and services in the store.
	countries := doc.Find("datalist#countries option").Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("value", "") })
	if !slices.Equal(countries, []string{"European Union", "Iran", "Russia", "Turkey"}) {
		t.Errorf("country suggestions %v", countries)
	}
}

func TestPageNoMatch(t *testing.T) {
	srv := start(t, fixtureDB(t))
	doc := getPage(t, get(t, srv, "/?country=Japan"), http.StatusOK)
	if doc.Find("#no-match").Length() != 1 || doc.Find("table#stories").Length() != 0 {
		t.Error("no friendly message for a filter that matches nothing")
	}
	if doc.Find("#chart").Length() != 0 {
		t.Error("a chart for no events")
	}
}

func TestPageEmptyStore(t *testing.T) {
	srv := start(t, emptyDB(t))
	doc := getPage(t, get(t, srv, "/"), http.StatusOK)
	empty := doc.Find("#empty")
	if empty.Length() != 1 || !strings.Contains(empty.Text(), "policywatch demo") {
		t.Errorf("empty state: %q", empty.Text())
	}
	if doc.Find("#filters").Length() != 1 {
		t.Error("no form on the empty page")
	}
}

func TestPageBadParameter(t *testing.T) {
	srv := start(t, fixtureDB(t))
	doc := getPage(t, get(t, srv, "/?country=Narnia"), http.StatusBadRequest)
	msg := doc.Find("#error").Text()
	if !strings.Contains(msg, "country") || !strings.Contains(msg, "Narnia") {
		t.Errorf("error %q does not name the parameter and value", msg)
	}
	if v := doc.Find("#country").AttrOr("value", ""); v != "Narnia" {
		t.Errorf("the form lost what was typed: %q", v)
	}
}

func TestPageEscapes(t *testing.T) {
	srv := start(t, fixtureDB(t))
	r := get(t, srv, "/?text=<script>alert(1)</script>")
	if bytes.Contains(r.body, []byte("<script>")) {
		t.Error("the text filter is echoed unescaped")
	}
	r = get(t, srv, "/")
	if bytes.Contains(r.body, []byte("<b>tying</b>")) || !bytes.Contains(r.body, []byte("&lt;b&gt;tying&lt;/b&gt;")) {
		t.Error("a reason's markup is not escaped")
	}
	doc := getPage(t, r, http.StatusOK)
	if got := doc.Find(`tr[data-country="EU"] td.reason`).Text(); got != `abusing Android's dominance, "illegally" <b>tying</b> apps & services` {
		t.Errorf("the reason reads %q", got)
	}
	if href := doc.Find(`tr[data-country="EU"] td.source a`).AttrOr("href", ""); href != "https://news.test/eu-google?id=1&lang=en" {
		t.Errorf("source link %q", href)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	// Nothing inline that the policy would block.
	if doc.Find("[style], script, style").Length() != 0 {
		t.Error("inline style or script on the page")
	}
}

func TestPageChart(t *testing.T) {
	srv := start(t, fixtureDB(t))
	doc := getPage(t, get(t, srv, "/"), http.StatusOK)
	svg := doc.Find("#timeline svg#chart")
	if svg.Length() != 1 || svg.AttrOr("role", "") != "img" || !strings.Contains(svg.AttrOr("aria-label", ""), "9 events per month") {
		t.Fatalf("chart: %d svg, role %q, label %q", svg.Length(), svg.AttrOr("role", ""), svg.AttrOr("aria-label", ""))
	}
	// One group per month with events; the year-only event has none.
	want := map[string]int{"2017-04": 1, "2018-04": 3, "2018-05": 1, "2018-07": 1, "2019-12": 1, "2021-03": 1, "2022-09": 1}
	got := map[string]int{}
	svg.Find("g.month").Each(func(_ int, g *goquery.Selection) {
		n, _ := strconv.Atoi(g.AttrOr("data-total", ""))
		got[g.AttrOr("data-month", "")] = n
		sum := 0
		g.Find("rect.bar").Each(func(_ int, r *goquery.Selection) {
			c, _ := strconv.Atoi(r.AttrOr("data-count", ""))
			sum += c
			if !r.HasClass("action-"+r.AttrOr("data-action", "")) || r.Find("title").Length() != 1 {
				t.Errorf("bar %v has no colour class or tooltip", r.Nodes[0].Attr)
			}
		})
		if sum != n || g.ChildrenFiltered("title").Length() != 1 {
			t.Errorf("month %s: bars add up to %d of %d", g.AttrOr("data-month", ""), sum, n)
		}
	})
	if len(got) != len(want) {
		t.Errorf("months %v, want %v", got, want)
	}
	for m, n := range want {
		if got[m] != n {
			t.Errorf("month %s: %d events, want %d", m, got[m], n)
		}
	}
	april := svg.Find(`g.month[data-month="2018-04"] rect`).Map(func(_ int, r *goquery.Selection) string {
		return r.AttrOr("data-action", "") + "=" + r.AttrOr("data-count", "")
	})
	if !slices.Equal(april, []string{"block=2", "restrict=1"}) {
		t.Errorf("April 2018 bars %v", april)
	}
	legend := doc.Find(".legend li").Map(func(_ int, s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") })
	if !slices.Equal(legend, []string{"Block 4", "Restrict 2", "Throttle 1", "Unblock 1", "Fine 1"}) {
		t.Errorf("legend %v", legend)
	}
	if note := doc.Find("#timeline .note").Text(); !strings.Contains(note, "1 more event is dated only by year") {
		t.Errorf("note %q", note)
	}

	// The chart follows the filters.
	doc = getPage(t, get(t, srv, "/?country=Iran"), http.StatusOK)
	months := doc.Find("svg#chart g.month").Map(func(_ int, g *goquery.Selection) string { return g.AttrOr("data-month", "") })
	if !slices.Equal(months, []string{"2018-04", "2018-05", "2022-09"}) {
		t.Errorf("Iran's months %v", months)
	}
}
