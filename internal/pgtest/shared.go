package pgtest

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// Shared is one server for a whole test binary, for packages whose tests
// each want an empty database: starting a server costs a second or two
// (initdb, mostly), a new database on a running one a few milliseconds.
// The first test that asks starts it, so a binary whose chosen tests need
// none pays nothing; Run stops it when the tests end.
//
//	var pg pgtest.Shared
//
//	func TestMain(m *testing.M) { os.Exit(pg.Run(m)) }
//
//	func TestStore(t *testing.T) {
//		dsn := pg.Database(t)
//		…
//	}
type Shared struct {
	mu      sync.Mutex
	running bool // inside Run, which will stop the server
	started bool // the first Database has tried to start it
	srv     *Server
	skip    string // why every test skips: no binaries
	err     error  // why the server did not start, for every test
	// find looks for the binaries; nil for PATH and Debian's directories.
	find func() (string, error)
}

// Runner is what Run runs: *testing.M.
type Runner interface{ Run() int }

// Run runs the tests and then stops the server, if one was started. It
// returns the exit code for os.Exit, a failure when the tests passed but
// the server would not stop.
func (sh *Shared) Run(m Runner) int {
	sh.mu.Lock()
	sh.running = true
	sh.mu.Unlock()
	code := m.Run()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.running = false
	if sh.srv != nil {
		if err := sh.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
		sh.srv = nil
	}
	return code
}

// Stop stops the server now, if one was started, for a test binary that
// must end before Run returns; a later Database fails.
func (sh *Shared) Stop() error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.running = false
	if sh.srv == nil {
		return nil
	}
	err := sh.srv.Stop()
	sh.srv = nil
	return err
}

// Database creates an empty database on the shared server, starting it
// first if no test has yet, and returns its DSN. It skips t when the
// server's binaries are absent, saying how to install them.
func (sh *Shared) Database(t testing.TB) string {
	t.Helper()
	srv, skip, err := sh.server()
	switch {
	case skip != "":
		t.Skip(skip)
	case err != nil:
		t.Fatal(err)
	}
	return srv.NewDatabase(t)
}

func (sh *Shared) server() (_ *Server, skip string, _ error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if !sh.running {
		// Without Run nothing would stop the server, which would outlive
		// the tests.
		return nil, "", fmt.Errorf("pgtest: Shared.Database needs the package's TestMain to call Shared.Run, which stops the server")
	}
	if !sh.started {
		sh.started = true
		find := sh.find
		if find == nil {
			find = func() (string, error) { return findBinDir(os.Getenv("PATH"), debianBinDirs()) }
		}
		bin, err := find()
		if err != nil {
			sh.skip = err.Error()
		} else {
			sh.srv, sh.err = launch(bin)
		}
	}
	return sh.srv, sh.skip, sh.err
}
