package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/store"
)

const defaultDB = "policywatch.db"

// app is the state one invocation shares between its commands.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	dbPath    string
	logLevel  string
	logFormat string

	gazOnce sync.Once
	gaz     *event.Catalog
	gazErr  error
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "policywatch",
		Short: "Track governments acting against online services, from the news",
		Long: `policywatch reads news feeds and turns reports of governments acting against
online services ("Iran begins to block Telegram", "Russia throttles Twitter",
"EU fines Google") into structured events: country, service, action, date and
reason, with the evidence sentence and its source.

Start with 'policywatch demo', which runs the whole pipeline offline on a
bundled corpus. The nightly job is 'policywatch run'; researchers use
'policywatch query' and 'policywatch export'.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &usageError{err} })
	// --version prints what the version command does.
	root.Version = readBuildInfo().String()
	root.SetVersionTemplate("{{.Version}}")
	root.CompletionOptions.DisableDefaultCmd = true

	dbDefault := defaultDB
	if v := a.getenv("POLICYWATCH_DB"); v != "" {
		dbDefault = v
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.dbPath, "db", dbDefault, "database file (env POLICYWATCH_DB)")
	pf.StringVar(&a.logLevel, "log-level", "", "log level: debug, info, warn, error (default info, or warn while a progress bar is shown)")
	pf.StringVar(&a.logFormat, "log-format", "text", "log format: text or json")

	root.AddCommand(
		a.runCmd(),
		a.backfillCmd(),
		a.queryCmd(),
		a.statsCmd(),
		a.exportCmd(),
		a.evalCmd(),
		a.demoCmd(),
		a.alertsCmd(),
		a.serveCmd(),
		a.extractCmd(),
		a.reextractCmd(),
		a.versionCmd(),
		a.checkCmd(),
		a.recoverCmd(),
		a.backupCmd(),
		a.compactCmd(),
		a.upgradeCmd(),
	)
	return root
}

// logger builds the structured logger the flags ask for, writing to
// stderr so that stdout stays clean for data.
func (a *app) logger(quietByDefault bool) (*slog.Logger, error) {
	level := slog.LevelInfo
	if quietByDefault {
		level = slog.LevelWarn
	}
	if a.logLevel != "" {
		if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
			return nil, usagef("--log-level %q: want debug, info, warn or error", a.logLevel)
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch a.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(a.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(a.stderr, opts)), nil
	}
	return nil, usagef("--log-format %q: want text or json", a.logFormat)
}

// newExtractor builds the extractor of run, demo and eval. It is a
// variable so that the tests, which run many commands in one process,
// share one: building it takes seconds under the race detector.
var newExtractor = extract.New

// gazetteer loads the names of countries and services once, for
// resolving "--country Iran" and printing names.
func (a *app) gazetteer() (*event.Catalog, error) {
	a.gazOnce.Do(func() { a.gaz, a.gazErr = event.LoadCatalog() })
	return a.gaz, a.gazErr
}

// openRead opens the database for a query: read-only, waiting briefly for
// a running batch's lock.
func (a *app) openRead() (*store.DB, error) {
	return store.Open(a.dbPath, store.Options{ReadOnly: true})
}

// openReader opens the database for a command that reads events through
// store.Reader: query and export.
func (a *app) openReader(ctx context.Context) (store.Store, error) {
	db, err := a.openRead()
	if err != nil {
		return nil, err
	}
	return db, nil
}

// notSupported says that what was asked needs what the store db does
// not have yet.
func (a *app) notSupported(db store.Store) string {
	return fmt.Sprintf("the database %s does not support it yet", a.dbPath)
}

// isTerminal reports whether w is an interactive terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// checkFormat validates a --format value.
func checkFormat(format string, allowed ...string) error {
	for _, f := range allowed {
		if format == f {
			return nil
		}
	}
	return usagef("--format %q: want %s", format, strings.Join(allowed, ", "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
