package pgstore

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// eventColumns are the columns scanEvent reads, in its order.
const eventColumns = `id, article_id, country, service, action, date, reason, evidence, confidence,
	source_url, source_title, published, feed, extractor, warc_file, warc_offset, warc_length, first_seen`

func scanEvent(row pgx.CollectableRow) (event.Record, error) {
	var (
		r      event.Record
		action string
		first  *time.Time
	)
	e := &r.Event
	err := row.Scan(&e.ID, &e.ArticleID, &e.Country, &e.Service, &action, &e.Date, &e.Reason, &e.Evidence, &e.Confidence,
		&e.SourceURL, &e.SourceTitle, &e.Published, &e.Feed, &e.Extractor, &e.WARCFile, &e.WARCOffset, &e.WARCLength, &first)
	e.Action = event.Action(action)
	if first != nil {
		r.FirstSeen = first.UTC()
	}
	return r, err
}

// Event returns the event with the given id, or an error wrapping
// store.ErrNotFound.
func (db *DB) Event(id string) (event.Record, error) {
	rows, err := db.pool.Query(callContext(), "SELECT "+eventColumns+" FROM events WHERE id = $1", cleanString(id))
	if err != nil {
		return event.Record{}, fmt.Errorf("event %s in %s: %w", id, db.name, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanEvent)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return event.Record{}, db.errNotFound("event", id)
	case err != nil:
		return event.Record{}, fmt.Errorf("event %s in %s: %w", id, db.name, err)
	}
	return r, nil
}

// Events returns the events matching f, in the order store.Reader
// promises.
func (db *DB) Events(f store.Filter) ([]event.Record, error) {
	var out []event.Record
	err := db.EachEvent(f, func(r event.Record) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errStop marks an error of EachEvent's fn, returned as it is.
type errStop struct{ err error }

func (e errStop) Error() string { return e.err.Error() }

// EachEvent calls fn with each event matching f, in the order of Events,
// as the server sends them. The query is one statement, so it sees the
// store as it was when it began however long fn takes. If fn returns an
// error, EachEvent stops and returns it unchanged.
func (db *DB) EachEvent(f store.Filter, fn func(event.Record) error) error {
	sql, args, err := eventQuery(f)
	if err != nil {
		return fmt.Errorf("query %s: %w", db.name, err)
	}
	rows, err := db.pool.Query(callContext(), sql, args...)
	if err != nil {
		return fmt.Errorf("query %s: %w", db.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanEvent(rows)
		if err != nil {
			return fmt.Errorf("query %s: %w", db.name, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query %s: %w", db.name, err)
	}
	return nil
}

// eventQuery is the SQL of a filter, with its arguments.
func eventQuery(f store.Filter) (string, []any, error) {
	where, args, n, err := eventWhere(f)
	if err != nil {
		return "", nil, err
	}
	sql := "SELECT " + eventColumns + " FROM events WHERE " + where + " ORDER BY date_start DESC, published DESC, id"
	if n.Limit > 0 {
		args = append(args, n.Limit)
		sql += " LIMIT $" + strconv.Itoa(len(args))
	}
	return sql, args, nil
}

// eventWhere is the condition on events of a filter, with its arguments
// and the filter normalised.
func eventWhere(f store.Filter) (string, []any, store.Filter, error) {
	n, err := f.Normalize()
	if err != nil {
		return "", nil, store.Filter{}, err
	}
	var c conds
	c.triple("", n)
	if len(n.Feeds) > 0 {
		c.add("feed = ANY(" + c.arg(clean(n.Feeds)) + ")")
	}
	// Always compared, as the bbolt store compares every event's
	// confidence.
	c.spanAndConfidence("", "date_start", "date_end", n)
	if n.Text != "" {
		c.add("EXISTS (SELECT 1 FROM unnest(search) AS s WHERE strpos(s, " + c.arg(cleanString(n.Text)) + ") > 0)")
	}
	return c.String(), c.args, n, nil
}

// conds is a WHERE clause being built: its conditions, joined by AND,
// and their numbered arguments.
type conds struct {
	where []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (c *conds) arg(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

func (c *conds) add(cond string) { c.where = append(c.where, cond) }

func (c *conds) String() string { return strings.Join(c.where, " AND ") }

// triple adds the filter's countries, services and actions, on columns
// named with prefix, as events and stories both have them.
func (c *conds) triple(prefix string, n store.Filter) {
	for _, col := range []struct {
		name   string
		values []string
	}{
		{"country", n.Countries}, {"service", n.Services}, {"action", n.Actions},
	} {
		if len(col.values) > 0 {
			c.add(prefix + col.name + " = ANY(" + c.arg(clean(col.values)) + ")")
		}
	}
}

// spanAndConfidence adds the filter's dates, on the columns of the first
// and the last day of what is filtered (an event's date, a story's span),
// which must overlap them, and its lowest confidence.
func (c *conds) spanAndConfidence(prefix, start, end string, n store.Filter) {
	if n.Since != "" {
		c.add(prefix + end + " >= " + c.arg(n.Since) + "::date")
	}
	if n.Until != "" {
		c.add(prefix + start + " <= " + c.arg(n.Until) + "::date")
	}
	if n.Since != "" && n.Until != "" && n.Since > n.Until {
		c.add("false")
	}
	c.add(prefix + "confidence >= " + c.arg(n.MinConfidence))
}

// Stats counts the events matching f as the bbolt store's Stats does,
// from their counts grouped by the server.
func (db *DB) Stats(f store.Filter) (store.Stats, error) {
	f.Limit = 0
	where, args, _, err := eventWhere(f)
	if err != nil {
		return store.Stats{}, fmt.Errorf("stats %s: %w", db.name, err)
	}
	rows, err := db.pool.Query(callContext(), `SELECT country, service, action, date, extractor, feed, count(*)
FROM events WHERE `+where+` GROUP BY country, service, action, date, extractor, feed`, args...)
	if err != nil {
		return store.Stats{}, fmt.Errorf("stats %s: %w", db.name, err)
	}
	defer rows.Close()
	var c store.StatsCounter
	for rows.Next() {
		var (
			e      event.Event
			action string
			n      int
		)
		if err := rows.Scan(&e.Country, &e.Service, &action, &e.Date, &e.Extractor, &e.Feed, &n); err != nil {
			return store.Stats{}, fmt.Errorf("stats %s: %w", db.name, err)
		}
		e.Action = event.Action(action)
		c.Add(&e, n)
	}
	if err := rows.Err(); err != nil {
		return store.Stats{}, fmt.Errorf("stats %s: %w", db.name, err)
	}
	return c.Stats(), nil
}

// ByPeriodAndAction counts the events matching f by period (YYYY-MM, or
// YYYY for an event dated only by its year) and action, in order of
// period then action, as the bbolt store's does. Limit is ignored.
func (db *DB) ByPeriodAndAction(f store.Filter) ([]store.PeriodCount, error) {
	f.Limit = 0
	where, args, _, err := eventWhere(f)
	if err != nil {
		return nil, fmt.Errorf("count by month %s: %w", db.name, err)
	}
	rows, err := db.pool.Query(callContext(), `SELECT left(date, 7), action, count(*) FROM events WHERE `+where+` GROUP BY 1, 2`, args...)
	if err != nil {
		return nil, fmt.Errorf("count by month %s: %w", db.name, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.PeriodCount, error) {
		var (
			p      store.PeriodCount
			action string
		)
		err := row.Scan(&p.Period, &action, &p.Events)
		p.Action = event.Action(action)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("count by month %s: %w", db.name, err)
	}
	if out == nil {
		out = []store.PeriodCount{} // as the bbolt store gives none
	}
	slices.SortFunc(out, func(a, b store.PeriodCount) int {
		return cmp.Or(strings.Compare(a.Period, b.Period), strings.Compare(string(a.Action), string(b.Action)))
	})
	return out, nil
}
