package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/vmihailenco/msgpack/v5"
)

// sampleStored is an event the size of an average one in the million
// store: one or two evidence sentences, a reason, a feed's URL and title.
func sampleStored() storedEventV2 {
	return storedEventV2{
		ID: "3f9a0c1d2e4b5a6978877665", Country: "RU", Service: "telegram", Action: "block", Date: "2024-06-12",
		Reason: "extremism and failure to remove banned content",
		Evidence: []string{
			"Russia's communications regulator Roskomnadzor said on Tuesday it had started blocking the Telegram messenger after a court ruling.",
			"The regulator said the app had failed to hand over encryption keys to the security services, as the law requires.",
		},
		Confidence: 0.87, ArticleID: "9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddcc",
		SourceURL:   "https://www.rferl.org/a/russia-telegram-blocking-roskomnadzor/29163154.html",
		SourceTitle: "Russia Starts Blocking Telegram Messenger", Published: "2024-06-12", Feed: "rferl",
		FirstSeen: time.Date(2024, 6, 13, 2, 0, 0, 0, time.UTC), Extractor: "2026.12.1",
	}
}

// The candidates, each with the event's fields in one struct; the keys
// or positions are what a file would hold.
type (
	cborMap struct {
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
		FirstSeen   int64    `cbor:"14,keyasint,omitempty"`
		Extractor   string   `cbor:"15,keyasint,omitempty"`
	}
	cborArray struct {
		_           struct{} `cbor:",toarray"`
		ID          string
		Country     string
		Service     string
		Action      string
		Date        string
		Reason      string
		Evidence    []string
		Confidence  float64
		ArticleID   string
		SourceURL   string
		SourceTitle string
		Published   string
		Feed        string
		FirstSeen   int64
		Extractor   string
	}
	msgpackArray struct {
		_msgpack    struct{} `msgpack:",as_array"`
		ID          string
		Country     string
		Service     string
		Action      string
		Date        string
		Reason      string
		Evidence    []string
		Confidence  float64
		ArticleID   string
		SourceURL   string
		SourceTitle string
		Published   string
		Feed        string
		FirstSeen   int64
		Extractor   string
	}
	msgpackMap struct {
		ID          string   `msgpack:"1"`
		Country     string   `msgpack:"2"`
		Service     string   `msgpack:"3"`
		Action      string   `msgpack:"4"`
		Date        string   `msgpack:"5"`
		Reason      string   `msgpack:"6,omitempty"`
		Evidence    []string `msgpack:"7"`
		Confidence  float64  `msgpack:"8"`
		ArticleID   string   `msgpack:"9"`
		SourceURL   string   `msgpack:"10"`
		SourceTitle string   `msgpack:"11"`
		Published   string   `msgpack:"12"`
		Feed        string   `msgpack:"13"`
		FirstSeen   int64    `msgpack:"14,omitempty"`
		Extractor   string   `msgpack:"15,omitempty"`
	}
)

// BenchmarkCodec measures each candidate encoding of an event record:
// encode and decode time and the bytes it takes, side by side with the
// JSON of schema version 2.
func BenchmarkCodec(b *testing.B) {
	s := sampleStored()
	fields := func() (string, string, string, string, string, string, []string, float64, string, string, string, string, string, int64, string) {
		return s.ID, s.Country, s.Service, string(s.Action), s.Date, s.Reason, s.Evidence, s.Confidence, s.ArticleID, s.SourceURL, s.SourceTitle, s.Published, s.Feed, s.FirstSeen.UnixNano(), s.Extractor
	}
	var cm cborMap
	cm.ID, cm.Country, cm.Service, cm.Action, cm.Date, cm.Reason, cm.Evidence, cm.Confidence, cm.ArticleID, cm.SourceURL, cm.SourceTitle, cm.Published, cm.Feed, cm.FirstSeen, cm.Extractor = fields()
	var ca cborArray
	ca.ID, ca.Country, ca.Service, ca.Action, ca.Date, ca.Reason, ca.Evidence, ca.Confidence, ca.ArticleID, ca.SourceURL, ca.SourceTitle, ca.Published, ca.Feed, ca.FirstSeen, ca.Extractor = fields()
	var ma msgpackArray
	ma.ID, ma.Country, ma.Service, ma.Action, ma.Date, ma.Reason, ma.Evidence, ma.Confidence, ma.ArticleID, ma.SourceURL, ma.SourceTitle, ma.Published, ma.Feed, ma.FirstSeen, ma.Extractor = fields()
	var mm msgpackMap
	mm.ID, mm.Country, mm.Service, mm.Action, mm.Date, mm.Reason, mm.Evidence, mm.Confidence, mm.ArticleID, mm.SourceURL, mm.SourceTitle, mm.Published, mm.Feed, mm.FirstSeen, mm.Extractor = fields()

	for _, c := range []struct {
		name string
		enc  func() ([]byte, error)
		dec  func([]byte) error
	}{
		{"json", func() ([]byte, error) { return json.Marshal(s) }, func(raw []byte) error { var v storedEventV2; return json.Unmarshal(raw, &v) }},
		{"cbor-map", func() ([]byte, error) { return cbor.Marshal(cm) }, func(raw []byte) error { var v cborMap; return cbor.Unmarshal(raw, &v) }},
		{"cbor-array", func() ([]byte, error) { return cbor.Marshal(ca) }, func(raw []byte) error { var v cborArray; return cbor.Unmarshal(raw, &v) }},
		{"msgpack-map", func() ([]byte, error) { return msgpack.Marshal(mm) }, func(raw []byte) error { var v msgpackMap; return msgpack.Unmarshal(raw, &v) }},
		{"msgpack-array", func() ([]byte, error) { return msgpack.Marshal(ma) }, func(raw []byte) error { var v msgpackArray; return msgpack.Unmarshal(raw, &v) }},
	} {
		raw, err := c.enc()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.enc(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(raw)), "bytes")
		})
		b.Run(c.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.dec(raw); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(raw)), "bytes")
		})
	}
}
