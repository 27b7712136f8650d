package extract_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/extract"
)

// The reason model is offered the clauses of the article's opening and,
// for a list's events, of the measure the list continues, not only of
// the event's own sentences and those beside them.
func TestReasonOptionPlaces(t *testing.T) {
	x := extractor(t)
	pub := time.Date(2023, 5, 31, 0, 0, 0, 0, time.UTC)
	doc := extract.Document{
		Title: "What the measurements found in Guinea",
		Text: "Social media became hard to reach in Guinea on 17 May, as opposition parties staged large protests against the ruling junta.\n\n" +
			"Press organisations said they had lost access.\n\n" +
			"Measurements recorded problems on several networks.\n\n" +
			"The government blocked Facebook on 17 May, according to the measurements.",
		Published: pub,
	}
	var opts []extract.ReasonOption
	for _, c := range x.Candidates(doc) {
		if c.Event.Country == "GN" && c.Event.Service == "facebook" && c.Event.Action == "block" {
			opts = c.Reasons
		}
	}
	if opts == nil {
		t.Fatal("no GN/facebook/block candidate")
	}
	found := false
	for _, o := range opts {
		if strings.Contains(o.Text, "opposition parties staged large protests") && slices.Contains(o.Features, "clause_in=opening") {
			found = true
		}
	}
	if !found {
		var texts []string
		for _, o := range opts {
			texts = append(texts, o.Text+" "+strings.Join(o.Features, ","))
		}
		t.Errorf("no option from the opening's clause among %q", texts)
	}
}

func TestReasonOptionFromListMeasure(t *testing.T) {
	x := extractor(t)
	doc := extract.Document{
		Title: "What the measurements found",
		Text: "Internet use in Guinea has grown quickly.\n\n" +
			"Guinea's regulator blocked several social networks on 5 May as protests spread across the capital. Users complained loudly. Among them were Facebook, Instagram and YouTube.",
		Published: time.Date(2023, 5, 31, 0, 0, 0, 0, time.UTC),
	}
	var opts []extract.ReasonOption
	for _, c := range x.Candidates(doc) {
		if c.Event.Country == "GN" && c.Event.Service == "instagram" && c.Event.Action == "block" {
			opts = c.Reasons
		}
	}
	if opts == nil {
		t.Fatal("no GN/instagram/block candidate")
	}
	var texts []string
	for _, o := range opts {
		if strings.Contains(o.Text, "protests spread across the capital") && slices.Contains(o.Features, "clause_in=measure") {
			return
		}
		texts = append(texts, o.Text+" "+strings.Join(o.Features, ","))
	}
	t.Errorf("no option from the measure's clause among %q", texts)
}

// Markers the rules do not take but the reason model may: each offers
// the clause after it.
func TestReasonOptionMarkers(t *testing.T) {
	x := extractor(t)
	tests := []struct{ text, want string }{
		{"North Korea blocked Facebook on Friday, a move that underlines its concern about the spread of information online.", "its concern about the spread of information online"},
		{"Benin blocked Facebook on 28 April 2019, the day of the parliamentary elections.", "the parliamentary elections"},
		{"Kenya blocked Telegram on Monday, which coincided with a police alert about planned protests.", "a police alert about planned protests"},
		{"Myanmar blocked Facebook on Thursday, seeking to curb dissent after the coup.", "curb dissent after the coup"},
	}
	for _, tc := range tests {
		var texts []string
		found := false
		for _, c := range x.Candidates(extract.Document{Title: "x", Text: tc.text, Published: time.Date(2019, 5, 3, 0, 0, 0, 0, time.UTC)}) {
			if c.Event.Service != "facebook" && c.Event.Service != "telegram" {
				continue
			}
			for _, o := range c.Reasons {
				texts = append(texts, o.Text)
				if strings.HasPrefix(o.Text, tc.want) {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%q: options %q, want one beginning %q", tc.text, texts, tc.want)
		}
	}
}

// "as" that compares or lists offers no clause: "as well as to news
// websites" is not why Facebook was blocked.
func TestReasonOptionNotComparativeAs(t *testing.T) {
	x := extractor(t)
	doc := extract.Document{Title: "x", Published: time.Date(2019, 5, 10, 0, 0, 0, 0, time.UTC),
		Text: "On 9 May providers in Kazakhstan blocked access to Facebook and YouTube, as well as to news and campaign websites."}
	for _, c := range x.Candidates(doc) {
		for _, o := range c.Reasons {
			if strings.Contains(o.Text, "news and campaign websites") {
				t.Errorf("%s/%s: option %q", c.Event.Service, c.Event.Action, o.Text)
			}
		}
	}
}
