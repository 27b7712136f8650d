package pgstore

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// storyEventIDs is the SQL of a story's Story.EventIDs, newest first,
// for the story s.
const storyEventIDs = `ARRAY(SELECT m.event_id FROM story_events m WHERE m.story_id = s.id
	ORDER BY m.date_start DESC, m.published DESC, m.event_id)`

// Stories returns the stories matching f, in the order of the bbolt
// store's Stories: newest first by Last (a partial date counting as its
// first day), then the most recently created, then by id.
func (db *DB) Stories(f store.StoryFilter) ([]store.Story, error) {
	n, err := f.Filter.Normalize()
	if err != nil {
		return nil, fmt.Errorf("stories %s: %w", db.name, err)
	}
	var c conds
	c.triple("s.", n)
	if len(n.Feeds) > 0 {
		c.add("s.feeds && " + c.arg(clean(n.Feeds)) + "::text[]")
	}
	c.spanAndConfidence("s.", "first_start", "last_end", n)
	if !f.CreatedAfter.IsZero() {
		c.add("s.created > " + c.arg(f.CreatedAfter))
	}
	if !f.ChangedSince.IsZero() {
		c.add("s.updated >= " + c.arg(f.ChangedSince))
	}
	if n.Text != "" {
		c.add(`EXISTS (SELECT 1 FROM story_events m JOIN events e ON e.id = m.event_id
	WHERE m.story_id = s.id AND EXISTS (SELECT 1 FROM unnest(e.search) AS t WHERE strpos(t, ` + c.arg(cleanString(n.Text)) + `) > 0))`)
	}
	sql := "SELECT " + storyColumns + ", " + storyEventIDs + " FROM stories s WHERE " + c.String() +
		" ORDER BY s.last_start DESC, s.created DESC, s.id"
	if n.Limit > 0 {
		sql += " LIMIT " + c.arg(n.Limit)
	}
	rows, err := db.pool.Query(callContext(), sql, c.args...)
	if err != nil {
		return nil, fmt.Errorf("stories %s: %w", db.name, err)
	}
	out, err := pgx.CollectRows(rows, scanListedStory)
	if err != nil {
		return nil, fmt.Errorf("stories %s: %w", db.name, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// scanListedStory reads storyColumns and the event ids.
func scanListedStory(row pgx.CollectableRow) (store.Story, error) {
	var (
		s      store.StoredStory
		action string
	)
	err := row.Scan(&s.ID, &s.Country, &s.Service, &action, &s.First, &s.Last, &s.Date, &s.Reason, &s.Sources,
		&s.Feeds, &s.Confidence, &s.Created, &s.Updated, &s.SpanFrom, &s.SpanTo, &s.EventIDs)
	s.Action = event.Action(action)
	s.Created, s.Updated = s.Created.UTC(), s.Updated.UTC()
	if s.Feeds == nil {
		s.Feeds = []string{}
	}
	return s.Story, err
}

// Story returns the story with the given id and its events, newest
// first; an unknown id gives an error wrapping store.ErrNotFound.
func (db *DB) Story(id string) (store.Story, []event.Record, error) {
	ctx := callContext()
	var (
		s      store.Story
		events []event.Record
	)
	// One transaction, so the events are the story's.
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+storyColumns+", "+storyEventIDs+" FROM stories s WHERE s.id = $1", cleanString(id))
		if err != nil {
			return err
		}
		if s, err = pgx.CollectExactlyOneRow(rows, scanListedStory); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, "SELECT "+eventColumns+" FROM events WHERE id = ANY($1) ORDER BY date_start DESC, published DESC, id", s.EventIDs)
		if err != nil {
			return err
		}
		events, err = pgx.CollectRows(rows, scanEvent)
		return err
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.Story{}, nil, db.errNotFound("story", id)
	case err != nil:
		return store.Story{}, nil, fmt.Errorf("story %s in %s: %w", id, db.name, err)
	}
	return s, events, nil
}

// maxCandidates is how many ids an AmbiguousError lists, as the bbolt
// store lists them.
const maxCandidates = 10

// StoryID returns the full id of the story that id names, as the bbolt
// store's StoryID does: id itself if a story has it, else the one story
// whose id begins with it, if it has at least store.MinStoryPrefix
// characters; several give a *store.AmbiguousError, none an error
// wrapping store.ErrNotFound.
func (db *DB) StoryID(id string) (string, error) {
	ctx := callContext()
	var exact bool
	if err := db.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM stories WHERE id = $1)", cleanString(id)).Scan(&exact); err != nil {
		return "", fmt.Errorf("story %s in %s: %w", id, db.name, err)
	}
	if exact {
		return id, nil
	}
	if len(id) < store.MinStoryPrefix {
		return "", fmt.Errorf("story %s in %s: %w (give the whole id or at least its first %d characters)", id, db.name, store.ErrNotFound, store.MinStoryPrefix)
	}
	rows, err := db.pool.Query(ctx, "SELECT id FROM stories WHERE starts_with(id, $1) ORDER BY id LIMIT $2", cleanString(id), maxCandidates+1)
	if err != nil {
		return "", fmt.Errorf("story %s in %s: %w", id, db.name, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("story %s in %s: %w", id, db.name, err)
	}
	switch {
	case len(ids) == 1:
		return ids[0], nil
	case len(ids) > maxCandidates:
		return "", &store.AmbiguousError{Prefix: id, IDs: ids[:maxCandidates], More: true}
	case len(ids) > 1:
		return "", &store.AmbiguousError{Prefix: id, IDs: ids}
	}
	return "", db.errNotFound("story", id)
}
