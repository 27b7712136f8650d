package store

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/internal/race"
	"go.etcd.io/bbolt"
)

var faultSeed = flag.Uint64("faultseed", 0, "run TestFaultInjection with this seed only (0: every seed)")

// fixture is a store of some hundreds of articles and events, saved in
// several batches so that every bucket spans pages, the freelist has
// entries and one article has overflow pages.
var damageFixture struct {
	once sync.Once
	raw  []byte
	err  error
}

func fixtureFile(t testing.TB) []byte {
	t.Helper()
	damageFixture.once.Do(func() {
		dir, err := os.MkdirTemp("", "policywatch-fixture-")
		if err != nil {
			damageFixture.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "policywatch.db")
		db, err := Open(path, Options{})
		if err != nil {
			damageFixture.err = err
			return
		}
		countries := []string{"IR", "RU", "TR", "CN", "IN", "BR", "PK", "UG"}
		services := []string{"telegram", "twitter", "youtube", "whatsapp", "internet"}
		actions := []event.Action{event.Block, event.Throttle, event.Restrict, event.Fine}
		// A fixed clock makes the file the same byte for byte on every
		// run, so that a seed damages the same records each time.
		clock := &fixedClock{time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC)}
		db.now = clock.now
		for batch := range 6 {
			clock.t = clock.t.Add(time.Minute)
			var b Batch
			for i := range 50 {
				n := batch*50 + i
				day := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n*7)
				a := newArticle(fmt.Sprintf("https://news.example/%d", n), fmt.Sprintf("Feed %d", n%4), day.Format(time.DateOnly))
				a.Text = strings.Repeat(fmt.Sprintf("Report %d on what happened. ", n), 20)
				if n == 77 {
					a.Text = strings.Repeat("A very long article. ", 2000) // overflow pages
				}
				ae := ArticleEvents{Article: a}
				for j := range 1 + n%3 {
					ae.Events = append(ae.Events, newEvent(a, countries[(n+j)%len(countries)], services[(n/3+j)%len(services)], actions[(n+j)%len(actions)], day.Format(time.DateOnly)))
				}
				b.Articles = append(b.Articles, ae)
				b.Feeds = append(b.Feeds, ingest.FeedState{URL: fmt.Sprintf("https://feed.example/%d", n%4), ETag: fmt.Sprint(batch)})
			}
			if _, err := db.Save(b); err != nil {
				damageFixture.err = err
				return
			}
		}
		if err := db.SetAlertsCovered(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			damageFixture.err = err
			return
		}
		if err := db.Close(); err != nil {
			damageFixture.err = err
			return
		}
		// bbolt spills the buckets a transaction touched in map order, so
		// where pages land differs from run to run. Copied one bucket per
		// transaction, in key order, the file is the same byte for byte,
		// so that a seed damages the same records each time.
		canonical := filepath.Join(dir, "canonical.db")
		if damageFixture.err = copyBucketByBucket(path, canonical); damageFixture.err != nil {
			return
		}
		damageFixture.raw, damageFixture.err = os.ReadFile(canonical)
	})
	if damageFixture.err != nil {
		t.Fatal(damageFixture.err)
	}
	return bytes.Clone(damageFixture.raw)
}

// copyBucketByBucket copies the database at from into a new file, one
// transaction per bucket.
func copyBucketByBucket(from, to string) error {
	src, err := bbolt.Open(from, 0o644, &bbolt.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := bbolt.Open(to, 0o644, nil)
	if err != nil {
		return err
	}
	defer dst.Close()
	var names [][]byte
	src.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			names = append(names, bytes.Clone(name))
			return nil
		})
	})
	for _, name := range names {
		err := dst.Update(func(dtx *bbolt.Tx) error {
			b, err := dtx.CreateBucket(name)
			if err != nil {
				return err
			}
			return src.View(func(stx *bbolt.Tx) error {
				return stx.Bucket(name).ForEach(func(k, v []byte) error { return b.Put(k, v) })
			})
		})
		if err != nil {
			return err
		}
	}
	return dst.Close()
}

// writeFixture writes the fixture, changed by damage, to a new file.
func writeFixture(t testing.TB, damage func([]byte) []byte) string {
	t.Helper()
	raw := fixtureFile(t)
	if damage != nil {
		raw = damage(raw)
	}
	path := filepath.Join(t.TempDir(), "policywatch.db")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const testPageSize = 4096

// pageOf reads the pages of a file in memory.
func pageOf(t testing.TB, raw []byte) *pageFile {
	t.Helper()
	pf, err := readPages(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return pf
}

// bucketPages lists the pages on the paths to a bucket's records.
func bucketPages(t testing.TB, raw []byte, bucket string) []uint64 {
	t.Helper()
	pf := pageOf(t, raw)
	seen := map[uint64]bool{}
	var out []uint64
	var w *walker
	w = &walker{pf: pf, bad: func(e *pageError) { t.Fatalf("fixture: %v", e) }, record: func(b string, _, _ []byte) {
		if b != bucket {
			return
		}
		for _, id := range w.path {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}}
	w.walk()
	return out
}

// readEverything calls every read of the store on the file and returns
// the errors, failing the test on any that is not damage reported as
// such. A panic or a fault fails the whole test binary.
func readEverything(t *testing.T, path string) []error {
	t.Helper()
	var errs []error
	note := func(what string, err error) {
		if err == nil {
			return
		}
		errs = append(errs, err)
		if !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrSchema) && !strings.Contains(err.Error(), "not a policywatch database") {
			t.Errorf("%s: %v; want an error matching ErrDamaged", what, err)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v; want the file named", what, err)
		}
	}
	db, err := Open(path, Options{ReadOnly: true})
	note("open", err)
	if err != nil {
		return errs
	}
	defer db.Close()
	_, err = db.Counts()
	note("counts", err)
	_, err = db.Events(Filter{})
	note("events", err)
	_, err = db.Events(Filter{Countries: []string{"RU"}})
	note("events by country", err)
	_, err = db.Events(Filter{Text: "report"})
	note("events by text", err)
	_, err = db.Stats(Filter{})
	note("stats", err)
	_, err = db.Stats(Filter{Services: []string{"telegram"}})
	note("stats by service", err)
	note("each event", db.EachEvent(Filter{}, func(event.Record) error { return nil }))
	stories, err := db.Stories(StoryFilter{})
	note("stories", err)
	for i, s := range stories {
		if i%10 != 0 {
			continue
		}
		if _, _, err := db.Story(s.ID); !errors.Is(err, ErrNotFound) {
			note("story "+s.ID, err)
		}
	}
	_, err = db.Stories(StoryFilter{ChangedSince: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)})
	note("changed stories", err)
	_, err = db.FeedStates()
	note("feed states", err)
	_, err = db.Alerts("")
	note("alerts", err)
	return errs
}

func TestDamagedFileErrors(t *testing.T) {
	raw := fixtureFile(t)
	eventsPages := bucketPages(t, raw, "events")
	tests := []struct {
		name   string
		damage func([]byte) []byte
		// open is a part of the error of every open, "" when the
		// header is sound and the damage shows only on reading.
		open string
	}{
		{"cut short", func(b []byte) []byte { return b[:200000] }, "it was cut short"},
		{"cut to one page", func(b []byte) []byte { return b[:testPageSize] }, "it was cut short"},
		{"empty", func([]byte) []byte { return nil }, "the file is empty"},
		{"both meta pages zeroed", func(b []byte) []byte { clear(b[:2*testPageSize]); return b }, "not a policywatch database"},
		{"both meta checksums wrong", func(b []byte) []byte { b[72]++; b[testPageSize+72]++; return b }, "neither header page is valid"},
		{"events page zeroed", func(b []byte) []byte {
			p := eventsPages[len(eventsPages)-1]
			clear(b[p*testPageSize : (p+1)*testPageSize])
			return b
		}, ""},
		// Random bytes over two pages among the events' in the middle:
		// where the middle of the file falls depends on the layout (in
		// schema version 3's it holds story tallies, which only a write
		// reads), and what matters is that garbage where a reader looks
		// is reported, however the records are encoded.
		{"8 KB overwritten mid-events", func(b []byte) []byte {
			r := rand.New(rand.NewPCG(1, 2))
			start := int(eventsPages[len(eventsPages)/2]) * testPageSize
			for i := start; i < start+8192 && i < len(b); i++ {
				b[i] = byte(r.Uint32())
			}
			return b
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFixture(t, tt.damage)
			before, _ := os.ReadFile(path)
			errs := readEverything(t, path)
			if len(errs) == 0 {
				t.Fatal("every read succeeded on a damaged file")
			}
			if tt.open != "" && !strings.Contains(errs[0].Error(), tt.open) {
				t.Errorf("open: %v; want it to say %q", errs[0], tt.open)
			}
			// A read-write open and a write either fail as damage or,
			// where the header is sound, CheckPages refuses first.
			if err := CheckPages(path, Options{}); err == nil {
				t.Error("CheckPages found nothing wrong")
			} else if !errors.Is(err, ErrDamaged) && !strings.Contains(err.Error(), "not a policywatch database") {
				t.Errorf("CheckPages: %v; want ErrDamaged", err)
			}
			if db, err := Open(path, Options{}); err == nil {
				_, err := db.Save(Batch{Feeds: []ingest.FeedState{{URL: "https://feed.example/new"}}})
				if err != nil && !errors.Is(err, ErrDamaged) {
					t.Errorf("save: %v; want ErrDamaged", err)
				}
				db.Close()
			} else if tt.open == "" {
				t.Errorf("read-write open: %v", err)
			}
			if tt.open != "" {
				if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
					t.Error("opening the damaged file changed it")
				}
			}
		})
	}
}

func TestPanicOutsideBoltIsNotDamage(t *testing.T) {
	db := openTemp(t)
	defer func() {
		if r := recover(); r != "a bug" {
			t.Errorf("recovered %v; want the panic to go on", r)
		}
	}()
	db.view(func(*bbolt.Tx) error { panic("a bug") })
	t.Error("the panic was swallowed")
}

func TestOpenNewFileIsMadeWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policywatch.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("dir holds %v; want the database alone", entries)
	}
	if rep, err := Check(path, Options{}); err != nil || !rep.OK() {
		t.Errorf("check of a new file: %v %v", rep.Problems, err)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(tx *bbolt.Tx) error
		want   string
	}{
		{"sound", nil, ""},
		{"index entry lost", func(tx *bbolt.Tx) error {
			k, _ := tx.Bucket(bucketIdxCountry).Cursor().First()
			return tx.Bucket(bucketIdxCountry).Delete(k)
		}, "idx_country: no entry for event"},
		{"index entry of no event", func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketIdxService).Put([]byte("telegram\x002020-01-01\x00nosuchevent"), nil)
		}, "names no stored event"},
		{"counts off", func(tx *bbolt.Tx) error {
			c, _ := readCounts(tx)
			c.Events++
			return writeCounts(tx, c)
		}, "the meta bucket counts"},
		{"event does not decode", func(tx *bbolt.Tx) error {
			k, _ := tx.Bucket(bucketEvents).Cursor().First()
			return tx.Bucket(bucketEvents).Put(k, []byte("{not json"))
		}, "decode"},
		{"story member of no event", func(tx *bbolt.Tx) error {
			k, _ := tx.Bucket(bucketEvents).Cursor().First()
			return tx.Bucket(bucketEvents).Delete(k)
		}, "is not stored"},
		{"tally off", func(tx *bbolt.Tx) error {
			k, _ := tx.Bucket(bucketTallies).Cursor().First()
			return tx.Bucket(bucketTallies).Put(k, []byte{99})
		}, "counts 99 events"},
		{"story tally off", func(tx *bbolt.Tx) error {
			k, v := tx.Bucket(bucketStoryTallies).Cursor().First()
			t, _ := decodeTally(v)
			t.n++
			return tx.Bucket(bucketStoryTallies).Put(k, t.encode())
		}, "story_tallies are not what its events say"},
		{"story lost", func(tx *bbolt.Tx) error {
			k, _ := tx.Bucket(bucketStories).Cursor().First()
			return tx.Bucket(bucketStories).Delete(k)
		}, "story"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFixture(t, nil)
			if tt.break_ != nil {
				bdb, err := bbolt.Open(path, 0o644, nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := bdb.Update(tt.break_); err != nil {
					t.Fatal(err)
				}
				bdb.Close()
			}
			rep, err := Check(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if !rep.OK() {
					t.Errorf("problems in a sound file: %v", rep.Problems)
				}
				if rep.Records["events"] == 0 || rep.Records["articles"] != 300 {
					t.Errorf("records = %v", rep.Records)
				}
				return
			}
			if rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), tt.want) {
				t.Errorf("problems = %q; want one saying %q", rep.Problems, tt.want)
			}
		})
	}
}

// TestRecoverSound recovers an undamaged file: everything is kept as it
// was, so the new file holds the same records.
func TestRecoverSound(t *testing.T) {
	path := writeFixture(t, nil)
	to := filepath.Join(t.TempDir(), "recovered.db")
	rep, err := Recover(path, to, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unreadable) > 0 || rep.DroppedN > 0 || rep.Regrouped > 0 {
		t.Errorf("report of a sound file: %+v", rep)
	}
	old, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	db, err := Open(to, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, b := dump(t, old), dump(t, db)
	for name := range a {
		if name == string(bucketAlertsMeta) {
			continue // coverage moves to the time of the recovery
		}
		if fmt.Sprint(a[name]) != fmt.Sprint(b[name]) {
			t.Errorf("bucket %s differs after recovery", name)
		}
	}
	if _, err := Recover(path, to, Options{}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("recover onto an existing file: %v", err)
	}
}

func TestBackupWhileReading(t *testing.T) {
	path := writeFixture(t, nil)
	// A query or a server holds the file open, reading.
	reader, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	want, err := reader.Events(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "backup.db")
	if _, err := Backup(path, to, Options{}); err != nil {
		t.Fatal(err)
	}
	if rep, err := Check(to, Options{}); err != nil || !rep.OK() {
		t.Fatalf("check of the backup: %v %v", rep.Problems, err)
	}
	db, err := Open(to, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Events(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids(got)) != fmt.Sprint(ids(want)) {
		t.Error("the backup holds other events")
	}
	if _, err := Backup(path, path, Options{}); err == nil {
		t.Error("backup onto the database itself succeeded")
	}

	damaged := writeFixture(t, func(b []byte) []byte { return b[:200000] })
	if _, err := Backup(damaged, to, Options{}); !errors.Is(err, ErrDamaged) {
		t.Errorf("backup of a damaged file: %v; want ErrDamaged", err)
	}
	if rep, err := Check(to, Options{}); err != nil || !rep.OK() {
		t.Errorf("a failed backup spoiled the one before: %v %v", rep.Problems, err)
	}
}

// TestFaultInjection damages the fixture in many ways, one seed each
// (-faultseed=N runs one): it is cut short, bytes are flipped at random
// offsets, and pages are zeroed. No read panics and each error is
// damage naming the file; recover succeeds, its file passes Check, and
// it keeps every article, event and feed record whose leaf page (the page
// holding it, with its overflow pages) the damage left alone, unchanged,
// whether or not the pages above it survived.
func TestFaultInjection(t *testing.T) {
	// Each seed costs a recovery and two checks of the whole file; the
	// race detector slows them many times over and has nothing to find
	// in one goroutine's reads.
	seeds := 36
	if testing.Short() || race.Enabled {
		seeds = 8
	}
	raw := fixtureFile(t)
	recs := pagedRecords(t, raw, "articles", "events", "feeds")
	pages := uint64(len(raw) / testPageSize)

	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		if *faultSeed != 0 && seed != *faultSeed {
			continue
		}
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 0x9e3779b9))
			hit := map[uint64]bool{}
			var what string
			damage := func(b []byte) []byte {
				switch seed % 3 {
				case 0:
					n := 2*testPageSize + r.IntN(len(b)-2*testPageSize)
					for p := uint64(n / testPageSize); p < pages; p++ {
						hit[p] = true
					}
					what = fmt.Sprintf("cut to %d bytes", n)
					return b[:n]
				case 1:
					k := 1 + r.IntN(40)
					for range k {
						off := 2*testPageSize + r.IntN(len(b)-2*testPageSize)
						b[off] ^= byte(1 + r.IntN(255))
						hit[uint64(off/testPageSize)] = true
					}
					what = fmt.Sprintf("%d bytes flipped", k)
				default:
					k := 1 + r.IntN(3)
					for range k {
						p := 2 + r.Uint64N(pages-2)
						clear(b[p*testPageSize : (p+1)*testPageSize])
						hit[p] = true
					}
					what = fmt.Sprintf("%d pages zeroed", k)
				}
				return b
			}
			path := writeFixture(t, damage)
			t.Logf("seed %d: %s, pages %v", seed, what, keysOf(hit))
			readEverything(t, path)
			if _, err := Check(path, Options{}); err != nil {
				t.Errorf("check: %v", err)
			}
			if err := CheckPages(path, Options{}); err == nil {
				if db, err := Open(path, Options{}); err == nil {
					if _, err := db.Save(Batch{Feeds: []ingest.FeedState{{URL: "https://feed.example/new"}}}); err != nil && !errors.Is(err, ErrDamaged) {
						t.Errorf("save: %v; want ErrDamaged", err)
					}
					db.Close()
				}
			}

			to := filepath.Join(t.TempDir(), "recovered.db")
			rep, err := Recover(path, to, Options{})
			if err != nil {
				t.Fatalf("recover: %v", err)
			}
			if cr, err := Check(to, Options{}); err != nil || !cr.OK() {
				t.Fatalf("check of the recovered file: %v %v", cr.Problems, err)
			}
			db, err := Open(to, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			checkStories(t, db)
			got := dump(t, db)
			lost, cutOff := 0, 0
			for _, x := range recs {
				untouched, reachable := true, true
				for _, p := range x.leaf {
					untouched = untouched && !hit[p]
				}
				for _, p := range x.path {
					reachable = reachable && !hit[p]
				}
				v, ok := got[x.bucket][x.key]
				switch {
				case untouched && !ok:
					t.Errorf("%s %q lies on untouched leaf pages %v (path %v) but was not recovered", x.bucket, x.key, x.leaf, x.path)
				case untouched && v != x.value:
					t.Errorf("%s %q lies on untouched leaf pages but was recovered changed", x.bucket, x.key)
				case !ok:
					lost++
				case !reachable:
					cutOff++
				}
			}
			t.Logf("recovered: %v; lost %d of %d records; %d cut off from their tree but kept (orphaned %v); %d pages unreadable", rep.Kept, lost, len(recs), cutOff, rep.Orphaned, len(rep.Unreadable))
		})
	}
}

func keysOf(m map[uint64]bool) []uint64 {
	var out []uint64
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestRecoverArticleWithoutKey recovers a file whose article record lost
// its item key to a flipped byte: in CBOR a field is named by a small
// integer, and one flipped bit makes key 2 a number no field has, which
// decodes as an article with an empty key. Recover must drop it, as it
// drops any record Save could not have written, not fail on it.
func TestRecoverArticleWithoutKey(t *testing.T) {
	path := writeFixture(t, nil)
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	var damaged string
	err = bdb.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketArticles)
		k, v := b.Cursor().First()
		damaged = string(k)
		var fields map[int]cbor.RawMessage
		if err := cbor.Unmarshal(v, &fields); err != nil {
			return err
		}
		fields[2^0x10] = fields[2] // the field number's bit 4 flipped
		delete(fields, 2)
		raw, err := cbor.Marshal(fields)
		if err != nil {
			return err
		}
		return b.Put(bytes.Clone(k), raw)
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := Check(path, Options{}); err != nil || rep.OK() {
		t.Fatalf("check of the damaged file: %+v, %v; want problems found", rep, err)
	}
	to := filepath.Join(t.TempDir(), "recovered.db")
	rep, err := Recover(path, to, Options{})
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if !slices.ContainsFunc(rep.Dropped, func(s string) bool { return strings.Contains(s, damaged) }) {
		t.Errorf("dropped %q; want article %s among them", rep.Dropped, damaged)
	}
	if rep, err := Check(to, Options{}); err != nil || !rep.OK() {
		t.Errorf("check of the recovered file: %+v, %v", rep.Problems, err)
	}
}

// TestDamagedTallyKind: a flipped byte in a count's key gives a kind no
// release writes; stats reports the file damaged instead of panicking.
func TestDamagedTallyKind(t *testing.T) {
	path := writeFixture(t, nil)
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTallies)
		k, v := b.Cursor().Seek([]byte{0})
		if k == nil || k[0] != 0 {
			return errors.New("no count of any period")
		}
		bad := bytes.Clone(k)
		bad[1] = 0x9a
		return b.Put(bad, bytes.Clone(v))
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Stats(Filter{}); !errors.Is(err, ErrDamaged) {
		t.Errorf("stats: %v; want the file reported damaged", err)
	}
}

// TestRecoverEventInvalidUTF8: a flipped byte inside an event's service
// leaves invalid UTF-8, which no story record (JSON) can hold as the
// index keys do; recover drops the event, and the file it makes passes
// check.
func TestRecoverEventInvalidUTF8(t *testing.T) {
	path := writeFixture(t, nil)
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	var damaged string
	err = bdb.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketEvents)
		k, v := b.Cursor().First()
		i := bytes.Index(v, []byte("telegram"))
		if i < 0 {
			return errors.New("first event is not about telegram")
		}
		damaged = string(k)
		raw := bytes.Clone(v)
		raw[i+3] = 0x9a // "tel\x9agram"
		return b.Put(bytes.Clone(k), raw)
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "recovered.db")
	rep, err := Recover(path, to, Options{})
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if !slices.ContainsFunc(rep.Dropped, func(s string) bool { return strings.Contains(s, damaged[len(damaged)-8:]) }) {
		t.Errorf("dropped %q; want the event under %q among them", rep.Dropped, damaged)
	}
	if rep, err := Check(to, Options{}); err != nil || !rep.OK() {
		t.Errorf("check of the recovered file: %+v, %v", rep.Problems, err)
	}
}

// A branch page whose first child pointer names the page itself, as a
// flipped byte of a pointer can make it, sends bbolt's cursor over the
// same keys again and again. A scan gathered them without end (a day's
// events, then every event or story); it now reports the damage. Reading
// the file must not eat the machine's memory before the fix either: past
// a bound the test binary ends, with every goroutine's stack.
func TestPageCycleIsDamage(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if metrics.Read(sample); sample[0].Value.Uint64() > 2<<30 {
				debug.SetTraceback("all")
				panic("TestPageCycleIsDamage: reading a file whose pages point back up the tree grows the heap past 2 GB")
			}
		}
	}()
	all := func(f Filter) func(db *DB) (int, error) {
		return func(db *DB) (int, error) {
			evs, err := db.Events(f)
			return len(evs), err
		}
	}
	stories := func(f StoryFilter) func(db *DB) (int, error) {
		return func(db *DB) (int, error) {
			list, err := db.Stories(f)
			return len(list), err
		}
	}
	// Which element of the branch page points back: not one a read's
	// Seek goes down, where bbolt would recurse until the stack
	// overflows, which only bbolt could prevent. Events are scanned from
	// the newest back, through element 0 last; idx_story_last from its
	// newest back too, and the others from their first key on, through
	// element 1 after 0.
	for _, tt := range []struct {
		bucket string
		elem   int
		reads  map[string]func(*DB) (int, error)
	}{
		{"events", 0, map[string]func(*DB) (int, error){
			"events":            all(Filter{}),
			"events since 2016": all(Filter{Since: "2016"}),
			"events until 2018": all(Filter{Until: "2018"}),
			"each event": func(db *DB) (n int, err error) {
				return n, db.EachEvent(Filter{}, func(event.Record) error { n++; return nil })
			},
		}},
		{"idx_story_last", 1, map[string]func(*DB) (int, error){
			"stories": stories(StoryFilter{}),
		}},
		{"idx_story_updated", 1, map[string]func(*DB) (int, error){
			"changed stories": stories(StoryFilter{ChangedSince: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}),
		}},
	} {
		t.Run(tt.bucket, func(t *testing.T) {
			raw := fixtureFile(t)
			pf := pageOf(t, raw)
			var branch uint64
			for _, id := range bucketPages(t, raw, tt.bucket) {
				if p, err := pf.page(id, flagBranch|flagLeaf); err == nil && nativeEndian.Uint16(p[8:]) == flagBranch {
					branch = id
					break
				}
			}
			if branch == 0 {
				t.Fatalf("the fixture's %s has no branch page", tt.bucket)
			}
			at := int(branch)*testPageSize + pageHeaderSize + tt.elem*elementSize
			nativeEndian.PutUint64(raw[at+8:], branch) // the element's child: the page itself
			path := writeFixture(t, func([]byte) []byte { return raw })
			db, err := Open(path, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for what, read := range tt.reads {
				n, err := read(db)
				if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "out of order") {
					t.Errorf("%s: %d read, error %v; want the damage reported", what, n, err)
				}
			}
		})
	}
}
