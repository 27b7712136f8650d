package store

import (
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
)

// The stored JSON of schema version 2: these bytes are what every store
// written before version 3 holds, which the upgrade reads, so they must
// not change with the Go types.
func TestStoredFormatV2(t *testing.T) {
	r := event.Record{Event: event.Event{
		ID: "e1", Country: "RU", Service: "telegram", Action: event.Block, Date: "2018-04",
		Reason: "keys", Evidence: []string{"It was blocked."}, Confidence: 0.9,
		ArticleID: "a1", SourceURL: "https://example.org/a", SourceTitle: "T", Published: "2018-04-17", Feed: "Wire",
	}, FirstSeen: time.Date(2018, 4, 17, 3, 0, 0, 0, time.UTC)}
	const wantEvent = `{"id":"e1","country":"RU","service":"telegram","action":"block","date":"2018-04","reason":"keys","evidence":["It was blocked."],"confidence":0.9,"article_id":"a1","source_url":"https://example.org/a","source_title":"T","published":"2018-04-17","feed":"Wire","first_seen":"2018-04-17T03:00:00Z"}`
	raw, err := encodeEventV2(r)
	if err != nil || string(raw) != wantEvent {
		t.Fatalf("encodeEventV2 = %s, %v\nwant %s", raw, err, wantEvent)
	}
	back, err := decodeEvent(raw)
	if err != nil || !back.FirstSeen.Equal(r.FirstSeen) || back.Reason != "keys" || back.Evidence[0] != "It was blocked." {
		t.Errorf("decodeEvent = %+v, %v", back, err)
	}

	a := ingest.Article{ID: "a1", Key: "k", Feed: "Wire", URL: "https://example.org/a", Title: "T",
		Published: time.Date(2018, 4, 17, 0, 0, 0, 0, time.UTC), Text: "Body.", TextFrom: "page",
		Fetched: time.Date(2018, 4, 17, 1, 0, 0, 0, time.UTC)}
	const wantArticle = `{"id":"a1","key":"k","feed":"Wire","url":"https://example.org/a","title":"T","published":"2018-04-17T00:00:00Z","text":"Body.","text_from":"page","fetched":"2018-04-17T01:00:00Z"}`
	raw, err = encodeArticleV2(&a)
	if err != nil || string(raw) != wantArticle {
		t.Fatalf("encodeArticleV2 = %s, %v\nwant %s", raw, err, wantArticle)
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
	raw, err = encodeEventV2(r)
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

// The CBOR of schema version 3 is the file format now: these bytes are
// what stores hold from version 3 on, so they must not change with the
// Go types, and every record must read back as it was written.
func TestStoredFormat(t *testing.T) {
	r := event.Record{Event: event.Event{
		ID: "e1", Country: "RU", Service: "telegram", Action: event.Block, Date: "2018-04",
		Reason: "keys", Evidence: []string{"It was blocked."}, Confidence: 0.9,
		ArticleID: "a1", SourceURL: "https://example.org/a", SourceTitle: "T", Published: "2018-04-17", Feed: "Wire",
		Extractor: "v1",
	}, FirstSeen: time.Date(2018, 4, 17, 3, 0, 0, 0, time.UTC)}
	const wantEvent = "af016265310262525503687465" + "6c656772616d0465626c6f636b0567323031382d3034066" +
		"46b65797307816f497420776173206" + "26c6f636b65642e08fb3feccccccccccccd0962613" +
		"10a7568747470733a2f2f6578616d706c652e6f72672f610b61540c6a323031382d30342d3137" +
		"0d64576972650e1b152619e61b23e0000f627631"
	raw, err := encodeEvent(r)
	if err != nil || hex.EncodeToString(raw) != wantEvent {
		t.Fatalf("encodeEvent = %x, %v\nwant %s", raw, err, wantEvent)
	}
	back, err := decodeEvent(raw)
	if err != nil || !reflect.DeepEqual(back, r) {
		t.Errorf("decodeEvent = %+v, %v\nwant %+v", back, err, r)
	}
	if _, err := decodeEvent(raw[:len(raw)-3]); err == nil {
		t.Error("a cut event decodes")
	}

	for _, rec := range []event.Record{
		{}, // every field zero
		{Event: event.Event{ID: "e", Evidence: []string{}}}, // empty, not nil
		{Event: event.Event{ID: "e", Reason: "", Evidence: []string{"a", "", "ü"}, Confidence: 1e-9}, FirstSeen: time.Unix(1, 5).UTC()},
	} {
		raw, err := encodeEvent(rec)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := decodeEvent(raw); err != nil || !reflect.DeepEqual(back, rec) {
			t.Errorf("round trip of %+v = %+v, %v", rec, back, err)
		}
	}

	a := ingest.Article{ID: "a1", Key: "k", Feed: "Wire", URL: "https://example.org/a", Title: "T",
		Published: time.Date(2018, 4, 17, 0, 0, 0, 0, time.UTC), Text: "Body.", TextFrom: "page",
		Fetched: time.Date(2018, 4, 17, 1, 0, 0, 0, time.UTC)}
	const wantArticle = "a90162613102616b0364576972650475" + "68747470733a2f2f6578616d706c652e6f72672f61" +
		"0561540683" + "1a5ad53900" + "0000" + "0765426f64792e" + "096470616765" + "0a831a5ad547100000"
	raw, err = encodeArticle(&a)
	if err != nil || hex.EncodeToString(raw) != wantArticle {
		t.Fatalf("encodeArticle = %x, %v\nwant %s", raw, err, wantArticle)
	}
	long := strings.Repeat("Russia's regulator said it had started blocking the messenger. ", 40)
	for _, art := range []ingest.Article{
		a,
		{}, // zero times
		{ID: "a2", Text: long, Published: time.Date(2024, 6, 1, 9, 30, 0, 123, time.FixedZone("", 3*3600)),
			Fetched: time.Date(2024, 6, 1, 10, 0, 0, 0, time.FixedZone("", -5*3600-1800))},
	} {
		raw, err := encodeArticle(&art)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeArticle(raw)
		if err != nil || !reflect.DeepEqual(back, art) {
			t.Errorf("round trip of article %q = %+v, %v", art.ID, back, err)
		}
		// The same times as JSON, which version 2 kept, would read back.
		v2, _ := encodeArticleV2(&art)
		if fromV2, err := decodeArticle(v2); err != nil || !reflect.DeepEqual(fromV2, back) {
			t.Errorf("article %q read from version 2 = %+v, from version 3 %+v", art.ID, fromV2, back)
		}
	}
	// A long text is compressed; the record is a fraction of it.
	raw, _ = encodeArticle(&ingest.Article{ID: "a2", Text: long})
	if len(raw) > len(long)/4 {
		t.Errorf("an article of %d bytes of text takes %d bytes; want it compressed", len(long), len(raw))
	}
}
