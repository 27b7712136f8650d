package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the version of the on-disk format this package writes
// and understands. See the package documentation for the layout.
const SchemaVersion = 1

var (
	// ErrLocked means another process holds the database file.
	ErrLocked = errors.New("database is locked by another process")
	// ErrSchema means the file was written by a newer (or unknown) format.
	ErrSchema = errors.New("unsupported database schema")
	// ErrNotFound means the requested record is not in the store.
	ErrNotFound = errors.New("not found")
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
	bucketIdxDate       = []byte("idx_date")

	allBuckets = [][]byte{
		bucketMeta, bucketFeeds, bucketArticles, bucketKeys, bucketEvents,
		bucketArticleEvents, bucketIdxCountry, bucketIdxService, bucketIdxAction, bucketIdxDate,
	}

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
}

// DB is an open policywatch database.
type DB struct {
	bolt *bbolt.DB
	path string
	// now stamps FirstSeen on new events; tests replace it.
	now func() time.Time
}

// Open opens the database at path. Read-write, it creates the file and
// its buckets when missing and records the schema version; read-only, the
// file must already exist. Either way a schema newer than SchemaVersion is
// refused with ErrSchema, and a lock held too long by another handle gives
// ErrLocked.
func Open(path string, opts Options) (*DB, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultWriteTimeout
		if opts.ReadOnly {
			timeout = defaultReadTimeout
		}
	}
	if opts.ReadOnly {
		// bbolt would fail with a bare ENOENT, or initialise an empty file
		// through a read-only descriptor; say what the user should do instead.
		info, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, missingError{path}
		}
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		if info.Size() == 0 {
			return nil, fmt.Errorf("open %s: file is empty, not a policywatch database", path)
		}
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

	db := &DB{bolt: bdb, path: path, now: time.Now}
	if opts.ReadOnly {
		err = bdb.View(db.checkSchema)
	} else {
		err = bdb.Update(db.initSchema)
	}
	if err != nil {
		bdb.Close()
		return nil, err
	}
	return db, nil
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
// making sure an existing file is one this code can write to.
func (db *DB) initSchema(tx *bbolt.Tx) error {
	if meta := tx.Bucket(bucketMeta); meta != nil {
		if err := db.checkVersion(meta.Get(keySchemaVersion)); err != nil {
			return err
		}
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("open %s: create bucket %s: %w", db.path, name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	if meta.Get(keySchemaVersion) == nil {
		if err := meta.Put(keySchemaVersion, []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return fmt.Errorf("open %s: write schema version: %w", db.path, err)
		}
	}
	return nil
}

// checkSchema verifies, read-only, that every bucket exists and the
// version is one this code understands.
func (db *DB) checkSchema(tx *bbolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return fmt.Errorf("open %s: not a policywatch database (no %s bucket)", db.path, bucketMeta)
	}
	raw := meta.Get(keySchemaVersion)
	if raw == nil {
		return fmt.Errorf("open %s: damaged policywatch database: no schema version", db.path)
	}
	if err := db.checkVersion(raw); err != nil {
		return err
	}
	for _, name := range allBuckets {
		if tx.Bucket(name) == nil {
			return fmt.Errorf("open %s: damaged policywatch database: bucket %s missing", db.path, name)
		}
	}
	return nil
}

// checkVersion checks a stored version; a missing one (a file being
// created) passes.
func (db *DB) checkVersion(raw []byte) error {
	if raw == nil {
		return nil
	}
	v, err := strconv.Atoi(string(raw))
	if err != nil {
		return fmt.Errorf("%w: %s has schema version %q, this policywatch understands %d", ErrSchema, db.path, raw, SchemaVersion)
	}
	if v > SchemaVersion {
		return fmt.Errorf("%w: %s has schema version %d, this policywatch understands %d; upgrade policywatch", ErrSchema, db.path, v, SchemaVersion)
	}
	if v < 1 {
		return fmt.Errorf("%w: %s has schema version %d, this policywatch understands %d", ErrSchema, db.path, v, SchemaVersion)
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
