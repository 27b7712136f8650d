package alert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// Message is one alert: a story as a rule saw it.
type Message struct {
	Rule  string
	Story store.Story
	// Events are the story's reports, newest first, as store.DB.Story
	// returns them.
	Events []event.Record
	// Test marks a sample sent by 'policywatch alerts test', which says
	// so in every format.
	Test bool
}

// Size limits. Slack refuses a section over 3000 characters and a header
// over 150; Discord refuses content over 2000, an embed title over 256,
// a description over 4096, a field over 1024 and an embed over 6000 in
// all. Reasons and evidence are cut well below, so a message stays
// readable and the sum stays under every limit.
const (
	maxReason       = 300
	maxEvidence     = 500
	maxTitle        = 120 // of a source, in a list of links
	maxSlackHeader  = 150
	maxSlackSection = 3000
	maxDiscordField = 1024
	maxReports      = 5  // sources listed in a chat message
	maxJSONEvents   = 50 // events in a json payload; the story lists all ids
)

// Payload renders m as the body to post to a webhook of the given format.
func Payload(format Format, m Message) ([]byte, error) {
	var v any
	switch format {
	case Slack:
		v = slackPayload(m)
	case Discord:
		v = discordPayload(m)
	case JSON:
		v = jsonPayload(m)
	default:
		return nil, fmt.Errorf("payload: unknown format %q", format)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("payload %s for story %s: %w", format, m.Story.ID, err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// vocabulary is read once: it is embedded, so it never changes.
var vocabulary = sync.OnceValues(event.LoadVocabulary)

// wordingOf says how a headline puts an action. The vocabulary's own
// tests keep it loadable; should it fail, an action reads as its name.
func wordingOf(a event.Action) event.Wording {
	if v, err := vocabulary(); err == nil {
		return v.Of(a)
	}
	return event.Wording{Action: a, Label: string(a), Verb: string(a), Emoji: "•"}
}

// title is "IR blocks telegram".
func title(s store.Story) string {
	return fmt.Sprintf("%s %s %s", s.Country, wordingOf(s.Action).Verb, s.Service)
}

// headline is "🚫 IR blocks telegram — 3 sources", marked when a test.
func headline(m Message) string {
	h := fmt.Sprintf("%s %s — %s", wordingOf(m.Story.Action).Emoji, title(m.Story), sources(m.Story.Sources))
	if m.Test {
		h = "[TEST] " + h
	}
	return h
}

func sources(n int) string {
	if n == 1 {
		return "1 source"
	}
	return strconv.Itoa(n) + " sources"
}

const testNotice = "This is a test message from `policywatch alerts test`, not an alert: the story may be a sample."

// dates is "2018-04-30", or with the range the reports span when they
// differ.
func dates(s store.Story) string {
	d := s.Date
	if s.First != s.Last && s.First != "" {
		d += fmt.Sprintf(" (reports from %s to %s)", s.First, s.Last)
	}
	return d
}

// best is the report to link to: the most confident, then the first
// published, then by id for a stable choice.
func best(events []event.Record) (event.Record, bool) {
	if len(events) == 0 {
		return event.Record{}, false
	}
	b := events[0]
	for _, e := range events[1:] {
		switch {
		case e.Confidence > b.Confidence,
			e.Confidence == b.Confidence && e.Published < b.Published,
			e.Confidence == b.Confidence && e.Published == b.Published && e.ID < b.ID:
			b = e
		}
	}
	return b, true
}

// others are the reports besides the best, one per article, newest
// first, at most n.
func others(events []event.Record, bestEv event.Record, n int) (out []event.Record, more int) {
	seen := map[string]bool{bestEv.SourceURL: true}
	for _, e := range events {
		if seen[e.SourceURL] {
			continue
		}
		seen[e.SourceURL] = true
		if len(out) < n {
			out = append(out, e)
		} else {
			more++
		}
	}
	return out, more
}

// truncate cuts s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// sourceLabel is "Title (Feed, 2018-04-30)".
func sourceLabel(e event.Record) string {
	label := truncate(e.SourceTitle, maxTitle)
	if label == "" {
		label = e.SourceURL
	}
	var meta []string
	if e.Feed != "" {
		meta = append(meta, e.Feed)
	}
	if e.Published != "" {
		meta = append(meta, e.Published)
	}
	if len(meta) > 0 {
		label += " (" + strings.Join(meta, ", ") + ")"
	}
	return label
}

func footer(m Message) string {
	return fmt.Sprintf("policywatch rule %s · story %s · confidence %.2f", m.Rule, shortID(m.Story.ID), m.Story.Confidence)
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Slack: https://api.slack.com/reference/block-kit/blocks

type slackText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// slackEscape keeps report text from being read as markup: a title
// holding "<!channel>" must not ping a channel.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func slackLink(url, label string) string {
	url = strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(url)
	return "<" + url + "|" + slackEscape(label) + ">"
}

func slackPayload(m Message) slackMessage {
	s := m.Story
	var blocks []slackBlock
	if m.Test {
		blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: "🧪 *" + testNotice + "*"}}})
	}
	blocks = append(blocks, slackBlock{Type: "header", Text: &slackText{
		Type: "plain_text", Emoji: true,
		Text: truncate(wordingOf(s.Action).Emoji+" "+title(s)+" — "+sources(s.Sources), maxSlackHeader),
	}})

	var body strings.Builder
	fmt.Fprintf(&body, "*Date:* %s\n", slackEscape(dates(s)))
	if s.Reason != "" {
		fmt.Fprintf(&body, "*Reason:* %s\n", slackEscape(truncate(s.Reason, maxReason)))
	}
	b, ok := best(m.Events)
	if ok {
		if len(b.Evidence) > 0 {
			fmt.Fprintf(&body, "> %s\n", slackEscape(truncate(strings.Join(b.Evidence, " "), maxEvidence)))
		}
		fmt.Fprintf(&body, "*Source:* %s\n", slackLink(b.SourceURL, sourceLabel(b)))
		rest, more := others(m.Events, b, maxReports-1)
		for _, e := range rest {
			fmt.Fprintf(&body, "• %s\n", slackLink(e.SourceURL, sourceLabel(e)))
		}
		if more > 0 {
			fmt.Fprintf(&body, "• and %d more\n", more)
		}
	}
	blocks = append(blocks,
		slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: cutLines(strings.TrimSpace(body.String()), maxSlackSection)}},
		slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: slackEscape(footer(m))}}},
	)

	text := headline(m)
	if ok {
		text += " " + slackLink(b.SourceURL, "source")
	}
	return slackMessage{Text: text, Blocks: blocks}
}

// cutLines cuts s to at most n characters at a line break.
func cutLines(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	if i := strings.LastIndexByte(string(r), '\n'); i > 0 {
		return string(r)[:i] + "\n…"
	}
	return string(r) + "…"
}

// Discord: https://discord.com/developers/docs/resources/webhook#execute-webhook

type discordField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

type discordEmbed struct {
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	URL         string            `json:"url,omitempty"`
	Timestamp   string            `json:"timestamp,omitempty"`
	Fields      []discordField    `json:"fields"`
	Footer      map[string]string `json:"footer,omitempty"`
}

type discordMessage struct {
	Content string         `json:"content"`
	Embeds  []discordEmbed `json:"embeds"`
	// AllowedMentions is empty so that "@everyone" in a quoted report
	// pings nobody.
	AllowedMentions map[string][]string `json:"allowed_mentions"`
}

// discordEscape keeps a title from closing a markdown link early.
func discordEscape(s string) string {
	return strings.NewReplacer("[", `\[`, "]", `\]`, "@", "@\u200b").Replace(s)
}

func discordPayload(m Message) discordMessage {
	s := m.Story
	content := headline(m)
	if m.Test {
		content += "\n" + testNotice
	}
	e := discordEmbed{
		Title:  title(s),
		Fields: []discordField{{Name: "Date", Value: dates(s), Inline: true}, {Name: "Sources", Value: strconv.Itoa(s.Sources), Inline: true}, {Name: "Confidence", Value: fmt.Sprintf("%.2f", s.Confidence), Inline: true}},
		Footer: map[string]string{"text": footer(m)},
	}
	if !s.Created.IsZero() {
		e.Timestamp = s.Created.UTC().Format(time.RFC3339)
	}
	var desc []string
	if s.Reason != "" {
		desc = append(desc, "**Reason:** "+discordEscape(truncate(s.Reason, maxReason)))
	}
	if b, ok := best(m.Events); ok {
		e.URL = b.SourceURL
		if len(b.Evidence) > 0 {
			desc = append(desc, "> "+discordEscape(truncate(strings.Join(b.Evidence, " "), maxEvidence)))
		}
		lines := []string{fmt.Sprintf("[%s](%s)", discordEscape(sourceLabel(b)), b.SourceURL)}
		rest, more := others(m.Events, b, maxReports-1)
		for _, o := range rest {
			lines = append(lines, fmt.Sprintf("[%s](%s)", discordEscape(sourceLabel(o)), o.SourceURL))
		}
		if more > 0 {
			lines = append(lines, fmt.Sprintf("and %d more", more))
		}
		e.Fields = append(e.Fields, discordField{Name: "Reports", Value: cutLines(strings.Join(lines, "\n"), maxDiscordField)})
	}
	e.Description = strings.Join(desc, "\n")
	return discordMessage{Content: content, Embeds: []discordEmbed{e}, AllowedMentions: map[string][]string{"parse": {}}}
}

// JSON: the story as query --stories --format json prints it, and its
// events as query --format json does.

type jsonMessage struct {
	Rule          string         `json:"rule"`
	Test          bool           `json:"test,omitempty"`
	Story         store.Story    `json:"story"`
	Events        []event.Record `json:"events"`
	EventsOmitted int            `json:"events_omitted,omitempty"`
}

func jsonPayload(m Message) jsonMessage {
	events := m.Events
	if events == nil {
		events = []event.Record{}
	}
	omitted := 0
	if len(events) > maxJSONEvents {
		omitted = len(events) - maxJSONEvents
		events = events[:maxJSONEvents]
	}
	return jsonMessage{Rule: m.Rule, Test: m.Test, Story: m.Story, Events: events, EventsOmitted: omitted}
}
