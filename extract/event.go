// Package extract turns the text of a news article into events: reports of a
// government acting against an online service, as defined in SCHEMA.md.
package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Action is what a state does to a service. The vocabulary is closed.
type Action string

// The action vocabulary of SCHEMA.md.
const (
	Block    Action = "block"
	Restrict Action = "restrict"
	Throttle Action = "throttle"
	Shutdown Action = "shutdown"
	Unblock  Action = "unblock"
	Fine     Action = "fine"
	Order    Action = "order"
	Threaten Action = "threaten"
)

// Actions lists the vocabulary in a stable order, for flag help and validation.
var Actions = []Action{Block, Restrict, Throttle, Shutdown, Unblock, Fine, Order, Threaten}

// ValidAction reports whether a is in the vocabulary.
func ValidAction(a Action) bool {
	for _, v := range Actions {
		if v == a {
			return true
		}
	}
	return false
}

// Document is what extraction reads: one article.
type Document struct {
	ID        string // stable article id; events inherit it
	URL       string
	Title     string
	Text      string    // main text, paragraphs separated by blank lines
	Published time.Time // dates in the text are resolved against it
	Feed      string    // name of the feed it came from, for provenance
}

// Event is one government action against one online service, as one
// article reports it. Country, Service, Action, Date and Reason are the
// schema fields; the rest is provenance.
type Event struct {
	ID         string   `json:"id"`
	Country    string   `json:"country"`
	Service    string   `json:"service"`
	Action     Action   `json:"action"`
	Date       string   `json:"date"` // YYYY-MM-DD, YYYY-MM or YYYY
	Reason     string   `json:"reason"`
	Evidence   []string `json:"evidence"`
	Confidence float64  `json:"confidence"`

	ArticleID   string `json:"article_id"`
	SourceURL   string `json:"source_url"`
	SourceTitle string `json:"source_title"`
	Published   string `json:"published"` // YYYY-MM-DD
	Feed        string `json:"feed"`

	// FirstSeen is when the store first saw the event; zero until stored.
	FirstSeen time.Time `json:"first_seen,omitzero"`
}

// EventID is the stable id of the event an article reports for one
// (country, service, action): processing the same article twice gives the
// same id, so re-runs never store an event twice.
func EventID(articleID, country, service string, action Action) string {
	h := sha256.New()
	for _, s := range []string{articleID, country, service, string(action)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}
