// Package store keeps articles, the events extracted from them and the
// state of each feed in one embedded bbolt file.
//
// A nightly batch writes through Save, one transaction per batch, so a run
// that fails half-way leaves the file as it was. Readers query events
// through Events, which picks a secondary index rather than decoding every
// event. A DB is safe for concurrent use by multiple goroutines.
//
// The Store interface (Reader, StoryReader and Writer) is what a DB shares
// with the PostgreSQL store of package store/pgstore: articles, events,
// feed states, stories and stats, saved and filtered alike, which package
// store/storetest checks against both. The methods the DB alone has
// (alerts, checks and repairs of the file) are not part of it yet.
//
// # Stories
//
// Many outlets report the same action over days. Save groups events into
// stories in the same transaction: an event joins the story of its
// country, service and action whose days, widened by the story window
// (Options.StoryWindow, 14 days by default), touch the event's days, a
// partial date covering its whole period; else it founds a story. An
// event that touches several stories merges them into the one made first,
// which keeps its id. An event whose date changes stays while it still
// touches the story's other events and moves otherwise; a deleted event
// leaves its story, and a story left empty is deleted. A story whose
// events, once one left or moved, fall into runs further apart than the
// window is split: the earliest run keeps the story and its id, each
// later one becomes a story with the same Created. Only the stories a
// Save touches are recomputed, and one whose fields come out the same is
// not rewritten.
//
// The rule is written once, against a small key-value seam (groupkv.go):
// a DB runs it on its bbolt transaction, and another store through a
// StoryGrouping, which runs the same code on an in-memory copy of the
// stories its Save touches, read from a StorySource as it asks for them,
// and says at the end what to write back.
//
// # On-disk format (schema version 4)
//
// Events and articles are CBOR (RFC 8949, github.com/fxamacker/cbor):
// maps keyed by small integers, listed in format.go, so that a field can
// be added without a new version. Other values are JSON (encoding/json)
// unless noted; keys are raw bytes. Dates in keys are padded to
// YYYY-MM-DD ("2018" is stored as "2018-01-01", "2018-04" as
// "2018-04-01") so that byte order is date order; the event itself keeps
// the date at the precision it was extracted with.
//
//	meta            "schema_version" -> decimal ASCII, e.g. "3";
//	                "counts" -> articles, events and stories stored, three
//	                big-endian uint64s kept by Save
//	feeds           feed URL -> ingest.FeedState
//	articles        article id -> storedArticle (format.go): its text
//	                compressed with zstd (github.com/klauspost/compress)
//	                and, since version 4, the dictionary data/text.dict
//	                (textdict.go), unless shorter than 128 bytes; times as
//	                [Unix seconds, nanoseconds, zone offset in seconds]
//	keys            item key (ingest.Item.Key) -> article id
//	events          padded date \x00 event id -> storedEvent (format.go):
//	                the event and first_seen (Unix nanoseconds). Kept in
//	                date order, so that a query over dates reads it in
//	                order, and one through an index below reads it in the
//	                index's order, stepping rather than seeking
//	event_dates     event id -> padded date: where the event is in events
//	article_events  article id \x00 event id -> empty
//	idx_country     country \x00 date \x00 event id -> empty
//	idx_service     service \x00 date \x00 event id -> empty
//	idx_action      action \x00 date \x00 event id -> empty
//
// Version 4 compresses the articles' text with a dictionary, which a
// frame names by its ID, so version 3's text, compressed without one,
// still reads; opening a version 3 file read-write compresses it again
// (upgrade4.go), some thousands of articles a transaction, resuming after
// a kill. Version 4 also drops idx_extractor (below), which nothing read
// any more. Nothing else changed.
//
// Version 3 replaced JSON events keyed by id, JSON articles with their
// text as it was, and idx_date (date \x00 event id -> empty) with the
// above. Opening an older file read-write upgrades it in place (upgrade.go):
// every event and article is rewritten into new buckets some thousands a
// transaction, resuming after a kill, and one transaction swaps them in;
// Options.Progress is told how it goes. Every other bucket below (stories,
// tallies, alerts, feeds, WARC files, the other indexes) is the same in
// both versions and is kept as it is. Read-only, an older file gives
// ErrNeedsUpgrade.
//
// Version 2 adds the stories:
//
//	stories           story id -> Story, plus span_from and span_to: the
//	                  first and last day its events cover, partial dates
//	                  widened to their whole period; event_ids is null, as
//	                  story_events holds them and a record stays one size
//	                  however many reports the story has
//	story_events      story id \x00 event id -> the event's date, reason,
//	                  confidence, article, feed and published, so a story
//	                  is recomputed without decoding its events; not JSON
//	                  but the confidence as 8 bytes (IEEE 754 big endian),
//	                  then each string as a uvarint length and its bytes
//	event_story       event id -> story id
//	idx_story_triple  country \x00 service \x00 action \x00 span_to \x00
//	                  span_from \x00 story id -> empty; span_to leads so
//	                  that finding the stories an event may join seeks
//	                  past every story that ended long before it
//	idx_story_last    padded Last \x00 story id -> empty, for listing
//	                  stories newest first
//	idx_story_updated Updated (UTC, "2006-01-02T15:04:05.000000000")
//	                  \x00 story id -> empty, for the stories a run made
//	                  or changed; added after version 2 was released, so
//	                  a read-write open of a file without it builds it,
//	                  and read-only, the stories are read in full instead
//
// Recording which extractor made what adds, within version 2:
//
//	idx_extractor     extractor version \x00 date \x00 event id -> empty,
//	                  for stats; unused once the kept counts came, and
//	                  dropped by version 4
//	extracted_by      article id -> the version of the extractor that last
//	                  read the article, made by the first Save that gives
//	                  one; policywatch reextract skips the articles the
//	                  current version has read, which is how it resumes
//
// Stories that only gain events are updated without reading their
// other events, from the tallies of their dates and reasons, added
// within version 2 (storytally.go):
//
//	story_tallies     story id \x00 kind \x00 key -> how many of its
//	                  events give the key, the best confidence among
//	                  them, the wording and event of the most confident,
//	                  and the newest report's date, published and id;
//	                  kind 'd' for dates, 'r' for reasons (in lower case,
//	                  spacing folded); a story has none until a Save
//	                  recomputes it from its events, which makes them
//
// Kept counts add, within version 2 (tallies.go):
//
//	event_tallies     period \x00 dimension \x00 value -> the number of
//	                  events of that period with that value, a uvarint;
//	                  \x00 dimension \x00 value -> the same of any period;
//	                  \x00 e \x00 period -> the events of the period; the
//	                  period is YYYY-MM, or YYYY for a date with only a
//	                  year; the dimension one byte: c country, s service,
//	                  a action, x extractor, f feed; a read-write open of
//	                  a file without it builds it, and read-only, Stats
//	                  counts events instead
//
// Alerting adds, made by its first write (a store that never alerted
// lacks them, which reads as empty):
//
//	alerts_sent       rule name \x00 story id -> AlertRecord: state
//	                  (sending, sent, failed, gave_up), at, attempts,
//	                  last_error
//	alerts_meta       "covered" -> RFC 3339 time up to which every story
//	                  made was considered for alerts
//
// Backfilling adds, made by its first finished file:
//
//	warc_files        WARC file URL or absolute path -> WARCFile: when it
//	                  was read to the end and what it gave; stored with
//	                  the file's last articles, so a file is marked read
//	                  only once everything it gave is stored
//
// Opening a version 1 file read-write upgrades it: its records as a
// version 2 file's, then, in one transaction, it creates these buckets and
// groups every stored event, oldest first.
//
// Country, service and action values must not contain \x00; Save rejects
// events whose fields would break this layout.
package store
