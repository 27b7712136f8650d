package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// ArticlesToRead returns, in id order, the ids of the articles r picks
// that r.Version has not read, and how many it picks that it has, as
// store.DB.ArticlesToRead does: by feed and publication day (in UTC) of
// the article, and by the country, service and action of any of its
// events.
func (db *DB) ArticlesToRead(r store.Reading) (ids []string, current int, err error) {
	f, err := r.Filter.Normalize()
	if err != nil {
		return nil, 0, err
	}
	byEvent := len(f.Countries)+len(f.Services)+len(f.Actions) > 0
	var withEvents []string
	if byEvent {
		// The event filter is Events', so it matches as theirs does.
		seen := map[string]bool{}
		ef := store.Filter{Countries: f.Countries, Services: f.Services, Actions: f.Actions}
		if err := db.EachEvent(ef, func(e event.Record) error {
			if !seen[e.ArticleID] {
				seen[e.ArticleID] = true
				withEvents = append(withEvents, e.ArticleID)
			}
			return nil
		}); err != nil {
			return nil, 0, err
		}
	}
	// A zero publication time is NULL, and its day the zero time's, as
	// the bbolt store formats it.
	rows, err := db.pool.Query(callContext(), `SELECT id, $6 <> '' AND extracted_by IS NOT DISTINCT FROM $6 FROM articles
WHERE (NOT $1 OR id = ANY($2))
	AND (coalesce(cardinality($3::text[]), 0) = 0 OR feed = ANY($3))
	AND ($4 = '' OR coalesce(to_char(published AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '0001-01-01') >= $4)
	AND ($5 = '' OR coalesce(to_char(published AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '0001-01-01') <= $5)
ORDER BY id`, byEvent, withEvents, clean(f.Feeds), f.Since, f.Until, cleanString(r.Version))
	if err != nil {
		return nil, 0, fmt.Errorf("articles to read in %s: %w", db.name, err)
	}
	var (
		id   string
		read bool
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &read}, func() error {
		if read {
			current++
		} else {
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("articles to read in %s: %w", db.name, err)
	}
	return ids, current, nil
}
