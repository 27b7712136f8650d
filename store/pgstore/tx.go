package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/policywatch/policywatch/store"
)

// SaveTx writes a batch as Save does, but inside tx, the caller's
// transaction, which it neither commits nor rolls back: so that what a
// job queue's worker stores and the completion of its job (a row of the
// same database) are committed together or not at all. A batch SaveTx
// refuses leaves tx unused; one the database refuses leaves it aborted,
// to be rolled back.
func (db *DB) SaveTx(ctx context.Context, tx pgx.Tx, b store.Batch) (store.SaveStats, error) {
	if len(b.Articles) == 0 && len(b.Feeds) == 0 && len(b.WARCFiles) == 0 {
		return store.SaveStats{}, nil
	}
	events, err := db.check(b)
	if err != nil {
		return store.SaveStats{}, err
	}
	var st store.SaveStats
	if err := db.write(ctx, tx, b, events, &st); err != nil {
		return store.SaveStats{}, fmt.Errorf("save batch to %s: %w", db.name, err)
	}
	return st, nil
}

// Pool is the store's connection pool, for a caller that keeps its own
// rows in the same database (a job queue) and begins the transactions
// SaveTx writes in. Closing the store closes it.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }
