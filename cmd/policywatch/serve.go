package main

import (
	"errors"
	"io/fs"
	"net"
	"os"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/store/pgstore"
	"github.com/policywatch/policywatch/web"
)

func (a *app) serveCmd() *cobra.Command {
	var addr, baseURL string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the store over HTTP: JSON API, CSV, Atom feed and a web page",
		Long: `Serve answers HTTP requests over the database, read-only, while nightly runs
keep writing to it. Each request opens the file read-only and closes it again;
while a run holds the lock for more than 2 seconds, requests are answered 503
with Retry-After: 5. A PostgreSQL database (--db postgres://…) is kept
open and answers every request, as runs write to it.

  GET /                 the latest stories with filters, and a chart of events
                        per month by action
  GET /events           events as JSON: {"events": [...], "count": n}
  GET /stories          stories as JSON: {"stories": [...], "count": n}
  GET /stories/{id}     one story with its events
  GET /events.csv       the CSV of 'policywatch export'
  GET /feed.atom        an Atom feed of the newest stories, one entry each
  GET /healthz          {"status": "ok", "events": n, "stories": m}; "busy"
                        (still 200) while a run holds the lock, 503 when the
                        database cannot be opened

Every listing takes the filters of 'policywatch query' as URL parameters:
country (code or name), service, action, since, until (2018, 2018-04 or
2018-04-16), text, min_confidence, feed, and limit (1 to 1000; 100 by
default, 50 for the feed, every event for the CSV). Lists repeat or take
commas: country=IR,RU. A bad parameter is a 400 naming it.

Requests are logged at debug level (--log-level debug). The server stops
cleanly on Ctrl-C or SIGTERM, and exits 130.`,
		Example: `  policywatch demo && policywatch serve --db policywatch.db
  policywatch serve --addr 127.0.0.1:8080 --db /var/lib/policywatch/policywatch.db
  curl 'http://127.0.0.1:8080/events?country=Iran&since=2018-04&limit=10'
  curl -o ru.csv 'http://127.0.0.1:8080/events.csv?country=RU&action=block,throttle'
  curl 'http://127.0.0.1:8080/feed.atom?service=telegram'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := a.logger(false)
			if err != nil {
				return err
			}
			gaz, err := a.gazetteer()
			if err != nil {
				return err
			}
			opts := web.Options{DB: a.dbPath, Gazetteer: gaz, Logger: log, BaseURL: baseURL}
			dbName := a.dbPath
			if pgstore.IsURL(a.dbPath) {
				// One pool for every request: PostgreSQL's writers do
				// not lock its readers out as a run locks the file.
				pdb, err := pgstore.Open(cmd.Context(), a.dbPath)
				if err != nil {
					return err
				}
				defer pdb.Close()
				opts.DB, opts.Store, dbName = "", pdb, pdb.String() // never the password
			} else if _, err := os.Stat(a.dbPath); errors.Is(err, fs.ErrNotExist) {
				// A missing database is not fatal: the server answers
				// 503 until a run creates it. It is worth a word, since a
				// typo in --db looks the same.
				log.Warn("database does not exist yet; serving 503 until a run creates it", "db", a.dbPath)
			}
			srv, err := web.New(opts)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			log.Info("serving", "url", "http://"+ln.Addr().String()+"/", "db", dbName)
			if err := web.Serve(cmd.Context(), ln, srv, log); err != nil {
				return err
			}
			// Serving ends only when a signal stops it, which exits
			// 130 as for every command.
			return &exitError{code: exitInterrupted}
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	cmd.Flags().StringVar(&baseURL, "base-url", "", "public address of the server, for the Atom feed's links behind a proxy (default: the request's host)")
	return cmd
}
