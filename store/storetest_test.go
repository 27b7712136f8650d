package store_test

import (
	"path/filepath"
	"testing"

	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/store/storetest"
)

// TestStoreInterface runs the suite every store.Store passes on the bbolt
// store; store/pgstore runs it on PostgreSQL.
func TestStoreInterface(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := store.Open(filepath.Join(t.TempDir(), "policywatch.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
