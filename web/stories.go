package web

import (
	"fmt"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// storyView is a story with what a person needs to read it: names
// rather than codes, and the report to follow.
type storyView struct {
	store.Story
	Headline    string // "Iran restricts Telegram"
	CountryName string
	ServiceName string
	ActionLabel string
	// Source is the best report of the story: the most confident, the
	// newest of equals.
	Source event.Record
}

// views loads the best report of each story, in one visit to the
// database.
func (v *vocab) views(db reader, stories []store.Story) ([]storyView, error) {
	out := make([]storyView, len(stories))
	for i, st := range stories {
		_, events, err := db.Story(st.ID)
		if err != nil {
			return nil, fmt.Errorf("story %s: %w", st.ID, err)
		}
		out[i] = storyView{
			Story:       st,
			Headline:    v.headline(st.Country, st.Service, st.Action),
			CountryName: v.country(st.Country),
			ServiceName: v.service(st.Service),
			ActionLabel: v.label(st.Action),
			Source:      bestSource(events),
		}
	}
	return out, nil
}

// bestSource picks the report to link to. events are newest first, so
// among equally confident reports the newest wins; a report without a URL
// is only taken when no other has one.
func bestSource(events []event.Record) event.Record {
	var best event.Record
	found := false
	for _, e := range events {
		switch {
		case !found,
			best.SourceURL == "" && e.SourceURL != "",
			e.SourceURL != "" && e.Confidence > best.Confidence:
			best, found = e, true
		}
	}
	return best
}
