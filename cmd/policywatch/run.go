package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/alert"
	"github.com/policywatch/policywatch/config"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/pipeline"
	"github.com/policywatch/policywatch/store"
)

type runOptions struct {
	config      string
	json        bool
	concurrency int
	noProgress  bool
	noAlerts    bool
	storyWindow storyWindow
	commitEvery time.Duration
}

func (a *app) runCmd() *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Fetch every feed, extract events from new articles and store them (the nightly batch)",
		Long: `Run fetches every feed in the configuration, fetches the articles not stored
yet, extracts their events and stores them. Re-running is safe: stored
articles are skipped and event ids are stable, so nothing is stored twice, and
an interrupted run resumes where it stopped.

After storing, each alert rule of the configuration (see 'policywatch alerts')
posts the new stories it matches to its webhook, and the summary says what was
sent. A webhook that fails does not stop the run (it exits 3); its alerts are
tried again by the next one, but for those whose request may have arrived
unanswered, which are never posted twice (see 'policywatch alerts status').

An alert rule that cannot be used (a webhook variable that is not set, a bad
URL or filter) is reported with its line in the configuration and skipped; the
batch runs and the other rules post. The stories a skipped rule misses are
posted by the first run after it is fixed.

Exit codes:
  0    at least one feed could be fetched, and every alert of the run was sent
       (failures of single feeds and articles are logged and listed)
  1    no feed could be fetched, the configuration's feeds cannot be read,
       or the database failed
  2    a wrong command line
  3    the data is stored, but some alerts were not sent: a rule was skipped,
       or a delivery of this run failed, was given up or has an unknown outcome
       (see the summary and 'policywatch alerts status')
  4    the database is damaged: run reads every page before its first write,
       and writes nothing to a damaged file (see 'policywatch check' and
       'policywatch recover')
  130  interrupted; what was done is stored`,
		Example: `  policywatch run
  policywatch run --config feeds.yaml --db /var/lib/policywatch/policywatch.db
  policywatch run --json > summary.json
  policywatch run --no-alerts`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			file, err := config.Load(o.config)
			if err != nil {
				return err
			}
			cfg, err := ingest.ParseConfig(file.Ingest, file.Name)
			if err != nil {
				return err
			}
			var rules alert.Rules
			var skipped []skippedRule
			if !o.noAlerts {
				gaz, err := a.gazetteer()
				if err != nil {
					return err
				}
				// A broken rule is reported and skipped: the batch must
				// collect the data whatever the alerts' state, and the
				// other rules still post.
				rules, skipped = skipBroken(alert.ParseRules(file.Alerts, file.Name, gaz, a.getenv))
			}
			if o.concurrency > 0 {
				cfg.Concurrency = o.concurrency
			}
			showProgress := !o.noProgress && !o.json && isTerminal(a.stderr)
			log, err := a.logger(showProgress)
			if err != nil {
				return err
			}
			for _, sk := range skipped {
				log.Warn("alert rule skipped", "rule", sk.Rule, "line", sk.Line, "err", sk.Error)
			}
			start := time.Now()
			sum, err := a.runPipeline(cmd, cfg, log, showProgress, time.Duration(o.storyWindow), o.commitEvery)
			if err != nil {
				return err
			}
			alerts, alertErr := a.alertsAfterRun(cmd.Context(), rules, skipped, start, log)
			if o.json {
				if err := writeJSON(a.stdout, runReport{Summary: sum, Alerts: alerts, Skipped: skipped}); err != nil {
					return err
				}
			} else {
				printSummary(a.stdout, sum)
				if alerts != nil {
					printAlertReport(a.stdout, *alerts)
				}
				printSkippedRules(a.stdout, skipped)
			}
			if alertErr != nil {
				return alertErr
			}
			if sum.Interrupted {
				// 130 is what shells report for a command ended by Ctrl-C.
				return &exitError{code: exitInterrupted, msg: "interrupted; what was done is stored and the next run resumes"}
			}
			if sum.NothingFetched() {
				return &exitError{code: exitFailure, msg: "no feed could be fetched"}
			}
			if msg := alertsNotSent(skipped, alerts); msg != "" {
				return &exitError{code: exitAlertsNotSent, msg: msg}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.config, "config", "c", "feeds.yaml", "feeds and fetch settings (YAML)")
	f.BoolVar(&o.json, "json", false, "print the run summary as JSON")
	f.IntVar(&o.concurrency, "concurrency", 0, "feeds and articles fetched at once (default from the config)")
	f.BoolVar(&o.noProgress, "no-progress", false, "do not show a progress bar")
	f.BoolVar(&o.noAlerts, "no-alerts", false, "store the run's stories without posting alerts; later runs do not post them either")
	f.Var(&o.storyWindow, "story-window", storyWindowUsage)
	f.DurationVar(&o.commitEvery, "commit-every", 500*time.Millisecond, "store what was fetched at least this often (and every 200 articles); what a killed run loses")
	return cmd
}

// runPipeline opens the store read-write and runs the batch on cfg,
// grouping events into stories within window (0: the store's default).
func (a *app) runPipeline(cmd *cobra.Command, cfg ingest.Config, log *slog.Logger, showProgress bool, window, commitEvery time.Duration) (pipeline.Summary, error) {
	// Open once to fail early on a locked, foreign or newer file; the run
	// itself visits the file per batch so readers get in between.
	db := store.Handle{Path: a.dbPath, Options: store.Options{Timeout: 30 * time.Second, StoryWindow: window,
		Progress: upgradeProgress(a.stderr, showProgress, log, a.dbPath)}}
	// A file an older policywatch wrote is upgraded first, saying so
	// (its pages are checked before that writes).
	if from, upgraded, err := a.upgradeStore(showProgress, log); err != nil {
		return pipeline.Summary{}, err
	} else if upgraded {
		fmt.Fprintf(a.stderr, "%s.\n", upgradedSummary(a.dbPath, from))
	}
	if err := db.Do(func(*store.DB) error { return nil }); errors.Is(err, store.ErrDamaged) {
		return pipeline.Summary{}, fmt.Errorf("not writing to %s: %w", a.dbPath, err)
	} else if err != nil {
		return pipeline.Summary{}, err
	}
	// bbolt writing into a file with damaged pages spreads the damage;
	// refuse before the first write, not at the first panic.
	checkStart := time.Now()
	if err := store.CheckPages(a.dbPath, db.Options); err != nil {
		return pipeline.Summary{}, fmt.Errorf("not writing to %s: %w", a.dbPath, err)
	}
	log.Debug("database pages checked", "db", a.dbPath, "took", time.Since(checkStart).Round(time.Millisecond))
	x, err := newExtractor()
	if err != nil {
		return pipeline.Summary{}, err
	}
	r := &pipeline.Runner{
		Fetcher:     ingest.NewFetcher(cfg, log),
		Extractor:   x,
		DB:          db,
		Logger:      log,
		Concurrency: cfg.Concurrency,
		CommitEvery: commitEvery,
	}
	if showProgress {
		r.Progress = &progressBar{w: a.stderr}
	}
	log.Info("run started", "feeds", len(cfg.Feeds), "db", a.dbPath)
	sum, err := r.Run(cmd.Context(), cfg.Feeds)
	log.Info("run finished", "new_articles", sum.NewArticles, "new_events", sum.NewEvents, "duration", sum.Duration.Round(time.Millisecond))
	return sum, err
}

// printSummary writes the human summary of a run.
func printSummary(w io.Writer, s pipeline.Summary) {
	fmt.Fprintf(w, "Feeds:    %d (%d fetched, %d not modified, %d failed)\n", s.Feeds, s.FeedsOK, s.FeedsNotModified, s.FeedsFailed)
	fmt.Fprintf(w, "Articles: %d new of %d items", s.NewArticles, s.Items)
	if s.FromFeedText > 0 || s.ArticlesFailed > 0 {
		fmt.Fprintf(w, " (%d from feed text, %d failed)", s.FromFeedText, s.ArticlesFailed)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Events:   %d new, %d updated\n", s.NewEvents, s.UpdatedEvents)
	fmt.Fprintf(w, "Stories:  %d new, %d updated\n", s.NewStories, s.UpdatedStories)
	fmt.Fprintf(w, "Took:     %s\n", s.Duration.Round(time.Millisecond))
	if s.Interrupted {
		fmt.Fprintln(w, "Interrupted: what was done is stored; the next run resumes.")
	}
	printFailures(w, "Failures:", s.Failures)
	printFailures(w, "Pages unavailable, feed text used instead:", s.Unavailable)
}

// printFailures lists feeds or pages with what went wrong; the errors
// name the URL. A feed whose site is down can fail thousands of pages:
// past failuresShown, a feed's are counted, and --json has them all.
func printFailures(w io.Writer, heading string, fs []pipeline.Failure) {
	if len(fs) == 0 {
		return
	}
	var feeds []string
	byFeed := make(map[string][]pipeline.Failure)
	for _, f := range fs {
		if _, ok := byFeed[f.Feed]; !ok {
			feeds = append(feeds, f.Feed)
		}
		byFeed[f.Feed] = append(byFeed[f.Feed], f)
	}
	fmt.Fprintln(w, "\n"+heading)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, feed := range feeds {
		list := byFeed[feed]
		if len(list) <= failuresShown {
			for _, f := range list {
				fmt.Fprintf(tw, "  %s\t%s\n", feed, f.Error)
			}
			continue
		}
		fmt.Fprintf(tw, "  %s\t%d in all, the first %d:\n", feed, len(list), failuresShown)
		for _, f := range list[:failuresShown] {
			fmt.Fprintf(tw, "  \t%s\n", f.Error)
		}
		fmt.Fprintf(tw, "  \tand %d more (--json lists each)\n", len(list)-failuresShown)
	}
	tw.Flush()
}

// failuresShown is how many failures of one feed the summary lists.
const failuresShown = 3

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// progressBar shows the article phase of a run on a terminal.
type progressBar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (p *progressBar) Start(total int) {
	p.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("articles"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

func (p *progressBar) Add(n int) {
	if p.bar != nil {
		_ = p.bar.Add(n)
	}
}

func (p *progressBar) Finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
