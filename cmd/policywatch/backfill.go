package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/backfill"
	"github.com/policywatch/policywatch/config"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

type backfillOptions struct {
	config      string
	base        string
	workers     int
	noPrefilter bool
	noProgress  bool
	json        bool
	storyWindow storyWindow
}

func (a *app) backfillCmd() *cobra.Command {
	var o backfillOptions
	cmd := &cobra.Command{
		Use:   "backfill WARC|URL|LISTING...",
		Short: "Extract and store the events of news archives (WARC files, such as Common Crawl's CC-NEWS)",
		Long: `Backfill reads WARC files, keeps their HTML responses, reads each page's
main text as run does, and stores the events of the articles as run stores
them: an article has the id run gives the same URL, so nothing is stored twice,
whichever of the two met it first. Every article and event records the WARC
file, offset and length of its record, so its exact bytes can be fetched
again (a range request on the file's URL).

An argument is a WARC file (.warc or .warc.gz), its http(s) URL, or a paths
listing (a name ending in .paths or .paths.gz, gzipped or not, one path a
line, like CC-NEWS's warc.paths.gz); a listed path is resolved against --base,
or without it against the listing's own directory. URLs are fetched as run
fetches (the configuration's user agent, politeness and allow_private).

A cheap prefilter drops the articles that name no place, no service or no
action word before the extractor reads them; they are not stored.

A file read to the end is recorded in the database and skipped by later
backfills. An interrupted backfill (Ctrl-C, a kill, a failed file) keeps what
it stored; run again, it reads the interrupted file from the start and skips
the articles it already stored.

Exit codes:
  0    every file was read (or had been before)
  1    some file could not be read (the others are stored), or the database failed
  2    a wrong command line
  4    the database is damaged
  130  interrupted; what was done is stored`,
		Example: `  policywatch backfill CC-NEWS-20240901120000-00000.warc.gz
  policywatch backfill --workers 2 crawl/*.warc.gz
  policywatch backfill --base https://data.commoncrawl.org/ https://data.commoncrawl.org/crawl-data/CC-NEWS/2024/09/warc.paths.gz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("backfill needs WARC files, their URLs or a paths listing")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var cfg ingest.Config
			file, err := config.Load(o.config)
			switch {
			case err == nil:
				if cfg, err = ingest.ParseConfig(file.Ingest, file.Name); err != nil {
					return err
				}
			case errors.Is(err, fs.ErrNotExist) && !cmd.Flags().Changed("config"):
				// No configuration: the fetcher's defaults.
			default:
				return err
			}
			if o.workers < 1 {
				return usagef("--workers must be at least 1, got %d", o.workers)
			}
			showProgress := !o.noProgress && !o.json && isTerminal(a.stderr)
			log, err := a.logger(showProgress)
			if err != nil {
				return err
			}
			// A file an older policywatch wrote is upgraded first, saying
			// so, as run does (its pages are checked before that writes).
			if from, upgraded, err := a.upgradeStore(showProgress, log); err != nil {
				return err
			} else if upgraded {
				fmt.Fprintf(a.stderr, "%s.\n", upgradedSummary(a.dbPath, from))
			}
			db := store.Handle{Path: a.dbPath, Options: store.Options{Timeout: 30 * time.Second, StoryWindow: time.Duration(o.storyWindow)}}
			if err := db.Do(func(*store.DB) error { return nil }); err != nil {
				return fmt.Errorf("not writing to %s: %w", a.dbPath, err)
			}
			if err := store.CheckPages(a.dbPath, db.Options); err != nil {
				return fmt.Errorf("not writing to %s: %w", a.dbPath, err)
			}
			open := backfill.Opener(ingest.NewFetcher(cfg, log))
			files, err := backfill.Files(cmd.Context(), args, o.base, open)
			if err != nil {
				return err
			}
			x, err := newExtractor()
			if err != nil {
				return err
			}
			b := &backfill.Backfiller{Extractor: x, DB: db, Open: open, Logger: log, Workers: o.workers}
			if !o.noPrefilter {
				if b.Prefilter, err = x.Prefilter(); err != nil {
					return err
				}
			}
			if showProgress {
				b.Progress = newRecordBar(a.stderr)
			}
			log.Info("backfill started", "files", len(files), "db", a.dbPath, "workers", o.workers)
			sum, err := b.Run(cmd.Context(), files)
			if err != nil {
				return err
			}
			if o.json {
				if err := writeJSON(a.stdout, sum); err != nil {
					return err
				}
			} else {
				printBackfill(a.stdout, sum)
			}
			switch {
			case sum.Interrupted:
				return &exitError{code: exitInterrupted, msg: "interrupted; what was done is stored and the next backfill resumes"}
			case sum.FilesFailed > 0:
				return &exitError{code: exitFailure, msg: fmt.Sprintf("%d of %d WARC files could not be read; run again to retry them", sum.FilesFailed, sum.Files)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.config, "config", "c", "feeds.yaml", "fetch settings (user agent, allow_private, ...) for WARC URLs; optional")
	f.StringVar(&o.base, "base", "", "URL or directory the paths of a listing are relative to (default: the listing's directory)")
	f.IntVar(&o.workers, "workers", 1, "pages read and extracted at once (one per core is the most that helps)")
	f.BoolVar(&o.noPrefilter, "no-prefilter", false, "extract every article, not only those that name a place, a service and an action word")
	f.BoolVar(&o.noProgress, "no-progress", false, "do not show a progress bar")
	f.BoolVar(&o.json, "json", false, "print the summary as JSON")
	f.Var(&o.storyWindow, "story-window", storyWindowUsage)
	return cmd
}

func printBackfill(w io.Writer, s backfill.Summary) {
	fmt.Fprintf(w, "WARC files: %d (%d read, %d read before, %d failed)\n", s.Files, s.FilesRead, s.FilesSkipped, s.FilesFailed)
	fmt.Fprintf(w, "Records:    %d (%.0f a second)\n", s.Records, s.RecordsPerSecond())
	fmt.Fprintf(w, "Pages:      %d HTML (%d dropped by the prefilter, %d stored before)\n", s.Pages, s.Prefiltered, s.Duplicates)
	fmt.Fprintf(w, "Articles:   %d new\n", s.NewArticles)
	fmt.Fprintf(w, "Events:     %d new, %d updated\n", s.NewEvents, s.UpdatedEvents)
	fmt.Fprintf(w, "Stories:    %d new, %d updated\n", s.NewStories, s.UpdatedStories)
	fmt.Fprintf(w, "Took:       %s\n", s.Duration.Round(time.Millisecond))
	if s.Interrupted {
		fmt.Fprintln(w, "Interrupted: what was done is stored; the next backfill resumes.")
	}
	if len(s.Failures) > 0 {
		fmt.Fprintln(w, "\nFailed (not recorded as read; run again to retry):")
		for _, f := range s.Failures {
			fmt.Fprintf(w, "  %s\n", f.Error)
		}
	}
}

// recordBar shows WARC records read and their rate; the total of a
// backfill is not known before its files are read.
type recordBar struct{ bar *progressbar.ProgressBar }

func newRecordBar(w io.Writer) *recordBar {
	return &recordBar{progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("WARC records"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("records"),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (r *recordBar) Add(n int) { _ = r.bar.Add(n) }
func (r *recordBar) Finish()   { _ = r.bar.Finish() }
