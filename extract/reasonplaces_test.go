package extract_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/extract"
)

// reasonOptions returns the reasons offered the candidate event triple
// ("GN/facebook/block") of the article text, or nil.
func reasonOptions(x *extract.Extractor, text, triple string, pub time.Time) []extract.ReasonOption {
	doc := extract.Document{Title: "What the measurements found", Text: text, Published: pub}
	for _, c := range x.Candidates(doc) {
		if c.Event.Country+"/"+c.Event.Service+"/"+string(c.Event.Action) == triple {
			return c.Reasons
		}
	}
	return nil
}

func describe(opts []extract.ReasonOption) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Text+" "+strings.Join(o.Features, ","))
	}
	return out
}

// The reason model is offered the clauses of the article's opening and,
// for a list's events, of the measure the list continues, not only of
// the event's own sentences and those beside them.
func TestReasonOptionPlaces(t *testing.T) {
	x := extractor(t)
	pub := time.Date(2023, 5, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, text, triple, clause, place string
	}{
		{"the opening", "Social media became hard to reach in Guinea on 17 May, as opposition parties staged large protests against the ruling junta.\n\n" +
			"Press organisations said they had lost access.\n\n" +
			"Measurements recorded problems on several networks.\n\n" +
			"The government blocked Facebook on 17 May, according to the measurements.",
			"GN/facebook/block", "opposition parties staged large protests", "clause_in=opening"},
		{"a list's measure", "Internet use in Guinea has grown quickly.\n\n" +
			"Guinea's regulator blocked several social networks on 5 May as protests spread across the capital. Users complained loudly. Among them were Facebook, Instagram and YouTube.",
			"GN/instagram/block", "protests spread across the capital", "clause_in=measure"},
	}
	for _, tc := range tests {
		opts := reasonOptions(x, tc.text, tc.triple, pub)
		if opts == nil {
			t.Errorf("%s: no %s candidate", tc.name, tc.triple)
			continue
		}
		if !slices.ContainsFunc(opts, func(o extract.ReasonOption) bool {
			return strings.Contains(o.Text, tc.clause) && slices.Contains(o.Features, tc.place)
		}) {
			t.Errorf("%s: no option %q with %s among %q", tc.name, tc.clause, tc.place, describe(opts))
		}
	}
}

// Markers the rules do not take but the reason model may: each offers
// the clause after it.
func TestReasonOptionMarkers(t *testing.T) {
	x := extractor(t)
	pub := time.Date(2019, 5, 3, 0, 0, 0, 0, time.UTC)
	tests := []struct{ text, triple, want string }{
		{"North Korea blocked Facebook on Friday, a move that underlines its concern about the spread of information online.", "KP/facebook/block", "its concern about the spread of information online"},
		{"Benin blocked Facebook on 28 April 2019, the day of the parliamentary elections.", "BJ/facebook/block", "the parliamentary elections"},
		{"Kenya blocked Telegram on Monday, which coincided with a police alert about planned protests.", "KE/telegram/block", "a police alert about planned protests"},
		{"Myanmar blocked Facebook on Thursday, seeking to curb dissent after the coup.", "MM/facebook/block", "curb dissent after the coup"},
	}
	for _, tc := range tests {
		opts := reasonOptions(x, tc.text, tc.triple, pub)
		if !slices.ContainsFunc(opts, func(o extract.ReasonOption) bool { return strings.HasPrefix(o.Text, tc.want) }) {
			t.Errorf("%q: options %q, want one beginning %q", tc.text, describe(opts), tc.want)
		}
	}
}

// "as" that compares or lists offers no clause: "as well as to news
// websites" is not why Facebook was blocked.
func TestReasonOptionNotComparativeAs(t *testing.T) {
	x := extractor(t)
	text := "On 9 May providers in Kazakhstan blocked access to Facebook and YouTube, as well as to news and campaign websites."
	opts := reasonOptions(x, text, "KZ/facebook/block", time.Date(2019, 5, 10, 0, 0, 0, 0, time.UTC))
	if opts == nil {
		t.Fatal("no KZ/facebook/block candidate")
	}
	for _, o := range opts {
		if strings.Contains(o.Text, "news and campaign websites") {
			t.Errorf("option %q", o.Text)
		}
	}
}
