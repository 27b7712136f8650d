//go:build linux

package store

import (
	"syscall"

	"go.etcd.io/bbolt"
)

// releaseMapped hands back to the kernel the pages of the file tx has
// read so far. bbolt reads through a memory map, and every page a long
// walk touches (with its neighbours, which the kernel maps in the same
// fault) stays in the process's resident set: an export of a million
// events would end up holding most of the file there, gigabytes that
// count against the process in top, in container limits and with the
// OOM killer, though the data is only page cache. The map is read-only
// and shared and no writer changes the file while the store is open, so
// MADV_DONTNEED only unmaps: a page read again is mapped again from the
// page cache, unchanged. Errors are ignored; the pages then stay mapped.
func releaseMapped(db *bbolt.DB, tx *bbolt.Tx) {
	// The map does not move while tx is open: bbolt remaps only between
	// transactions.
	syscall.Syscall(syscall.SYS_MADVISE, db.Info().Data, uintptr(tx.Size()), syscall.MADV_DONTNEED)
}
