//go:build !linux

package store

import "go.etcd.io/bbolt"

// releaseMapped is a Linux measure; elsewhere the pages stay mapped.
func releaseMapped(*bbolt.DB, *bbolt.Tx) {}
