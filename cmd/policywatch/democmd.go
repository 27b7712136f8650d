package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/alert"
	"github.com/policywatch/policywatch/demo"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

func (a *app) demoCmd() *cobra.Command {
	var keep bool
	var window storyWindow
	var alertsConfig string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline offline on the bundled news corpus and show the events",
		Long: `Demo needs no network. It serves a bundled corpus of real news reports about
governments acting against online services (realistic article pages and their
RSS, Atom and JSON feeds) from a loopback HTTP server, runs the same pipeline
as 'policywatch run' against it, and prints the events it stored.

By default the events go into a temporary database that is removed afterwards.
With --db, they go into that file, which you can then query:

  policywatch demo --db demo.db
  policywatch query --db demo.db --country RU --format csv

With --alerts, the alert rules of a configuration file post the stories the
demo finds, as after a nightly run; check each webhook with 'policywatch
alerts test' first:

  policywatch demo --alerts feeds.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := a.logger(true)
			if err != nil {
				return err
			}
			var rules alert.Rules
			var skipped []skippedRule
			if alertsConfig != "" {
				if rules, skipped, err = a.alertRules(alertsConfig); err != nil {
					return err
				}
			}
			if !cmd.Flags().Changed("db") && a.getenv("POLICYWATCH_DB") == "" {
				dir, err := os.MkdirTemp("", "policywatch-demo-")
				if err != nil {
					return err
				}
				if !keep {
					defer os.RemoveAll(dir)
				}
				a.dbPath = filepath.Join(dir, "demo.db")
			}

			h, err := demo.Handler()
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return fmt.Errorf("demo: listen on loopback: %w", err)
			}
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
			go srv.Serve(ln)
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				srv.Shutdown(ctx)
			}()
			base := "http://" + ln.Addr().String()
			feeds, err := demo.Feeds(base)
			if err != nil {
				return err
			}
			cfg := ingest.Config{
				UserAgent:    ingest.DefaultUserAgent,
				Concurrency:  4,
				Timeout:      10 * time.Second,
				MaxBodyBytes: ingest.DefaultMaxBodyBytes,
				HostDelay:    time.Millisecond, // one loopback host: politeness is moot
				// The corpus is served on loopback, which is refused
				// unless allowed; nothing else inside is.
				AllowPrivate: []string{ln.Addr().(*net.TCPAddr).IP.String()},
				Feeds:        feeds,
			}
			fmt.Fprintf(a.stdout, "Serving the demo corpus (%d feeds) at %s\n\n", len(feeds), base)
			start := time.Now()
			sum, err := a.runPipeline(cmd, cfg, log, false, time.Duration(window), 0)
			if err != nil {
				return err
			}
			printSummary(a.stdout, sum)
			rep, err := a.alertsAfterRun(cmd.Context(), rules, skipped, start, log)
			if rep != nil {
				printAlertReport(a.stdout, *rep)
			}
			printSkippedRules(a.stdout, skipped)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout)

			db, err := store.Open(a.dbPath, store.Options{ReadOnly: true})
			if err != nil {
				return err
			}
			defer db.Close()
			events, err := db.Events(store.Filter{})
			if err != nil {
				return err
			}
			if err := writeTable(a.stdout, events); err != nil {
				return err
			}
			if cmd.Flags().Changed("db") || keep {
				fmt.Fprintf(a.stdout, "\nStored in %s. Try: policywatch query --db %s --country RU\n", a.dbPath, a.dbPath)
			}
			if sum.NothingFetched() {
				return errors.New("demo: no feed could be fetched from the loopback server")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary database and print its path")
	cmd.Flags().Var(&window, "story-window", storyWindowUsage)
	cmd.Flags().StringVar(&alertsConfig, "alerts", "", "post the demo's stories by the alert rules of this configuration, e.g. feeds.yaml")
	return cmd
}
