package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/policywatch/policywatch/event"
)

// decodeEventFast reads what encodeEvent writes exactly as the cbor
// library does, and gives up, rather than guess, on anything else.
func TestDecodeEventFast(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		n := []int{0, 1, 23, 24, 255, 256, 70000}[rng.IntN(7)]
		return strings.Repeat(string(rune('a'+rng.IntN(26))), n) + []string{"", "ü", "\x00"}[rng.IntN(3)]
	}
	for i := range 2000 {
		r := event.Record{Event: event.Event{
			ID: str(), Country: str(), Service: str(), Action: event.Action(str()), Date: str(), Reason: str(),
			Confidence: []float64{0, 0.5, 1e-300, math.MaxFloat64, -1, rng.Float64()}[rng.IntN(6)],
			ArticleID:  str(), SourceURL: str(), SourceTitle: str(), Published: str(), Feed: str(), Extractor: str(),
		}}
		switch rng.IntN(3) {
		case 1:
			r.Evidence = []string{}
		case 2:
			for range rng.IntN(30) {
				r.Evidence = append(r.Evidence, str())
			}
		}
		if rng.IntN(2) == 0 {
			r.WARCFile = str()
			r.WARCOffset = []int64{0, 1, 23, 24, 1 << 40, math.MaxInt64, -1, math.MinInt64}[rng.IntN(8)]
			r.WARCLength = rng.Int64()
		}
		if rng.IntN(2) == 0 {
			r.FirstSeen = time.Unix(rng.Int64N(1<<33)-1<<32, rng.Int64N(1e9)).UTC() // 1834 to 2106
		}
		raw, err := encodeEvent(r)
		if err != nil {
			t.Fatal(err)
		}
		want, err := decodeEventCBOR(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeEventFast(raw)
		if !ok || !reflect.DeepEqual(got, want) || !reflect.DeepEqual(got, r) {
			t.Fatalf("record %d: fast decoding differs (%v): %.200q\nlibrary %.200q\nsaved %.200q", i, ok, fmt.Sprint(got), fmt.Sprint(want), fmt.Sprint(r))
		}
		// Every cut record is refused by both.
		cut := raw[:rng.IntN(len(raw))]
		if _, ok := decodeEventFast(cut); ok {
			t.Fatalf("record %d cut to %d of %d bytes decodes", i, len(cut), len(raw))
		}
	}

	// A field a later version adds, or one of another type, is left to
	// the library, which reads what it knows of the record.
	later, _ := cbor.Marshal(map[int]any{1: "e1", 2: "RU", 99: []int{1, 2}})
	if _, ok := decodeEventFast(later); ok {
		t.Error("a record with an unknown field decodes fast")
	}
	if r, err := decodeEvent(later); err != nil || r.ID != "e1" || r.Country != "RU" {
		t.Errorf("decodeEvent of a record with an unknown field: %+v, %v", r, err)
	}
	wrongType, _ := cbor.Marshal(map[int]any{1: 5})
	if _, ok := decodeEventFast(wrongType); ok {
		t.Error("a record with a number for the id decodes fast")
	}
	if _, err := decodeEvent(wrongType); err == nil {
		t.Error("a record with a number for the id decodes")
	}
}

// BenchmarkDecodeEvent measures the library and the fast path on an
// average event.
func BenchmarkDecodeEvent(b *testing.B) {
	s := sampleStored()
	raw, err := encodeEvent(event.Record{Event: event.Event{
		ID: s.ID, Country: s.Country, Service: s.Service, Action: s.Action, Date: s.Date, Reason: s.Reason,
		Evidence: s.Evidence, Confidence: s.Confidence, ArticleID: s.ArticleID, SourceURL: s.SourceURL,
		SourceTitle: s.SourceTitle, Published: s.Published, Feed: s.Feed, Extractor: s.Extractor,
	}, FirstSeen: s.FirstSeen})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeEventCBOR(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := decodeEventFast(raw); !ok {
				b.Fatal("not decoded")
			}
		}
	})
}
