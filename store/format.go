package store

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/klauspost/compress/zstd"
	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"go.etcd.io/bbolt"
)

// storedEvent is an event as the events bucket holds it since schema
// version 3: a CBOR map (RFC 8949) keyed by the small integers below.
// The numbers are the file format, whatever package event's types come
// to look like: a field may be added under a new number (older records
// lack it and read as its zero value) but a number is never reused.
// CBOR rather than JSON for a third less space and a tenth of the time
// to decode (BenchmarkCodec); integer keys rather than an array so that
// a field can be added without a new schema version.
type storedEvent struct {
	ID          string   `cbor:"1,keyasint"`
	Country     string   `cbor:"2,keyasint"`
	Service     string   `cbor:"3,keyasint"`
	Action      string   `cbor:"4,keyasint"`
	Date        string   `cbor:"5,keyasint"`
	Reason      string   `cbor:"6,keyasint,omitempty"`
	Evidence    []string `cbor:"7,keyasint"`
	Confidence  float64  `cbor:"8,keyasint"`
	ArticleID   string   `cbor:"9,keyasint"`
	SourceURL   string   `cbor:"10,keyasint"`
	SourceTitle string   `cbor:"11,keyasint"`
	Published   string   `cbor:"12,keyasint"`
	Feed        string   `cbor:"13,keyasint"`
	// FirstSeen is Unix nanoseconds, UTC; absent for the zero time.
	FirstSeen int64  `cbor:"14,keyasint,omitempty"`
	Extractor string `cbor:"15,keyasint,omitempty"`
	// The WARC record the event's article was read from: backfilled
	// events only.
	WARCFile   string `cbor:"16,keyasint,omitempty"`
	WARCOffset int64  `cbor:"17,keyasint,omitempty"`
	WARCLength int64  `cbor:"18,keyasint,omitempty"`
}

// storedArticle is an article as the articles bucket holds it since
// schema version 3: a CBOR map like storedEvent's. The text, most of an
// article's bytes, is compressed with zstd (TextZ) unless it is too short
// to gain (Text).
type storedArticle struct {
	ID        string  `cbor:"1,keyasint"`
	Key       string  `cbor:"2,keyasint"`
	Feed      string  `cbor:"3,keyasint"`
	URL       string  `cbor:"4,keyasint"`
	Title     string  `cbor:"5,keyasint"`
	Published instant `cbor:"6,keyasint"`
	Text      string  `cbor:"7,keyasint,omitempty"`
	TextZ     []byte  `cbor:"8,keyasint,omitempty"`
	TextFrom  string  `cbor:"9,keyasint"`
	Fetched   instant `cbor:"10,keyasint"`
	// The WARC record a backfill read the article from; absent for
	// articles fetched from the web.
	WARCFile   string `cbor:"11,keyasint,omitempty"`
	WARCOffset int64  `cbor:"12,keyasint,omitempty"`
	WARCLength int64  `cbor:"13,keyasint,omitempty"`
}

// instant is a time as [Unix seconds, nanoseconds, zone offset in
// seconds]: what JSON's RFC 3339 kept of it, in a few bytes.
type instant struct {
	_      struct{} `cbor:",toarray"`
	Sec    int64
	Nsec   int32
	Offset int32
}

func toInstant(t time.Time) instant {
	_, off := t.Zone()
	return instant{Sec: t.Unix(), Nsec: int32(t.Nanosecond()), Offset: int32(off)}
}

// time gives back the time with its offset as RFC 3339 parsing does: UTC
// for offset 0, a fixed unnamed zone otherwise.
func (i instant) time() time.Time {
	t := time.Unix(i.Sec, int64(i.Nsec))
	if i.Offset == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(i.Offset)))
}

// minCompress is the shortest text worth compressing: below it zstd's
// frame costs more than it saves.
const minCompress = 128

// textWindow is the zstd window of stored article text. The longest of
// the 92 news pages of ingest/testdata/article-text has 21 KB of text;
// a text longer than the window still compresses, finding its matches
// within the last 256 KB.
const textWindow = 256 << 10

// The codecs are made once and only read after: cbor's modes and zstd's
// EncodeAll and DecodeAll are safe for concurrent use.
var (
	cborEnc = sync.OnceValue(func() cbor.EncMode {
		m, err := cbor.EncOptions{}.EncMode()
		if err != nil {
			panic(err) // the default options are valid
		}
		return m
	})
	cborDec = sync.OnceValue(func() cbor.DecMode {
		// Records are trusted no more than the file: limits keep a
		// damaged length from asking for gigabytes.
		m, err := cbor.DecOptions{MaxArrayElements: 1 << 16, MaxMapPairs: 1 << 10}.DecMode()
		if err != nil {
			panic(err)
		}
		return m
	})
	// Text is compressed once and read many times, so at the better of
	// klauspost's levels: with the dictionary, on held-out news, 2.35
	// times against 2.19 at the default, for 0.37 ms an article instead
	// of 0.22; the best level gains 2.46 times for 11 ms (TestTextDict's
	// texts, measured 2026-12-07). The window is 256 KB, a dozen times the
	// longest article, not the default 8 MB: the encoder's tables are
	// sized from it, and the smaller window halves what the encoder holds
	// for the life of the process (16.7 to 8.9 MiB) for the same bytes out
	// on those texts (BenchmarkTextEncoder).
	zstdEnc = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil, textEncoderOptions(textWindow)...)
		if err != nil {
			panic(err) // the embedded dictionary is checked by TestTextDict
		}
		return e
	})
	zstdDec = sync.OnceValue(func() *zstd.Decoder {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(64<<20),
			zstd.WithDecoderDicts(textDict))
		if err != nil {
			panic(err)
		}
		return d
	})
)

// textEncoderOptions are the options of the text encoder with a window
// of window bytes.
func textEncoderOptions(window int) []zstd.EOption {
	return []zstd.EOption{
		zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(window), zstd.WithEncoderDict(textDict),
	}
}

func encodeEvent(r event.Record) ([]byte, error) {
	e := r.Event
	s := storedEvent{
		ID: e.ID, Country: e.Country, Service: e.Service, Action: string(e.Action), Date: e.Date,
		Reason: e.Reason, Evidence: e.Evidence, Confidence: e.Confidence,
		ArticleID: e.ArticleID, SourceURL: e.SourceURL, SourceTitle: e.SourceTitle,
		Published: e.Published, Feed: e.Feed, Extractor: e.Extractor,
		WARCFile: e.WARCFile, WARCOffset: e.WARCOffset, WARCLength: e.WARCLength,
	}
	if !r.FirstSeen.IsZero() {
		s.FirstSeen = r.FirstSeen.UnixNano()
	}
	return cborEnc().Marshal(s)
}

// decodeEvent decodes an event record of either encoding: JSON (schema
// version 2, read while upgrading or recovering an older file) or CBOR.
func decodeEvent(raw []byte) (event.Record, error) {
	if len(raw) > 0 && raw[0] == '{' {
		return decodeEventV2(raw)
	}
	if r, ok := decodeEventFast(raw); ok {
		return r, nil
	}
	return decodeEventCBOR(raw)
}

// decodeEventCBOR decodes an event record with the cbor library: the
// reference for decodeEventFast, and its fallback.
func decodeEventCBOR(raw []byte) (event.Record, error) {
	var s storedEvent
	if err := cborDec().Unmarshal(raw, &s); err != nil {
		return event.Record{}, corrupt("decode: %w", err)
	}
	r := event.Record{Event: event.Event{
		ID: s.ID, Country: s.Country, Service: s.Service, Action: event.Action(s.Action), Date: s.Date,
		Reason: s.Reason, Evidence: s.Evidence, Confidence: s.Confidence,
		ArticleID: s.ArticleID, SourceURL: s.SourceURL, SourceTitle: s.SourceTitle,
		Published: s.Published, Feed: s.Feed, Extractor: s.Extractor,
		WARCFile: s.WARCFile, WARCOffset: s.WARCOffset, WARCLength: s.WARCLength,
	}}
	if s.FirstSeen != 0 {
		r.FirstSeen = time.Unix(0, s.FirstSeen).UTC()
	}
	return r, nil
}

// getEvent decodes the event stored under id, or returns ErrNotFound:
// event_dates gives its date, which with the id is its key in events.
func getEvent(tx *bbolt.Tx, id string) (event.Record, error) {
	date := tx.Bucket(bucketEventDates).Get([]byte(id))
	if date == nil {
		return event.Record{}, ErrNotFound
	}
	raw := tx.Bucket(bucketEvents).Get(pairKey(string(date), id))
	if raw == nil {
		return event.Record{}, corrupt("%s dates event %s %s, which %s does not hold", bucketEventDates, id, date, bucketEvents)
	}
	return decodeEvent(raw)
}

func encodeArticle(a *ingest.Article) ([]byte, error) {
	s := storedArticle{
		ID: a.ID, Key: a.Key, Feed: a.Feed, URL: a.URL, Title: a.Title,
		Published: toInstant(a.Published), TextFrom: a.TextFrom, Fetched: toInstant(a.Fetched),
		WARCFile: a.WARCFile, WARCOffset: a.WARCOffset, WARCLength: a.WARCLength,
	}
	if len(a.Text) >= minCompress {
		s.TextZ = zstdEnc().EncodeAll([]byte(a.Text), nil)
	} else {
		s.Text = a.Text
	}
	return cborEnc().Marshal(s)
}

// decodeArticle decodes an article record of either encoding, as
// decodeEvent does.
func decodeArticle(raw []byte) (ingest.Article, error) {
	if len(raw) > 0 && raw[0] == '{' {
		return decodeArticleV2(raw)
	}
	var s storedArticle
	if err := cborDec().Unmarshal(raw, &s); err != nil {
		return ingest.Article{}, corrupt("decode: %w", err)
	}
	a := ingest.Article{
		ID: s.ID, Key: s.Key, Feed: s.Feed, URL: s.URL, Title: s.Title,
		Published: s.Published.time(), Text: s.Text, TextFrom: s.TextFrom, Fetched: s.Fetched.time(),
		WARCFile: s.WARCFile, WARCOffset: s.WARCOffset, WARCLength: s.WARCLength,
	}
	if s.TextZ != nil {
		text, err := zstdDec().DecodeAll(s.TextZ, nil)
		if err != nil {
			return ingest.Article{}, corrupt("decode: text: %w", err)
		}
		a.Text = string(text)
	}
	return a, nil
}

// storedEventV2 is an event as schema version 2 stored it: JSON with
// these keys. It is only read, by the upgrade and by Recover.
type storedEventV2 struct {
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
	Extractor   string       `json:"extractor,omitempty"`
	WARCFile    string       `json:"warc_file,omitempty"`
	WARCOffset  int64        `json:"warc_offset,omitempty"`
	WARCLength  int64        `json:"warc_length,omitempty"`
}

func decodeEventV2(raw []byte) (event.Record, error) {
	var s storedEventV2
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

// storedArticleV2 is an article as schema version 2 stored it, JSON.
type storedArticleV2 struct {
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

func decodeArticleV2(raw []byte) (ingest.Article, error) {
	var s storedArticleV2
	if err := json.Unmarshal(raw, &s); err != nil {
		return ingest.Article{}, corrupt("decode: %w", err)
	}
	return ingest.Article{
		ID: s.ID, Key: s.Key, Feed: s.Feed, URL: s.URL, Title: s.Title,
		Published: s.Published, Text: s.Text, TextFrom: s.TextFrom, Fetched: s.Fetched,
		WARCFile: s.WARCFile, WARCOffset: s.WARCOffset, WARCLength: s.WARCLength,
	}, nil
}

// eventKey is the key of an event in the events bucket: its padded date,
// \x00, its id, so that the bucket is in date order.
func eventKey(date, id string) []byte { return pairKey(date, id) }

// splitEventKey is eventKey's inverse.
func splitEventKey(k []byte) (date, id []byte, err error) {
	if len(k) < len("2006-01-02")+2 || k[len("2006-01-02")] != 0 {
		return nil, nil, fmt.Errorf("malformed event key %q", k)
	}
	return k[:len("2006-01-02")], k[len("2006-01-02")+1:], nil
}
