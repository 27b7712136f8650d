package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// eventChange is one event a Save wrote, for grouping: a saved event (e,
// with prev as it was stored, nil if new) or a deleted one (deleted, its
// id, and prev).
type eventChange struct {
	prev, e *event.Event
	deleted string
}

// savedChanges lists the changes saving an article's events makes, in
// the order the bbolt store groups them: its events as given, then those
// it had and no longer has, in id order. stored holds the events stored
// before under the article's id or one of its events' ids.
func savedChanges(articleID string, evs []event.Event, stored map[string]event.Event) []eventChange {
	out := make([]eventChange, 0, len(evs))
	current := make(map[string]bool, len(evs))
	for i := range evs {
		current[evs[i].ID] = true
		c := eventChange{e: &evs[i]}
		if p, ok := stored[evs[i].ID]; ok {
			c.prev = &p
		}
		out = append(out, c)
	}
	var gone []string
	for id, p := range stored {
		if p.ArticleID == articleID && !current[id] {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		p := stored[id]
		out = append(out, eventChange{prev: &p, deleted: id})
	}
	return out
}

// groupStories brings the stories up to date with the events a Save
// wrote, in its transaction, by the rule (and the code) of the bbolt
// store: see store.StoryGrouping.
//
// Several runs may save into one database at once. Each locks the
// triples (country, service, action) its events had and have, with
// transaction-level advisory locks taken in one order, before it reads a
// story: two Saves of one triple then group one after the other, the
// second reading what the first committed (READ COMMITTED gives each
// statement a fresh snapshot), so they cannot both found a story for the
// same episode. Stories of other triples are never read or written.
func groupStories(ctx context.Context, tx pgx.Tx, changes []eventChange, now time.Time, window time.Duration, st *store.SaveStats) error {
	if len(changes) == 0 {
		return nil
	}
	// An event's id is made from its triple, so a deleted event was in
	// a story of the triple it had (prev).
	triples := map[int64]bool{}
	for _, c := range changes {
		for _, e := range []*event.Event{c.prev, c.e} {
			if e != nil {
				triples[tripleLock(e.Country, e.Service, string(e.Action))] = true
			}
		}
	}
	keys := make([]int64, 0, len(triples))
	for k := range triples {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", k); err != nil {
			return fmt.Errorf("stories: lock: %w", err)
		}
	}

	src := &storySource{ctx: ctx, tx: tx}
	g := store.NewStoryGrouping(src, now, window, st)
	for _, c := range changes {
		var err error
		if c.deleted != "" {
			err = g.Deleted(c.deleted)
		} else {
			err = g.Saved(c.prev, c.e)
		}
		if err != nil {
			id := c.deleted
			if c.e != nil {
				id = c.e.ID
			}
			return fmt.Errorf("stories: event %s: %w", id, err)
		}
	}
	out, err := g.Finish()
	if err != nil {
		return fmt.Errorf("stories: %w", err)
	}
	return writeStoryChanges(ctx, tx, out)
}

// tripleLock is the advisory lock key of a triple: a hash, so two
// triples may share a lock now and then, which only serialises them.
func tripleLock(country, service, action string) int64 {
	h := fnv.New64a()
	for _, s := range []string{"policywatch story", country, service, action} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}

// storySource reads stories for a store.StoryGrouping in a Save's
// transaction.
type storySource struct {
	ctx context.Context
	tx  pgx.Tx
}

func (s *storySource) EventStory(eventID string) (string, error) {
	var sid string
	err := s.tx.QueryRow(s.ctx, "SELECT story_id FROM story_events WHERE event_id = $1", eventID).Scan(&sid)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return sid, err
}

func (s *storySource) Story(id string) (store.StoredStory, []store.StoryMember, bool, error) {
	rows, err := s.tx.Query(s.ctx, "SELECT "+storyColumns+" FROM stories WHERE id = $1", id)
	if err != nil {
		return store.StoredStory{}, nil, false, err
	}
	st, err := pgx.CollectExactlyOneRow(rows, scanStory)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.StoredStory{}, nil, false, nil
	}
	if err != nil {
		return store.StoredStory{}, nil, false, err
	}
	rows, err = s.tx.Query(s.ctx, `SELECT event_id, story_id, date, reason, confidence, article_id, feed, published
FROM story_events WHERE story_id = $1`, id)
	if err != nil {
		return store.StoredStory{}, nil, false, err
	}
	members, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.StoryMember, error) {
		var m store.StoryMember
		err := row.Scan(&m.EventID, &m.StoryID, &m.Date, &m.Reason, &m.Confidence, &m.Article, &m.Feed, &m.Published)
		return m, err
	})
	if err != nil {
		return store.StoredStory{}, nil, false, err
	}
	return st, members, true, nil
}

func (s *storySource) StorySpans(country, service, action, day string) ([]store.StorySpan, error) {
	rows, err := s.tx.Query(s.ctx, `SELECT id, to_char(span_from, 'YYYY-MM-DD'), to_char(span_to, 'YYYY-MM-DD')
FROM stories WHERE country = $1 AND service = $2 AND action = $3 AND span_to >= $4::date`, country, service, action, day)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[store.StorySpan])
}

// writeStoryChanges writes what grouping changed: stories first, which
// members name, then members, then the stories merged away or emptied,
// which no member names any more.
func writeStoryChanges(ctx context.Context, tx pgx.Tx, c store.StoryChanges) error {
	b := &pgx.Batch{}
	for _, s := range c.Stories {
		first, _, err := store.DateSpan(s.First)
		if err != nil {
			return fmt.Errorf("story %s: %w", s.ID, err)
		}
		lastStart, lastEnd, err := store.DateSpan(s.Last)
		if err != nil {
			return fmt.Errorf("story %s: %w", s.ID, err)
		}
		feeds := s.Feeds
		if feeds == nil {
			feeds = []string{}
		}
		b.Queue(upsertStory, s.ID, s.Country, s.Service, string(s.Action), s.First, first, s.Last, lastStart, lastEnd,
			s.Date, s.Reason, s.Sources, feeds, s.Confidence, s.Created, s.Updated, s.SpanFrom, s.SpanTo)
	}
	for _, m := range c.Members {
		start, _, err := store.DateSpan(m.Date)
		if err != nil {
			return fmt.Errorf("story %s: event %s: %w", m.StoryID, m.EventID, err)
		}
		b.Queue(upsertMember, m.EventID, m.StoryID, m.Date, start, m.Reason, m.Confidence, m.Article, m.Feed, m.Published)
	}
	if len(c.Left) > 0 {
		b.Queue("DELETE FROM story_events WHERE event_id = ANY($1)", c.Left)
	}
	if len(c.Deleted) > 0 {
		b.Queue("DELETE FROM stories WHERE id = ANY($1)", c.Deleted)
	}
	if b.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("stories: write: %w", err)
	}
	return nil
}

const upsertStory = `INSERT INTO stories (id, country, service, action, first, first_start, last, last_start, last_end,
	date, reason, sources, feeds, confidence, created, updated, span_from, span_to)
VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8::date, $9::date, $10, $11, $12, $13, $14, $15, $16, $17::date, $18::date)
ON CONFLICT (id) DO UPDATE SET first = EXCLUDED.first, first_start = EXCLUDED.first_start, last = EXCLUDED.last,
	last_start = EXCLUDED.last_start, last_end = EXCLUDED.last_end, date = EXCLUDED.date, reason = EXCLUDED.reason,
	sources = EXCLUDED.sources, feeds = EXCLUDED.feeds, confidence = EXCLUDED.confidence,
	created = EXCLUDED.created, updated = EXCLUDED.updated, span_from = EXCLUDED.span_from, span_to = EXCLUDED.span_to`

const upsertMember = `INSERT INTO story_events (event_id, story_id, date, date_start, reason, confidence, article_id, feed, published)
VALUES ($1, $2, $3, $4::date, $5, $6, $7, $8, $9)
ON CONFLICT (event_id) DO UPDATE SET story_id = EXCLUDED.story_id, date = EXCLUDED.date,
	date_start = EXCLUDED.date_start, reason = EXCLUDED.reason, confidence = EXCLUDED.confidence,
	article_id = EXCLUDED.article_id, feed = EXCLUDED.feed, published = EXCLUDED.published`

// storyColumns are the columns scanStory reads, in its order.
const storyColumns = `id, country, service, action, first, last, date, reason, sources, feeds, confidence, created, updated,
	to_char(span_from, 'YYYY-MM-DD'), to_char(span_to, 'YYYY-MM-DD')`

func scanStory(row pgx.CollectableRow) (store.StoredStory, error) {
	var (
		s      store.StoredStory
		action string
	)
	err := row.Scan(&s.ID, &s.Country, &s.Service, &action, &s.First, &s.Last, &s.Date, &s.Reason, &s.Sources,
		&s.Feeds, &s.Confidence, &s.Created, &s.Updated, &s.SpanFrom, &s.SpanTo)
	s.Action = event.Action(action)
	s.Created, s.Updated = s.Created.UTC(), s.Updated.UTC()
	if s.Feeds == nil {
		s.Feeds = []string{}
	}
	return s, err
}

// groupAll groups every stored event, oldest first, as the bbolt store's
// upgrade does: for a database that had events before it had stories.
// It reads only what grouping keeps of each event, not its evidence.
func groupAll(ctx context.Context, tx pgx.Tx, now time.Time, window time.Duration) error {
	rows, err := tx.Query(ctx, `SELECT id, country, service, action, date, reason, confidence, article_id, feed, published
FROM events ORDER BY date_start, id`)
	if err != nil {
		return fmt.Errorf("stories: read the events: %w", err)
	}
	evs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (event.Event, error) {
		var (
			e      event.Event
			action string
		)
		err := row.Scan(&e.ID, &e.Country, &e.Service, &action, &e.Date, &e.Reason, &e.Confidence, &e.ArticleID, &e.Feed, &e.Published)
		e.Action = event.Action(action)
		return e, err
	})
	if err != nil {
		return fmt.Errorf("stories: read the events: %w", err)
	}
	changes := make([]eventChange, len(evs))
	for i := range evs {
		changes[i] = eventChange{e: &evs[i]}
	}
	return groupStories(ctx, tx, changes, now, window, &store.SaveStats{})
}
