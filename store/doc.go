// Package store keeps articles, the events extracted from them and the
// state of each feed in one embedded bbolt file.
//
// A nightly batch writes through Save, one transaction per batch, so a run
// that fails half-way leaves the file as it was. Readers query events
// through Events, which picks a secondary index rather than decoding every
// event. A DB is safe for concurrent use by multiple goroutines.
//
// # On-disk format (schema version 1)
//
// Every value is JSON (encoding/json) unless noted; keys are raw bytes.
// Dates in index keys are padded to YYYY-MM-DD ("2018" is stored as
// "2018-01-01", "2018-04" as "2018-04-01") so that byte order is date order;
// the event itself keeps the date at the precision it was extracted with.
//
//	meta            "schema_version" -> decimal ASCII, e.g. "1"
//	feeds           feed URL -> ingest.FeedState
//	articles        article id -> ingest.Article
//	keys            item key (ingest.Item.Key) -> article id
//	events          event id -> extract.Event
//	article_events  article id \x00 event id -> empty
//	idx_country     country \x00 date \x00 event id -> empty
//	idx_service     service \x00 date \x00 event id -> empty
//	idx_action      action \x00 date \x00 event id -> empty
//	idx_date        date \x00 event id -> empty
//
// Country, service and action values must not contain \x00; Save rejects
// events whose fields would break this layout.
package store
