// Package pgtest starts private PostgreSQL servers for tests: initdb on a
// temporary directory, a server that listens only on a Unix socket there,
// and empty databases on it. Nothing is downloaded and no Docker or system
// service is used, so the tests run the same on a laptop and in CI. Where
// the server's binaries are absent, the tests that need one skip and say
// how to install them.
package pgtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// debianBinGlob is where Debian's postgresql package keeps initdb, pg_ctl
// and postgres: off PATH, one directory a major version.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// installHint ends every message about missing binaries.
const installHint = "install them with .ci/install-postgres (which runs apt-get install postgresql), or put a PostgreSQL's bin directory on PATH"

// superuser is the role initdb creates; every connection uses it.
const superuser = "postgres"

// startTimeout bounds initdb and the server's start: a failsafe for a
// stuck machine, far above the second or two they take.
const startTimeout = 3 * time.Minute

// Server is a running private PostgreSQL server. Its databases live until
// the server stops, which Start arranges for the end of the test.
type Server struct {
	bin    string // directory of initdb, pg_ctl and postgres
	dir    string // the socket's directory and the data directory's parent
	data   string
	log    string // the server's log, quoted in errors
	runAs  *account
	dsn    string // the database Start created
	mu     sync.Mutex
	nextDB int
}

// Start runs a private server for t and creates an empty database on it
// (see DSN). The server stops, and its files are removed, when t ends. It
// skips t when the binaries cannot be found.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, os.Getenv("PATH"), debianBinDirs())
}

// start is Start with the places to look for the binaries given, so a
// test can make them come up empty.
func start(t testing.TB, path string, candidates []string) *Server {
	t.Helper()
	bin, err := findBinDir(path, candidates)
	if err != nil {
		t.Skip(err.Error())
	}
	s, err := launch(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	s.dsn, err = s.createDatabase()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// DSN is the connection string of the database Start created, for
// pgx.Connect and pgxpool.New: "host=/tmp/pgtest-… port=5432 user=postgres
// dbname=…".
func (s *Server) DSN() string { return s.dsn }

// NewDatabase creates another empty database on s and returns its DSN, so
// tests sharing one server do not see each other's tables.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	dsn, err := s.createDatabase()
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// Stop stops the server at once (its data is thrown away, so nothing
// needs flushing) and removes its directory.
func (s *Server) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var errs []error
	if out, err := s.run(ctx, "pg_ctl", "stop", "-D", s.data, "-m", "immediate", "-w"); err != nil {
		errs = append(errs, fmt.Errorf("pgtest: stop the server in %s: %w\n%s", s.data, err, out))
	}
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, fmt.Errorf("pgtest: remove the server's directory: %w", err))
	}
	return errors.Join(errs...)
}

// debianBinDirs lists Debian's server directories, if any.
func debianBinDirs() []string {
	dirs, _ := filepath.Glob(debianBinGlob) // the pattern is well-formed
	return dirs
}

// findBinDir returns the first directory on path that holds initdb,
// pg_ctl and postgres, else the newest major version among candidates
// (Debian's /usr/lib/postgresql/VERSION/bin) that does.
func findBinDir(path string, candidates []string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		if dir != "" && hasServer(dir) {
			return dir, nil
		}
	}
	candidates = slices.Clone(candidates)
	// Newest first: "16" before "9.6", which a plain string sort reverses.
	slices.SortFunc(candidates, func(a, b string) int {
		return cmp.Compare(majorVersion(b), majorVersion(a))
	})
	for _, dir := range candidates {
		if hasServer(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("pgtest: PostgreSQL's initdb, pg_ctl and postgres are neither on PATH nor in %s; %s", debianBinGlob, installHint)
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// majorVersion reads the VERSION of …/VERSION/bin; 0 when it is not a
// number.
func majorVersion(binDir string) float64 {
	v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	if err != nil {
		return 0
	}
	return v
}

// launch makes a cluster in a new temporary directory and starts a server
// on it.
func launch(bin string) (_ *Server, err error) {
	runAs, err := serverAccount()
	if err != nil {
		return nil, err
	}
	// Not t.TempDir: its name carries the test's, and a Unix socket's path
	// must stay under about 100 bytes; its parents are also private to the
	// test's user, which the server's account may not be.
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: make the server's directory: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if socket := filepath.Join(dir, ".s.PGSQL.5432"); len(socket) > 100 {
		return nil, fmt.Errorf("pgtest: the server's socket %s would be longer than a Unix socket's path may be; set TMPDIR to a shorter directory", socket)
	}
	if err := runAs.own(dir); err != nil {
		return nil, fmt.Errorf("pgtest: hand %s to the server's account: %w", dir, err)
	}
	s := &Server{
		bin:   bin,
		dir:   dir,
		data:  filepath.Join(dir, "data"),
		log:   filepath.Join(dir, "server.log"),
		runAs: runAs,
	}

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	// Trust on the socket: only this directory's owner can reach it, and
	// the data is thrown away. --no-sync: nothing here must survive a crash.
	if out, err := s.run(ctx, "initdb", "-D", s.data, "-U", superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		return nil, fmt.Errorf("pgtest: initdb %s: %w\n%s", s.data, err, out)
	}
	// A test server: no TCP port to collide with other test binaries, no
	// fsync, and a small cache, since several may run at once.
	conf := fmt.Sprintf(`
listen_addresses = ''
unix_socket_directories = '%s'
port = 5432
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
`, strings.ReplaceAll(dir, "'", "''"))
	f, err := os.OpenFile(filepath.Join(s.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(conf)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		return nil, fmt.Errorf("pgtest: configure the server in %s: %w", s.data, err)
	}
	// -w: pg_ctl returns once the server accepts connections, polling its
	// status rather than sleeping a guessed while.
	if out, err := s.run(ctx, "pg_ctl", "start", "-D", s.data, "-l", s.log, "-w",
		"-t", strconv.Itoa(int(startTimeout/time.Second))); err != nil {
		logText, _ := os.ReadFile(s.log)
		// The server may have started after pg_ctl gave up waiting.
		s.run(context.Background(), "pg_ctl", "stop", "-D", s.data, "-m", "immediate", "-w")
		return nil, fmt.Errorf("pgtest: start the server in %s: %w\n%s\nserver log:\n%s", s.data, err, out, logText)
	}
	return s, nil
}

// run runs one of the server's programs as the server's account, in the
// server's directory (a root test's working directory may be closed to
// that account), without the caller's PG* variables, which would point
// the program elsewhere.
func (s *Server) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "LC_ALL=C")
	s.runAs.apply(cmd)
	return cmd.CombinedOutput()
}

// createDatabase creates an empty database and returns its DSN.
func (s *Server) createDatabase() (string, error) {
	s.mu.Lock()
	s.nextDB++
	name := fmt.Sprintf("test%d", s.nextDB)
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.dsnFor("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgtest: connect to the server in %s: %w", s.dir, err)
	}
	defer conn.Close(context.Background())
	create := "CREATE DATABASE " + name
	// From 15 on, the default copies the template through the WAL, which
	// takes about twice as long as copying its files for a test database.
	if v, _ := strconv.Atoi(strings.Split(conn.PgConn().ParameterStatus("server_version"), ".")[0]); v >= 15 {
		create += " STRATEGY FILE_COPY"
	}
	if _, err := conn.Exec(ctx, create); err != nil {
		return "", fmt.Errorf("pgtest: create database %s in %s: %w", name, s.dir, err)
	}
	return s.dsnFor(name), nil
}

func (s *Server) dsnFor(db string) string {
	return fmt.Sprintf("host=%s port=5432 user=%s dbname=%s sslmode=disable", quoteDSN(s.dir), superuser, db)
}

// quoteDSN quotes a value of a key=value connection string, as libpq
// reads it, so a TMPDIR with spaces still works.
func quoteDSN(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}
