// Package extract turns the text of a news article into events: reports of a
// government acting against an online service, as defined in SCHEMA.md.
package extract

import (
	"time"

	"github.com/policywatch/policywatch/event"
)

// Document is what extraction reads: one article.
type Document struct {
	ID        string // stable article id; events inherit it
	URL       string
	Title     string
	Text      string    // main text, paragraphs separated by blank lines
	Published time.Time // dates in the text are resolved against it
	Feed      string    // name of the feed it came from, for provenance
}

// The domain types live in package event; extract's rule files name them
// unqualified, as they were named when they lived here.
type (
	Event   = event.Event
	Action  = event.Action
	Country = event.Country
	Service = event.Service
)

const (
	Block    = event.Block
	Restrict = event.Restrict
	Throttle = event.Throttle
	Shutdown = event.Shutdown
	Unblock  = event.Unblock
	Fine     = event.Fine
	Order    = event.Order
	Threaten = event.Threaten
)

// ValidAction reports whether a is in the vocabulary.
func ValidAction(a Action) bool { return a.Valid() }

// EventID is event.ID.
func EventID(articleID, country, service string, action Action) string {
	return event.ID(articleID, country, service, action)
}
