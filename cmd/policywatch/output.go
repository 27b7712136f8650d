package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// csvHeader is the export's column order; package event owns the format,
// which /events.csv serves too.
var csvHeader = event.CSVHeader()

// writeEventsTo writes events as csv, json (one array) or jsonl.
func writeEventsTo(w io.Writer, format string, events []event.Record) error {
	if format == "json" {
		if events == nil {
			events = []event.Record{}
		}
		bw := bufio.NewWriter(w)
		if err := writeJSON(bw, events); err != nil {
			return err
		}
		return bw.Flush()
	}
	ew, err := event.NewWriter(w, format)
	if err != nil {
		return err
	}
	for _, e := range events {
		if err := ew.Write(e); err != nil {
			return err
		}
	}
	return ew.Flush()
}

// exportEvents writes the events matching f to w as the store yields
// them. An interrupt stops it with exit code 130.
func exportEvents(ctx context.Context, db store.Reader, w io.Writer, format string, f store.Filter) error {
	ew, err := newExportWriter(w, format)
	if err != nil {
		return err
	}
	err = db.EachEvent(f, func(e event.Record) error {
		if ctx.Err() != nil {
			return &exitError{code: exitInterrupted, msg: "export interrupted"}
		}
		return ew.Write(e)
	})
	if err != nil {
		return err
	}
	return ew.Flush()
}

// spool runs write into a temporary file, then calls release (closing
// the store) and copies the file to w. A reader as slow as a pager then
// holds nothing but the temporary file.
func spool(w io.Writer, write func(io.Writer) error, release func() error) error {
	tmp, err := os.CreateTemp("", "policywatch-export-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := write(tmp); err != nil {
		return err
	}
	if err := release(); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	_, err = io.Copy(w, tmp)
	return err
}

// isRegularFile reports whether w is a file on disk, which takes what is
// written to it at once, unlike a pipe or a terminal.
func isRegularFile(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode().IsRegular()
}

// writeTable prints events for a person: one line each, long text cut.
func writeTable(w io.Writer, events []event.Record) error {
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
// The file gets the permissions that `export > path` would give it: those
// of the file it replaces, else 0666 less the umask.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := createSibling(path)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
		if err := tmp.Chmod(info.Mode().Perm()); err != nil {
			tmp.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

// createSibling creates a new hidden file beside path. Unlike
// os.CreateTemp, which makes files only their owner can read, it asks for
// mode 0666 and lets the umask decide, as a shell's redirection does.
func createSibling(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	for range 100 {
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("write %s: could not create a temporary file beside it", path)
}
