package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/store/pgstore"
)

type reextractOptions struct {
	batch      int
	all        bool
	json       bool
	noProgress bool
}

func (a *app) reextractCmd() *cobra.Command {
	var ff filterFlags
	var o reextractOptions
	cmd := &cobra.Command{
		Use:   "reextract",
		Short: "Run the current extractor again over stored articles, bringing their events up to date",
		Long: `Reextract runs this policywatch's extractor again over the stored articles,
whose text the store keeps, and stores what it finds now: new events are
added, events it no longer finds are removed with their index entries, the
others are updated in place (keeping when they were first seen), and stories
regroup. Run it after upgrading policywatch: every event records the
extractor version that made it ('policywatch version' shows the current one,
'policywatch stats' counts the stored events by it).

Articles the current extractor has read already, by 'run' or an earlier
reextract, are skipped (--all reads them too). Articles are read and stored
in batches (--batch), one transaction each, so a reextract that is stopped or
killed keeps what it did, and the next one goes on from there. The database
is held only while a batch is read or stored, so queries, 'serve' and a
nightly run get in between. With --db postgres://… it reextracts the articles
of that database the same way, a transaction per batch, while workers run.

Filters choose the articles: --feed by the article's feed, --since and --until
by its publication date, --country, --service and --action by the events
stored for it (any of them matching). Without filters, every article.

Stories reextract makes or changes are not alerted: the stories already
alerted are not posted again, and the stories it finds in old articles are
not news. (Only when a run stopped before posting its alerts does the next
run also consider the stories reextract made, so as not to drop that run's.)

The summary says how many events were added, removed and changed.`,
		Example: `  policywatch reextract
  policywatch reextract --country IR --since 2022
  policywatch reextract --feed "BBC World" --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.batch < 1 {
				return usagef("--batch %d: want at least 1", o.batch)
			}
			f, err := a.filter(ff)
			if err != nil {
				return err
			}
			showProgress := !o.noProgress && !o.json && isTerminal(a.stderr)
			log, err := a.logger(showProgress)
			if err != nil {
				return err
			}
			var visit func(write bool, fn func(reextractDB) error) error
			if pgstore.IsURL(a.dbPath) {
				db, err := pgstore.Open(cmd.Context(), a.dbPath)
				if err != nil {
					return err
				}
				defer db.Close()
				visit = func(_ bool, fn func(reextractDB) error) error { return fn(db) }
			} else {
				if from, upgraded, err := a.upgradeStore(showProgress, log); err != nil {
					return err
				} else if upgraded {
					fmt.Fprintf(a.stderr, "%s.\n", upgradedSummary(a.dbPath, from))
				}
				// A missing file is an error to explain, not a database to make.
				db, err := a.openRead()
				if err != nil {
					return err
				}
				db.Close()
				visit = fileVisits(store.Handle{Path: a.dbPath, Options: store.Options{Timeout: 30 * time.Second,
					Progress: upgradeProgress(a.stderr, showProgress, log, a.dbPath)}})
			}
			x, err := newExtractor()
			if err != nil {
				return err
			}
			r := reextractor{visit: visit, x: x, log: log}
			if showProgress {
				r.progress = &progressBar{w: a.stderr}
			}
			version := x.Version()
			if o.all {
				version = ""
			}
			sum, err := r.run(cmd.Context(), store.Reading{Filter: f, Version: version}, o.batch)
			if err != nil {
				return err
			}
			if o.json {
				if err := writeJSON(a.stdout, sum); err != nil {
					return err
				}
			} else {
				printReextractSummary(a.stdout, sum)
			}
			if sum.Interrupted {
				return &exitError{code: exitInterrupted, msg: "interrupted; what was done is stored, and the next reextract goes on from there"}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&ff.countries, "country", nil, "only articles with a stored event of this country (code or name)")
	fs.StringSliceVar(&ff.services, "service", nil, "only articles with a stored event of this service (slug or name)")
	fs.StringSliceVar(&ff.actions, "action", nil, "only articles with a stored event of this action: "+store.ActionList())
	fs.StringVar(&ff.since, "since", "", "only articles published on or after this date: 2018, 2018-04 or 2018-04-16")
	fs.StringVar(&ff.until, "until", "", "only articles published on or before this date")
	fs.StringSliceVar(&ff.feeds, "feed", nil, "only articles from this feed (by name)")
	fs.IntVar(&o.batch, "batch", 50, "articles read and stored per transaction; what a kill loses at most")
	fs.BoolVar(&o.all, "all", false, "also read the articles the current extractor has read already")
	fs.BoolVar(&o.json, "json", false, "print the summary as JSON")
	fs.BoolVar(&o.noProgress, "no-progress", false, "do not show a progress bar")
	return cmd
}

// reextractSummary is what a reextract did.
type reextractSummary struct {
	Extractor string `json:"extractor"`
	// Articles were read again; Current were left alone, as the
	// extractor had read them already.
	Articles int `json:"articles"`
	Current  int `json:"current"`
	// Added, Removed and Changed events; Unchanged were found again as
	// they were stored.
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`

	NewStories     int `json:"new_stories"`
	UpdatedStories int `json:"updated_stories"`
	DeletedStories int `json:"deleted_stories"`
	// AlertsHeld is false when the stories made are left for the next
	// run's alerts, because an earlier run's are still waiting.
	AlertsHeld  bool          `json:"alerts_held"`
	Duration    time.Duration `json:"duration_ns"`
	Interrupted bool          `json:"interrupted,omitempty"`
}

// reextractDB is what a reextract reads and writes: *store.DB or
// *pgstore.DB.
type reextractDB interface {
	ArticlesToRead(r store.Reading) (ids []string, current int, err error)
	Article(id string) (ingest.Article, error)
	Save(b store.Batch) (store.SaveStats, error)
	Stories(f store.StoryFilter) ([]store.Story, error)
	AlertsCovered() (time.Time, error)
	SetAlertsCovered(t time.Time) error
}

// fileVisits opens the file for each visit, read-only unless write, as a
// run does: queries, serve and a nightly run get in between batches.
func fileVisits(h store.Handle) func(write bool, fn func(reextractDB) error) error {
	return func(write bool, fn func(reextractDB) error) error {
		v := h
		v.Options.ReadOnly = !write
		return v.Do(func(db *store.DB) error { return fn(db) })
	}
}

// reextractor runs an extractor over stored articles, a batch at a
// time, visiting the database per batch.
type reextractor struct {
	visit    func(write bool, fn func(reextractDB) error) error
	x        *extract.Extractor
	log      *slog.Logger
	progress *progressBar
}

func (r *reextractor) run(ctx context.Context, sel store.Reading, batch int) (reextractSummary, error) {
	start := time.Now()
	sum := reextractSummary{Extractor: r.x.Version()}
	var ids []string
	var holdAlerts bool
	// Read-write: an older file gets its extractor index here, once.
	err := r.visit(true, func(db reextractDB) error {
		var err error
		if ids, sum.Current, err = db.ArticlesToRead(sel); err != nil {
			return err
		}
		holdAlerts, err = alertsCanBeHeld(db)
		return err
	})
	if err != nil {
		return sum, err
	}
	sum.AlertsHeld = holdAlerts
	r.log.Info("reextract started", "articles", len(ids), "current", sum.Current, "extractor", sum.Extractor)
	if r.progress != nil {
		r.progress.Start(len(ids))
		defer r.progress.Finish()
	}
	total := len(ids)
	for len(ids) > 0 && ctx.Err() == nil {
		n := min(batch, len(ids))
		part := ids[:n]
		ids = ids[n:]
		var articles []ingest.Article
		err := r.visit(false, func(db reextractDB) error {
			for _, id := range part {
				a, err := db.Article(id)
				if err != nil {
					return err
				}
				articles = append(articles, a)
			}
			return nil
		})
		if err != nil {
			return sum, err
		}
		b := store.Batch{Articles: r.extract(ctx, articles)}
		if len(b.Articles) == 0 {
			break // interrupted before the first article of the batch
		}
		var st store.SaveStats
		err = r.visit(true, func(db reextractDB) error {
			if st, err = db.Save(b); err != nil {
				return err
			}
			if holdAlerts {
				// Every story this batch made or changed is then one the
				// alerts have seen: the next run posts none of them.
				return db.SetAlertsCovered(time.Now())
			}
			return nil
		})
		if err != nil {
			return sum, err
		}
		sum.Articles += len(b.Articles)
		sum.Added += st.NewEvents
		sum.Removed += st.DeletedEvents
		sum.Changed += st.ChangedEvents
		sum.Unchanged += st.UpdatedEvents - st.ChangedEvents
		sum.NewStories += st.NewStories
		sum.UpdatedStories += st.UpdatedStories
		sum.DeletedStories += st.DeletedStories
		if r.progress != nil {
			r.progress.Add(len(b.Articles))
		}
		r.log.Debug("batch stored", "articles", len(b.Articles), "added", st.NewEvents, "removed", st.DeletedEvents, "changed", st.ChangedEvents)
	}
	sum.Interrupted = sum.Articles < total
	sum.Duration = time.Since(start)
	r.log.Info("reextract finished", "articles", sum.Articles, "added", sum.Added, "removed", sum.Removed, "changed", sum.Changed, "duration", sum.Duration.Round(time.Millisecond))
	return sum, nil
}

// extract runs the extractor over articles, on every core, and returns
// them with their events in the order given; an interrupt keeps only the
// articles before the first one not done.
func (r *reextractor) extract(ctx context.Context, articles []ingest.Article) []store.ArticleEvents {
	out := make([]store.ArticleEvents, len(articles))
	done := make([]bool, len(articles))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, a := range articles {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			out[i] = store.ArticleEvents{Article: a, Events: r.extractOne(a), Extractor: r.x.Version()}
			done[i] = true
		})
	}
	wg.Wait()
	for i, ok := range done {
		if !ok {
			return out[:i]
		}
	}
	return out
}

func (r *reextractor) extractOne(a ingest.Article) []event.Event {
	return r.x.Extract(extract.Document{
		ID: a.ID, URL: a.URL, Title: a.Title, Text: a.Text, Published: a.Published, Feed: a.Feed,
		WARCFile: a.WARCFile, WARCOffset: a.WARCOffset, WARCLength: a.WARCLength,
	})
}

// alertsCanBeHeld reports whether the stories a reextract makes can be
// marked as seen by the alerts. Not when no alerts were ever considered
// (nothing then looks back before a run's own start), nor when stories
// made since they last were are still waiting, which a stopped run
// leaves, and which the next run must still post.
func alertsCanBeHeld(db reextractDB) (bool, error) {
	covered, err := db.AlertsCovered()
	if err != nil || covered.IsZero() {
		return false, err
	}
	waiting, err := db.Stories(store.StoryFilter{Filter: store.Filter{Limit: 1}, ChangedSince: covered})
	if err != nil {
		return false, err
	}
	return len(waiting) == 0, nil
}

func printReextractSummary(w io.Writer, s reextractSummary) {
	fmt.Fprintf(w, "Extractor: %s\n", s.Extractor)
	fmt.Fprintf(w, "Articles:  %d read again (%d read by this extractor already)\n", s.Articles, s.Current)
	fmt.Fprintf(w, "Events:    %d added, %d removed, %d changed, %d unchanged\n", s.Added, s.Removed, s.Changed, s.Unchanged)
	fmt.Fprintf(w, "Stories:   %d new, %d updated, %d deleted\n", s.NewStories, s.UpdatedStories, s.DeletedStories)
	fmt.Fprintf(w, "Took:      %s\n", s.Duration.Round(time.Millisecond))
	if s.Interrupted {
		fmt.Fprintln(w, "Interrupted: what was done is stored; the next reextract goes on from there.")
	}
}
