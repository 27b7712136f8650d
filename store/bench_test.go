package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
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
			batch.Articles = append(batch.Articles, ArticleEvents{Article: a, Events: []event.Event{
				newEvent(a, "RU", "telegram", event.Block, "2018-04-16"),
				newEvent(a, "RU", "google", event.Block, "2018-04"),
				newEvent(a, "IR", "telegram", event.Restrict, "2018-04-30"),
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

// BenchmarkSaveWithStories shows what grouping costs a nightly Save.
// BenchmarkSave above, which predates stories, now groups too: its
// reports all fall into three stories that grow by 50 events a batch,
// the worst case, since a touched story is recomputed from all its events.
// Here the dates move on a day per batch and the reports spread over 90
// triples, as news does, so stories stay the size real ones reach.
func BenchmarkSaveWithStories(b *testing.B) {
	countries := []string{"RU", "IR", "CN", "TR", "PK", "IN"}
	services := []string{"telegram", "twitter", "whatsapp", "google", "youtube"}
	actions := []event.Action{event.Block, event.Restrict, event.Fine}
	db := openTemp(b)
	day := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	var stories, touched int
	b.ReportAllocs()
	for b.Loop() {
		var batch Batch
		for range 50 {
			a := newArticle(fmt.Sprintf("https://example.org/bench/%d", n), fmt.Sprintf("feed%d", n%7), day.Format(time.DateOnly))
			var evs []event.Event
			for j := range 3 {
				k := n*3 + j
				// A report dates the action up to ten days back.
				date := day.AddDate(0, 0, -(k*7)%11).Format(time.DateOnly)
				evs = append(evs, newEvent(a, countries[k%len(countries)], services[(k/6)%len(services)], actions[j], date))
			}
			n++
			batch.Articles = append(batch.Articles, ArticleEvents{Article: a, Events: evs})
		}
		st, err := db.Save(batch)
		if err != nil {
			b.Fatal(err)
		}
		stories += st.NewStories
		touched += st.NewStories + st.UpdatedStories
		day = day.AddDate(0, 0, 1)
	}
	b.ReportMetric(float64(touched)/float64(b.N), "stories-touched/op")
	b.ReportMetric(float64(n*3)/float64(max(stories, 1)), "events/story")
}
