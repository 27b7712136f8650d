// Package pgstore keeps policywatch's articles, events and feed states in
// PostgreSQL, behind the store.Store interface the bbolt store has too:
// for a team that runs PostgreSQL already, or wants SQL over the events.
//
// Open creates the tables on an empty database, and upgrades those of an
// older policywatch, through the migrations embedded from migrations/*.sql,
// recorded in the table policywatch_schema; a database whose schema is
// newer than this code is refused with store.ErrSchema. A Save is one
// transaction that upserts articles and events by id; events are
// filtered through indexes on (country, date), (service, date) and
// (action, date), and ordered as the bbolt store orders them.
//
// Save groups the events into stories in the same transaction, by the
// bbolt store's rule and code (store.StoryGrouping), into the tables
// stories and story_events: the same batches make the same stories, with
// the same ids, in either store. Several runs may save into one database
// at once: each Save locks the (country, service, action) triples it
// touches with transaction-level advisory locks, in one order, before it
// reads their stories. The story window is store.DefaultStoryWindow.
// Stats are counted by the server, and agree with the bbolt store's.
//
// It keeps alert records too (store.AlertStore), in the tables alerts,
// alerts_covered and alerts_held: a claim is one statement under the row
// lock of its (rule, story), so that however many runs or workers notify
// at once, each story is posted once by each rule.
//
// PostgreSQL's text holds neither NUL bytes nor invalid UTF-8, which a
// page may have: Save stores U+FFFD in their place.
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is an open PostgreSQL store. It is safe for concurrent use by
// multiple goroutines.
type DB struct {
	pool *pgxpool.Pool
	// name says which database this is, for errors: never the password.
	name string
	// now stamps FirstSeen on new events and Created on new stories;
	// tests replace it.
	now func() time.Time
	// window is the story window: store.DefaultStoryWindow.
	window time.Duration
}

var _ store.Store = (*DB)(nil)

// IsURL reports whether s names a PostgreSQL database, a postgres:// or
// postgresql:// URL, rather than a bbolt file.
func IsURL(s string) bool {
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return true
		}
	}
	return false
}

// Open connects to the database dsn names (a postgres:// URL or a
// key=value connection string) and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgconn's error leaves the password out.
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	db := &DB{name: describe(cfg.ConnConfig), now: time.Now, window: store.DefaultStoryWindow}
	db.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect to %s: %w", db.name, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.pool.Close()
		return nil, err
	}
	return db, nil
}

// describe names a database for errors and logs: its name, host and port.
func describe(c *pgx.ConnConfig) string {
	host := c.Host
	if strings.HasPrefix(host, "/") {
		host = "socket " + host
	}
	return fmt.Sprintf("PostgreSQL database %q on %s port %d", c.Database, host, c.Port)
}

// String is the database's name, host and port.
func (db *DB) String() string { return db.name }

// Close closes every connection.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// migration is one embedded file: migrations/NNNN_what.sql makes schema
// version NNNN.
type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []migration
	for i, name := range names {
		base := path.Base(name)
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || n != i+1 {
			return nil, fmt.Errorf("pgstore: migration %s: want the name to begin with its version, %04d", base, i+1)
		}
		sql, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: n, name: base, sql: string(sql)})
	}
	return out, nil
}

// SchemaVersion is the schema version this package writes: that of its
// last migration.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// storiesVersion is the schema version that added stories.
const storiesVersion = 2

// schemaLock is the advisory lock that makes concurrent Opens of an empty
// or older database migrate it once: "policywatch" in ASCII.
const schemaLock = 0x706f6c6963797761

// migrate applies the migrations the database lacks, in one transaction.
// A current database is only read, so a role that may not create tables
// can open it.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	want := ms[len(ms)-1].version
	have, err := db.schemaVersion(ctx, db.pool)
	if err != nil {
		return fmt.Errorf("pgstore: read the schema version of %s: %w", db.name, err)
	}
	if have == want {
		return nil
	}
	if have > want {
		return db.newerSchema(have, want)
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(schemaLock)); err != nil {
			return fmt.Errorf("pgstore: lock the schema of %s: %w", db.name, err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS policywatch_schema (
	version integer PRIMARY KEY,
	applied timestamptz NOT NULL DEFAULT now()
)`); err != nil {
			return fmt.Errorf("pgstore: create the schema table of %s: %w", db.name, err)
		}
		// Another Open may have migrated it while this one waited.
		have, err := db.schemaVersion(ctx, tx)
		if err != nil {
			return fmt.Errorf("pgstore: read the schema version of %s: %w", db.name, err)
		}
		if have > want {
			return db.newerSchema(have, want)
		}
		for _, m := range ms[have:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("pgstore: migrate %s to schema version %d (%s): %w", db.name, m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO policywatch_schema (version) VALUES ($1)", m.version); err != nil {
				return fmt.Errorf("pgstore: record schema version %d of %s: %w", m.version, db.name, err)
			}
			if m.version == storiesVersion && have > 0 {
				// Events saved before there were stories.
				if err := groupAll(ctx, tx, db.now().UTC().Truncate(time.Microsecond), db.window); err != nil {
					return fmt.Errorf("pgstore: migrate %s to schema version %d: %w", db.name, m.version, err)
				}
			}
		}
		return nil
	})
}

func (db *DB) newerSchema(have, want int) error {
	return fmt.Errorf("pgstore: %s has schema version %d, newer than the %d this policywatch knows; use the policywatch that wrote it, or a newer one: %w",
		db.name, have, want, store.ErrSchema)
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// schemaVersion is the database's schema version, 0 for one policywatch
// never opened.
func (db *DB) schemaVersion(ctx context.Context, q querier) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('policywatch_schema') IS NOT NULL").Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v int
	err := q.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM policywatch_schema").Scan(&v)
	return v, err
}

// ctx is the context of a call: the Store interface takes none yet (see
// store.Store), so a call runs until the database answers.
func callContext() context.Context { return context.Background() }

// errNotFound is a record that is not there, named.
func (db *DB) errNotFound(what, id string) error {
	return fmt.Errorf("%s %s in %s: %w", what, id, db.name, store.ErrNotFound)
}

// Seen reports which of the item keys already have a stored article.
func (db *DB) Seen(keys []string) (map[string]bool, error) {
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		seen[k] = false
	}
	rows, err := db.pool.Query(callContext(), "SELECT DISTINCT key FROM articles WHERE key = ANY($1)", clean(keys))
	if err != nil {
		return nil, fmt.Errorf("seen in %s: %w", db.name, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("seen in %s: %w", db.name, err)
	}
	// A key is stored cleaned; the caller asked with its own bytes.
	byClean := make(map[string][]string, len(keys))
	for _, k := range keys {
		c := cleanString(k)
		byClean[c] = append(byClean[c], k)
	}
	for _, f := range found {
		for _, k := range byClean[f] {
			seen[k] = true
		}
	}
	return seen, nil
}

// Article returns the article with the given id, or an error wrapping
// store.ErrNotFound.
func (db *DB) Article(id string) (ingest.Article, error) {
	var (
		a                 ingest.Article
		pub, fetched      *time.Time
		pubOff, fetchedOf int
	)
	err := db.pool.QueryRow(callContext(), `SELECT id, key, feed, url, title, published, published_offset, text, text_from,
	fetched, fetched_offset, warc_file, warc_offset, warc_length FROM articles WHERE id = $1`, cleanString(id)).Scan(
		&a.ID, &a.Key, &a.Feed, &a.URL, &a.Title, &pub, &pubOff, &a.Text, &a.TextFrom,
		&fetched, &fetchedOf, &a.WARCFile, &a.WARCOffset, &a.WARCLength)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ingest.Article{}, db.errNotFound("article", id)
	case err != nil:
		return ingest.Article{}, fmt.Errorf("article %s in %s: %w", id, db.name, err)
	}
	a.Published = storedTime(pub, pubOff)
	a.Fetched = storedTime(fetched, fetchedOf)
	return a, nil
}

func storedTime(t *time.Time, offset int) time.Time {
	if t == nil {
		return time.Time{}
	}
	return store.StoredTime(*t, offset)
}

// orNull is a time for a timestamptz column: NULL for the zero time.
func orNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func offset(t time.Time) int {
	_, off := t.Zone()
	return off
}

// FeedState returns what is remembered of the feed at url; a feed never
// fetched gives the zero state with only URL set.
func (db *DB) FeedState(url string) (ingest.FeedState, error) {
	rows, err := db.pool.Query(callContext(), feedSelect+" WHERE url = $1", cleanString(url))
	if err != nil {
		return ingest.FeedState{}, fmt.Errorf("feed state %s in %s: %w", url, db.name, err)
	}
	states, err := pgx.CollectRows(rows, scanFeed)
	if err != nil {
		return ingest.FeedState{}, fmt.Errorf("feed state %s in %s: %w", url, db.name, err)
	}
	if len(states) == 0 {
		return ingest.FeedState{URL: url}, nil
	}
	return states[0], nil
}

// FeedStates returns the state of every feed ever fetched, ordered by
// URL.
func (db *DB) FeedStates() ([]ingest.FeedState, error) {
	rows, err := db.pool.Query(callContext(), feedSelect+" ORDER BY url")
	if err != nil {
		return nil, fmt.Errorf("feed states in %s: %w", db.name, err)
	}
	states, err := pgx.CollectRows(rows, scanFeed)
	if err != nil {
		return nil, fmt.Errorf("feed states in %s: %w", db.name, err)
	}
	if len(states) == 0 {
		return nil, nil
	}
	return states, nil
}

const feedSelect = "SELECT url, etag, last_modified, last_fetched, last_ok, last_status, last_error FROM feeds"

func scanFeed(row pgx.CollectableRow) (ingest.FeedState, error) {
	var (
		st              ingest.FeedState
		fetched, lastOK *time.Time
	)
	err := row.Scan(&st.URL, &st.ETag, &st.LastModified, &fetched, &lastOK, &st.LastStatus, &st.LastError)
	st.LastFetched = storedTime(fetched, 0)
	st.LastOK = storedTime(lastOK, 0)
	return st, err
}

// WARCFileDone returns what was recorded of the finished WARC file name,
// and whether it is finished.
func (db *DB) WARCFileDone(name string) (store.WARCFile, bool, error) {
	f := store.WARCFile{Name: name}
	var finished *time.Time
	err := db.pool.QueryRow(callContext(), "SELECT finished, records, pages, articles, events FROM warc_files WHERE name = $1", cleanString(name)).
		Scan(&finished, &f.Records, &f.Pages, &f.Articles, &f.Events)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.WARCFile{}, false, nil
	case err != nil:
		return store.WARCFile{}, false, fmt.Errorf("WARC file %s in %s: %w", name, db.name, err)
	}
	f.Finished = storedTime(finished, 0)
	return f, true, nil
}

// Counts counts feeds, articles, events and stories.
func (db *DB) Counts() (store.Counts, error) {
	var c store.Counts
	err := db.pool.QueryRow(callContext(), `SELECT (SELECT count(*) FROM feeds), (SELECT count(*) FROM articles),
	(SELECT count(*) FROM events), (SELECT count(*) FROM stories)`).
		Scan(&c.Feeds, &c.Articles, &c.Events, &c.Stories)
	if err != nil {
		return store.Counts{}, fmt.Errorf("counts %s: %w", db.name, err)
	}
	return c, nil
}

// FeedNames returns the names of the feeds that stored events came
// from, sorted.
func (db *DB) FeedNames() ([]string, error) {
	rows, err := db.pool.Query(callContext(), `SELECT DISTINCT feed FROM events WHERE feed <> '' ORDER BY feed`)
	if err != nil {
		return nil, fmt.Errorf("list feeds of %s: %w", db.name, err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list feeds of %s: %w", db.name, err)
	}
	return names, nil
}
