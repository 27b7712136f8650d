package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

func (a *app) statsCmd() *cobra.Command {
	var ff filterFlags
	var format string
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count stored events by country, service, action, month and extractor",
		Long: `Stats counts the stored events that match the filters (the same as query's)
by country, by service, by action and by the version of the extractor that
made them, largest first, and by month, in order of time. An event dated only
by its year counts under the year rather than a month, listed before the
year's months. A date filter keeps an event whose month or year overlaps the
range, as query's does. Events stored before versions were recorded count as
"(not recorded)" (an empty key in CSV and JSON). Events of an extractor older
than 'policywatch version' shows are brought up to date by 'policywatch
reextract'.

CSV has a header row and one row per count: dimension (country, service,
action, month or extractor), key (the country code, service slug, action,
YYYY-MM or version) and events. JSON is one object with the five lists.`,
		Example: `  policywatch stats
  policywatch stats --since 2018 --until 2018
  policywatch stats --country Russia --format csv > russia-stats.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			if cmd.Flags().Changed("limit") {
				return usagef("stats counts every matching event; --limit does not apply (use query --limit to list a few)")
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
			st, err := db.Stats(f)
			if err != nil {
				return err
			}
			switch format {
			case "csv":
				return writeStatsCSV(a.stdout, st)
			case "json":
				return writeJSON(a.stdout, st)
			}
			return a.writeStatsTable(st)
		},
	}
	ff.register(cmd.Flags())
	// Counting is over every matching event: --limit is refused, and
	// hidden from the help.
	cmd.Flags().MarkHidden("limit")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output: table, csv or json")
	return cmd
}

// statsDimensions pairs each list with its name in CSV and its heading.
func statsDimensions(st store.Stats) []struct {
	name, heading string
	counts        []store.Count
} {
	return []struct {
		name, heading string
		counts        []store.Count
	}{
		{"country", "By country", st.ByCountry},
		{"service", "By service", st.ByService},
		{"action", "By action", st.ByAction},
		{"month", "By month", st.ByMonth},
		{"extractor", "By extractor", st.ByExtractor},
		{"feed", "By feed", st.ByFeed},
	}
}

func writeStatsCSV(w io.Writer, st store.Stats) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write([]string{"dimension", "key", "events"}); err != nil {
		return err
	}
	for _, d := range statsDimensions(st) {
		for _, c := range d.counts {
			if err := cw.Write([]string{d.name, event.CSVText(c.Key), strconv.Itoa(c.Events)}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeStatsTable prints the counts as sections, countries by name.
func (a *app) writeStatsTable(st store.Stats) error {
	if st.Events == 0 {
		_, err := fmt.Fprintln(a.stdout, "No events match.")
		return err
	}
	gaz, err := a.gazetteer()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for i, d := range statsDimensions(st) {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintln(tw, d.heading)
		for _, c := range d.counts {
			label := c.Key
			if d.name == "extractor" && label == "" {
				label = "(not recorded)"
			}
			if d.name == "feed" && label == "" {
				label = "(no feed)"
			}
			if d.name == "country" {
				if country := gaz.Country(c.Key); country != nil {
					label = country.Name + " (" + c.Key + ")"
				}
			}
			fmt.Fprintf(tw, "  %s\t%d\n", label, c.Events)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "\n%s.\n", describeCount(st.Events))
	return err
}
