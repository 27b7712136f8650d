// Package synth builds synthetic policywatch stores for benchmarks, in
// the shape of real news (profile.yaml): a few countries and services
// hold most events, several outlets report each action within days of
// each other, an article reports two or three events, and there is more
// news every year from 2005 to 2026. It writes through store.Save in
// nightly-sized batches, so the indexes, stories and file layout are the
// ones a real run makes.
package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// Version changes whenever a change here alters the store Build makes;
// it is part of the cache key, with the store's schema version and a hash
// of profile.yaml.
const Version = 1

// batchArticles is how many articles one Save writes: pipeline.Runner's
// default batch.
const batchArticles = 50

// seed fixes the store: the same Version builds the same events.
const seed = 5

// Built tells what Build made and how long it took.
type Built struct {
	Events, Articles int
	Took             time.Duration
}

// Build writes a new store of exactly n events at path, which must not
// exist yet.
func Build(path string, n int) (Built, error) {
	if n <= 0 {
		return Built{}, fmt.Errorf("synth %s: want a positive number of events, not %d", path, n)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return Built{}, fmt.Errorf("synth %s: file exists or cannot be checked (%v)", path, err)
	}
	s, err := loadShape()
	if err != nil {
		return Built{}, err
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		return Built{}, err
	}
	start := time.Now()
	g := newGenerator(s, n, seed)
	g.limit = n
	for g.made < n {
		b := g.batch()
		if _, err := db.Save(b); err != nil {
			db.Close()
			return Built{}, fmt.Errorf("synth %s: %w", path, err)
		}
	}
	if err := db.Close(); err != nil {
		return Built{}, err
	}
	return Built{Events: g.made, Articles: g.articles, Took: time.Since(start)}, nil
}

// UserCached is Cached in policywatch-bench under the user's cache
// directory, where the benchmarks of every package share their stores.
func UserCached(n int) (path string, built *Built, err error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", nil, fmt.Errorf("synth cache: %w", err)
	}
	return Cached(filepath.Join(cache, "policywatch-bench"), n)
}

// Bench is UserCached for a benchmark: it fails tb on an error and logs
// what it built.
func Bench(tb testing.TB, n int) string {
	tb.Helper()
	path, built, err := UserCached(n)
	if err != nil {
		tb.Fatal(err)
	}
	if built != nil {
		tb.Logf("built %s: %d events in %d articles in %v", path, built.Events, built.Articles, built.Took.Round(time.Second))
	}
	return path
}

// BenchEvents is the number of events the benchmarks of a million events
// ask for: def, or POLICYWATCH_BENCH_EVENTS when it is set, so that a
// comparison can be made on a smaller store in minutes rather than the
// hour a million takes to build. Figures per event are comparable; the
// time of a walk of every event scales with it.
func BenchEvents(def int) int {
	v := os.Getenv("POLICYWATCH_BENCH_EVENTS")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		panic(fmt.Sprintf("POLICYWATCH_BENCH_EVENTS=%q: want a positive number of events", v))
	}
	return n
}

// Cached returns the path of a store of n events in dir, building it
// when it is not there; built is nil when it was. Stores of n events
// from another version of the generator, the profile or the schema are
// removed when the new one is built, as each can take gigabytes.
func Cached(dir string, n int) (path string, built *Built, err error) {
	name := cacheName(n)
	path = filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		// Open it read-write once, as a run would: a store built by older
		// code of the same schema version gains what this code keeps
		// (indexes, counts), so that read-only benchmarks measure that.
		db, err := store.Open(path, store.Options{})
		if err != nil {
			return "", nil, fmt.Errorf("synth cache: %w", err)
		}
		return path, nil, db.Close()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("synth cache: %w", err)
	}
	// Build under a temporary name and rename, so an interrupted build
	// is never taken for a finished one.
	tmp, err := os.MkdirTemp(dir, "building-")
	if err != nil {
		return "", nil, fmt.Errorf("synth cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	b, err := Build(filepath.Join(tmp, name), n)
	if err != nil {
		return "", nil, err
	}
	if err := os.Rename(filepath.Join(tmp, name), path); err != nil {
		return "", nil, fmt.Errorf("synth cache: %w", err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("synth-%d-*.db", n)))
	for _, o := range old {
		if o != path {
			os.Remove(o)
		}
	}
	return path, &b, nil
}

// Stream makes articles with their events, one nightly batch at a time.
type Stream struct{ g *generator }

// After returns the news that follows a store Build made of n events:
// new articles, published on the profile's last day, as the nightly runs
// after it would bring. Every call makes the same ones.
func After(n int) (*Stream, error) {
	s, err := loadShape()
	if err != nil {
		return nil, err
	}
	g := newGenerator(s, n, seed+1)
	// Past the end of the build's time line, and numbered past its
	// articles so that none is one it stored.
	g.made, g.articles = n, n
	return &Stream{g}, nil
}

// Batch makes the next batch of articles, as many as pipeline.Runner
// saves at once.
func (s *Stream) Batch() store.Batch { return s.g.batch() }

// cacheName is the file name of a store of n events: the key of the
// cache.
func cacheName(n int) string { return schemaCacheName(n, store.SchemaVersion) }

func schemaCacheName(n, schema int) string {
	sum := sha256.Sum256(profileYAML)
	return fmt.Sprintf("synth-%d-schema%d-v%d-%s.db", n, schema, Version, hex.EncodeToString(sum[:4]))
}

// UserCachedOlder is the path under the user's cache directory of a store
// of n events that the code of an older schema version built from this
// generator and profile, for benchmarks of the upgrade; it is never
// built here, and may not exist.
func UserCachedOlder(n, schema int) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("synth cache: %w", err)
	}
	return filepath.Join(cache, "policywatch-bench", schemaCacheName(n, schema)), nil
}

// generator makes articles in the order of publication, as feeds would
// bring them.
type generator struct {
	s        *shape
	rng      *rand.Rand
	n        int // events over the time line: made/n is how far along it we are
	limit    int // events to make in all; 0 is no limit
	made     int // events made so far
	articles int
	// active are the actions first reported in the follow window before
	// the current day, oldest first: what further reports retell.
	active []action
}

// action is one thing a state did, which several articles may report.
type action struct {
	country, service string
	action           event.Action
	day              time.Time
	reason           string
}

func newGenerator(s *shape, n int, seed uint64) *generator {
	return &generator{s: s, rng: rand.New(rand.NewPCG(seed, Version)), n: n}
}

// batch makes the next batchArticles articles, fewer if the limit comes
// first.
func (g *generator) batch() store.Batch {
	var b store.Batch
	for len(b.Articles) < batchArticles && (g.limit == 0 || g.made < g.limit) {
		b.Articles = append(b.Articles, g.article())
	}
	return b
}

// article makes the next article with its events, stopping at the
// limit.
func (g *generator) article() store.ArticleEvents {
	pub := g.published()
	g.forget(pub)
	feed := g.s.feeds.draw(g.rng)
	url := fmt.Sprintf("https://%s.example/%s/%d", feed, pub.Format("2006/01/02"), g.articles)
	a := ingest.Article{
		ID: ingest.ArticleID(url), Key: url, Feed: feed, URL: url,
		Title:     g.pick(g.s.titles),
		Published: pub,
		Text:      g.text(),
		TextFrom:  "page",
		Fetched:   pub.Add(3 * time.Hour),
	}
	g.articles++

	want := g.s.eventsPerArticle.draw(g.rng)
	if g.limit > 0 {
		want = min(want, g.limit-g.made)
	}
	ae := store.ArticleEvents{Article: a}
	seen := map[string]bool{}
	// A few tries, as an article names each (country, service, action)
	// once; one with fewer events than drawn is still an article.
	for try := 0; len(ae.Events) < want && try < 4*want; try++ {
		var act action
		var date string
		if len(ae.Events) == 0 {
			act, date = g.lead(pub)
		} else {
			act, date = g.other(pub, ae.Events[0].Country)
		}
		key := act.country + "\x00" + act.service + "\x00" + string(act.action)
		if seen[key] {
			continue
		}
		seen[key] = true
		ae.Events = append(ae.Events, g.event(a, act, date))
	}
	g.made += len(ae.Events)
	return ae
}

// published is the day of the next article. News grows linearly over the
// years, so days are spaced by the inverse of that distribution at the
// share of events made so far; the hour is random.
func (g *generator) published() time.Time {
	u := float64(g.made) / float64(g.n)
	k := g.s.growth - 1 // density 1 + k·t on [0, 1]
	t := u
	if k > 0 {
		t = (math.Sqrt(1+2*k*u*(1+k/2)) - 1) / k
	}
	days := int(g.s.last.Sub(g.s.first).Hours() / 24)
	day := g.s.first.AddDate(0, 0, min(int(t*float64(days+1)), days))
	return day.Add(time.Duration(g.rng.IntN(24*60)) * time.Minute)
}

// forget drops the actions too old for a further report on day pub.
func (g *generator) forget(pub time.Time) {
	cutoff := pub.AddDate(0, 0, -g.s.followWindow)
	i := 0
	for i < len(g.active) && g.active[i].day.Before(cutoff) {
		i++
	}
	g.active = g.active[i:]
}

// lead is the article's first event: a further report of a recent
// action, or a new action of the last few days.
func (g *generator) lead(pub time.Time) (action, string) {
	if act, ok := g.retell(); ok {
		return act, g.date(act.day)
	}
	act := g.newAction(g.s.countries.draw(g.rng), pub.AddDate(0, 0, -g.rng.IntN(3)))
	return act, g.date(act.day)
}

// other is a further event of the article. Dated to the day, it is a
// further report of a recent action or a new action of the last week,
// half the time of the lead's country; dated to its month or year, it
// recalls an older one.
func (g *generator) other(pub time.Time, country string) (action, string) {
	if g.rng.IntN(2) == 0 {
		country = g.s.countries.draw(g.rng)
	}
	precision := g.s.precision.draw(g.rng)
	if precision == len("2006-01-02") {
		act, ok := g.retell()
		if !ok {
			act = g.newAction(country, pub.AddDate(0, 0, -g.rng.IntN(8)))
		}
		return act, act.day.Format(time.DateOnly)
	}
	day := g.notBefore(pub.AddDate(0, 0, -30-g.rng.IntN(g.s.recallDays)))
	act := action{country: country, service: g.s.services.draw(g.rng), action: g.s.actions.draw(g.rng), day: day, reason: g.reason()}
	return act, act.day.Format(time.DateOnly)[:precision]
}

// retell picks, follow_up of the time, a recent action to report again,
// most often with the reason given before.
func (g *generator) retell() (action, bool) {
	if len(g.active) == 0 || g.rng.Float64() >= g.s.followUp {
		return action{}, false
	}
	act := g.active[g.rng.IntN(len(g.active))]
	if g.rng.Float64() >= g.s.sameReason {
		act.reason = g.reason()
	}
	return act, true
}

// newAction draws a service and action for country on day and makes it
// one further reports can retell.
func (g *generator) newAction(country string, day time.Time) action {
	day = g.notBefore(day)
	act := action{country: country, service: g.s.services.draw(g.rng), action: g.s.actions.draw(g.rng), day: day, reason: g.reason()}
	// active stays ordered by day: a new action is at most a few days
	// older than the last one added.
	i := len(g.active)
	for i > 0 && g.active[i-1].day.After(day) {
		i--
	}
	g.active = slices.Insert(g.active, i, act)
	return act
}

// notBefore keeps dates within the profile's span.
func (g *generator) notBefore(day time.Time) time.Time {
	if day.Before(g.s.first) {
		return g.s.first
	}
	return day
}

// date writes day at a precision drawn from the profile.
func (g *generator) date(day time.Time) string {
	return day.Format(time.DateOnly)[:g.s.precision.draw(g.rng)]
}

func (g *generator) reason() string {
	if g.rng.Float64() < g.s.noReason {
		return ""
	}
	return g.pick(g.s.reasons)
}

func (g *generator) event(a ingest.Article, act action, date string) event.Event {
	evidence := []string{g.pick(g.s.sentences)}
	if g.rng.IntN(10) < 3 {
		evidence = append(evidence, g.pick(g.s.sentences))
	}
	return event.Event{
		ID:          event.ID(a.ID, act.country, act.service, act.action),
		Country:     act.country,
		Service:     act.service,
		Action:      act.action,
		Date:        date,
		Reason:      act.reason,
		Evidence:    evidence,
		Confidence:  float64(30+g.rng.IntN(66)) / 100,
		ArticleID:   a.ID,
		SourceURL:   a.URL,
		SourceTitle: a.Title,
		Published:   a.Published.Format(time.DateOnly),
		Feed:        a.Feed,
	}
}

// text is an article body of a drawn length: sentences from the
// profile, three to a paragraph.
func (g *generator) text() string {
	n := g.s.textLength(g.rng)
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		switch {
		case i == 0:
		case i%3 == 0:
			b.WriteString("\n\n")
		default:
			b.WriteByte(' ')
		}
		b.WriteString(g.pick(g.s.sentences))
	}
	return b.String()
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }
