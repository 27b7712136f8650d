package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the version of the on-disk format this package writes
// and understands. See the package documentation for the layout.
const SchemaVersion = 4

// DefaultStoryWindow is how far apart two reports of the same country,
// service and action may be and still be one story.
const DefaultStoryWindow = 14 * 24 * time.Hour

var (
	// ErrLocked means another process holds the database file.
	ErrLocked = errors.New("database is locked by another process")
	// ErrSchema means the file was written by a newer (or unknown) format.
	ErrSchema = errors.New("unsupported database schema")
	// ErrNotFound means the requested record is not in the store.
	ErrNotFound = errors.New("not found")
	// ErrNeedsUpgrade means the file is an older format that a read-only
	// handle can read events from but cannot upgrade for what was asked.
	ErrNeedsUpgrade = errors.New("database needs an upgrade")
)

// Bucket names; they are the on-disk format, see the package documentation.
var (
	bucketMeta          = []byte("meta")
	bucketFeeds         = []byte("feeds")
	bucketArticles      = []byte("articles")
	bucketKeys          = []byte("keys")
	bucketEvents        = []byte("events")
	bucketArticleEvents = []byte("article_events")
	bucketIdxCountry    = []byte("idx_country")
	bucketIdxService    = []byte("idx_service")
	bucketIdxAction     = []byte("idx_action")
	// Since schema version 3, in place of idx_date: the events bucket
	// is in date order itself, and this says where an event is in it.
	bucketEventDates = []byte("event_dates")

	// Since schema version 2.
	bucketStories        = []byte("stories")
	bucketStoryEvents    = []byte("story_events")
	bucketEventStory     = []byte("event_story")
	bucketIdxStoryTriple = []byte("idx_story_triple")
	bucketIdxStoryLast   = []byte("idx_story_last")

	// Added within version 2, so a file written before it lacks it:
	// opening such a file read-write builds it, and read-only, listing
	// stories changed since a time falls back to reading them all.
	bucketIdxStoryUpdated = []byte("idx_story_updated")

	eventBuckets = [][]byte{
		bucketMeta, bucketFeeds, bucketArticles, bucketKeys, bucketEvents, bucketEventDates,
		bucketArticleEvents, bucketIdxCountry, bucketIdxService, bucketIdxAction,
	}
	storyBuckets = [][]byte{
		bucketStories, bucketStoryEvents, bucketEventStory, bucketIdxStoryTriple, bucketIdxStoryLast,
	}
	// Clipped, so that appending to it always copies: callers add the
	// buckets of later versions, concurrently.
	allBuckets = slices.Clip(slices.Concat(eventBuckets, storyBuckets))

	keySchemaVersion = []byte("schema_version")
)

// Default lock timeouts. A reader gives up quickly so an interactive query
// during a nightly run fails fast; a writer waits a little longer because
// a short query may be about to finish.
const (
	defaultReadTimeout  = time.Second
	defaultWriteTimeout = 5 * time.Second
)

// Options configure Open.
type Options struct {
	ReadOnly bool
	// Timeout is how long to wait for the file lock; 0 means 1s for
	// read-only and 5s for read-write.
	Timeout time.Duration
	// StoryWindow is how far an event's date may lie from a story's dates
	// for the event to join it; 0 means DefaultStoryWindow. It applies to
	// events as they are saved: stories already stored are not regrouped
	// when it changes.
	StoryWindow time.Duration
	// Progress, if set, hears how an upgrade made by a read-write open
	// goes, step by step: called as a step begins (Done 0), every
	// hundredth of the way or so, and as it ends (End). An open of a
	// current file does not call it.
	Progress func(UpgradeStep)
}

// DB is an open policywatch database.
type DB struct {
	bolt *bbolt.DB
	path string
	// now stamps FirstSeen on new events and Created on new stories;
	// tests replace it.
	now    func() time.Time
	window time.Duration
	// version is the schema version of the file: SchemaVersion, except
	// for an older file opened read-only, which cannot be upgraded.
	version int
	// progress is Options.Progress.
	progress func(UpgradeStep)
	// releaseEvery is how many events a streaming scan reads between
	// releasing the pages it mapped; tests lower it.
	releaseEvery int
}

// Open opens the database at path. Read-write, it creates the file and
// its buckets when missing and records the schema version; read-only, the
// file must already exist. Either way a schema newer than SchemaVersion is
// refused with ErrSchema, and a lock held too long by another handle gives
// ErrLocked.
func Open(path string, opts Options) (*DB, error) {
	window := opts.StoryWindow
	switch {
	case window < 0:
		return nil, fmt.Errorf("open %s: negative story window %v", path, window)
	case window == 0:
		window = DefaultStoryWindow
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultWriteTimeout
		if opts.ReadOnly {
			timeout = defaultReadTimeout
		}
	}
	// bbolt would fail on a missing file with a bare ENOENT read-only, and
	// would initialise an empty one; it trusts the pages of a damaged one
	// until it panics. So a new file is made whole under another name
	// first, and an existing one has its header checked.
	err := checkFile(path, !opts.ReadOnly)
	if errors.Is(err, fs.ErrNotExist) {
		if opts.ReadOnly {
			return nil, missingError{path}
		}
		err = create(path, timeout)
	}
	if err != nil {
		return nil, err
	}

	bdb, err := bbolt.Open(path, 0o644, &bbolt.Options{ReadOnly: opts.ReadOnly, Timeout: timeout})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("open %s: %w; a policywatch run is probably in progress; try again when it finishes", path, ErrLocked)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrChecksum):
		return nil, fmt.Errorf("open %s: not a policywatch database: %w", path, err)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	}

	db := &DB{bolt: bdb, path: path, now: time.Now, window: window, version: SchemaVersion, progress: opts.Progress, releaseEvery: releaseEvery}
	switch {
	case opts.ReadOnly:
		err = db.view(db.checkSchema)
	case db.current():
		// Nothing to create or upgrade. An update transaction would
		// commit anyway, two fdatasyncs, and a run opens the file
		// thousands of times.
	default:
		if err = db.upgradeRecords(upgradeChunk); err == nil {
			err = db.upgradeText(upgradeChunk)
		}
		if err == nil {
			db.version = SchemaVersion // what initSchema makes of the file
			err = db.update(db.initSchema)
		}
	}
	if err != nil {
		bdb.Close()
		return nil, err
	}
	return db, nil
}

// create makes a new database at path: the file is written in full under
// a temporary name and linked into place, so that a process killed while
// making it never leaves an empty or half-made file at path (which would
// read as damage), and two processes making it at once do not clobber
// each other.
func create(path string, timeout time.Duration) error {
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.%d-%d.new", filepath.Base(path), os.Getpid(), time.Now().UnixNano()))
	// O_EXCL: the name is this process's own. 0o644 as bbolt would make
	// the file, less the umask.
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	f.Close()
	defer os.Remove(tmp)
	bdb, err := bbolt.Open(tmp, 0o644, &bbolt.Options{Timeout: timeout})
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	db := &DB{bolt: bdb, path: path, now: time.Now, window: DefaultStoryWindow, version: SchemaVersion}
	err = db.update(db.initSchema)
	if cerr := bdb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	switch err := os.Link(tmp, path); {
	case errors.Is(err, fs.ErrExist):
		// Made by another process meanwhile: use that one.
	case err != nil:
		// A file system without hard links: a rename may replace a file
		// made meanwhile, which was empty, as this one is.
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
	}
	return nil
}

// Close releases the file and its lock.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close %s: %w", db.path, err)
	}
	return nil
}

// Path is the file the database was opened from.
func (db *DB) Path() string { return db.path }

// initSchema creates missing buckets and stamps the schema version, after
// making sure an existing file is one this code can write to. An older
// file has had its records rewritten by upgradeRecords already; a
// version 1 file has its events grouped into stories here, in the same
// transaction as the stamp, so the file is never left half-migrated.
func (db *DB) initSchema(tx *bbolt.Tx) error {
	version := 0 // a new file
	if meta := tx.Bucket(bucketMeta); meta != nil {
		v, err := db.checkVersion(meta.Get(keySchemaVersion))
		if err != nil {
			return err
		}
		version = v
	}
	// story_tallies was added within version 2, and is filled as stories
	// are recomputed.
	for _, name := range slices.Concat(allBuckets, [][]byte{bucketStoryTallies}) {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("open %s: create bucket %s: %w", db.path, name, err)
		}
	}
	// What this file is known to hold, for the progress of the steps
	// below; zero when it has no kept counts (version 1).
	known, _ := readCounts(tx)
	if tx.Bucket(bucketIdxStoryUpdated) == nil {
		p := newReporter(db.progress, "indexing stories by update time", known.Stories)
		if err := buildUpdatedIndex(tx, p); err != nil {
			return fmt.Errorf("open %s: index stories by update: %w", db.path, err)
		}
		p.end()
	}
	if tx.Bucket(bucketIdxExtractor) != nil {
		// Unused since the kept counts; see bucketIdxExtractor.
		p := newReporter(db.progress, "dropping the unused index of events by extractor (upgrade to schema version 4)", 0)
		if err := tx.DeleteBucket(bucketIdxExtractor); err != nil {
			return fmt.Errorf("open %s: drop %s: %w", db.path, bucketIdxExtractor, err)
		}
		p.end()
	}
	if version == 1 {
		p := newReporter(db.progress, "grouping events into stories (upgrade from schema version 1)", known.Events)
		if err := groupAll(tx, db.now().UTC(), db.window, p); err != nil {
			return fmt.Errorf("open %s: upgrade from schema version 1: %w", db.path, err)
		}
		p.end()
	}
	if tx.Bucket(bucketTallies) == nil {
		p := newReporter(db.progress, "counting events for stats", known.Events)
		if err := buildTallies(tx, p); err != nil {
			return fmt.Errorf("open %s: count events for stats: %w", db.path, err)
		}
		p.end()
	}
	if version != SchemaVersion {
		if err := tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return fmt.Errorf("open %s: write schema version: %w", db.path, err)
		}
	}
	// Last, so that an upgrade's stories are counted; by cursor, as
	// Bucket.Stats reads the pages as committed, without the stories
	// this transaction made.
	if _, ok := readCounts(tx); !ok {
		p := newReporter(db.progress, "counting articles, events and stories", 0)
		c := Counts{
			Articles: keyCount(tx.Bucket(bucketKeys)),
			Events:   keyCount(tx.Bucket(bucketEventDates)),
			Stories:  keyCount(tx.Bucket(bucketStories)),
		}
		p.end()
		if err := writeCounts(tx, c); err != nil {
			return fmt.Errorf("open %s: %w", db.path, err)
		}
	}
	return nil
}

// current reports whether the file is at SchemaVersion with every bucket
// in place, so that opening it read-write need not write.
func (db *DB) current() bool {
	err := db.view(func(tx *bbolt.Tx) error {
		if err := db.checkSchema(tx); err != nil {
			return err
		}
		if _, counted := readCounts(tx); db.version != SchemaVersion || tx.Bucket(bucketMeta).Get(keyTextUpgrade) != nil || tx.Bucket(bucketIdxStoryUpdated) == nil ||
			tx.Bucket(bucketIdxExtractor) != nil || tx.Bucket(bucketTallies) == nil || tx.Bucket(bucketStoryTallies) == nil || !counted {
			return errors.New("older schema")
		}
		return nil
	})
	return err == nil
}

// checkSchema verifies, read-only, that every bucket exists and the
// version is one this code understands. An older file needs an upgrade,
// which only a read-write open makes.
func (db *DB) checkSchema(tx *bbolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil && tx.Bucket(bucketEvents) != nil {
		return corrupt("bucket %s missing", bucketMeta)
	}
	if meta == nil {
		return fmt.Errorf("open %s: not a policywatch database (no %s bucket)", db.path, bucketMeta)
	}
	raw := meta.Get(keySchemaVersion)
	if raw == nil {
		return corrupt("no schema version in the %s bucket", bucketMeta)
	}
	v, err := db.checkVersion(raw)
	if err != nil {
		return err
	}
	if v < SchemaVersion {
		return fmt.Errorf("%w: %s has schema version %d, which this policywatch reads only once it is upgraded to version %d; "+
			"run `policywatch upgrade` (or any command that writes, such as `policywatch run`) once to upgrade it in place",
			ErrNeedsUpgrade, db.path, v, SchemaVersion)
	}
	for _, name := range allBuckets {
		if tx.Bucket(name) == nil {
			return corrupt("bucket %s missing", name)
		}
	}
	db.version = v
	return nil
}

// checkVersion parses a stored version and checks it is one this code
// reads; a missing one (a file being created) is 0.
func (db *DB) checkVersion(raw []byte) (int, error) {
	if raw == nil {
		return 0, nil
	}
	v, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, fmt.Errorf("%w: %s has schema version %q, this policywatch understands %d", ErrSchema, db.path, raw, SchemaVersion)
	}
	if v > SchemaVersion {
		return 0, fmt.Errorf("%w: %s has schema version %d, this policywatch understands %d; upgrade policywatch", ErrSchema, db.path, v, SchemaVersion)
	}
	if v < 1 {
		return 0, fmt.Errorf("%w: %s has schema version %d, this policywatch understands %d", ErrSchema, db.path, v, SchemaVersion)
	}
	return v, nil
}

// needStories fails on a file without stories. Since version 3 an
// older file is upgraded before it is read, so none is.
func (db *DB) needStories() error {
	if db.version < 2 {
		return fmt.Errorf("%w: %s has schema version %d, which has no stories; run `policywatch upgrade` once to upgrade the database",
			ErrNeedsUpgrade, db.path, db.version)
	}
	return nil
}

// missingError is a read-only open of a file that is not there. It reads
// as advice and still matches fs.ErrNotExist.
type missingError struct{ path string }

func (e missingError) Error() string {
	return e.path + " does not exist; run `policywatch run` or `policywatch demo` first"
}

func (e missingError) Unwrap() error { return fs.ErrNotExist }
