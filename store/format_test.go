package store

import (
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
)

// The stored JSON is the file format (schema version 2): these bytes are
// what every store written so far holds, so they must not change with
// the Go types.
func TestStoredFormat(t *testing.T) {
	r := event.Record{Event: event.Event{
		ID: "e1", Country: "RU", Service: "telegram", Action: event.Block, Date: "2018-04",
		Reason: "keys", Evidence: []string{"It was blocked."}, Confidence: 0.9,
		ArticleID: "a1", SourceURL: "https://example.org/a", SourceTitle: "T", Published: "2018-04-17", Feed: "Wire",
	}, FirstSeen: time.Date(2018, 4, 17, 3, 0, 0, 0, time.UTC)}
	const wantEvent = `{"id":"e1","country":"RU","service":"telegram","action":"block","date":"2018-04","reason":"keys","evidence":["It was blocked."],"confidence":0.9,"article_id":"a1","source_url":"https://example.org/a","source_title":"T","published":"2018-04-17","feed":"Wire","first_seen":"2018-04-17T03:00:00Z"}`
	raw, err := encodeEvent(r)
	if err != nil || string(raw) != wantEvent {
		t.Fatalf("encodeEvent = %s, %v\nwant %s", raw, err, wantEvent)
	}
	back, err := decodeEvent(raw)
	if err != nil || !back.FirstSeen.Equal(r.FirstSeen) || back.Reason != "keys" || back.Evidence[0] != "It was blocked." {
		t.Errorf("decodeEvent = %+v, %v", back, err)
	}

	a := ingest.Article{ID: "a1", Key: "k", Feed: "Wire", URL: "https://example.org/a", Title: "T",
		Published: time.Date(2018, 4, 17, 0, 0, 0, 0, time.UTC), Text: "Body.", TextFrom: "page",
		Fetched: time.Date(2018, 4, 17, 1, 0, 0, 0, time.UTC)}
	const wantArticle = `{"id":"a1","key":"k","feed":"Wire","url":"https://example.org/a","title":"T","published":"2018-04-17T00:00:00Z","text":"Body.","text_from":"page","fetched":"2018-04-17T01:00:00Z"}`
	raw, err = encodeArticle(&a)
	if err != nil || string(raw) != wantArticle {
		t.Fatalf("encodeArticle = %s, %v\nwant %s", raw, err, wantArticle)
	}
	if back, err := decodeArticle(raw); err != nil || back != a {
		t.Errorf("decodeArticle = %+v, %v", back, err)
	}
	if _, err := decodeEvent([]byte("{")); err == nil {
		t.Error("a damaged event decodes")
	}

	// The extractor's version was added within schema version 2: an event
	// that has one stores it as a last key, and one without (every event
	// stored before) keeps the bytes above and reads back without it.
	r.Extractor = "v1.2.0+data.0123456789ab"
	const wantVersioned = `{"id":"e1","country":"RU","service":"telegram","action":"block","date":"2018-04","reason":"keys","evidence":["It was blocked."],"confidence":0.9,"article_id":"a1","source_url":"https://example.org/a","source_title":"T","published":"2018-04-17","feed":"Wire","first_seen":"2018-04-17T03:00:00Z","extractor":"v1.2.0+data.0123456789ab"}`
	raw, err = encodeEvent(r)
	if err != nil || string(raw) != wantVersioned {
		t.Fatalf("encodeEvent with extractor = %s, %v\nwant %s", raw, err, wantVersioned)
	}
	if back, err := decodeEvent(raw); err != nil || back.Extractor != r.Extractor {
		t.Errorf("decodeEvent with extractor = %+v, %v", back, err)
	}
	if back, err := decodeEvent([]byte(wantEvent)); err != nil || back.Extractor != "" {
		t.Errorf("decodeEvent of an event stored before versions = %+v, %v", back, err)
	}
}
