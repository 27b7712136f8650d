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
	"github.com/policywatch/policywatch/store/pgstore"
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
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error { return a.checkDatabase(cmd) }
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
	pf.StringVar(&a.dbPath, "db", dbDefault, "database file, or postgres:// URL for query, export, stats, serve, alerts, reextract, enqueue and worker (env POLICYWATCH_DB)")
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
		a.enqueueCmd(),
		a.workerCmd(),
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

// openReader opens the database for a command that reads through
// store.Store, query, export and stats: the bbolt file read-only, as openRead,
// or the PostgreSQL database a postgres:// URL names.
func (a *app) openReader(ctx context.Context) (store.Store, error) {
	if pgstore.IsURL(a.dbPath) {
		return pgstore.Open(ctx, a.dbPath)
	}
	db, err := a.openRead()
	if err != nil {
		return nil, err
	}
	return db, nil
}

// postgresCommands work on a PostgreSQL database (--db postgres://…);
// noDatabase commands use none. Every other command needs a bbolt file
// for now.
var (
	postgresCommands = map[string]bool{"query": true, "export": true, "stats": true, "serve": true, "enqueue": true, "worker": true,
		"alerts": true, "alerts list": true, "alerts test": true, "alerts status": true, "alerts resend": true, "alerts clear": true,
		"reextract": true}
	noDatabase = map[string]bool{"version": true, "eval": true, "extract": true, "help": true}
)

// checkDatabase refuses a PostgreSQL URL for a command that would take
// it for a file path.
func (a *app) checkDatabase(cmd *cobra.Command) error {
	if !pgstore.IsURL(a.dbPath) || cmd == cmd.Root() {
		return nil
	}
	name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
	if postgresCommands[name] || noDatabase[strings.Fields(name)[0]] {
		return nil
	}
	return usagef("%s does not support PostgreSQL yet: give --db a database file (query, export, stats, serve, alerts, reextract, enqueue and worker work on PostgreSQL)", name)
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
