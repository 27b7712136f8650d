package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestStart(t *testing.T) {
	s := Start(t)
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		t.Fatalf("connect to %q: %v", s.DSN(), err)
	}
	defer conn.Close(context.Background())

	// The server is the private one the harness promises: on a socket
	// only, in its own directory, without fsync.
	for setting, want := range map[string]string{
		"listen_addresses":        "",
		"unix_socket_directories": s.dir,
		"fsync":                   "off",
		"server_encoding":         "UTF8",
	} {
		var got string
		if err := conn.QueryRow(ctx, "SELECT current_setting($1)", setting).Scan(&got); err != nil {
			t.Fatalf("read %s: %v", setting, err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", setting, got, want)
		}
	}
	var db string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.DSN(), "dbname="+db) {
		t.Errorf("connected to database %q, DSN %q names another", db, s.DSN())
	}

	// A second database is empty and apart from the first.
	if _, err := conn.Exec(ctx, "CREATE TABLE mine (id int)"); err != nil {
		t.Fatal(err)
	}
	dsn2 := s.NewDatabase(t)
	if dsn2 == s.DSN() {
		t.Fatalf("NewDatabase returned Start's DSN %q again", dsn2)
	}
	conn2, err := pgx.Connect(ctx, dsn2)
	if err != nil {
		t.Fatalf("connect to %q: %v", dsn2, err)
	}
	defer conn2.Close(context.Background())
	var tables int
	if err := conn2.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'mine'").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("the new database sees the first's table")
	}
}

// TestStop checks that the server is gone, and its directory with it, once
// the test that started it has ended.
func TestStop(t *testing.T) {
	var s *Server
	t.Run("server", func(t *testing.T) { s = Start(t) })
	if s == nil {
		t.Skip("the server did not start")
	}
	if _, err := os.Stat(s.dir); !os.IsNotExist(err) {
		t.Errorf("the server's directory %s is still there (err %v)", s.dir, err)
	}
	ctx := t.Context()
	if conn, err := pgx.Connect(ctx, s.DSN()); err == nil {
		conn.Close(ctx)
		t.Errorf("connected to %q after its test ended", s.DSN())
	}
}

func TestFindBinDir(t *testing.T) {
	server := func(t *testing.T, dir string) string {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	root := t.TempDir()
	onPath := server(t, filepath.Join(root, "local", "bin"))
	v96 := server(t, filepath.Join(root, "lib", "9.6", "bin"))
	v15 := server(t, filepath.Join(root, "lib", "15", "bin"))
	v16 := server(t, filepath.Join(root, "lib", "16", "bin"))
	// A directory with a client only (psql, as on a machine with
	// postgresql-client) does not count.
	clientOnly := filepath.Join(root, "client", "bin")
	if err := os.MkdirAll(clientOnly, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(clientOnly, "initdb"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notExecutable := filepath.Join(root, "noexec", "bin")
	server(t, notExecutable)
	if err := os.Chmod(filepath.Join(notExecutable, "pg_ctl"), 0o644); err != nil {
		t.Fatal(err)
	}

	list := func(dirs ...string) string { return strings.Join(dirs, string(os.PathListSeparator)) }
	tests := []struct {
		name       string
		path       string
		candidates []string
		want       string // "" for not found
	}{
		{"nothing anywhere", "", nil, ""},
		{"PATH first", list(clientOnly, onPath), []string{v16}, onPath},
		{"newest candidate", list(clientOnly), []string{v96, v16, v15}, v16},
		{"9.6 is older than 15", "", []string{v96, v15}, v15},
		{"a client only", list(clientOnly), []string{clientOnly}, ""},
		{"not executable", list(notExecutable), nil, ""},
		{"missing directories", list(filepath.Join(root, "gone")), []string{filepath.Join(root, "lib", "17", "bin")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findBinDir(tt.path, tt.candidates)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("found %s, want an error", got)
				}
				if !strings.Contains(err.Error(), ".ci/install-postgres") || !strings.Contains(err.Error(), "apt-get install postgresql") {
					t.Errorf("error %q does not say how to install the binaries", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("findBinDir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// recorder stands in for a test to catch the message a skip or a fatal
// error gives; both end the goroutine, as testing's do.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) { r.Skip(fmt.Sprintf(format, args...)) }
func (r *recorder) SkipNow()                         { r.Skip("SkipNow") }

func (r *recorder) Fatal(args ...any) {
	r.fatal = fmt.Sprint(args...)
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) { r.Fatal(fmt.Sprintf(format, args...)) }
func (r *recorder) FailNow()                          { r.Fatal("FailNow") }

// call runs f as a test body would be, in its own goroutine, and reports
// whether it returned rather than skipped or failed.
func (r *recorder) call(f func()) (returned bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
		returned = true
	}()
	<-done
	return returned
}

func wantInstallHint(t *testing.T, msg string) {
	t.Helper()
	for _, want := range []string{"initdb", ".ci/install-postgres", "apt-get install postgresql"} {
		if !strings.Contains(msg, want) {
			t.Errorf("skip message %q does not mention %q", msg, want)
		}
	}
}

func TestStartSkipsWithoutBinaries(t *testing.T) {
	r := &recorder{TB: t}
	if r.call(func() { start(r, "", nil) }) {
		t.Fatal("start returned a server with no binaries to run one")
	}
	if r.fatal != "" {
		t.Fatalf("start failed (%s), want a skip", r.fatal)
	}
	wantInstallHint(t, r.skipped)
}

func TestSharedSkipsWithoutBinaries(t *testing.T) {
	sh := Shared{find: func() (string, error) { return findBinDir("", nil) }}
	r := &recorder{TB: t}
	var returned bool
	sh.Run(runner(func() int {
		returned = r.call(func() { sh.Database(r) })
		return 0
	}))
	if returned || r.fatal != "" {
		t.Fatalf("Database returned %v, failed with %q; want a skip", returned, r.fatal)
	}
	wantInstallHint(t, r.skipped)
}

type runner func() int

func (f runner) Run() int { return f() }

// TestShared checks that tests sharing a server get databases of their
// own, and that the server stops when Run's tests end.
func TestShared(t *testing.T) {
	var sh Shared
	// Should a Database fail inside Run, Run never stops the server.
	t.Cleanup(func() {
		if sh.srv != nil {
			sh.srv.Stop()
		}
	})
	var dsns []string
	var dir string
	code := sh.Run(runner(func() int {
		dsns = append(dsns, sh.Database(t), sh.Database(t))
		dir = sh.srv.dir
		return 7
	}))
	if code != 7 {
		t.Errorf("Run returned %d, want the tests' 7", code)
	}
	if dsns[0] == dsns[1] {
		t.Fatalf("two databases share the DSN %q", dsns[0])
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the server's directory %s is still there after Run (err %v)", dir, err)
	}
	ctx := t.Context()
	if conn, err := pgx.Connect(ctx, dsns[0]); err == nil {
		conn.Close(ctx)
		t.Errorf("connected to %q after Run ended", dsns[0])
	}

	// Outside Run, nothing would stop a server: refuse to start one.
	r := &recorder{TB: t}
	if r.call(func() { sh.Database(r) }) || !strings.Contains(r.fatal, "TestMain") {
		t.Errorf("Database after Run: fatal %q, skipped %q; want a failure naming TestMain", r.fatal, r.skipped)
	}
}

// The numbers behind Shared: a server costs initdb and a start, a database
// on a running one far less.
func BenchmarkStart(b *testing.B) {
	bin, err := findBinDir(os.Getenv("PATH"), debianBinDirs())
	if err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		s, err := launch(bin)
		if err == nil {
			_, err = s.createDatabase()
			err = errors.Join(err, s.Stop())
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewDatabase(b *testing.B) {
	s := Start(b)
	for b.Loop() {
		s.NewDatabase(b)
	}
}

// TestSharedStop: a binary that must end early (a test's failsafe) stops
// the server inside Run, and Run then has nothing left to stop.
func TestSharedStop(t *testing.T) {
	var sh Shared
	t.Cleanup(func() {
		if sh.srv != nil {
			sh.srv.Stop()
		}
	})
	var dsn, dir string
	code := sh.Run(runner(func() int {
		dsn = sh.Database(t)
		dir = sh.srv.dir
		if err := sh.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
		return 0
	}))
	if code != 0 {
		t.Errorf("Run returned %d after Stop, want 0", code)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the server's directory %s is still there after Stop (err %v)", dir, err)
	}
	ctx := t.Context()
	if conn, err := pgx.Connect(ctx, dsn); err == nil {
		conn.Close(ctx)
		t.Errorf("connected to %q after Stop", dsn)
	}
	if err := sh.Stop(); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
}
