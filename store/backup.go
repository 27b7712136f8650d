package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
)

// Backup writes a copy of the database at path to the file to, as it
// stands in one read transaction: consistent however a run, a server or
// a query is using the file meanwhile. It takes the shared lock that
// readers take, so it runs beside queries and serve and waits for a
// batch being written (opts.Timeout, 5 s by default).
//
// The copy is checked page by page first, so that a damaged database
// is not copied over a good backup: that is an ErrDamaged error. The
// copy is written under a temporary name beside to and renamed into
// place once synced, so to is either the old file or the whole copy.
// It returns the bytes written.
func Backup(path, to string, opts Options) (int64, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultWriteTimeout
	}
	opts.ReadOnly = true
	if a, err := os.Stat(path); err == nil {
		if b, err := os.Stat(to); err == nil && os.SameFile(a, b) {
			return 0, fmt.Errorf("backup %s: %s is the database itself", path, to)
		}
	}
	db, err := Open(path, opts)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	err = db.view(func(tx *bbolt.Tx) error {
		// The read transaction and the shared lock keep the pages as
		// this transaction sees them while they are read again here.
		if err := checkPages(path); err != nil {
			return err
		}
		n, err = writeFileSynced(to, func(w *os.File) (int64, error) { return tx.WriteTo(w) })
		return err
	})
	if err != nil && !errors.Is(err, ErrDamaged) {
		return 0, fmt.Errorf("backup %s to %s: %w", path, to, err)
	}
	return n, err
}

// writeFileSynced writes path through a temporary file beside it, synced
// and renamed into place.
func writeFileSynced(path string, write func(*os.File) (int64, error)) (int64, error) {
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.%d-%d.new", filepath.Base(path), os.Getpid(), time.Now().UnixNano()))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp)
	n, err := write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return n, os.Rename(tmp, path)
}
