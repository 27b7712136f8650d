package store

import (
	"encoding/json"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"go.etcd.io/bbolt"
)

// storedEvent is an event as the events bucket holds it (schema version
// 2): JSON with these keys. The keys are the file format, whatever
// package event's types come to look like; changing one means a new
// SchemaVersion and an upgrade.
type storedEvent struct {
	ID          string       `json:"id"`
	Country     string       `json:"country"`
	Service     string       `json:"service"`
	Action      event.Action `json:"action"`
	Date        string       `json:"date"`
	Reason      string       `json:"reason"`
	Evidence    []string     `json:"evidence"`
	Confidence  float64      `json:"confidence"`
	ArticleID   string       `json:"article_id"`
	SourceURL   string       `json:"source_url"`
	SourceTitle string       `json:"source_title"`
	Published   string       `json:"published"`
	Feed        string       `json:"feed"`
	FirstSeen   time.Time    `json:"first_seen,omitzero"`
	// Extractor was added within version 2: an event stored before has
	// none, and reads as made by an unknown extractor.
	Extractor string `json:"extractor,omitempty"`
	// The WARC record an event's article was read from (added within
	// version 2; backfilled events only).
	WARCFile   string `json:"warc_file,omitempty"`
	WARCOffset int64  `json:"warc_offset,omitempty"`
	WARCLength int64  `json:"warc_length,omitempty"`
}

func encodeEvent(r event.Record) ([]byte, error) {
	e := r.Event
	return json.Marshal(storedEvent{
		ID: e.ID, Country: e.Country, Service: e.Service, Action: e.Action, Date: e.Date,
		Reason: e.Reason, Evidence: e.Evidence, Confidence: e.Confidence,
		ArticleID: e.ArticleID, SourceURL: e.SourceURL, SourceTitle: e.SourceTitle,
		Published: e.Published, Feed: e.Feed, FirstSeen: r.FirstSeen, Extractor: e.Extractor,
		WARCFile: e.WARCFile, WARCOffset: e.WARCOffset, WARCLength: e.WARCLength,
	})
}

func decodeEvent(raw []byte) (event.Record, error) {
	var s storedEvent
	if err := json.Unmarshal(raw, &s); err != nil {
		return event.Record{}, corrupt("decode: %w", err)
	}
	return event.Record{
		Event: event.Event{
			ID: s.ID, Country: s.Country, Service: s.Service, Action: s.Action, Date: s.Date,
			Reason: s.Reason, Evidence: s.Evidence, Confidence: s.Confidence,
			ArticleID: s.ArticleID, SourceURL: s.SourceURL, SourceTitle: s.SourceTitle,
			Published: s.Published, Feed: s.Feed, Extractor: s.Extractor,
			WARCFile: s.WARCFile, WARCOffset: s.WARCOffset, WARCLength: s.WARCLength,
		},
		FirstSeen: s.FirstSeen,
	}, nil
}

// getEvent decodes the event stored under id, or returns ErrNotFound.
func getEvent(b *bbolt.Bucket, id string) (event.Record, error) {
	raw := b.Get([]byte(id))
	if raw == nil {
		return event.Record{}, ErrNotFound
	}
	return decodeEvent(raw)
}

// storedArticle is an article as the articles bucket holds it (schema
// version 2): JSON with these keys, independent of ingest.Article's tags.
type storedArticle struct {
	ID        string    `json:"id"`
	Key       string    `json:"key"`
	Feed      string    `json:"feed"`
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Published time.Time `json:"published"`
	Text      string    `json:"text"`
	TextFrom  string    `json:"text_from"`
	Fetched   time.Time `json:"fetched"`
	// The WARC record a backfill read the article from (added within
	// version 2; absent for articles fetched from the web).
	WARCFile   string `json:"warc_file,omitempty"`
	WARCOffset int64  `json:"warc_offset,omitempty"`
	WARCLength int64  `json:"warc_length,omitempty"`
}

func encodeArticle(a *ingest.Article) ([]byte, error) {
	return json.Marshal(storedArticle{
		ID: a.ID, Key: a.Key, Feed: a.Feed, URL: a.URL, Title: a.Title,
		Published: a.Published, Text: a.Text, TextFrom: a.TextFrom, Fetched: a.Fetched,
		WARCFile: a.WARCFile, WARCOffset: a.WARCOffset, WARCLength: a.WARCLength,
	})
}

func decodeArticle(raw []byte) (ingest.Article, error) {
	var s storedArticle
	if err := json.Unmarshal(raw, &s); err != nil {
		return ingest.Article{}, corrupt("decode: %w", err)
	}
	return ingest.Article{
		ID: s.ID, Key: s.Key, Feed: s.Feed, URL: s.URL, Title: s.Title,
		Published: s.Published, Text: s.Text, TextFrom: s.TextFrom, Fetched: s.Fetched,
		WARCFile: s.WARCFile, WARCOffset: s.WARCOffset, WARCLength: s.WARCLength,
	}, nil
}
