package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"time"

	"go.etcd.io/bbolt"
)

// CheckReport is what Check found.
type CheckReport struct {
	Path string `json:"path"`
	// Pages is how many pages of PageSize bytes the file uses.
	Pages    int `json:"pages"`
	PageSize int `json:"page_size"`
	// Records counts what each bucket holds, for a file whose pages
	// could be read.
	Records map[string]int `json:"records,omitempty"`
	// Problems says what is wrong, one finding each; none for a sound
	// file. Findings of one kind beyond the first few are counted in
	// one last line of that kind.
	Problems []string `json:"problems"`
}

// OK reports whether nothing was found wrong.
func (r CheckReport) OK() bool { return len(r.Problems) == 0 }

// maxPerKind is how many findings of one kind are listed.
const maxPerKind = 10

// Check reads the whole database at path and reports what is wrong with
// it, in three steps that each need the one before to pass: the header
// pages and the file's length; the page structure (every page of every
// bucket readable and in key order, the freelist, every page used or
// free but not both), read page by page without bbolt, and then bbolt's
// own consistency check (Tx.Check); and the store's invariants: records
// decode, every index entry names an event and every event has its
// index entries, stories and their members agree, and the counts kept
// in the meta bucket and the tallies bucket are those of the records
// there are.
//
// Check holds a shared lock while it reads, so it runs beside query and
// serve and waits for a batch being written. The error is for what
// stopped the check (a missing or locked file), not for damage found.
func Check(path string, opts Options) (CheckReport, error) {
	rep := CheckReport{Path: path, Problems: []string{}}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultWriteTimeout
	}
	var de *DamagedError
	switch err := checkFile(path, false); {
	case errors.Is(err, os.ErrNotExist):
		return rep, missingError{path}
	case errors.As(err, &de):
		rep.Problems = append(rep.Problems, de.Err.Error())
		return rep, nil
	case err != nil:
		return rep, err
	}
	bdb, err := bbolt.Open(path, 0, &bbolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		if errors.Is(err, bbolt.ErrTimeout) {
			return rep, fmt.Errorf("check %s: %w; a policywatch run is probably in progress; try again when it finishes", path, ErrLocked)
		}
		return rep, fmt.Errorf("check %s: %w", path, err)
	}
	defer bdb.Close()

	// With the lock held, nothing writes: the pages read now are the
	// ones bbolt sees.
	f, size, err := statFile(path)
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", path, err)
	}
	defer f.Close()
	pf, err := readPages(f, size)
	if err != nil {
		rep.Problems = append(rep.Problems, err.Error())
		return rep, nil
	}
	rep.Pages, rep.PageSize = int(pf.meta.pages), pf.meta.pageSize
	if errs := pf.structure(); len(errs) > 0 {
		c := newCollector(&rep)
		for _, e := range errs {
			c.add("page", e.Error())
		}
		c.flush()
		return rep, nil
	}

	db := &DB{bolt: bdb, path: path, now: time.Now, window: DefaultStoryWindow, version: SchemaVersion}
	c := newCollector(&rep)
	var older error
	err = db.view(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			c.add("bbolt", "bbolt: "+err.Error())
		}
		if len(rep.Problems) > 0 || c.n["bbolt"] > 0 {
			return nil
		}
		if err := db.checkSchema(tx); errors.Is(err, ErrNeedsUpgrade) {
			// Sound pages, in a layout whose records only an upgrade
			// makes checkable: that is no damage.
			older = err
			return nil
		} else if err != nil {
			c.add("schema", err.Error())
			return nil
		}
		rep.Records = map[string]int{}
		checkInvariants(tx, db.version, c, rep.Records)
		return nil
	})
	if err != nil {
		c.add("read", err.Error())
	}
	c.flush()
	if older != nil && rep.OK() {
		return rep, fmt.Errorf("check %s: its pages are sound, its records are checked once upgraded: %w", path, older)
	}
	return rep, nil
}

// CheckPages checks the page structure of the database at path, as
// Check's first two steps do, holding the shared lock of a reader. A run
// calls it before it writes: bbolt writing into a file whose pages are
// damaged (its freelist above all) spreads the damage. It reads every
// page, about a second a gigabyte from the page cache.
func CheckPages(path string, opts Options) error {
	opts.ReadOnly = true
	db, err := Open(path, opts)
	if errors.Is(err, ErrNeedsUpgrade) {
		// An older file is checked all the same, before its upgrade
		// writes to it: with bbolt's lock, but without the schema.
		return checkOlderPages(path, opts)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	return db.view(func(*bbolt.Tx) error { return checkPages(path) })
}

func checkOlderPages(path string, opts Options) error {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultReadTimeout
	}
	bdb, err := bbolt.Open(path, 0, &bbolt.Options{ReadOnly: true, Timeout: timeout})
	if errors.Is(err, bbolt.ErrTimeout) {
		return fmt.Errorf("open %s: %w; a policywatch run is probably in progress; try again when it finishes", path, ErrLocked)
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer bdb.Close()
	return bdb.View(func(*bbolt.Tx) error { return checkPages(path) })
}

// checkPages reads the pages of the file at path, which the caller holds
// the lock of, and returns the damage found.
func checkPages(path string) error {
	f, size, err := statFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	pf, err := readPages(f, size)
	if err != nil {
		return &DamagedError{Path: path, Err: err}
	}
	switch errs := pf.structure(); len(errs) {
	case 0:
		return nil
	case 1:
		return &DamagedError{Path: path, Err: errs[0]}
	default:
		return &DamagedError{Path: path, Err: fmt.Errorf("%w, and %d more problems", errs[0], len(errs)-1)}
	}
}

// collector gathers findings, at most maxPerKind of each kind.
type collector struct {
	rep   *CheckReport
	n     map[string]int
	kinds []string
}

func newCollector(rep *CheckReport) *collector {
	return &collector{rep: rep, n: map[string]int{}}
}

func (c *collector) add(kind, msg string) {
	if c.n[kind] == 0 {
		c.kinds = append(c.kinds, kind)
	}
	c.n[kind]++
	if c.n[kind] <= maxPerKind {
		c.rep.Problems = append(c.rep.Problems, msg)
	}
}

func (c *collector) addf(kind, format string, args ...any) { c.add(kind, fmt.Sprintf(format, args...)) }

// flush adds a line for each kind with findings beyond those listed.
func (c *collector) flush() {
	for _, k := range c.kinds {
		if n := c.n[k]; n > maxPerKind {
			c.rep.Problems = append(c.rep.Problems, fmt.Sprintf("… and %d more problems of the same kind (%s)", n-maxPerKind, k))
		}
	}
	c.kinds = nil
}

// eventInfo is what the invariants need of an event: its index keys.
type eventInfo struct {
	n       int // position, for the seen flags
	article string
	keys    []indexEntry
	date    string // padded
	member  []byte // its story_events value
	triple  string // country, service and action, as triplePrefix has them
}

// checkInvariants checks what Save keeps true of the buckets.
func checkInvariants(tx *bbolt.Tx, version int, c *collector, records map[string]int) {
	for _, name := range slices.Concat(allBuckets, [][]byte{bucketIdxStoryUpdated, bucketAlertsSent, bucketAlertsMeta, bucketWARCFiles}) {
		if b := tx.Bucket(name); b != nil {
			records[string(name)] = b.Stats().KeyN
		}
	}

	// Articles and their item keys.
	articles := tx.Bucket(bucketArticles)
	articleKeys := map[string]string{}
	articles.ForEach(func(k, v []byte) error {
		a, err := decodeArticle(v)
		switch {
		case err != nil:
			c.addf("article", "article %s: %v", k, err)
		case a.ID != string(k):
			c.addf("article", "article %s: stored under the id %s", a.ID, k)
		default:
			articleKeys[a.ID] = a.Key
		}
		return nil
	})
	tx.Bucket(bucketKeys).ForEach(func(k, v []byte) error {
		if key, ok := articleKeys[string(v)]; !ok || key != string(k) {
			c.addf("keys", "item key %q names article %s, which is not stored under that key", k, v)
		}
		return nil
	})
	if n, m := records[string(bucketKeys)], records[string(bucketArticles)]; n != m {
		c.addf("keys", "%d item keys for %d articles", n, m)
	}

	// Events, and the indexes that must name each exactly once.
	events := map[string]*eventInfo{}
	var order []string // event ids in key order, for findings in a stable order
	tallies := tallyDelta{}
	tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
		r, date, err := decodeValidEvent(k, v)
		if err == nil && events[r.ID] != nil {
			err = fmt.Errorf("event %s is stored twice", r.ID)
		}
		if err != nil {
			c.addf("event", "event %q: %v", k, err)
			return nil
		}
		// An event whose article is gone is no problem: it reads alone,
		// and the article, fetched again, replaces it. Recover keeps
		// such events.
		info := &eventInfo{n: len(events), article: r.ArticleID, date: date, keys: eventIndexKeys(r.Event, date)[1:], member: memberOf(&r.Event).encode(),
			triple: string(triplePrefix(r.Country, r.Service, string(r.Action)))}
		info.keys = append(info.keys, indexEntry{bucketArticleEvents, pairKey(r.ArticleID, r.ID)})
		events[r.ID] = info
		order = append(order, r.ID)
		tallies.add(&r.Event, 1)
		return nil
	})
	// A file written before the tallies has none until its first
	// read-write open makes them.
	if b := tx.Bucket(bucketTallies); b != nil {
		checkTallies(b, tallies, c)
	}
	// event_dates, which says where each event is in the events bucket.
	seenDate := make([]bool, len(events))
	tx.Bucket(bucketEventDates).ForEach(func(k, v []byte) error {
		switch info, ok := events[string(k)]; {
		case !ok:
			c.addf("index", "%s: entry %q names no stored event", bucketEventDates, k)
		case info.date != string(v):
			c.addf("index", "%s: event %s is dated %s, but stored under %s", bucketEventDates, k, v, info.date)
		default:
			seenDate[info.n] = true
		}
		return nil
	})
	for _, id := range order {
		if !seenDate[events[id].n] {
			c.addf("index", "%s: no entry for event %s", bucketEventDates, id)
		}
	}
	for i, name := range eventIndexBuckets() {
		b := tx.Bucket(name)
		if b == nil {
			c.addf("index", "%s: the index is missing", name)
			continue
		}
		seen := make([]bool, len(events))
		b.ForEach(func(k, _ []byte) error {
			id := k[bytes.LastIndexByte(k, 0)+1:]
			info, ok := events[string(id)]
			switch {
			case !ok:
				c.addf("index", "%s: entry %q names no stored event", name, k)
			case !bytes.Equal(info.keys[i].key, k):
				c.addf("index", "%s: entry %q does not match event %s", name, k, id)
			default:
				seen[info.n] = true
			}
			return nil
		})
		for _, id := range order {
			if !seen[events[id].n] {
				c.addf("index", "%s: no entry for event %s", name, id)
			}
		}
	}

	if version >= 2 {
		checkStoryInvariants(tx, events, order, c)
	}

	// The counts Save keeps.
	if kept, ok := readCounts(tx); ok {
		for _, k := range []struct {
			what   string
			kept   int
			bucket []byte
		}{
			{"articles", kept.Articles, bucketArticles},
			{"events", kept.Events, bucketEvents},
			{"stories", kept.Stories, bucketStories},
		} {
			if n, ok := records[string(k.bucket)]; ok && n != k.kept {
				c.addf("counts", "the meta bucket counts %d %s, but %d are stored", k.kept, k.what, n)
			}
		}
	} else if version >= 2 {
		c.add("counts", "the meta bucket has no counts")
	}

	tx.Bucket(bucketFeeds).ForEach(func(k, v []byte) error {
		var st json.RawMessage
		if err := json.Unmarshal(v, &st); err != nil {
			c.addf("feed", "feed %s: %v", k, err)
		}
		return nil
	})
	if b := tx.Bucket(bucketAlertsSent); b != nil {
		b.ForEach(func(k, v []byte) error {
			var rec AlertRecord
			if bytes.IndexByte(k, 0) < 0 {
				c.addf("alert", "alert record %q: malformed key", k)
			} else if err := json.Unmarshal(v, &rec); err != nil {
				c.addf("alert", "alert record %q: %v", k, err)
			}
			return nil
		})
	}
}

// checkStoryInvariants checks that stories, their members and their indexes
// agree with each other and with the events.
func checkStoryInvariants(tx *bbolt.Tx, events map[string]*eventInfo, order []string, c *collector) {
	type storyInfo struct {
		rec     storyRecord
		members []memberEntry
		keys    [3][]byte // idx_story_triple, idx_story_last, idx_story_updated
	}
	stories := map[string]*storyInfo{}
	tx.Bucket(bucketStories).ForEach(func(k, v []byte) error {
		var s storyInfo
		if err := json.Unmarshal(v, &s.rec); err != nil {
			c.addf("story", "story %s: %v", k, err)
			return nil
		}
		last, err := storyLastKey(&s.rec.Story)
		if err != nil || s.rec.ID != string(k) {
			c.addf("story", "story %s: malformed record", k)
			return nil
		}
		s.keys = [3][]byte{tripleKey(&s.rec, s.rec.SpanFrom, s.rec.SpanTo), last, updatedKey(s.rec.Updated, s.rec.ID)}
		stories[string(k)] = &s
		return nil
	})
	// A file written before story_tallies has none, and a story
	// recomputed by no Save since has none yet.
	tallies := tx.Bucket(bucketStoryTallies)
	if tallies != nil {
		tallies.ForEach(func(k, _ []byte) error {
			sid, _, _ := bytes.Cut(k, []byte{0})
			if _, ok := stories[string(sid)]; !ok {
				c.addf("story", "%s: story %s is not stored", bucketStoryTallies, sid)
			}
			return nil
		})
	}
	eventStory := tx.Bucket(bucketEventStory)
	tx.Bucket(bucketStoryEvents).ForEach(func(k, v []byte) error {
		sid, eid, ok := bytes.Cut(k, []byte{0})
		if !ok {
			c.addf("story", "%s: malformed key %q", bucketStoryEvents, k)
			return nil
		}
		m, err := decodeMember(string(eid), v)
		if err != nil {
			c.addf("story", "story %s: member %s: %v", sid, eid, err)
		}
		if s, ok := stories[string(sid)]; ok && err == nil {
			s.members = append(s.members, m)
		} else if !ok {
			c.addf("story", "%s: story %s is not stored", bucketStoryEvents, sid)
		}
		if e, ok := events[string(eid)]; !ok {
			c.addf("story", "story %s: member event %s is not stored", sid, eid)
		} else if !bytes.Equal(e.member, v) {
			c.addf("story", "story %s: what it holds of event %s is not what the event says", sid, eid)
		} else if s, ok := stories[string(sid)]; ok && e.triple != string(triplePrefix(s.rec.Country, s.rec.Service, string(s.rec.Action))) {
			c.addf("story", "story %s (%s %s %s) holds event %s of another country, service or action", sid, s.rec.Country, s.rec.Service, s.rec.Action, eid)
		}
		if got := eventStory.Get(eid); !bytes.Equal(got, sid) {
			c.addf("story", "story %s lists event %s, which %s puts in story %q", sid, eid, bucketEventStory, got)
		}
		return nil
	})
	ids := make([]string, 0, len(stories))
	for id := range stories {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := stories[id]
		if len(s.members) == 0 {
			c.addf("story", "story %s has no events", id)
			continue
		}
		want := s.rec
		ts := summarise(&want, s.members)
		// Through JSON and back, as a story record is stored: a member
		// whose feed name a damaged byte left invalid UTF-8 is held by
		// its story with U+FFFD, which is all JSON can keep of it.
		a, _ := json.Marshal(want)
		var stored storyRecord
		if json.Unmarshal(a, &stored) == nil {
			a, _ = json.Marshal(stored)
		}
		b, _ := json.Marshal(s.rec)
		if !bytes.Equal(a, b) {
			c.addf("story", "story %s: its record is not what its events say", id)
		}
		if tallies != nil {
			checkStoryTallies(tx, id, ts, c)
		}
	}
	for _, id := range order {
		sid := eventStory.Get([]byte(id))
		if sid == nil {
			c.addf("story", "event %s is in no story", id)
			continue
		}
		if _, ok := stories[string(sid)]; !ok {
			c.addf("story", "event %s: its story %s is not stored", id, sid)
		}
	}
	eventStory.ForEach(func(k, _ []byte) error {
		if _, ok := events[string(k)]; !ok {
			c.addf("story", "%s: event %s is not stored", bucketEventStory, k)
		}
		return nil
	})
	for i, name := range [][]byte{bucketIdxStoryTriple, bucketIdxStoryLast, bucketIdxStoryUpdated} {
		b := tx.Bucket(name)
		if b == nil {
			continue
		}
		seen := map[string]bool{}
		b.ForEach(func(k, _ []byte) error {
			id := string(k[bytes.LastIndexByte(k, 0)+1:])
			s, ok := stories[id]
			switch {
			case !ok:
				c.addf("story index", "%s: entry %q names no stored story", name, k)
			case !bytes.Equal(s.keys[i], k):
				c.addf("story index", "%s: entry %q does not match story %s", name, k, id)
			default:
				seen[id] = true
			}
			return nil
		})
		for _, id := range ids {
			if !seen[id] {
				c.addf("story index", "%s: no entry for story %s", name, id)
			}
		}
	}
}

// String is the report as a person reads it.
func (r CheckReport) String() string {
	var b bytes.Buffer
	if r.OK() {
		fmt.Fprintf(&b, "%s: no problems found", r.Path)
	} else {
		fmt.Fprintf(&b, "%s: %d problem%s found", r.Path, len(r.Problems), map[bool]string{true: "", false: "s"}[len(r.Problems) == 1])
	}
	if r.Pages > 0 {
		fmt.Fprintf(&b, " (%d pages of %d bytes)", r.Pages, r.PageSize)
	}
	b.WriteString("\n")
	if r.Records != nil {
		for _, name := range []string{"articles", "events", "stories", "feeds", "alerts_sent"} {
			if n, ok := r.Records[name]; ok {
				b.WriteString("  " + name + ": " + strconv.Itoa(n) + "\n")
			}
		}
	}
	for _, p := range r.Problems {
		b.WriteString("  - " + p + "\n")
	}
	return b.String()
}
