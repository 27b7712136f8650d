package alert

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

func TestHeadlineWording(t *testing.T) {
	t.Parallel()
	if _, err := vocabulary(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		action event.Action
		want   string
	}{{event.Block, "IR blocks telegram"}, {event.Order, "IR issues an order to telegram"}, {"annex", "IR annex telegram"}} {
		if got := title(store.Story{Country: "IR", Service: "telegram", Action: tc.action}); got != tc.want {
			t.Errorf("title of %s = %q, want %q", tc.action, got, tc.want)
		}
	}
}

// bigMessage is a story whose text would break every size limit.
func bigMessage() Message {
	long := strings.Repeat("Ünïcode reason words ", 400) // 8000 characters
	var events []event.Record
	for i := range 80 {
		events = append(events, event.Record{Event: event.Event{
			ID: "e" + string(rune('A'+i%26)) + strings.Repeat("x", i), Country: "RU", Service: "telegram", Action: event.Block,
			Date: "2018-04-16", Reason: long, Evidence: []string{long, long},
			Confidence: 0.7, SourceURL: "https://news.example/" + strings.Repeat("a", i),
			SourceTitle: long, Published: "2018-04-16", Feed: "Wire",
		}})
	}
	s := store.Story{ID: "0123456789abcdef", Country: "RU", Service: "telegram", Action: event.Block,
		First: "2018-04-13", Last: "2018-05-20", Date: "2018-04-16", Reason: long, Sources: 80,
		Confidence: 0.7, Created: time.Date(2018, 4, 17, 3, 0, 0, 0, time.UTC)}
	return Message{Rule: "big", Story: s, Events: events}
}

func TestPayloadSizeLimits(t *testing.T) {
	t.Parallel()
	m := bigMessage()
	n := utf8.RuneCountInString

	raw, err := Payload(Slack, m)
	if err != nil {
		t.Fatal(err)
	}
	var s slackMessage
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if n(s.Text) > 3000 {
		t.Errorf("slack text is %d characters", n(s.Text))
	}
	for _, b := range s.Blocks {
		switch {
		case b.Type == "header" && n(b.Text.Text) > 150:
			t.Errorf("slack header is %d characters, over 150", n(b.Text.Text))
		case b.Type == "section" && n(b.Text.Text) > 3000:
			t.Errorf("slack section is %d characters, over 3000", n(b.Text.Text))
		}
	}
	if sec := s.Blocks[1].Text.Text; !strings.Contains(sec, "and 75 more") || !strings.Contains(sec, "…") {
		t.Errorf("slack section does not say what it left out:\n%s", sec)
	}

	if raw, err = Payload(Discord, m); err != nil {
		t.Fatal(err)
	}
	var d discordMessage
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	e := d.Embeds[0]
	total := n(e.Title) + n(e.Description) + n(e.Footer["text"])
	if n(d.Content) > 2000 || n(e.Title) > 256 || n(e.Description) > 4096 || len(e.Fields) > 25 {
		t.Errorf("discord content %d, title %d, description %d, fields %d", n(d.Content), n(e.Title), n(e.Description), len(e.Fields))
	}
	for _, f := range e.Fields {
		total += n(f.Name) + n(f.Value)
		if n(f.Name) > 256 || n(f.Value) > 1024 {
			t.Errorf("discord field %q is %d characters", f.Name, n(f.Value))
		}
	}
	if total > 6000 {
		t.Errorf("discord embed holds %d characters, over 6000", total)
	}

	if raw, err = Payload(JSON, m); err != nil {
		t.Fatal(err)
	}
	var j jsonMessage
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Events) != 50 || j.EventsOmitted != 30 {
		t.Errorf("json holds %d events, %d omitted; want 50 and 30", len(j.Events), j.EventsOmitted)
	}
}

// Text from articles must not become markup that pings a channel.
func TestPayloadEscapesReportText(t *testing.T) {
	t.Parallel()
	m := Sample(Rule{Name: "r"}, time.Now())
	m.Test = false
	m.Story.Reason = "<!channel> @everyone look"
	m.Events[0].SourceTitle = "A [tricky](https://evil.example) <title>"
	raw, err := Payload(Slack, m)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "<!channel>") || !strings.Contains(string(raw), "&lt;!channel&gt;") {
		t.Errorf("slack payload does not escape a reason holding <!channel>:\n%s", raw)
	}
	if raw, err = Payload(Discord, m); err != nil {
		t.Fatal(err)
	}
	var d discordMessage
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(d.Embeds[0].Description, "@everyone") {
		t.Errorf("discord description pings everyone: %q", d.Embeds[0].Description)
	}
	for _, f := range d.Embeds[0].Fields {
		if f.Name == "Reports" && strings.Contains(f.Value, "[tricky](https://evil.example)") {
			t.Errorf("discord report link holds a live nested link: %q", f.Value)
		}
	}
}

func TestPayloadMarksTests(t *testing.T) {
	t.Parallel()
	m := Sample(Rule{Name: "iran", Filter: store.Filter{Countries: []string{"IR"}, Services: []string{"instagram"}, Actions: []string{"restrict"}}}, time.Now())
	if s := m.Story; s.Country != "IR" || s.Service != "instagram" || s.Action != event.Restrict {
		t.Errorf("sample story %+v does not follow the rule's filters", s)
	}
	for _, f := range Formats {
		raw, err := Payload(f, m)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		switch f {
		case Slack:
			if !strings.HasPrefix(v["text"].(string), "[TEST] ⚠️ IR restricts instagram") || !strings.Contains(string(raw), "not an alert") {
				t.Errorf("slack sample not marked as a test:\n%s", raw)
			}
		case Discord:
			if !strings.HasPrefix(v["content"].(string), "[TEST] ") || !strings.Contains(v["content"].(string), "not an alert") {
				t.Errorf("discord sample not marked as a test:\n%s", raw)
			}
		case JSON:
			if v["test"] != true {
				t.Errorf("json sample has no test: true:\n%s", raw)
			}
		}
	}
	if _, err := Payload("teams", m); err == nil {
		t.Error("Payload accepted an unknown format")
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {"0.25", 250 * time.Millisecond}, {"-1", 0}, {"soon", 0},
		{"Wed, 01 May 2024 12:00:30 GMT", 30 * time.Second}, {"Wed, 01 May 2024 11:00:00 GMT", 0},
	} {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
