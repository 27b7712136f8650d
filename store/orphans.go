package store

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/policywatch/policywatch/ingest"
)

// Orphaned leaf pages.
//
// Recover reads records by walking each bucket's tree from its root, and a
// lost root or branch page takes every page below it out of reach. Yet
// the leaf pages below it, which hold the records, are most of the file
// and often survive: a file cut short loses its last pages, where bbolt
// put the roots it wrote last. So when a tree cannot be walked whole,
// Recover also reads every leaf page the walk did not reach and tells
// from its records which bucket it belongs to.
//
// bbolt writes copy on write: a page that changes is written anew and the
// old one freed, to be used again later, so a leaf out of reach is either
// a current page cut off from its tree or an old version of one, left on
// a freed page. Pages carry no transaction id; the freelist tells them
// apart. A page on it is old and is left alone (its records are older
// versions of ones stored elsewhere, or records since deleted); one
// neither reached nor free is current. When the freelist is lost too,
// every leaf out of reach is taken, a record on a reachable page is
// preferred to one on a page out of reach, and of two versions of a
// record out of reach the one with the later time in it (an article's
// fetch, a story's update, a feed's last fetch, an alert's last change)
// is kept, or else the one on the lower page; the report says how many
// records may be older versions.

// orphanRecord is a record read from a leaf page out of reach.
type orphanRecord struct {
	value []byte
	page  uint64
	stamp time.Time // when the record says it was written, if it says
}

// orphanKind recognises the records of one bucket by their shape: fits
// says whether a key and value could be one of its records, strictly
// enough that no record fits two buckets; stamp is the time the record
// says it was written, zero if it says none.
type orphanKind struct {
	bucket string
	fits   func(k, v []byte) bool
	stamp  func(v []byte) time.Time
}

// orphanKinds are the buckets Recover copies. The indexes, the item keys
// and the meta bucket, which Recover rebuilds rather than copies, fit
// none, and their pages are left.
var orphanKinds = []orphanKind{
	{bucket: string(bucketEvents), fits: func(k, v []byte) bool {
		// The key is the event's id, or ends with it: a layout that
		// orders events by date puts the date first.
		r, err := decodeEvent(v)
		if err != nil || r.ID == "" || !bytes.HasSuffix(k, []byte(r.ID)) {
			return false
		}
		if err := validateEvent(r.ArticleID, 0, &r.Event); err != nil {
			return false
		}
		_, err = padDate(r.Date)
		return err == nil
	}},
	{bucket: string(bucketArticles), fits: func(k, v []byte) bool {
		a, err := decodeArticle(v)
		return err == nil && a.ID == string(k) && a.Key != ""
	}, stamp: func(v []byte) time.Time {
		a, _ := decodeArticle(v)
		return a.Fetched
	}},
	{bucket: string(bucketStories), fits: func(k, v []byte) bool {
		_, err := decodeValidStory(k, v)
		return err == nil
	}, stamp: func(v []byte) time.Time {
		var r storyRecord
		json.Unmarshal(v, &r)
		return r.Updated
	}},
	{bucket: string(bucketFeeds), fits: func(k, v []byte) bool {
		var st ingest.FeedState
		return len(k) > 0 && json.Unmarshal(v, &st) == nil && st.URL == string(k)
	}, stamp: func(v []byte) time.Time {
		var st ingest.FeedState
		json.Unmarshal(v, &st)
		return st.LastFetched
	}},
	{bucket: string(bucketStoryEvents), fits: func(k, v []byte) bool {
		sid, eid, ok := bytes.Cut(k, []byte{0})
		if !ok || !isRecordID(sid) || !isRecordID(eid) {
			return false
		}
		_, err := decodeMember(string(eid), v)
		return err == nil
	}},
	{bucket: string(bucketEventStory), fits: func(k, v []byte) bool {
		return isRecordID(k) && isRecordID(v)
	}},
	{bucket: string(bucketAlertsSent), fits: func(k, v []byte) bool {
		rule, sid, ok := bytes.Cut(k, []byte{0})
		var rec AlertRecord
		return ok && len(rule) > 0 && isRecordID(sid) && json.Unmarshal(v, &rec) == nil && knownAlertState(rec.State) && !rec.At.IsZero()
	}, stamp: func(v []byte) time.Time {
		var rec AlertRecord
		json.Unmarshal(v, &rec)
		return rec.At
	}},
	{bucket: string(bucketWARCFiles), fits: func(k, v []byte) bool {
		var f WARCFile
		return len(k) > 0 && json.Unmarshal(v, &f) == nil && f.Name == string(k) && !f.Finished.IsZero()
	}, stamp: func(v []byte) time.Time {
		var f WARCFile
		json.Unmarshal(v, &f)
		return f.Finished
	}},
}

// isRecordID reports whether b looks like the id of an article, event or
// story: 24 lower-case hex digits (see ingest.ArticleID, event.ID,
// storyID).
func isRecordID(b []byte) bool {
	if len(b) != 24 {
		return false
	}
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func knownAlertState(s AlertState) bool {
	switch s {
	case AlertSending, AlertSent, AlertFailed, AlertGaveUp, AlertUnknown, AlertQueued:
		return true
	}
	return false
}

// orphanScan is what reading the leaf pages out of reach found.
type orphanScan struct {
	// records holds, for each bucket, the records found by key.
	records map[string]map[string]orphanRecord
	// freeKnown is whether the freelist could be read, so that old
	// pages were left out.
	freeKnown bool
	// versions counts the records found in more than one version.
	versions int
}

// orphans reads the leaf pages of pf that are not in used (the pages the
// walk reached) and keeps the records of those whose records all fit one
// of the buckets in lost, or of any bucket when lost is nil.
func (pf *pageFile) orphans(used map[uint64]bool, lost map[string]bool) orphanScan {
	scan := orphanScan{records: map[string]map[string]orphanRecord{}}
	var free map[uint64]bool
	if ids, err := pf.freePages(); err == nil && pf.meta.freelist != noFreelist {
		scan.freeKnown = true
		free = make(map[uint64]bool, len(ids))
		for _, id := range ids {
			free[id] = true
		}
	}
	var kinds []orphanKind
	for _, k := range orphanKinds {
		if lost == nil || lost[k.bucket] {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return scan
	}
	ps := int64(pf.meta.pageSize)
	head := make([]byte, pageHeaderSize)
	for id := uint64(2); id < pf.meta.pages && int64(id+1)*ps <= pf.size; id++ {
		if used[id] || free[id] {
			continue
		}
		if _, err := pf.r.ReadAt(head, int64(id)*ps); err != nil {
			continue
		}
		if nativeEndian.Uint64(head) != id || nativeEndian.Uint16(head[8:]) != flagLeaf {
			continue
		}
		p, err := pf.page(id, flagLeaf)
		if err != nil {
			continue
		}
		// A page whose overflow pages the tree uses was freed and its
		// tail written over since.
		overwritten := false
		for i := uint64(1); i < uint64(len(p))/uint64(ps); i++ {
			overwritten = overwritten || used[id+i] || free[id+i]
		}
		if overwritten {
			continue
		}
		els, err := elements(p)
		if err != nil || len(els) == 0 {
			continue
		}
		kind := pageKind(els, kinds)
		if kind == nil {
			continue
		}
		recs := scan.records[kind.bucket]
		if recs == nil {
			recs = map[string]orphanRecord{}
			scan.records[kind.bucket] = recs
		}
		for _, e := range els {
			r := orphanRecord{value: bytes.Clone(e.value), page: id}
			if kind.stamp != nil {
				r.stamp = kind.stamp(e.value)
			}
			old, ok := recs[string(e.key)]
			if ok && !bytes.Equal(old.value, r.value) {
				scan.versions++
			}
			if !ok || r.stamp.After(old.stamp) {
				recs[string(e.key)] = r
			}
		}
	}
	return scan
}

// pageKind is the one kind every element of a leaf page fits, or nil if
// none or several do. A page holding buckets is a root page, not a
// bucket's.
func pageKind(els []element, kinds []orphanKind) *orphanKind {
	for _, e := range els {
		if e.flags&flagBucketLeaf != 0 {
			return nil
		}
	}
	var found *orphanKind
	for i := range kinds {
		all := true
		for _, e := range els {
			if !kinds[i].fits(e.key, e.value) {
				all = false
				break
			}
		}
		if all {
			if found != nil {
				return nil
			}
			found = &kinds[i]
		}
	}
	return found
}
