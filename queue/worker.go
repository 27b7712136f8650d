package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/policywatch/policywatch/backfill"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/pipeline"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/store/pgstore"
)

// Worker works the queue's jobs in one process.
type Worker struct {
	DB        *pgstore.DB
	Fetcher   *ingest.Fetcher
	Extractor *extract.Extractor
	// Prefilter, when set, drops the pages of WARC files that cannot
	// report an event, as backfill's does.
	Prefilter *extract.Prefilter
	// Open opens a WARC file by the name its job gives; default
	// backfill.Opener(Fetcher).
	Open   func(ctx context.Context, name string) (io.ReadCloser, error)
	Logger *slog.Logger
	// Jobs is how many jobs the process works at once; default 1.
	Jobs int
	// Concurrency is how many articles of a feed job are fetched at
	// once; default 4, as run's.
	Concurrency int
	// JobTimeout ends a job that runs longer: its context is cancelled
	// and it is retried. Default 30 minutes.
	JobTimeout time.Duration
	// RescueAfter is how long a job may be running before River's
	// rescuer, on whichever worker leads, takes its worker for dead and
	// makes the job available to another; at least JobTimeout, which a
	// live worker's job never outlasts. Default twice JobTimeout.
	RescueAfter time.Duration
	// Grace is how long a stopped worker waits for its running jobs to
	// finish before it cancels them; a cancelled job is made available
	// at once to another worker. Default 30 seconds.
	Grace time.Duration
	// Done, when set, is told of each job the process has worked,
	// whatever its outcome.
	Done func(Result)
	// Alerts, when set, posts the alerts of the stories stored or changed
	// since the given time, as run does after its feeds. Each feed job
	// then queues an alert job (AlertArgs) in the transaction that
	// completes it, and the worker works the alert jobs of every worker:
	// what a job stored is alerted even when its worker dies before
	// posting. Several workers call it at once; the alert records of the
	// database keep each story from being posted twice (see
	// store.AlertStore). Its error fails the alert job, which River
	// retries. Nil: the worker queues and works no alert jobs.
	Alerts func(ctx context.Context, since time.Time) error
}

// Result is what one job did.
type Result struct {
	Kind        string // FeedArgs.Kind or WARCArgs.Kind
	Name        string // the feed's URL or the WARC file
	NewArticles int
	NewEvents   int
	Err         error // nil: the job is completed
}

func (w *Worker) defaults() {
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.Open == nil {
		w.Open = backfill.Opener(w.Fetcher)
	}
	w.Jobs = max(w.Jobs, 1)
	if w.JobTimeout <= 0 {
		w.JobTimeout = 30 * time.Minute
	}
	if w.RescueAfter <= 0 {
		w.RescueAfter = 2 * w.JobTimeout
	}
	if w.Grace <= 0 {
		w.Grace = 30 * time.Second
	}
}

// Run works jobs until ctx is cancelled, then stops: it waits up to
// Grace for the running jobs to finish, and cancels those still running,
// which go back to the queue. It returns an error only when the worker
// cannot start or stop.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	if w.RescueAfter < w.JobTimeout {
		return fmt.Errorf("queue: the rescue delay %v is shorter than the job timeout %v: a live worker's jobs would be taken from it", w.RescueAfter, w.JobTimeout)
	}
	if err := Migrate(ctx, w.DB.Pool()); err != nil {
		return err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &feedWorker{w: w})
	river.AddWorker(workers, &warcWorker{w: w})
	river.AddWorker(workers, &alertWorker{w: w})
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: w.Jobs}}
	if w.Alerts != nil {
		// One at a time: a webhook is not posted faster by workers that
		// would wait on each other's claims.
		queues[AlertQueue] = river.QueueConfig{MaxWorkers: 1}
	}
	host, _ := os.Hostname()
	client, err := river.NewClient(riverpgxv5.New(w.DB.Pool()), &river.Config{
		// Which process holds a job is in its attempted_by: the host and
		// the process id say which to look at.
		ID:                   truncate(fmt.Sprintf("%s-%d-%d", host, os.Getpid(), time.Now().UnixMilli()), 100),
		Queues:               queues,
		Workers:              workers,
		JobTimeout:           w.JobTimeout,
		RescueStuckJobsAfter: w.RescueAfter,
		Logger:               riverLogger(w.Logger),
	})
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	// The client outlives ctx, so that its jobs can finish when ctx ends.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("queue: start working jobs from %s: %w", w.DB, err)
	}
	w.Logger.Info("worker started", "db", w.DB.String(), "jobs", w.Jobs, "client", client.ID())
	select {
	case <-ctx.Done():
	case <-client.Stopped():
		return fmt.Errorf("queue: the worker stopped by itself")
	}
	w.Logger.Info("worker stopping: finishing the running jobs", "grace", w.Grace)
	stopCtx, cancel := context.WithTimeout(context.Background(), w.Grace)
	defer cancel()
	err = client.Stop(stopCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		w.Logger.Warn("jobs still running after the grace period: cancelling them, another worker takes them")
		// A cancelled job goes back to the queue: one update each.
		hardCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err = client.StopAndCancel(hardCtx)
	}
	if err != nil {
		return fmt.Errorf("queue: stop the worker: %w", err)
	}
	w.Logger.Info("worker stopped")
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// riverLogger is the worker's logger for River, one level quieter: River
// tells of its elections and maintenance at Info, which a user of
// policywatch has no use for.
func riverLogger(log *slog.Logger) *slog.Logger {
	return slog.New(quieter{log.Handler()})
}

type quieter struct{ slog.Handler }

func (q quieter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && q.Handler.Enabled(ctx, l)
}

func (q quieter) WithAttrs(as []slog.Attr) slog.Handler { return quieter{q.Handler.WithAttrs(as)} }
func (q quieter) WithGroup(name string) slog.Handler    { return quieter{q.Handler.WithGroup(name)} }

// finish turns what a job's work returned into what River is told, and
// tells Done.
func (w *Worker) finish(ctx context.Context, res Result, completed bool) error {
	switch {
	case res.Err != nil:
	case completed:
	case ctx.Err() != nil:
		res.Err = fmt.Errorf("%s: %w", res.Name, ctx.Err())
	}
	log := w.Logger.With("job", res.Kind, "name", res.Name)
	switch {
	case res.Err != nil && errors.Is(ctx.Err(), context.Canceled):
		// Stopped, not failed (a timeout is a deadline): River makes a
		// job whose worker returns the stop's cancellation available at
		// once, without counting the attempt.
		log.Info("job stopped; it goes back to the queue", "err", res.Err)
	case res.Err != nil:
		log.Error("job failed; it will be retried", "err", res.Err)
	default:
		log.Info("job done", "new_articles", res.NewArticles, "new_events", res.NewEvents)
	}
	if w.Done != nil {
		w.Done(res)
	}
	return res.Err
}

// jobStore is the store a job's pipeline or backfill writes to: it
// commits each batch as it comes, and the last one, which carries the
// feed's state or the WARC file's record, in one transaction with the
// job's completion.
type jobStore struct {
	db *pgstore.DB
	// ctx is the job's: JobCompleteTx finds its client there.
	ctx context.Context
	// last reports whether a batch is the job's last.
	last     func(store.Batch) bool
	complete func(ctx context.Context, tx pgx.Tx) error

	mu        sync.Mutex
	completed bool
}

func (s *jobStore) FeedState(url string) (ingest.FeedState, error) { return s.db.FeedState(url) }
func (s *jobStore) Seen(keys []string) (map[string]bool, error)    { return s.db.Seen(keys) }
func (s *jobStore) WARCFileDone(name string) (store.WARCFile, bool, error) {
	return s.db.WARCFileDone(name)
}

func (s *jobStore) Save(b store.Batch) (store.SaveStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.completed || !s.last(b) {
		return s.db.Save(b)
	}
	// What was found is stored even when the job is being stopped, as
	// run stores it: the context only lends JobCompleteTx its client.
	ctx := context.WithoutCancel(s.ctx)
	var st store.SaveStats
	err := pgx.BeginFunc(ctx, s.db.Pool(), func(tx pgx.Tx) error {
		var err error
		if st, err = s.db.SaveTx(ctx, tx, b); err != nil {
			return err
		}
		return s.complete(ctx, tx)
	})
	if err != nil {
		return store.SaveStats{}, err
	}
	s.completed = true
	return st, nil
}

func (s *jobStore) isCompleted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.completed
}

// newJobStore is the store of a job's work; then, when not nil, is a job
// queued in the transaction that completes it.
func newJobStore[T river.JobArgs](ctx context.Context, db *pgstore.DB, job *river.Job[T], last func(store.Batch) bool, then river.JobArgs) *jobStore {
	return &jobStore{db: db, ctx: ctx, last: last, complete: func(ctx context.Context, tx pgx.Tx) error {
		if err := completeTx(ctx, tx, job); err != nil {
			return err
		}
		if then != nil {
			if _, err := river.ClientFromContext[pgx.Tx](ctx).InsertTx(ctx, tx, then, nil); err != nil {
				return fmt.Errorf("queue the %s job after job %d: %w", then.Kind(), job.ID, err)
			}
		}
		return nil
	}}
}

// completeTx marks job completed in tx, so that it is done exactly when
// what tx stores is.
func completeTx[T river.JobArgs](ctx context.Context, tx pgx.Tx, job *river.Job[T]) error {
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("complete job %d: %w", job.ID, err)
	}
	return nil
}

// feedWorker does what run does, for the one feed of its job.
type feedWorker struct {
	river.WorkerDefaults[FeedArgs]
	w *Worker
}

func (fw *feedWorker) Work(ctx context.Context, job *river.Job[FeedArgs]) error {
	w := fw.w
	feed := job.Args.Feed()
	var alerts river.JobArgs
	if w.Alerts != nil {
		since := time.Now()
		if job.Attempt > 1 {
			// An earlier attempt may have stored some of the feed's
			// articles before it failed or its worker died.
			since = job.CreatedAt
		}
		alerts = AlertArgs{Feed: feed.URL, Since: since}
	}
	st := newJobStore(ctx, w.DB, job, func(b store.Batch) bool { return len(b.Feeds) > 0 }, alerts)
	r := &pipeline.Runner{
		Fetcher:     w.Fetcher,
		Extractor:   w.Extractor,
		DB:          st,
		Logger:      w.Logger.With("job", job.ID),
		Concurrency: w.Concurrency,
	}
	sum, err := r.Run(ctx, []ingest.Feed{feed})
	res := Result{Kind: job.Kind, Name: feed.URL, NewArticles: sum.NewArticles, NewEvents: sum.NewEvents}
	if err != nil {
		res.Err = fmt.Errorf("feed %s: %w", feed.URL, err)
	}
	return w.finish(ctx, res, st.isCompleted())
}

// warcWorker does what backfill does, for the one file of its job.
type warcWorker struct {
	river.WorkerDefaults[WARCArgs]
	w *Worker
}

func (ww *warcWorker) Work(ctx context.Context, job *river.Job[WARCArgs]) error {
	w := ww.w
	st := newJobStore(ctx, w.DB, job, func(b store.Batch) bool { return len(b.WARCFiles) > 0 }, nil)
	b := &backfill.Backfiller{
		Extractor: w.Extractor,
		Prefilter: w.Prefilter,
		DB:        st,
		Open:      w.Open,
		Logger:    w.Logger.With("job", job.ID),
	}
	sum, err := b.Run(ctx, []string{job.Args.File})
	res := Result{Kind: job.Kind, Name: job.Args.File, NewArticles: sum.NewArticles, NewEvents: sum.NewEvents}
	switch {
	case err != nil:
		res.Err = fmt.Errorf("WARC file %s: %w", job.Args.File, err)
	case sum.FilesFailed > 0:
		res.Err = errors.New(sum.Failures[0].Error)
	case sum.FilesSkipped > 0:
		// Read to the end before, by an earlier job or a backfill.
		return w.finish(ctx, res, true)
	}
	return w.finish(ctx, res, st.isCompleted())
}

// alertWorker posts the alerts of a feed job.
type alertWorker struct {
	river.WorkerDefaults[AlertArgs]
	w *Worker
}

func (aw *alertWorker) Work(ctx context.Context, job *river.Job[AlertArgs]) error {
	w := aw.w
	if w.Alerts == nil {
		// Only a worker that posts alerts works their queue.
		return fmt.Errorf("alerts of feed %s: this worker posts no alerts", job.Args.Feed)
	}
	err := w.Alerts(ctx, job.Args.Since)
	if err == nil && ctx.Err() != nil {
		// Stopped before every alert was tried: the job goes back to the
		// queue for those left, which the alert records know.
		err = ctx.Err()
	}
	if err == nil {
		// Completed before it is said done, as feed jobs are.
		done := context.WithoutCancel(ctx)
		err = pgx.BeginFunc(done, w.DB.Pool(), func(tx pgx.Tx) error { return completeTx(done, tx, job) })
	}
	if err != nil {
		err = fmt.Errorf("alerts of feed %s since %s: %w", job.Args.Feed, job.Args.Since.Format(time.RFC3339), err)
	}
	return w.finish(ctx, Result{Kind: job.Kind, Name: job.Args.Feed, Err: err}, err == nil)
}
