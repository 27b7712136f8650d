package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/policywatch/policywatch/dataset"
	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/store"
)

// newExportWriter returns the streaming writer of an export format.
func newExportWriter(w io.Writer, format string) (event.Writer, error) {
	if format == "parquet" {
		return dataset.NewWriter(w), nil
	}
	return event.NewWriter(w, format)
}

// isDatasetDir reports whether the -o of a Parquet export names a
// directory to partition into rather than one file: a directory that
// exists, or a path that does not and does not end in .parquet.
func isDatasetDir(output string) bool {
	if output == "" || output == "-" {
		return false
	}
	if info, err := os.Stat(output); err == nil {
		return info.IsDir()
	}
	return !strings.EqualFold(filepath.Ext(output), ".parquet")
}

// exportDataset writes the events matching f into dir, partitioned by
// year and month, and reports what changed.
func (a *app) exportDataset(ctx context.Context, db store.Reader, dir string, f store.Filter, ff filterFlags) error {
	d, err := dataset.Create(dir, dataset.Options{
		Generated: time.Now(),
		Program:   programVersion(),
		Extractor: extract.Version(),
		Filter:    ff.manifest(),
	})
	if err != nil {
		return err
	}
	err = db.EachEvent(f, func(e event.Record) error {
		if ctx.Err() != nil {
			return &exitError{code: exitInterrupted, msg: "export interrupted; " + dir + " is as it was"}
		}
		return d.Write(e)
	})
	if err != nil {
		d.Abort()
		return err
	}
	res, err := d.Close()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "Exported %s to %s: %s written, %d unchanged, %d removed.\n",
		plural(int(res.Events), "event", "events"), dir,
		plural(len(res.Written), "file", "files"), len(res.Unchanged), len(res.Removed))
	return err
}

// programVersion is the version of policywatch, with the commit it was
// built from when it is a development build.
func programVersion() string {
	b := readBuildInfo()
	if b.Version == "devel" && b.Revision != "" {
		return b.Version + " " + b.Revision
	}
	return b.Version
}

// manifest is the filters that were given, by flag name, for the
// dataset's manifest.
func (f filterFlags) manifest() map[string]string {
	m := map[string]string{}
	set := func(name string, v string) {
		if v != "" {
			m[name] = v
		}
	}
	set("country", strings.Join(f.countries, ","))
	set("service", strings.Join(f.services, ","))
	set("action", strings.Join(f.actions, ","))
	set("since", f.since)
	set("until", f.until)
	set("text", f.text)
	set("feed", strings.Join(f.feeds, ","))
	if f.minConfidence != 0 {
		set("min-confidence", strconv.FormatFloat(f.minConfidence, 'g', -1, 64))
	}
	if f.limit != 0 {
		set("limit", strconv.Itoa(f.limit))
	}
	if len(m) == 0 {
		return nil
	}
	return m
}
