package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/store"
)

// dbLockWait is how long check, recover and backup wait for a batch
// being written; they read the whole file, so they are in no hurry.
const dbLockWait = 30 * time.Second

func (a *app) checkCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the database file for damage",
		Long: `Check reads the whole database and reports what is wrong with it: the header
pages and the file's length; every page of every bucket (read without bbolt,
so a damaged page is a finding, not a crash) and then bbolt's own consistency
check; and what policywatch keeps true of its records: each decodes, every
index entry names an event and every event has its index entries, stories
and their events agree, and the counts kept for /healthz and stats are the
records stored.

It only reads, with the lock a query takes, so it runs beside 'serve' and
waits for a run's batch. The exit code is 0 when nothing is wrong, 4 when
the database is damaged ('policywatch recover' then copies what can be read
into a new file), 1 when the check could not be made.`,
		Example: `  policywatch check
  policywatch check --db /var/lib/policywatch/policywatch.db --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := store.Check(a.dbPath, store.Options{Timeout: dbLockWait})
			if err != nil {
				return err
			}
			if asJSON {
				err = writeJSON(a.stdout, rep)
			} else {
				_, err = io.WriteString(a.stdout, rep.String())
			}
			if err != nil {
				return err
			}
			if !rep.OK() {
				return &exitError{code: exitDamaged, msg: fmt.Sprintf("%s is damaged; 'policywatch recover --db %s NEW.db' copies every record that can be read into a new file", a.dbPath, shellQuote(a.dbPath))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func (a *app) recoverCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "recover NEW.db",
		Short: "Copy every record that can be read from a damaged database into a new file",
		Long: `Recover reads the database (--db) page by page, as check does, and copies every
record it can read into NEW.db, a new database, then says what it could not
read. It works on a file bbolt cannot open: cut short, pages overwritten, one
header page bad. The old file is only read; NEW.db must not exist, and
appears only when complete.

A record is kept when the page holding it can be read and it decodes. When
a root or branch page is lost, the leaf pages below it are found by reading
every page out of reach of the surviving trees, and their records are told
apart by their shape; pages on the freelist hold older versions and are
left, and when the freelist is lost too the report says how many records may
be older versions. The indexes, the counts and the links between events and stories are rebuilt
in the new file, so it passes 'policywatch check'. A story that lost events
is recomputed from those left; events whose story was lost are grouped again,
and alerts are not posted for the stories that makes. Articles that were
lost are fetched again by the next run if their feeds still list them.

Check the new file, then put it in place of the old one:

  policywatch recover --db policywatch.db recovered.db
  policywatch check --db recovered.db
  mv policywatch.db damaged.db && mv recovered.db policywatch.db`,
		Example: `  policywatch recover recovered.db
  policywatch recover --db /var/lib/policywatch/policywatch.db /var/lib/policywatch/recovered.db`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("recover takes one argument, the new file to write, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := store.Recover(a.dbPath, args[0], store.Options{Timeout: dbLockWait})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, rep)
			}
			printRecoverReport(a.stdout, rep)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// printRecoverReport says what was kept, of what, and what was lost.
func printRecoverReport(w io.Writer, rep store.RecoverReport) {
	fmt.Fprintf(w, "Recovered %s into %s:\n", rep.From, rep.To)
	for _, k := range []string{"articles", "events", "stories", "feeds", "alerts_sent"} {
		n, ok := rep.Kept[k]
		if !ok {
			continue
		}
		if want, ok := rep.Expected[k]; ok && want != n {
			fmt.Fprintf(w, "  %-12s %d of %d\n", k, n, want)
		} else {
			fmt.Fprintf(w, "  %-12s %d\n", k, n)
		}
	}
	if n := orphanedCount(rep.Orphaned); n > 0 {
		fmt.Fprintf(w, "  %s came from pages cut off from their bucket's tree (%s)\n", plural(n, "record", "records"), orphanedList(rep.Orphaned))
	}
	if rep.OrphanedUnsure > 0 {
		fmt.Fprintf(w, "  the freelist was lost too, so %d of them may be older versions of records changed or deleted since\n", rep.OrphanedUnsure)
	}
	if rep.OrphanedVersions > 0 {
		fmt.Fprintf(w, "  %s found in two versions on such pages; the later kept, or the first found\n", plural(rep.OrphanedVersions, "record was", "records were"))
	}
	if rep.Regrouped > 0 {
		fmt.Fprintf(w, "  %s lost their story and were grouped again\n", plural(rep.Regrouped, "event", "events"))
	}
	if len(rep.Unreadable) == 0 && rep.DroppedN == 0 {
		fmt.Fprintln(w, "Every page could be read.")
		return
	}
	if len(rep.Unreadable) > 0 {
		fmt.Fprintf(w, "\nCould not be read (%s; what they held is lost):\n", plural(len(rep.Unreadable), "page", "pages"))
		for i, u := range rep.Unreadable {
			if i == 20 {
				fmt.Fprintf(w, "  … and %d more\n", len(rep.Unreadable)-i)
				break
			}
			fmt.Fprintf(w, "  %s\n", u)
		}
	}
	if rep.DroppedN > 0 {
		fmt.Fprintf(w, "\nRead but dropped (%s that made no sense):\n", plural(rep.DroppedN, "record", "records"))
		for _, d := range rep.Dropped {
			fmt.Fprintf(w, "  %s\n", d)
		}
		if rep.DroppedN > len(rep.Dropped) {
			fmt.Fprintf(w, "  … and %d more\n", rep.DroppedN-len(rep.Dropped))
		}
	}
}

func orphanedCount(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// orphanedList is the counts of m, bucket by bucket in name order.
func orphanedList(m map[string]int) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func (a *app) backupCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the database to FILE, while it is in use",
		Long: `Backup copies the database (--db) to FILE as it stands at one moment, while
'serve', queries and runs go on using it: it reads in one read transaction,
with the lock a query takes, waiting for a run's batch to be written. The
copy is a database: --db FILE opens it.

The pages are checked first, and a damaged database is not copied (exit 4),
so a good backup is never replaced by a bad one. FILE is written under a
temporary name and renamed into place when complete and synced to disk; an
existing FILE is replaced.`,
		Example: `  policywatch backup policywatch-$(date +%F).db
  policywatch backup --db /var/lib/policywatch/policywatch.db /backup/policywatch.db`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("backup takes one argument, the file to write, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := store.Backup(a.dbPath, args[0], store.Options{Timeout: dbLockWait})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "Backed up %s to %s (%d bytes).\n", a.dbPath, args[0], n)
			return err
		},
	}
	return cmd
}

func (a *app) compactCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "compact NEW.db",
		Short: "Write a compact copy of the database to NEW.db, while it is in use",
		Long: `Compact writes a copy of the database (--db) to NEW.db, a new file, with every
bucket's records in order on full pages and no free space. Runs leave the
file far from that: each batch writes its changed pages wherever the file has
a free one, so after months of nightly runs a third of the file is free
space, most pages are two-thirds full and each bucket is scattered over the
whole file. The copy is smaller (about 1,950 bytes an event instead of 3,000
for a store of a million events) and an export of every event from it takes
a third of the time. Later runs split its pages again where they write, so compact
again now and then, say monthly.

Like backup it reads in one read transaction, with the lock a query takes,
so queries and serve go on meanwhile (one to three minutes per million
events); a run, reextract or backfill waits for it at most 30 seconds a
batch, then stops with an error and the next one resumes, so compact when
none is due. The pages are checked first, and a damaged
database is not copied (exit 4; recover is for those). NEW.db must not exist,
and appears only when complete and synced. Put it in place of the old file
when no run is writing:

  policywatch compact --db policywatch.db compact.db
  policywatch check --db compact.db
  mv policywatch.db old.db && mv compact.db policywatch.db`,
		Example: `  policywatch compact compact.db
  policywatch compact --db /var/lib/policywatch/policywatch.db /var/lib/policywatch/compact.db`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("compact takes one argument, the new file to write, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			before, err := os.Stat(a.dbPath)
			if err != nil {
				return fmt.Errorf("compact: %w", err)
			}
			n, err := store.Compact(a.dbPath, args[0], store.Options{Timeout: dbLockWait})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "Compacted %s (%d bytes) into %s (%d bytes).\n", a.dbPath, before.Size(), args[0], n)
			return err
		},
	}
	return cmd
}

func (a *app) upgradeCmd() *cobra.Command {
	var noProgress bool
	cmd := &cobra.Command{
		Use:   "upgrade",
		Short: "Upgrade a database written by an older policywatch, in place",
		Long: `Upgrade rewrites a database (--db) written by an older policywatch in the
format this one reads, in place and once; a database that is current is left
alone. Until it is upgraded, commands that only read (query, export, stats,
serve) refuse an older database and say to run this; run, reextract and
backfill upgrade it themselves before they start.

From schema version 3 to 4, the articles' text is compressed again with a
dictionary of the words and phrases of news, which makes it a fifth smaller,
and an index nothing reads any more is dropped; one to two minutes per
million events. From schema version 2 (releases
before version 3) every event and article is rewritten in a compact binary
encoding, with the articles' text compressed, and the events are kept in
date order, so that queries read them in order; about two minutes per
million events. Either shows a progress bar on a terminal. The pages are
checked first, as for a run; the upgrade writes some thousands of records per
transaction, so a killed upgrade leaves the old records whole and the next
one goes on from where it stopped. The file does not shrink: the space the
old records took is reused as the database grows ('policywatch compact' writes
a compact copy).`,
		Example: `  policywatch upgrade
  policywatch upgrade --db /var/lib/policywatch/policywatch.db`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bar := !noProgress && isTerminal(a.stderr)
			log, err := a.logger(bar)
			if err != nil {
				return err
			}
			from, upgraded, err := a.upgradeStore(bar, log)
			switch {
			case err != nil:
				return err
			case from == 0:
				return fmt.Errorf("%s does not exist; nothing to upgrade", a.dbPath)
			case !upgraded:
				_, err = fmt.Fprintf(a.stdout, "%s is current (schema version %d); nothing to do.\n", a.dbPath, from)
			default:
				_, err = fmt.Fprintf(a.stdout, "%s.\n", upgradedSummary(a.dbPath, from))
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&noProgress, "no-progress", false, "do not show a progress bar")
	return cmd
}

// upgradeStore upgrades the database in place if an older policywatch
// wrote it, or builds what this one keeps beside the records if it lacks
// it, saying so on stderr first and then showing each step as
// upgradeProgress does: a bar when bar is set, log lines otherwise. It
// returns the version the file had (see store.Upgrade) and whether
// anything was done, for the caller to say so where its output goes.
func (a *app) upgradeStore(bar bool, log *slog.Logger) (from int, upgraded bool, err error) {
	show := upgradeProgress(a.stderr, bar, log, a.dbPath)
	progress := func(s store.UpgradeStep) {
		if !upgraded {
			upgraded = true
			fmt.Fprintf(a.stderr, "Upgrading %s in place, once, for this policywatch (schema version %d); "+
				"every article's text or every record is rewritten, a few minutes per million events...\n",
				a.dbPath, store.SchemaVersion)
		}
		show(s)
	}
	from, err = store.Upgrade(a.dbPath, store.Options{Timeout: dbLockWait, Progress: progress})
	switch {
	case errors.Is(err, store.ErrDamaged):
		return from, upgraded, fmt.Errorf("not writing to %s: %w", a.dbPath, err)
	case err != nil:
		return from, upgraded, fmt.Errorf("upgrade: %w", err)
	}
	return from, upgraded, nil
}

// upgradedSummary says what an upgrade of path from schema version from
// made of it.
func upgradedSummary(path string, from int) string {
	if from < store.SchemaVersion {
		return fmt.Sprintf("Upgraded %s from schema version %d to %d", path, from, store.SchemaVersion)
	}
	return fmt.Sprintf("Brought %s up to date: schema version %d, with what this policywatch keeps beside the records", path, from)
}
