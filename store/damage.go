package store

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"go.etcd.io/bbolt"
)

// ErrDamaged means the database file is damaged: cut short, overwritten
// or otherwise not what bbolt and the store wrote. Errors matching it are
// *DamagedError, naming the file and what is wrong.
var ErrDamaged = errors.New("database is damaged")

// DamagedError is a damaged database file and what was found wrong.
type DamagedError struct {
	Path string
	Err  error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%s is damaged: %v", e.Path, e.Err)
}

func (e *DamagedError) Unwrap() []error { return []error{ErrDamaged, e.Err} }

// damaged wraps what was found wrong with the file, once.
func (db *DB) damaged(err error) error {
	if errors.Is(err, ErrDamaged) {
		return err
	}
	return &DamagedError{Path: db.path, Err: err}
}

// corrupt is a record the store cannot make sense of: not what Save
// writes, so the file was changed under it.
func corrupt(format string, args ...any) error {
	return &corruptError{fmt.Errorf(format, args...)}
}

type corruptError struct{ err error }

func (e *corruptError) Error() string { return e.err.Error() }
func (e *corruptError) Unwrap() error { return e.err }

// checkFile checks the file's header pages before bbolt maps it: both
// meta pages bad, or a file shorter than its pages, would otherwise be a
// panic or a fault (SIGBUS) at the first read. The freelist page is
// checked too, as bbolt reads it on a read-write open.
func checkFile(path string, freelist bool) error {
	f, size, err := statFile(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	pf, err := readPages(f, size)
	if errors.Is(err, errNotBolt) {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if err != nil {
		return &DamagedError{Path: path, Err: err}
	}
	if !freelist {
		return nil
	}
	if _, err := pf.freePages(); err != nil {
		return &DamagedError{Path: path, Err: err}
	}
	return nil
}

// view runs fn in a read transaction, and update in a write transaction,
// as bbolt's View and Update do, but a damaged page does not crash the
// process: see guard.
func (db *DB) view(fn func(*bbolt.Tx) error) error {
	return db.guard(func() error { return db.bolt.View(fn) })
}

func (db *DB) update(fn func(*bbolt.Tx) error) error {
	return db.guard(func() error { return db.bolt.Update(fn) })
}

// guard runs fn, which reads or writes the file through bbolt, and turns
// what bbolt does on a damaged page into an error matching ErrDamaged:
// bbolt panics when a page is not what it expects, and reading a page
// the file no longer has is a memory fault, which SetPanicOnFault makes
// a panic too. bbolt rolls the transaction back as the panic passes, so
// nothing is written. A panic raised outside bbolt is a bug, not damage,
// and goes on. A decode error of a stored record (corruptError) is
// damage as well.
func (db *DB) guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if fault, ok := r.(interface{ Addr() uintptr }); ok {
			err = db.damaged(fmt.Errorf("reading the file failed (%v): it was probably cut short while open", fault))
			return
		}
		if !panickedInBolt() {
			panic(r)
		}
		err = db.damaged(fmt.Errorf("a page is not what bbolt wrote (bbolt: %v)", r))
	}()
	err = fn()
	var ce *corruptError
	if errors.As(err, &ce) {
		err = db.damaged(err)
	}
	return err
}

// panickedInBolt reports whether the panic being recovered was raised in
// bbolt's code, from a deferred function: the first frame below the
// runtime's panic machinery is where it began.
func panickedInBolt() bool {
	pc := make([]uintptr, 64)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	inPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			inPanic = true
		case inPanic && !strings.HasPrefix(f.Function, "runtime."):
			return strings.HasPrefix(f.Function, "go.etcd.io/bbolt")
		}
		if !more {
			return false
		}
	}
}

// missing turns ErrNotFound for a record another one names (an index
// entry, a story's member) into damage: Save never leaves such a
// reference behind.
func missing(err error, format string, args ...any) error {
	if errors.Is(err, ErrNotFound) {
		return corrupt(format+" names a missing record", args...)
	}
	return err
}
