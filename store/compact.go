package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
)

// compactTxBytes is how many bytes of records Compact copies a
// transaction: bbolt holds a transaction's pages in memory until it
// commits, so one transaction for a store of gigabytes would hold them
// all.
const compactTxBytes = 64 << 20

// Compact writes a compact copy of the database at path to the new file
// to, as it stands in one read transaction, and returns the copy's size.
//
// Save leaves the file far from compact, and it never gets better: bbolt
// writes each changed page to wherever the file has a free one, so the
// pages of a bucket end up scattered over the whole file, and a page that
// a write in the middle of a bucket splits stays two-thirds full. A store
// of 10^6 events built night by night is about a third free space and
// half-full pages (BenchmarkMillionCompact), and a walk over the events,
// as an export does, faults in its pages one at a time. The copy holds
// every bucket's records in key order on full pages, one bucket after the
// other, so it is smaller and reads in order; later Saves split its pages
// again where they write.
//
// Like Backup it takes the lock a query takes, so it runs beside queries
// and serve and waits for a batch being written; the pages are checked
// first, and a damaged database is not copied (ErrDamaged: recover is
// what reads those). Unlike Backup it refuses to replace a file: to must
// not exist. It is written under a temporary name beside to and renamed
// into place once synced.
func Compact(path, to string, opts Options) (int64, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultWriteTimeout
	}
	opts.ReadOnly = true
	if _, err := os.Lstat(to); err == nil {
		return 0, fmt.Errorf("compact %s: %s exists; name a new file", path, to)
	}
	db, err := Open(path, opts)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if err := db.view(func(*bbolt.Tx) error { return checkPages(path) }); err != nil {
		if errors.Is(err, ErrDamaged) {
			return 0, err
		}
		return 0, fmt.Errorf("compact %s: %w", path, err)
	}
	n, err := compactInto(db, to, opts)
	if err != nil && !errors.Is(err, ErrDamaged) {
		return 0, fmt.Errorf("compact %s to %s: %w", path, to, err)
	}
	return n, err
}

// compactInto copies db into a new bbolt file under a temporary name
// beside to, and renames it to to once every transaction has been synced
// (bbolt syncs each commit).
func compactInto(db *DB, to string, opts Options) (int64, error) {
	tmp := filepath.Join(filepath.Dir(to), fmt.Sprintf(".%s.%d-%d.new", filepath.Base(to), os.Getpid(), time.Now().UnixNano()))
	if _, err := os.Lstat(tmp); err == nil {
		return 0, fmt.Errorf("%s exists", tmp)
	}
	defer os.Remove(tmp)
	dst, err := bbolt.Open(tmp, 0o644, &bbolt.Options{Timeout: opts.Timeout})
	if err != nil {
		return 0, err
	}
	err = db.guard(func() error { return bbolt.Compact(dst, db.bolt, compactTxBytes) })
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	info, err := os.Stat(tmp)
	if err != nil {
		return 0, err
	}
	return info.Size(), os.Rename(tmp, to)
}
