// Package event holds policywatch's domain: the event a news article
// reports (a state acting against an online service), the action
// vocabulary, the countries and services events name, and the CSV and JSON
// Lines records events are exported as. Everything else may import it; it
// imports nothing of policywatch's.
package event

import (
	"crypto/sha256"
	"encoding/hex"
)

// Event is one government action against one online service, as one
// article reports it. Country, Service, Action, Date and Reason are the
// schema fields (SCHEMA.md); the rest is provenance.
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
	// Extractor is the version of the extractor that found the event
	// (extract.Version); empty for events stored before it was recorded.
	Extractor string `json:"extractor"`

	// WARCFile, WARCOffset and WARCLength locate the archived response
	// the article was read from, for events a backfill found in a WARC
	// file: the bytes from the offset, of the length, are the record,
	// so anyone can fetch exactly what was read again (a range request
	// on a URL). Empty for events from feeds.
	WARCFile   string `json:"warc_file,omitempty"`
	WARCOffset int64  `json:"warc_offset,omitempty"`
	WARCLength int64  `json:"warc_length,omitempty"`
}

// ID is the stable id of the event an article reports for one (country,
// service, action): processing the same article twice gives the same id,
// so re-runs never store an event twice.
func ID(articleID, country, service string, action Action) string {
	h := sha256.New()
	for _, s := range []string{articleID, country, service, string(action)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}
