package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
)

// pagedRecord is a record of a sound file with the pages it lies on.
type pagedRecord struct {
	bucket, key, value string
	// path is the pages from the root to the record, overflow pages
	// included; leaf is the page holding it and its overflow pages.
	path, leaf []uint64
}

// pagedRecords lists the records of the buckets named, from a sound
// file's pages.
func pagedRecords(t testing.TB, raw []byte, buckets ...string) []pagedRecord {
	t.Helper()
	pf := pageOf(t, raw)
	want := map[string]bool{}
	for _, b := range buckets {
		want[b] = true
	}
	var out []pagedRecord
	var w *walker
	w = &walker{pf: pf, bad: func(e *pageError) { t.Fatalf("fixture: %v", e) }, record: func(b string, k, v []byte) {
		if !want[b] {
			return
		}
		r := pagedRecord{bucket: b, key: string(k), value: string(v), path: append([]uint64(nil), w.path...)}
		// The leaf is the last page of the path that is a page and not
		// the overflow of one: its header names it.
		for i := len(r.path) - 1; i >= 0; i-- {
			id := r.path[i]
			if nativeEndian.Uint64(raw[id*testPageSize:]) == id {
				r.leaf = r.path[i:]
				break
			}
		}
		out = append(out, r)
	}}
	w.walk()
	return out
}

// TestRecoverOrphanedLeaves cuts the fixture short just before the root
// page of the events bucket, which bbolt wrote after its leaves: the tree
// is lost, its leaves before the cut are not, and recover must keep every
// record they hold.
func TestRecoverOrphanedLeaves(t *testing.T) {
	raw := fixtureFile(t)
	recs := pagedRecords(t, raw, "articles", "events", "feeds")
	var cut uint64
	for _, r := range recs {
		if r.bucket == "events" && len(r.path) > 2 {
			cut = r.path[1] // the bucket's root, below the file's root
			break
		}
	}
	beforeCut := func(pages []uint64) bool {
		for _, p := range pages {
			if p >= cut {
				return false
			}
		}
		return true
	}
	orphaned := 0
	for _, r := range recs {
		if r.bucket == "events" && beforeCut(r.leaf) && !beforeCut(r.path) {
			orphaned++
		}
	}
	if cut == 0 || orphaned == 0 {
		t.Fatalf("the fixture has no events leaf before its events root (page %d)", cut)
	}
	path := writeFixture(t, func(b []byte) []byte { return b[:cut*testPageSize] })
	to := filepath.Join(t.TempDir(), "recovered.db")
	rep, err := Recover(path, to, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cr, err := Check(to, Options{}); err != nil || !cr.OK() {
		t.Fatalf("check of the recovered file: %v %v", cr.Problems, err)
	}
	db, err := Open(to, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := dump(t, db)
	kept := 0
	for _, r := range recs {
		if !beforeCut(r.leaf) {
			continue
		}
		switch v, ok := got[r.bucket][r.key]; {
		case !ok:
			t.Errorf("%s %s lies on leaf page %v, before the cut at page %d, but was not recovered", r.bucket, r.key, r.leaf, cut)
		case v != r.value:
			t.Errorf("%s %s was recovered changed", r.bucket, r.key)
		default:
			kept++
		}
	}
	if rep.Orphaned["events"] != orphaned {
		t.Errorf("report: %d events from orphaned pages; want %d", rep.Orphaned["events"], orphaned)
	}
	t.Logf("cut at page %d: kept %d records, %v of them from orphaned pages (%d may be older); kept %v", cut, kept, rep.Orphaned, rep.OrphanedUnsure, rep.Kept)
}

// TestRecoverOrphansFreedPages checks that old versions of records, left
// on pages bbolt freed, are not taken for the current ones while the
// freelist says which pages are free, and are reported as possibly older
// when it is lost too.
func TestRecoverOrphansFreedPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policywatch.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The same events twice, the second time with another reason: the
	// events bucket's leaves are written anew and the old ones freed.
	var articles []ArticleEvents
	for n := range 120 {
		a := newArticle(fmt.Sprintf("https://news.example/%d", n), "Feed", "2024-03-01")
		e := newEvent(a, "IR", "telegram", event.Block, "2024-03-01")
		e.Reason = "first version"
		articles = append(articles, ArticleEvents{Article: a, Events: []event.Event{e}})
	}
	if _, err := db.Save(Batch{Articles: articles}); err != nil {
		t.Fatal(err)
	}
	for i := range articles {
		articles[i].Events[0].Reason = "second version"
	}
	if _, err := db.Save(Batch{Articles: articles, Feeds: []ingest.FeedState{{URL: "https://feed.example/"}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs := pagedRecords(t, raw, "events")
	root := recs[0].path[1]
	// The test means something only if freed pages hold old versions.
	pf := pageOf(t, raw)
	free, err := pf.freePages()
	if err != nil {
		t.Fatal(err)
	}
	stale := 0
	for _, id := range free {
		if p, err := pf.page(id, flagLeaf); err == nil && strings.Contains(string(p), "first version") {
			stale++
		}
	}
	if stale == 0 || len(recs) != len(articles) {
		t.Fatalf("no freed page holds an old event (%d events, freed %v)", len(recs), free)
	}

	zero := func(b []byte, id uint64) { clear(b[id*testPageSize : (id+1)*testPageSize]) }
	for _, tt := range []struct {
		name         string
		loseFreelist bool
	}{
		{"freelist read", false},
		{"freelist lost", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := append([]byte(nil), raw...)
			zero(b, root)
			if tt.loseFreelist {
				zero(b, pf.meta.freelist)
			}
			damaged := filepath.Join(t.TempDir(), "damaged.db")
			if err := os.WriteFile(damaged, b, 0o644); err != nil {
				t.Fatal(err)
			}
			to := filepath.Join(t.TempDir(), "recovered.db")
			rep, err := Recover(damaged, to, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if cr, err := Check(to, Options{}); err != nil || !cr.OK() {
				t.Fatalf("check of the recovered file: %v %v", cr.Problems, err)
			}
			db, err := Open(to, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got := dump(t, db)["events"]
			for _, r := range recs {
				v, ok := got[r.key]
				switch {
				case !ok:
					t.Errorf("event %s on leaf page %v was not recovered", r.key, r.leaf)
				case !tt.loseFreelist && v != r.value:
					t.Errorf("event %s was recovered in an old version, from a freed page", r.key)
				}
			}
			if rep.Orphaned["events"] != len(recs) {
				t.Errorf("report: %d events from orphaned pages; want %d", rep.Orphaned["events"], len(recs))
			}
			if tt.loseFreelist != (rep.OrphanedUnsure > 0) {
				t.Errorf("report: %d records may be older versions, with the freelist lost %v", rep.OrphanedUnsure, tt.loseFreelist)
			}
			if tt.loseFreelist && rep.OrphanedVersions == 0 {
				t.Error("report: no record found in two versions, with the freelist lost")
			}
			t.Logf("orphaned %v, unsure %d, versions %d", rep.Orphaned, rep.OrphanedUnsure, rep.OrphanedVersions)
		})
	}
}
