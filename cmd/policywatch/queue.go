package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/alert"
	"github.com/policywatch/policywatch/backfill"
	"github.com/policywatch/policywatch/config"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/queue"
	"github.com/policywatch/policywatch/store/pgstore"
)

// openQueue opens the PostgreSQL database the job queue is in: enqueue
// and worker have no use for a bbolt file, which no other process could
// share.
func (a *app) openQueue(ctx context.Context, cmd string) (*pgstore.DB, error) {
	if !pgstore.IsURL(a.dbPath) {
		return nil, usagef("%s needs a PostgreSQL database, which every worker shares: give --db postgres://… (or POLICYWATCH_DB), not the file %q", cmd, a.dbPath)
	}
	return pgstore.Open(ctx, a.dbPath)
}

// fetchConfig reads the fetch settings of a configuration that may be
// absent, as backfill's are: without --config and without feeds.yaml,
// the fetcher's defaults.
func fetchConfig(cmd *cobra.Command, path string) (ingest.Config, error) {
	file, err := config.Load(path)
	switch {
	case err == nil:
		return ingest.ParseConfig(file.Ingest, file.Name)
	case errors.Is(err, fs.ErrNotExist) && !cmd.Flags().Changed("config"):
		return ingest.Config{}, nil
	}
	return ingest.Config{}, err
}

type enqueueOptions struct {
	config string
	warc   bool
	base   string
	json   bool
}

func (a *app) enqueueCmd() *cobra.Command {
	var o enqueueOptions
	cmd := &cobra.Command{
		Use:   "enqueue [--warc WARC|URL|LISTING...]",
		Short: "Queue a job for each feed, or each WARC file, for 'policywatch worker' processes to work",
		Long: `Enqueue queues the work of a run, or of a backfill, in the PostgreSQL database
--db names, for any number of 'policywatch worker' processes, on any number of
machines, to share: a job for each feed of the configuration, or with --warc a
job for each WARC file given or listed (see 'policywatch backfill' for what an
argument may be). The first enqueue creates the queue's tables.

A job is unique by its feed's URL or its file among the jobs not yet done:
enqueueing again while they wait or run adds nothing, and once they are done
(the next night, say) it queues them anew. Enqueue prints how many jobs it
added and how many were already queued.

WARC files are read by the workers: give paths every worker can open (a shared
file system), or URLs.

Exit codes:
  0    the jobs are queued
  1    the configuration or a listing cannot be read, or the database failed
  2    a wrong command line, or --db is not a postgres:// URL`,
		Example: `  policywatch enqueue --db postgres://policywatch@db.example.org/policywatch
  policywatch enqueue --db postgres://policywatch@db.example.org/policywatch --warc https://data.commoncrawl.org/crawl-data/CC-NEWS/2024/09/warc.paths.gz --base https://data.commoncrawl.org/`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case o.warc && len(args) == 0:
				return usagef("enqueue --warc needs WARC files, their URLs or a paths listing")
			case !o.warc && len(args) > 0:
				return usagef("enqueue takes the feeds of --config; give --warc to queue WARC files %q", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var (
				cfg ingest.Config
				err error
			)
			if o.warc {
				cfg, err = fetchConfig(cmd, o.config)
			} else {
				var file *config.File
				if file, err = config.Load(o.config); err == nil {
					cfg, err = ingest.ParseConfig(file.Ingest, file.Name)
				}
			}
			if err != nil {
				return err
			}
			db, err := a.openQueue(ctx, "enqueue")
			if err != nil {
				return err
			}
			defer db.Close()
			var n queue.Enqueued
			what := "feed"
			if o.warc {
				log, err := a.logger(false)
				if err != nil {
					return err
				}
				files, err := backfill.Files(ctx, args, o.base, backfill.Opener(ingest.NewFetcher(cfg, log)))
				if err != nil {
					return err
				}
				what = "WARC file"
				n, err = queue.EnqueueWARC(ctx, db, files)
				if err != nil {
					return err
				}
			} else if n, err = queue.EnqueueFeeds(ctx, db, cfg.Feeds); err != nil {
				return err
			}
			if o.json {
				return writeJSON(a.stdout, n)
			}
			fmt.Fprintf(a.stdout, "%s added, %d already queued, in %s.\n", plural(n.Added, what+" job", what+" jobs"), n.Queued, db)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.config, "config", "c", "feeds.yaml", "feeds to queue; with --warc, the fetch settings for listing URLs (optional)")
	f.BoolVar(&o.warc, "warc", false, "queue the WARC files the arguments give or list, rather than feeds")
	f.StringVar(&o.base, "base", "", "with --warc: URL or directory the paths of a listing are relative to (default: the listing's directory)")
	f.BoolVar(&o.json, "json", false, "print the counts as JSON")
	return cmd
}

type workerOptions struct {
	config      string
	workers     int
	concurrency int
	jobTimeout  time.Duration
	rescueAfter time.Duration
	grace       time.Duration
	noPrefilter bool
	noAlerts    bool
}

func (a *app) workerCmd() *cobra.Command {
	var o workerOptions
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Work the jobs 'policywatch enqueue' queued, until stopped",
		Long: `Worker works the jobs of the queue in the PostgreSQL database --db names: a
feed job does what 'policywatch run' does for that feed, a WARC job what
'policywatch backfill' does for that file, storing in the same database. Run
as many workers as wanted, on as many machines; each works --workers jobs at
once, and waits for more when the queue is empty.

A job's last records (the feed's fetch state, the WARC file's record) are
stored in one transaction with the job's completion, so a job is done exactly
when its data is stored. A worker that dies (killed, its machine lost) keeps
what it stored; its jobs, still marked running, are given to another worker
once they have run for --rescue-after, and that worker skips the articles
stored already. Records are stored by id, so nothing is stored twice.

A job running longer than --job-timeout is stopped and retried; --rescue-after
must be at least as long, or a live worker's jobs would be taken from it.

On SIGINT or SIGTERM the worker takes no more jobs, gives its running ones
--grace to finish, cancels those still running (they go back to the queue at
once, for another worker) and exits 0.

A feed job queues, in the transaction that completes it, an alert job for the
stories it made or changed; workers without --no-alerts work the alert jobs
(whichever worker did the feed job), posting them by the alerts section of
their own --config, as run does after its feeds. A worker that dies before
posting leaves its alert job to another; the alert records in the database keep
a story from being posted twice by a rule, however many workers run. Workers
compare the times they stamp stories with: keep their clocks in sync. Fetch
settings (user agent, politeness, allow_private) come from --config too; its
feeds are not used.
Politeness to a site holds within one worker process, not across them.

Exit codes:
  0    stopped by SIGINT or SIGTERM
  1    the configuration cannot be read, or the database failed
  2    a wrong command line, or --db is not a postgres:// URL`,
		Example: `  policywatch worker --db postgres://policywatch@db.example.org/policywatch
  policywatch worker --db postgres://policywatch@db.example.org/policywatch --workers 4 --rescue-after 2h --job-timeout 1h`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.workers < 1 {
				return usagef("--workers must be at least 1, got %d", o.workers)
			}
			if o.jobTimeout <= 0 || o.rescueAfter < o.jobTimeout || o.grace <= 0 {
				return usagef("--job-timeout (%v) and --grace (%v) must be positive, and --rescue-after (%v) at least --job-timeout: a job still running is taken from its worker only after it",
					o.jobTimeout, o.grace, o.rescueAfter)
			}
			cfg, err := fetchConfig(cmd, o.config)
			if err != nil {
				return err
			}
			var rules alert.Rules
			var skipped []skippedRule
			if _, statErr := os.Stat(o.config); !o.noAlerts && (statErr == nil || cmd.Flags().Changed("config")) {
				if rules, skipped, err = a.alertRules(o.config); err != nil {
					return err
				}
			}
			if o.concurrency > 0 {
				cfg.Concurrency = o.concurrency
			}
			log, err := a.logger(false)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := a.openQueue(ctx, "worker")
			if err != nil {
				return err
			}
			defer db.Close()
			x, err := newExtractor()
			if err != nil {
				return err
			}
			w := &queue.Worker{
				DB:          db,
				Fetcher:     ingest.NewFetcher(cfg, log),
				Extractor:   x,
				Logger:      log,
				Jobs:        o.workers,
				Concurrency: cfg.Concurrency,
				JobTimeout:  o.jobTimeout,
				RescueAfter: o.rescueAfter,
				Grace:       o.grace,
			}
			for _, sk := range skipped {
				log.Warn("alert rule skipped", "rule", sk.Rule, "line", sk.Line, "err", sk.Error)
			}
			if o.noAlerts {
				w.Done = func(r queue.Result) {
					if r.Err != nil || r.Kind != (queue.FeedArgs{}).Kind() {
						return
					}
					// As run --no-alerts: later workers do not post these.
					if err := alert.Skip(db, time.Now()); err != nil {
						log.Error("mark the job's stories as not to be alerted", "feed", r.Name, "err", err)
					}
				}
			} else {
				w.Alerts = func(ctx context.Context, since time.Time) error {
					rep, err := notifyAlerts(ctx, db, rules, skipped, since, log)
					if rep != nil {
						t := rep.Totals()
						log.Info("alerts", "since", since, "sent", t.Sent, "failed", t.Failed, "gave_up", t.GaveUp, "unknown", t.Unknown)
					}
					return err
				}
			}
			if !o.noPrefilter {
				if w.Prefilter, err = x.Prefilter(); err != nil {
					return err
				}
			}
			return w.Run(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.config, "config", "c", "feeds.yaml", "fetch settings (user agent, politeness, allow_private); optional, its feeds are not used")
	f.IntVar(&o.workers, "workers", 1, "jobs worked at once by this process")
	f.IntVar(&o.concurrency, "concurrency", 0, "articles of a feed job fetched at once (default from the config)")
	f.DurationVar(&o.jobTimeout, "job-timeout", 30*time.Minute, "stop and retry a job that runs longer")
	f.DurationVar(&o.rescueAfter, "rescue-after", time.Hour, "give a job still marked running after this long (its worker died) to another worker")
	f.DurationVar(&o.grace, "grace", 30*time.Second, "on SIGINT or SIGTERM, how long running jobs may take to finish before they are cancelled and go back to the queue")
	f.BoolVar(&o.noAlerts, "no-alerts", false, "store the jobs' stories without posting alerts; later workers and runs do not post them either")
	f.BoolVar(&o.noPrefilter, "no-prefilter", false, "WARC jobs extract every article, not only those that name a place, a service and an action word")
	return cmd
}
