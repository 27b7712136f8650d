package eval

import (
	"slices"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/event"
)

func TestReadLabelsErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not json", "{\"id\":\"a\",\"events\":[]}\n{oops\n", "labels.jsonl:2: "},
		{"no id", `{"events":[]}`, "labels.jsonl:1: labels have no id"},
		{"twice", "{\"id\":\"a\",\"events\":[]}\n\n{\"id\":\"a\",\"events\":[]}", "labels.jsonl:3: article a is labelled twice"},
		{"action", `{"id":"a","events":[{"country":"RU","service":"telegram","action":"banned"}]}`,
			`labels.jsonl:1: article a: action "banned" is not in the vocabulary`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadLabels(strings.NewReader(tt.in), "labels.jsonl")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadLabels: error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestLabelsAgreement scores a second labelling of the seed article
// against its gold: the events the two share are matched, one the second
// labeller left out is missed, one it gave another action is missed and
// spurious, and its date and reason are compared as extraction's are.
func TestLabelsAgreement(t *testing.T) {
	arts, err := Load("../testdata/eval/seed.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	a := arts[0]
	if len(a.Events) < 4 {
		t.Fatalf("the seed article has %d events, the test needs 4", len(a.Events))
	}
	second := append([]GoldEvent{}, a.Events[1:]...) // leaves out the first
	second[0].Action = "threaten"
	if second[0].Action == a.Events[1].Action {
		second[0].Action = "fine"
	}
	second[1].Date = "1999"
	second[2].Reason = "no words in common whatsoever"
	if ReasonAgrees(a.Events[3].Reason, second[2].Reason) {
		t.Fatalf("the test's reason agrees with %q", a.Events[3].Reason)
	}
	l := Labels{a.ID: second}
	if err := l.Covers(arts); err != nil {
		t.Fatal(err)
	}
	r := Score(arts, l)
	n := len(a.Events)
	if r.Gold != n || r.Extracted != n-1 || r.Matched != n-2 {
		t.Errorf("gold %d, labelled %d, matched %d; want %d, %d, %d", r.Gold, r.Extracted, r.Matched, n, n-1, n-2)
	}
	if r.DatesCorrect != n-3 || r.ReasonsAgree != n-3 {
		t.Errorf("dates %d and reasons %d agree, want %d each", r.DatesCorrect, r.ReasonsAgree, n-3)
	}
	if len(r.Errors) != 1 || len(r.Errors[0].Missed) != 2 || len(r.Errors[0].Spurious) != 1 {
		t.Errorf("errors %+v, want two missed and one spurious", r.Errors)
	}
	if got := (Labels{}).Covers(arts); got == nil || !strings.Contains(got.Error(), a.ID) {
		t.Errorf("an empty labelling covers the seed: %v", got)
	}
}

func TestFold(t *testing.T) {
	cat, err := event.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	arts := []Article{{ID: "a", Events: []GoldEvent{
		{Country: "PG", Service: "facebook-messenger", Action: "block", Date: "2025-03-24"},
		{Country: "PG", Service: "messenger", Action: "block", Date: "2025-03"}, // the same triple once folded
		{Country: "IN", Service: "proton-mail", Action: "block"},
		{Country: "KG", Service: "radio-azattyk", Action: "block"}, // unknown: as written
	}}}
	changed := Fold(arts, cat)
	var got []string
	for _, e := range arts[0].Events {
		got = append(got, e.Country+"/"+e.Service+"/"+e.Action+"@"+e.Date)
	}
	want := []string{"PG/messenger/block@2025-03-24", "IN/protonmail/block@", "KG/radio-azattyk/block@"}
	if !slices.Equal(got, want) {
		t.Errorf("folded events %v, want %v", got, want)
	}
	if wantC := []string{"a: facebook-messenger -> messenger", "a: proton-mail -> protonmail"}; !slices.Equal(changed, wantC) {
		t.Errorf("Fold reports %q, want %q", changed, wantC)
	}
	l := Labels{"a": {{Country: "PG", Service: "facebook-messenger", Action: "block"}}}
	if c := l.Fold(cat); len(c) != 1 || l["a"][0].Service != "messenger" {
		t.Errorf("Labels.Fold: %v, %+v", c, l["a"])
	}
}
