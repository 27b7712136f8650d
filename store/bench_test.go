package store

import (
	"fmt"
	"testing"

	"github.com/policywatch/policywatch/extract"
)

// BenchmarkSave writes nightly-sized batches: 50 new articles with 3
// events each, into a store that grows as it goes.
func BenchmarkSave(b *testing.B) {
	db := openTemp(b)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		var batch Batch
		for range 50 {
			a := newArticle(fmt.Sprintf("https://example.org/bench/%d", n), "bench", "2018-04-30")
			n++
			batch.Articles = append(batch.Articles, ArticleEvents{Article: a, Events: []extract.Event{
				newEvent(a, "RU", "telegram", extract.Block, "2018-04-16"),
				newEvent(a, "RU", "google", extract.Block, "2018-04"),
				newEvent(a, "IR", "telegram", extract.Restrict, "2018-04-30"),
			}})
		}
		if _, err := db.Save(batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventsByCountry queries one country among 20,000 events.
func BenchmarkEventsByCountry(b *testing.B) {
	db := bigStore(b, 20000)
	for _, bm := range []struct {
		name string
		f    Filter
	}{
		{"common", Filter{Countries: []string{"RU"}}}, // a sixth of the store
		{"common-limit50", Filter{Countries: []string{"RU"}, Limit: 50}},
		{"common-one-year", Filter{Countries: []string{"RU"}, Since: "2018", Until: "2018"}},
		{"rare", Filter{Countries: []string{"KP"}}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				evs, err := db.Events(bm.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(evs) == 0 {
					b.Fatal("no events")
				}
			}
		})
	}
}
