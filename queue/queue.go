// Package queue spreads policywatch's work over as many processes, on as
// many machines, as wanted: the feeds of a configuration and the files of
// a WARC listing become jobs of River (github.com/riverqueue/river), a
// job queue kept in the PostgreSQL database the store is in, and workers
// take them one at a time.
//
// A job is unique by what it names, a feed's URL or a WARC file, among
// the jobs not yet completed: enqueueing the same feeds twice queues them
// once, and enqueueing them again after they were worked (the next night)
// queues them anew.
//
// A worker does for its job what 'policywatch run' does for one feed, or
// 'policywatch backfill' for one file, through package pipeline or
// package backfill, storing through pgstore. The transaction that stores
// the job's last record, the feed's fetch state or the WARC file's
// record, also completes the job: a job is done exactly when its data is
// stored. Batches before that one are committed as the job goes, as run
// commits them, so a worker that dies keeps what it stored; River's
// rescuer gives its job, still marked running, to another worker once it
// has run longer than the rescue delay, and that worker skips the
// articles stored already. Records are upserted by id, so a job worked
// twice stores nothing twice.
package queue

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store/pgstore"
)

// FeedArgs is the job of fetching one feed and storing its new articles'
// events.
type FeedArgs struct {
	URL  string   `json:"url" river:"unique"`
	Name string   `json:"name"`
	Tags []string `json:"tags,omitempty"`
}

// Kind names feed jobs in River's table.
func (FeedArgs) Kind() string { return "policywatch_feed" }

// InsertOpts makes a feed's job unique by its URL.
func (FeedArgs) InsertOpts() river.InsertOpts { return insertOpts }

// Feed is the feed the job names.
func (a FeedArgs) Feed() ingest.Feed { return ingest.Feed{Name: a.Name, URL: a.URL, Tags: a.Tags} }

// WARCArgs is the job of reading one WARC file, a path or an http(s)
// URL, and storing its articles' events.
type WARCArgs struct {
	File string `json:"file" river:"unique"`
}

// Kind names WARC jobs in River's table.
func (WARCArgs) Kind() string { return "policywatch_warc" }

// InsertOpts makes a WARC file's job unique by its name.
func (WARCArgs) InsertOpts() river.InsertOpts { return insertOpts }

// AlertArgs is the job of posting the alerts of the stories stored by a
// feed job. The feed job inserts it in the transaction that stores its
// last records, so the alerts of what a job stored are posted even when
// its worker dies before posting them: River gives the alert job to
// another worker, as it gives a dead worker's feed job.
type AlertArgs struct {
	// Feed is the URL of the feed job's feed, for the logs.
	Feed string `json:"feed"`
	// Since is when the feed job's first stored record may have been
	// stamped: the start of its attempt, or when it was queued if an
	// earlier attempt may have stored some of its records.
	Since time.Time `json:"since"`
}

// Kind names alert jobs in River's table.
func (AlertArgs) Kind() string { return "policywatch_alerts" }

// InsertOpts puts alert jobs in their own queue, which only workers that
// post alerts work (policywatch worker without --no-alerts).
func (AlertArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: AlertQueue, MaxAttempts: 10}
}

// AlertQueue is the River queue of alert jobs.
const AlertQueue = "alerts"

// insertOpts make a job unique among those not completed (nor discarded
// or cancelled): River's default also counts completed jobs, which would
// keep tomorrow's enqueue from queueing a feed worked today.
var insertOpts = river.InsertOpts{
	// A job fails only when the store does, or a WARC file cannot be
	// read; feeds and pages that fail are logged and retried by the next
	// enqueue, as run retries them the next night.
	MaxAttempts: 5,
	UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{
			rivertype.JobStateAvailable,
			rivertype.JobStatePending,
			rivertype.JobStateRetryable,
			rivertype.JobStateRunning,
			rivertype.JobStateScheduled,
		},
	},
}

// migrateLock is the advisory lock that makes concurrent workers and
// enqueues migrate River's tables once: "pw-river" in ASCII.
const migrateLock = 0x70772d7269766572

// Migrate creates River's tables, or brings them up to date, in the
// database pool is connected to. Many processes may call it at once.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: quiet})
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	// River's migrations are a transaction each (one adds a value to an
	// enum the next uses), so the lock is the session's, on a connection
	// of its own.
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("queue: create or update River's job tables: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLock)); err != nil {
		return fmt.Errorf("queue: lock River's job tables: %w", err)
	}
	_, err = migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if _, unlockErr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrateLock)); unlockErr != nil {
		// A lock left held would stop every later migration: close the
		// connection, which ends the session and its locks.
		conn.Conn().Close(context.Background())
	}
	if err != nil {
		return fmt.Errorf("queue: create or update River's job tables: %w", err)
	}
	return nil
}

// quiet is the logger of River's parts that have nothing to say to a
// user of policywatch.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Enqueued counts the jobs of an enqueue.
type Enqueued struct {
	Added  int `json:"added"`
	Queued int `json:"already_queued"` // the same job was waiting or running
}

// EnqueueFeeds queues a job for each feed, in one transaction, after
// migrating River's tables if need be. A feed listed twice is counted
// as already queued: one statement cannot insert a unique job twice.
func EnqueueFeeds(ctx context.Context, db *pgstore.DB, feeds []ingest.Feed) (Enqueued, error) {
	var params []river.InsertManyParams
	seen := make(map[string]bool)
	for _, f := range feeds {
		if !seen[f.URL] {
			seen[f.URL] = true
			params = append(params, river.InsertManyParams{Args: FeedArgs{URL: f.URL, Name: f.Name, Tags: f.Tags}})
		}
	}
	n, err := enqueue(ctx, db, params)
	n.Queued += len(feeds) - len(params)
	return n, err
}

// EnqueueWARC queues a job for each WARC file, a path or an http(s) URL
// every worker can open, in one transaction, after migrating River's
// tables if need be.
func EnqueueWARC(ctx context.Context, db *pgstore.DB, files []string) (Enqueued, error) {
	var params []river.InsertManyParams
	seen := make(map[string]bool)
	for _, f := range files {
		if !seen[f] {
			seen[f] = true
			params = append(params, river.InsertManyParams{Args: WARCArgs{File: f}})
		}
	}
	n, err := enqueue(ctx, db, params)
	n.Queued += len(files) - len(params)
	return n, err
}

func enqueue(ctx context.Context, db *pgstore.DB, params []river.InsertManyParams) (Enqueued, error) {
	var n Enqueued
	if len(params) == 0 {
		return n, nil
	}
	if err := Migrate(ctx, db.Pool()); err != nil {
		return n, err
	}
	// Without queues or workers, a client only inserts.
	client, err := river.NewClient(riverpgxv5.New(db.Pool()), &river.Config{Logger: quiet})
	if err != nil {
		return n, fmt.Errorf("queue: %w", err)
	}
	err = pgx.BeginFunc(ctx, db.Pool(), func(tx pgx.Tx) error {
		res, err := client.InsertManyTx(ctx, tx, params)
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.UniqueSkippedAsDuplicate {
				n.Queued++
			} else {
				n.Added++
			}
		}
		return nil
	})
	if err != nil {
		return Enqueued{}, fmt.Errorf("queue: enqueue %d jobs in %s: %w", len(params), db, err)
	}
	return n, nil
}
