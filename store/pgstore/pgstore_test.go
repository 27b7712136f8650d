package pgstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/policywatch/policywatch/internal/pgtest"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/store/storetest"
)

// pg is this binary's server; each test gets an empty database on it.
var pg pgtest.Shared

func TestMain(m *testing.M) { os.Exit(pg.Run(m)) }

// openTest opens a store on a new empty database, closed when t ends.
func openTest(t *testing.T) (*DB, string) {
	t.Helper()
	dsn := pg.Database(t)
	db, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

func exec(t *testing.T, dsn, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestOpenMigrates(t *testing.T) {
	db, dsn := openTest(t)
	var versions []int
	rows, err := db.pool.Query(t.Context(), "SELECT version FROM policywatch_schema ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	if versions, err = pgx.CollectRows(rows, pgx.RowTo[int]); err != nil {
		t.Fatal(err)
	}
	if len(versions) != SchemaVersion() || versions[len(versions)-1] != SchemaVersion() {
		t.Errorf("recorded versions %v, want 1 to %d", versions, SchemaVersion())
	}
	for _, table := range []string{"articles", "events", "feeds", "warc_files"} {
		var exists bool
		if err := db.pool.QueryRow(t.Context(), "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil || !exists {
			t.Errorf("table %s missing (err %v)", table, err)
		}
	}
	// The indexes the filters need.
	for _, cols := range []string{"(country, date_start)", "(service, date_start)", "(action, date_start)"} {
		var n int
		if err := db.pool.QueryRow(t.Context(), "SELECT count(*) FROM pg_indexes WHERE tablename = 'events' AND indexdef LIKE '%' || $1", cols).Scan(&n); err != nil || n != 1 {
			t.Errorf("no index on events %s (err %v)", cols, err)
		}
	}

	// Opening again, several at once, changes nothing and fails nothing.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			again, err := Open(t.Context(), dsn)
			if err == nil {
				again.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("open an existing database: %v", err)
	}
	var n int
	if err := db.pool.QueryRow(t.Context(), "SELECT count(*) FROM policywatch_schema").Scan(&n); err != nil || n != SchemaVersion() {
		t.Errorf("policywatch_schema has %d rows after reopening (err %v), want %d", n, err, SchemaVersion())
	}
}

// TestOpenConcurrentMigrations: several Opens of one empty database
// migrate it once between them.
func TestOpenConcurrentMigrations(t *testing.T) {
	dsn := pg.Database(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			db, err := Open(t.Context(), dsn)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent opens of an empty database: %v", err)
	}
}

func TestOpenNewerSchema(t *testing.T) {
	db, dsn := openTest(t)
	db.Close()
	exec(t, dsn, "INSERT INTO policywatch_schema (version) VALUES ($1)", SchemaVersion()+1)
	_, err := Open(t.Context(), dsn)
	if !errors.Is(err, store.ErrSchema) {
		t.Fatalf("Open of a newer schema: %v, want ErrSchema", err)
	}
	dbname := dsn[strings.Index(dsn, "dbname=")+len("dbname="):]
	dbname = strings.Fields(dbname)[0]
	for _, want := range []string{dbname, fmt.Sprintf("schema version %d", SchemaVersion()+1), "newer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestOpenUnreachable(t *testing.T) {
	_, err := Open(t.Context(), "postgres://nobody:secret@/policywatch?host=/nonexistent-socket-dir&connect_timeout=5")
	if err == nil {
		t.Fatal("opened a database on a socket that is not there")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error %q shows the password", err)
	}
	if !strings.Contains(err.Error(), `"policywatch"`) {
		t.Errorf("error %q does not name the database", err)
	}
}

func TestIsURL(t *testing.T) {
	for s, want := range map[string]bool{
		"postgres://localhost/policywatch": true,
		"postgresql://u@h:5433/db":         true,
		"POSTGRES://h/db":                  true,
		"policywatch.db":                   false,
		"postgres.db":                      false,
		"/var/lib/postgres://x":            false,
		"host=/tmp dbname=policywatch":     false,
		"":                                 false,
		"postgres:/missing-slash":          false,
	} {
		if got := IsURL(s); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestStoreInterface runs the suite every store.Store passes, as the
// bbolt store does.
func TestStoreInterface(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, _ := openTest(t)
		return db
	})
}

// TestAlertClaimAcrossHandles: stores opened apart on one database, as
// two worker processes open it, each with callers claiming the same
// alerts at once; each alert is claimed once in all.
func TestAlertClaimAcrossHandles(t *testing.T) {
	a, dsn := openTest(t)
	b, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	storetest.ClaimRace(t, []store.AlertStore{a, b})
}
