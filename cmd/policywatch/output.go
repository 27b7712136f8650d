package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/web"
)

// csvHeader is the export's column order; web owns the format, which
// /events.csv serves too.
var csvHeader = web.CSVHeader()

// writeEventsTo writes events as csv, json (one array) or jsonl.
func writeEventsTo(w io.Writer, format string, events []extract.Event) error {
	bw := bufio.NewWriter(w)
	switch format {
	case "csv":
		if err := web.WriteEventsCSV(bw, events); err != nil {
			return err
		}
	case "json":
		if events == nil {
			events = []extract.Event{}
		}
		if err := writeJSON(bw, events); err != nil {
			return err
		}
	case "jsonl":
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		for _, e := range events {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	return bw.Flush()
}

// writeTable prints events for a person: one line each, long text cut.
func writeTable(w io.Writer, events []extract.Event) error {
	if len(events) == 0 {
		_, err := fmt.Fprintln(w, "No events match.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tCOUNTRY\tSERVICE\tACTION\tCONF\tREASON\tSOURCE")
	for _, e := range events {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\t%s\t%s\n",
			e.Date, e.Country, e.Service, e.Action, e.Confidence, cut(e.Reason, 48), cut(e.SourceTitle, 44))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s.\n", describeCount(len(events)))
	return err
}

// cut shortens s to n runes, marking the cut.
func cut(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// writeFileAtomic writes a file through a temporary file and a rename, so
// an export that fails half-way never leaves a truncated file behind.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}
