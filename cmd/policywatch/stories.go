package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// storyCSVHeader is the column order of query --stories --format csv; as
// with the event export, add columns at the end, never reorder. Feeds and
// event ids are joined with ";" in one cell.
var storyCSVHeader = []string{
	"id", "last", "first", "date", "country", "service", "action", "reason",
	"sources", "feeds", "confidence", "event_ids", "created", "updated",
}

// storyCSVRecord is one story as a row. Its text cells are neutralised
// as the event export's are (event.CSVText); sources and confidence,
// columns 8 and 10, are numbers.
func storyCSVRecord(s store.Story) []string {
	return event.CSVTextRow([]string{
		s.ID, s.Last, s.First, s.Date, s.Country, s.Service, string(s.Action), s.Reason,
		strconv.Itoa(s.Sources), strings.Join(s.Feeds, ";"),
		strconv.FormatFloat(s.Confidence, 'f', 2, 64), strings.Join(s.EventIDs, ";"),
		s.Created.UTC().Format(time.RFC3339), s.Updated.UTC().Format(time.RFC3339),
	}, 8, 10)
}

func (a *app) writeStories(format string, stories []store.Story) error {
	if format == "table" {
		return writeStoryTable(a.stdout, stories)
	}
	return writeStoriesTo(a.stdout, format, stories)
}

// writeStoriesTo writes stories as csv, json (one array) or jsonl.
func writeStoriesTo(w io.Writer, format string, stories []store.Story) error {
	bw := bufio.NewWriter(w)
	switch format {
	case "csv":
		cw := csv.NewWriter(bw)
		if err := cw.Write(storyCSVHeader); err != nil {
			return err
		}
		for _, s := range stories {
			if err := cw.Write(storyCSVRecord(s)); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
	case "json":
		if stories == nil {
			stories = []store.Story{}
		}
		if err := writeJSON(bw, stories); err != nil {
			return err
		}
	case "jsonl":
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		for _, s := range stories {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	return bw.Flush()
}

// writeStoryTable prints stories for a person, one line each. The short
// id is enough to tell them apart on screen; the full one is in the
// other formats.
func writeStoryTable(w io.Writer, stories []store.Story) error {
	if len(stories) == 0 {
		_, err := fmt.Fprintln(w, "No stories match.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAST\tCOUNTRY\tSERVICE\tACTION\tSOURCES\tDATE\tREASON\tID")
	for _, s := range stories {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n",
			s.Last, s.Country, s.Service, s.Action, s.Sources, s.Date, cut(s.Reason, 48), shortID(s.ID))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s.\n", plural(len(stories), "story", "stories"))
	return err
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// storyWindow is the --story-window flag: a Go duration ("336h") or a
// number of days ("14d"), which time.ParseDuration does not accept.
type storyWindow time.Duration

func (w *storyWindow) Set(s string) error {
	s = strings.TrimSpace(s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil {
			return fmt.Errorf("want a duration such as 14d or 336h")
		}
		d = time.Duration(n * float64(24*time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return fmt.Errorf("want a duration such as 14d or 336h")
		}
	}
	if d <= 0 {
		return fmt.Errorf("want a positive duration such as 14d")
	}
	*w = storyWindow(d)
	return nil
}

func (w *storyWindow) String() string {
	d := time.Duration(*w)
	if d == 0 {
		d = store.DefaultStoryWindow
	}
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

func (w *storyWindow) Type() string { return "duration" }

// storyWindowUsage is the flag's help, shared by run and demo.
const storyWindowUsage = "reports of one country, service and action this close in time are one story (e.g. 14d, 336h)"
