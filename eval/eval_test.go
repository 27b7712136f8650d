package eval

import (
	"fmt"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
)

func TestDateMatches(t *testing.T) {
	tests := []struct {
		gold, got string
		want      bool
	}{
		{"2018-04-20", "2018-04-20", true},
		{"2018-04", "2018-04-20", true}, // more precise than gold, same month
		{"2018-04", "2018-04", true},
		{"2018", "2018-11-02", true},
		{"2018-04-20", "2018-04", false}, // less precise than gold
		{"2018-04", "2018-05-01", false},
		{"2018", "2017", false},
	}
	for _, tt := range tests {
		if got := DateMatches(tt.gold, tt.got); got != tt.want {
			t.Errorf("DateMatches(%q, %q) = %v, want %v", tt.gold, tt.got, got, tt.want)
		}
	}
}

func TestReasonAgrees(t *testing.T) {
	tests := []struct {
		gold, got string
		want      bool
	}{
		{"", "", true},
		{"the Telegram ban", "", false},
		{"", "citing national security", false},
		{"the Telegram ban", "the Telegram ban in Russia", true}, // F1 = 0.75
		{"the app refused to give Russian state security services access to its users' secret messages by handing over encryption keys",
			"the app refused to give Russian state security services access to its users’ secret messages by handing over encryption keys used to scramble the messages", true},
		{"national security", "immoral and indecent content", false},
		{"its refusal to name a legal representative", "refusal", false}, // F1 = 2*(1*1/6)/(1+1/6) = 0.29
	}
	for _, tt := range tests {
		if got := ReasonAgrees(tt.gold, tt.got); got != tt.want {
			t.Errorf("ReasonAgrees(%q, %q) = %v, want %v (F1 %.2f)", tt.gold, tt.got, got, tt.want, TokenF1(Tokens(tt.gold), Tokens(tt.got)))
		}
	}
}

// fixed is an extractor that returns set events per article id.
type fixed map[string][]event.Event

func (f fixed) Extract(d extract.Document) []event.Event { return f[d.ID] }

func TestScore(t *testing.T) {
	gold := `{"id":"a","title":"t","published":"2018-04-20","text":"x","events":[
 {"country":"RU","service":"telegram","action":"block","date":"2018-04","reason":"refused to hand over keys"},
 {"country":"RU","service":"google","action":"block","date":"2018-04","reason":"the Telegram ban"},
 {"country":"IR","service":"telegram","action":"restrict","date":"2018-04-20","reason":""}]}
{"id":"b","title":"t","published":"2019-01-01","text":"x","events":[]}
`
	articles, err := Read(strings.NewReader(strings.ReplaceAll(gold, "\n ", " ")), "gold.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	ex := fixed{
		"a": {
			{Country: "RU", Service: "telegram", Action: "block", Date: "2018-04-16", Reason: "after the app refused to hand over encryption keys", Confidence: 0.9},
			{Country: "IR", Service: "telegram", Action: "restrict", Date: "2018-04", Reason: "", Confidence: 0.6},
			{Country: "IR", Service: "telegram", Action: "block", Date: "2018-04-20", Confidence: 0.4},
		},
		"b": {{Country: "US", Service: "tiktok", Action: "block", Date: "2019", Confidence: 0.85}},
	}
	r := Score(articles, ex)
	if r.Gold != 3 || r.Extracted != 4 || r.Matched != 2 {
		t.Fatalf("gold/extracted/matched = %d/%d/%d, want 3/4/2", r.Gold, r.Extracted, r.Matched)
	}
	if r.Precision != 0.5 || r.Recall != 2.0/3 {
		t.Errorf("precision %v recall %v, want 0.5 and 0.667", r.Precision, r.Recall)
	}
	// RU/telegram date 2018-04-16 is right at gold's month precision; IR
	// 2018-04 is less precise than gold's day.
	if r.DatesCorrect != 1 {
		t.Errorf("dates correct = %d, want 1", r.DatesCorrect)
	}
	if r.ReasonsAgree != 2 {
		t.Errorf("reasons agree = %d, want 2", r.ReasonsAgree)
	}
	if c := r.PrecisionAt["0.8"]; c.Extracted != 2 || c.Matched != 1 {
		t.Errorf("at 0.8: %+v, want 1 of 2", c)
	}
	if c := r.PrecisionAt["0.5"]; c.Extracted != 3 || c.Matched != 2 {
		t.Errorf("at 0.5: %+v, want 2 of 3", c)
	}
	// A cut asked for scores beside 0.5 and 0.8: at 0.65, RU/telegram
	// (right) and US/tiktok (wrong) of three gold.
	at := Score(articles, ex, 0.65).PrecisionAt
	if c := at["0.65"]; c.Extracted != 2 || c.Matched != 1 || c.F1 != 0.4 {
		t.Errorf("at 0.65: %+v, want 1 of 2 right, F1 0.4", c)
	}
	if len(at) != 3 {
		t.Errorf("cuts %v, want 0.5, 0.65 and 0.8", at)
	}
	if len(r.Errors) != 2 || len(r.Errors[0].Missed) != 1 || len(r.Errors[0].Spurious) != 1 || len(r.Errors[1].Spurious) != 1 {
		t.Errorf("errors = %+v", r.Errors)
	}
}

func TestReadErrorsNameLine(t *testing.T) {
	in := `{"id":"a","published":"2018-04-20"}
not json
{"id":"a","published":"2018-04-20"}
{"id":"c","published":"20 April"}
`
	_, err := Read(strings.NewReader(in), "dev.jsonl")
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"dev.jsonl:2:", `dev.jsonl:3: duplicate id "a"`, `dev.jsonl:4: article c: published "20 April"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

// A file with no articles, or one that is not JSON Lines at all, is one
// clear error: scoring nothing would report perfect scores.
func TestReadRejectsNonGold(t *testing.T) {
	var csvRows strings.Builder
	csvRows.WriteString("id,country,service\n")
	for i := range 400 {
		fmt.Fprintf(&csvRows, "a%d,RU,telegram\n", i)
	}
	var badLines strings.Builder
	badLines.WriteString(`{"id":"a","published":"2018-04-20"}` + "\n")
	for range 50 {
		badLines.WriteString("{broken\n")
	}
	for _, tc := range []struct {
		name, in string
		want     string
		maxLines int
	}{
		{"empty", "", "gold.jsonl: no articles", 1},
		{"blank lines", "\n  \n", "gold.jsonl: no articles", 1},
		{"csv", csvRows.String(), "gold.jsonl:1: not a gold file: want JSON Lines", 1},
		{"text", "Russia blocks Telegram\n", "gold.jsonl:1: not a gold file", 1},
		{"many bad lines", badLines.String(), "gold.jsonl: and 40 more lines with errors", 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in), "gold.jsonl")
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if n := strings.Count(err.Error(), "\n") + 1; n > tc.maxLines {
				t.Errorf("error has %d lines, want at most %d:\n%s", n, tc.maxLines, err)
			}
		})
	}
}
