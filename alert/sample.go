package alert

import (
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// Sample is the test message for a rule whose store holds no story it
// matches: a made-up story shaped by the rule's filters (its first
// country, service and action), so the message looks like the ones the
// rule will post. It is marked as a test, and its source points to
// example.org.
func Sample(r Rule, now time.Time) Message {
	now = now.UTC()
	country, service, action := "IR", "telegram", event.Block
	if len(r.Filter.Countries) > 0 {
		country = r.Filter.Countries[0]
	}
	if len(r.Filter.Services) > 0 {
		service = r.Filter.Services[0]
	}
	if len(r.Filter.Actions) > 0 {
		action = event.Action(r.Filter.Actions[0])
	}
	day := now.Format(time.DateOnly)
	conf := max(r.Filter.MinConfidence, 0.9)
	ev := event.Record{Event: event.Event{
		ID:          "sample-event",
		Country:     country,
		Service:     service,
		Action:      action,
		Date:        day,
		Reason:      "a sample reason: this message tests the webhook",
		Evidence:    []string{"This sample sentence stands where the report's evidence will be."},
		Confidence:  conf,
		ArticleID:   "sample-article",
		SourceURL:   "https://example.org/policywatch-alerts-test",
		SourceTitle: "Sample report for policywatch alerts test",
		Published:   day,
		Feed:        "sample",
	}, FirstSeen: now}
	s := store.Story{
		ID: "sample", Country: country, Service: service, Action: action,
		First: day, Last: day, Date: day, Reason: ev.Reason,
		Sources: 1, Feeds: []string{"sample"}, Confidence: conf,
		EventIDs: []string{ev.ID}, Created: now, Updated: now,
	}
	return Message{Rule: r.Name, Story: s, Events: []event.Record{ev}, Test: true}
}
