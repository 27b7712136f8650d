// Package extract turns the text of a news article into events: reports of a
// government acting against an online service, as defined in SCHEMA.md.
package extract

import "time"

// Document is what extraction reads: one article.
type Document struct {
	ID        string // stable article id; events inherit it
	URL       string
	Title     string
	Text      string    // main text, paragraphs separated by blank lines
	Published time.Time // dates in the text are resolved against it
	Feed      string    // name of the feed it came from, for provenance
	// WARCFile, WARCOffset and WARCLength locate the archived record the
	// article was read from, for provenance: a backfill's articles have
	// them, and their events carry them.
	WARCFile               string
	WARCOffset, WARCLength int64
}
