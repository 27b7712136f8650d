// Package ingest fetches news feeds and the articles they link to, and
// turns each article page into its main text.
package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Feed is one news feed from the configuration.
type Feed struct {
	Name string   `yaml:"name" json:"name"`
	URL  string   `yaml:"url" json:"url"`
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// FeedState is what is remembered of a feed between runs, for conditional
// GET and for reporting.
type FeedState struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastFetched  time.Time `json:"last_fetched,omitzero"` // last attempt
	LastOK       time.Time `json:"last_ok,omitzero"`      // last 200 or 304
	LastStatus   int       `json:"last_status,omitempty"`
	LastError    string    `json:"last_error,omitempty"`
}

// Item is one entry of a parsed feed.
type Item struct {
	Feed      string // feed name
	GUID      string
	Link      string
	Title     string
	Published time.Time // zero when the feed gives none
	Content   string    // full content from the feed, HTML, may be empty
	Summary   string    // description/summary from the feed, HTML, may be empty
}

// Key identifies an item across runs: its GUID, else its canonical link.
func (it Item) Key() string {
	if it.GUID != "" {
		return it.GUID
	}
	return CanonicalURL(it.Link)
}

// ArticleID is the stable id of the article an item key names.
func ArticleID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:12])
}

// Article is a fetched news article reduced to its main text.
type Article struct {
	ID        string    `json:"id"`  // ArticleID(Key)
	Key       string    `json:"key"` // Item.Key()
	Feed      string    `json:"feed"`
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Published time.Time `json:"published"`
	Text      string    `json:"text"`      // paragraphs separated by blank lines
	TextFrom  string    `json:"text_from"` // "page", or "feed" when the page could not be had
	Fetched   time.Time `json:"fetched"`

	// WARCFile, WARCOffset and WARCLength locate the record a backfill
	// read the article from (see event.Event); empty for fetched pages.
	WARCFile   string `json:"warc_file,omitempty"`
	WARCOffset int64  `json:"warc_offset,omitempty"`
	WARCLength int64  `json:"warc_length,omitempty"`
}
