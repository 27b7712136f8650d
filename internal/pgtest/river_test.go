package pgtest_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/policywatch/policywatch/internal/pgtest"
)

// pg is this binary's server, shared by the tests that want a database.
var pg pgtest.Shared

func TestMain(m *testing.M) { os.Exit(pg.Run(m)) }

// failsafe bounds waits on River's events; they come in milliseconds.
const failsafe = 2 * time.Minute

// storeArticleArgs is a job as issue 13's workers will have them: unique
// by its arguments, so enqueueing the same work twice queues it once.
type storeArticleArgs struct {
	ArticleID string `json:"article_id"`
}

func (storeArticleArgs) Kind() string { return "store_article" }

func (storeArticleArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// storeArticleWorker reads the article its job names, which must be there:
// the job and the row were committed together.
type storeArticleWorker struct {
	river.WorkerDefaults[storeArticleArgs]
	pool   *pgxpool.Pool
	titles chan<- string
}

func (w *storeArticleWorker) Work(ctx context.Context, job *river.Job[storeArticleArgs]) error {
	var title string
	if err := w.pool.QueryRow(ctx, "SELECT title FROM articles WHERE id = $1", job.Args.ArticleID).Scan(&title); err != nil {
		return err
	}
	w.titles <- title
	return nil
}

// TestRiverOnPrivateServer is the ground issue 13's workers stand on:
// River's schema migrates onto a private server, a unique job commits in
// one transaction with a row of ours (or rolls back with it), a client
// with one worker works it, and the same job enqueued again is not queued
// twice.
func TestRiverOnPrivateServer(t *testing.T) {
	dsn := pg.Database(t)
	ctx := t.Context()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %q: %v", dsn, err)
	}
	t.Cleanup(pool.Close)
	driver := riverpgxv5.New(pool)

	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		t.Fatalf("migrate River's schema up: %v", err)
	}
	if len(res.Versions) == 0 {
		t.Fatal("River's migration applied no version to an empty database")
	}
	// Migrating again is a no-op, as every worker's start will do it.
	if res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil || len(res.Versions) != 0 {
		t.Fatalf("second migration applied %d versions, err %v; want none", len(res.Versions), err)
	}
	if _, err := pool.Exec(ctx, "CREATE TABLE articles (id text PRIMARY KEY, title text NOT NULL)"); err != nil {
		t.Fatal(err)
	}

	titles := make(chan string, 1)
	workers := river.NewWorkers()
	river.AddWorker(workers, &storeArticleWorker{pool: pool, titles: titles})
	client, err := river.NewClient(driver, &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
		Workers: workers,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	completed, stopSubscription := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer stopSubscription()

	// enqueue stores an article and its job in one transaction.
	enqueue := func(id, title string, commit bool) *river.Job[storeArticleArgs] {
		t.Helper()
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(context.Background())
		if _, err := tx.Exec(ctx, "INSERT INTO articles (id, title) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", id, title); err != nil {
			t.Fatal(err)
		}
		res, err := client.InsertTx(ctx, tx, storeArticleArgs{ArticleID: id}, nil)
		if err != nil {
			t.Fatalf("insert the job for %s: %v", id, err)
		}
		if res.UniqueSkippedAsDuplicate {
			t.Fatalf("the first job for %s was taken for a duplicate", id)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return &river.Job[storeArticleArgs]{JobRow: res.Job}
	}

	// A rolled-back transaction leaves neither the row nor the job.
	enqueue("rolled-back", "never stored", false)
	job := enqueue("ru-telegram-2018", "Russia starts blocking Telegram", true)

	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), failsafe)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			t.Errorf("stop the River client: %v", err)
		}
	})

	select {
	case ev := <-completed:
		if ev.Kind != river.EventKindJobCompleted || ev.Job.ID != job.ID {
			t.Fatalf("event %s for job %d, want job %d completed (errors: %v)", ev.Kind, ev.Job.ID, job.ID, ev.Job.Errors)
		}
	case <-time.After(failsafe):
		t.Fatalf("job %d did not complete within %v", job.ID, failsafe)
	}
	if got := <-titles; got != "Russia starts blocking Telegram" {
		t.Errorf("the worker read the title %q", got)
	}

	// The same work enqueued again, after it was done, is a duplicate.
	again, err := client.Insert(ctx, storeArticleArgs{ArticleID: "ru-telegram-2018"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !again.UniqueSkippedAsDuplicate || again.Job.ID != job.ID {
		t.Errorf("second insert: duplicate %v, job %d; want a duplicate of job %d", again.UniqueSkippedAsDuplicate, again.Job.ID, job.ID)
	}

	var jobs, rolledBackJobs, rolledBackRows int
	err = errors.Join(
		pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'store_article'").Scan(&jobs),
		pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE args->>'article_id' = 'rolled-back'").Scan(&rolledBackJobs),
		pool.QueryRow(ctx, "SELECT count(*) FROM articles WHERE id = 'rolled-back'").Scan(&rolledBackRows),
	)
	if err != nil {
		t.Fatal(err)
	}
	if jobs != 1 || rolledBackJobs != 0 || rolledBackRows != 0 {
		t.Errorf("%d store_article jobs, %d jobs and %d rows of the rolled-back transaction; want 1, 0, 0", jobs, rolledBackJobs, rolledBackRows)
	}
	var state string
	if err := pool.QueryRow(ctx, "SELECT state FROM river_job WHERE id = $1", job.ID).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if state != "completed" {
		t.Errorf("job %d is %q, want completed", job.ID, state)
	}
}
