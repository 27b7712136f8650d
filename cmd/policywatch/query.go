package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// filterFlags are the event filters query, export and serve share.
type filterFlags struct {
	countries     []string
	services      []string
	actions       []string
	since, until  string
	text          string
	minConfidence float64
	feeds         []string
	limit         int
}

func (f *filterFlags) register(fs *pflag.FlagSet) {
	fs.StringSliceVar(&f.countries, "country", nil, "country code or name, e.g. IR or Iran (repeat or comma-separate for any of several)")
	fs.StringSliceVar(&f.services, "service", nil, "service slug or name, e.g. telegram or \"X\"")
	fs.StringSliceVar(&f.actions, "action", nil, "action: "+store.ActionList())
	fs.StringVar(&f.since, "since", "", "events on or after this date: 2018, 2018-04 or 2018-04-16 (an event dated by month or year counts if its period reaches it)")
	fs.StringVar(&f.until, "until", "", "events on or before this date: 2018, 2018-04 or 2018-04-16 (an event dated by month or year counts if its period reaches it)")
	fs.StringVar(&f.text, "text", "", "only events whose evidence, reason or source title contains this text")
	fs.Float64Var(&f.minConfidence, "min-confidence", 0, "only events with at least this confidence (0 to 1)")
	fs.StringSliceVar(&f.feeds, "feed", nil, "only events from this feed (by name)")
	fs.IntVar(&f.limit, "limit", 0, "at most this many events (0 = all)")
}

// filter validates the flags and resolves names to codes and slugs.
func (a *app) filter(f filterFlags) (store.Filter, error) {
	out, err := store.Spec{
		Countries: f.countries, Services: f.services, Actions: f.actions, Feeds: f.feeds,
		Since: f.since, Until: f.until, Text: f.text, MinConfidence: f.minConfidence, Limit: f.limit,
	}.Resolve(lazyNames{a})
	if fes := store.FieldErrors(err); len(fes) > 0 {
		fe := fes[0]
		return out, usagef("--%s %q %s", strings.ReplaceAll(fe.Field, "_", "-"), fe.Value, fe.Msg)
	}
	return out, err
}

// lazyNames loads the gazetteer only when a name must be resolved: most
// queries name none, and loading takes a moment.
type lazyNames struct{ a *app }

func (l lazyNames) LookupCountry(s string) (string, bool) {
	g, err := l.a.gazetteer()
	if err != nil {
		return "", false
	}
	return g.LookupCountry(s)
}

func (l lazyNames) LookupService(s string) (string, bool) {
	g, err := l.a.gazetteer()
	if err != nil {
		return "", false
	}
	return g.LookupService(s)
}

func (a *app) queryCmd() *cobra.Command {
	var ff filterFlags
	var format string
	var stories bool
	cmd := &cobra.Command{
		Use:   "query",
		Short: "List stored events, newest first",
		Long: `Query lists stored events, newest first, filtered by country, service, action,
date range, text, confidence and feed. Filters of different kinds combine
(all must hold); several values of one filter mean any of them.

With --stories it lists stories instead: the reports of one country, service
and action that came within the story window (14 days unless 'run' was given
--story-window) of each other, across articles and feeds, newest first by
their last date. A story matches a date range it overlaps, a text any of its
events holds, a confidence its most confident event reaches and a feed any of
its events came from. The table shows a short id; json, jsonl and csv the full
one, with the story's first and last dates, its best date and reason, and the
ids of its events.

It opens the database read-only, so it can run while a batch is writing; if the
batch holds the lock for long, it says so instead of hanging.`,
		Example: `  policywatch query --country IR --service telegram
  policywatch query --country Russia --action block,throttle --since 2018 --until 2018-06
  policywatch query --text "national security" --format json
  policywatch query --country RU --format csv > ru.csv
  policywatch query --stories --country IR --since 2018
  policywatch query --stories --service telegram --format json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json", "csv", "jsonl"); err != nil {
				return err
			}
			f, err := a.filter(ff)
			if err != nil {
				return err
			}
			db, err := a.openReader(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if err := checkFeeds(db, f.Feeds); err != nil {
				return err
			}
			if stories {
				list, err := db.Stories(store.StoryFilter{Filter: f})
				if err != nil {
					return err
				}
				return a.writeStories(format, list)
			}
			events, err := db.Events(f)
			if err != nil {
				return err
			}
			return a.writeEvents(format, events)
		},
	}
	ff.register(cmd.Flags())
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output: table, json, csv or jsonl")
	cmd.Flags().BoolVar(&stories, "stories", false, "list stories (events grouped across reports) instead of events")
	return cmd
}

func (a *app) exportCmd() *cobra.Command {
	var ff filterFlags
	var format, output string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export matching events with provenance as CSV, JSON Lines or Parquet",
		Long: `Export writes every matching event with its provenance, newest first.

CSV is RFC 4180, UTF-8, with a header row and one row per event; it loads in
pandas (pd.read_csv) and R (read.csv) with no options. Columns, in this order:
` + strings.Join(csvHeader, ", ") + `.
Evidence sentences are joined with a newline inside one quoted cell.

JSON Lines has one event object per line with the same fields.

Parquet has the same columns, typed: confidence a double, evidence a list of
strings, first_seen a UTC timestamp; then date_start and date_end, the first
and last day the date stands for (2018-04 is 1 to 30 April), as DATEs to
filter on, while date keeps the date as reported. Given a directory (-o DIR:
one that exists, or a path not ending in .parquet) it writes one file a
month, DIR/year=YYYY/month=MM/events.parquet, which pandas, pyarrow, DuckDB
and R's arrow read as one table with year and month columns; events dated
only by their year are in month=__HIVE_DEFAULT_PARTITION__, read as a null
month. DIR/_manifest.json lists every file with its size, sha256 and number
of events. Exporting into the same directory again rewrites only the files
whose events changed, and removes those of months no event is in any more,
so a mirror copies only what changed; the manifest is written last.

Events stream from the database as they are read, so memory stays flat
however many there are. The database is open, and a nightly run's batch
waits for it, only while they are read: into a file (-o, or standard output
redirected to a file) they are written as they come; into a pipe or a
terminal, which may read slowly, they go through a temporary file in TMPDIR
first, and are copied out once the database is closed.`,
		Example: `  policywatch export --format csv > events.csv
  policywatch export --format jsonl --country IR --since 2018 -o iran.jsonl
  policywatch export --format parquet -o events/
  policywatch export --format parquet --service telegram -o telegram.parquet`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "csv", "jsonl", "parquet"); err != nil {
				return err
			}
			toStdout := output == "" || output == "-"
			if format == "parquet" && toStdout && isTerminal(a.stdout) {
				return usagef("Parquet is binary: give -o FILE.parquet or -o DIR, or redirect standard output")
			}
			f, err := a.filter(ff)
			if err != nil {
				return err
			}
			db, err := a.openReader(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if err := checkFeeds(db, f.Feeds); err != nil {
				return err
			}
			if format == "parquet" && isDatasetDir(output) {
				return a.exportDataset(cmd.Context(), db, output, f, ff)
			}
			export := func(w io.Writer) error {
				return exportEvents(cmd.Context(), db, w, format, f)
			}
			switch {
			case !toStdout:
				return writeFileAtomic(output, export)
			case isRegularFile(a.stdout):
				return export(a.stdout)
			}
			return spool(a.stdout, export, db.Close)
		},
	}
	ff.register(cmd.Flags())
	cmd.Flags().StringVarP(&format, "format", "f", "csv", "output: csv, jsonl or parquet")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output (parquet: or this directory, partitioned by month)")
	return cmd
}

func (a *app) writeEvents(format string, events []event.Record) error {
	if format == "table" {
		return writeTable(a.stdout, events)
	}
	return writeEventsTo(a.stdout, format, events)
}

func describeCount(n int) string { return fmt.Sprint(plural(n, "event", "events")) }
