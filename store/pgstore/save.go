package pgstore

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// Save writes a batch in one transaction, as store.Writer promises:
// articles, events, feed states and WARC files upserted by id, the events
// an article no longer has deleted, FirstSeen kept, and the stories they
// touch regrouped (see groupStories).
func (db *DB) Save(b store.Batch) (store.SaveStats, error) {
	if len(b.Articles) == 0 && len(b.Feeds) == 0 && len(b.WARCFiles) == 0 {
		return store.SaveStats{}, nil
	}
	// Checked before anything is sent, so a bad batch costs no round
	// trip; the transaction would roll back all the same.
	events, err := db.check(b)
	if err != nil {
		return store.SaveStats{}, err
	}
	var st store.SaveStats
	ctx := callContext()
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error { return db.write(ctx, tx, b, events, &st) })
	if err != nil {
		return store.SaveStats{}, fmt.Errorf("save batch to %s: %w", db.name, err)
	}
	return st, nil
}

// check checks every record of a batch and returns the events of each
// article as they will be stored.
func (db *DB) check(b store.Batch) ([][]event.Event, error) {
	events := make([][]event.Event, len(b.Articles))
	for i, ae := range b.Articles {
		evs, err := store.CheckArticle(ae)
		if err != nil {
			return nil, fmt.Errorf("save batch to %s: %w", db.name, err)
		}
		events[i] = evs
	}
	for _, f := range b.Feeds {
		if err := store.CheckFeed(f); err != nil {
			return nil, fmt.Errorf("save batch to %s: %w", db.name, err)
		}
	}
	for _, f := range b.WARCFiles {
		if err := store.CheckWARCFile(f); err != nil {
			return nil, fmt.Errorf("save batch to %s: %w", db.name, err)
		}
	}
	return events, nil
}

// write stores a checked batch in tx, the one transaction of Save or the
// caller's of SaveTx, adding to st what it did.
func (db *DB) write(ctx context.Context, tx pgx.Tx, b store.Batch, events [][]event.Event, st *store.SaveStats) error {
	// timestamptz keeps microseconds: what is stored is what is read.
	now := db.now().UTC().Truncate(time.Microsecond)
	var changes []eventChange
	for i := range b.Articles {
		if err := saveArticle(ctx, tx, &b.Articles[i], events[i], now, st, &changes); err != nil {
			return err
		}
	}
	if err := groupStories(ctx, tx, changes, now, db.window, st); err != nil {
		return err
	}
	for _, f := range b.Feeds {
		if err := saveFeed(ctx, tx, f); err != nil {
			return err
		}
	}
	for _, f := range b.WARCFiles {
		if err := saveWARCFile(ctx, tx, f); err != nil {
			return err
		}
	}
	return nil
}

const upsertArticle = `INSERT INTO articles (id, key, feed, url, title, published, published_offset, text, text_from,
	fetched, fetched_offset, warc_file, warc_offset, warc_length, extracted_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (id) DO UPDATE SET key = EXCLUDED.key, feed = EXCLUDED.feed, url = EXCLUDED.url,
	title = EXCLUDED.title, published = EXCLUDED.published, published_offset = EXCLUDED.published_offset,
	text = EXCLUDED.text, text_from = EXCLUDED.text_from, fetched = EXCLUDED.fetched,
	fetched_offset = EXCLUDED.fetched_offset, warc_file = EXCLUDED.warc_file,
	warc_offset = EXCLUDED.warc_offset, warc_length = EXCLUDED.warc_length,
	extracted_by = coalesce(EXCLUDED.extracted_by, articles.extracted_by)
RETURNING xmax = 0`

// upsertEvent keeps first_seen: an event saved again was first seen when
// it was first saved.
const upsertEvent = `INSERT INTO events (id, article_id, country, service, action, date, date_start, date_end,
	reason, evidence, confidence, source_url, source_title, published, feed, extractor,
	warc_file, warc_offset, warc_length, first_seen, search)
VALUES ($1, $2, $3, $4, $5, $6, $7::date, $8::date, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
ON CONFLICT (id) DO UPDATE SET article_id = EXCLUDED.article_id, country = EXCLUDED.country,
	service = EXCLUDED.service, action = EXCLUDED.action, date = EXCLUDED.date,
	date_start = EXCLUDED.date_start, date_end = EXCLUDED.date_end, reason = EXCLUDED.reason,
	evidence = EXCLUDED.evidence, confidence = EXCLUDED.confidence, source_url = EXCLUDED.source_url,
	source_title = EXCLUDED.source_title, published = EXCLUDED.published, feed = EXCLUDED.feed,
	extractor = EXCLUDED.extractor, warc_file = EXCLUDED.warc_file, warc_offset = EXCLUDED.warc_offset,
	warc_length = EXCLUDED.warc_length, first_seen = coalesce(events.first_seen, EXCLUDED.first_seen),
	search = EXCLUDED.search`

// saveArticle upserts an article and its events, which CheckArticle
// passed, and deletes the events it had and no longer has: all in one
// round trip after the one that reads what was stored. It adds what it
// changed to changes, for grouping.
func saveArticle(ctx context.Context, tx pgx.Tx, ae *store.ArticleEvents, checked []event.Event, now time.Time, st *store.SaveStats, changes *[]eventChange) error {
	a := cleanArticle(ae.Article)
	evs := make([]event.Event, len(checked))
	ids := make([]string, len(checked))
	for i, e := range checked {
		evs[i] = cleanEvent(e)
		ids[i] = evs[i].ID
	}

	rows, err := tx.Query(ctx, "SELECT "+eventColumns+" FROM events WHERE article_id = $1 OR id = ANY($2)", a.ID, ids)
	if err != nil {
		return fmt.Errorf("article %s: read its stored events: %w", a.ID, err)
	}
	stored, err := pgx.CollectRows(rows, scanEvent)
	if err != nil {
		return fmt.Errorf("article %s: read its stored events: %w", a.ID, err)
	}
	prev := make(map[string]event.Event, len(stored))
	for _, r := range stored {
		prev[r.ID] = r.Event
	}

	batch := &pgx.Batch{}
	var extractor any // NULL keeps the version stored before
	if ae.Extractor != "" {
		extractor = cleanString(ae.Extractor)
	}
	var inserted bool
	batch.Queue(upsertArticle, a.ID, a.Key, a.Feed, a.URL, a.Title, orNull(a.Published), offset(a.Published),
		a.Text, a.TextFrom, orNull(a.Fetched), offset(a.Fetched), a.WARCFile, a.WARCOffset, a.WARCLength, extractor).
		QueryRow(func(row pgx.Row) error { return row.Scan(&inserted) })
	for _, e := range evs {
		first, last, err := store.DateSpan(e.Date)
		if err != nil { // CheckArticle passed it
			return fmt.Errorf("article %s: event %s: %w", a.ID, e.ID, err)
		}
		batch.Queue(upsertEvent, e.ID, e.ArticleID, e.Country, e.Service, string(e.Action), e.Date, first, last,
			e.Reason, e.Evidence, e.Confidence, e.SourceURL, e.SourceTitle, e.Published, e.Feed, e.Extractor,
			e.WARCFile, e.WARCOffset, e.WARCLength, now, searchText(e))
		switch p, ok := prev[e.ID]; {
		case !ok:
			st.NewEvents++
		default:
			st.UpdatedEvents++
			if changed(p, e) {
				st.ChangedEvents++
			}
		}
	}
	var deleted int64
	batch.Queue("DELETE FROM events WHERE article_id = $1 AND NOT (id = ANY($2))", a.ID, ids).
		Exec(func(tag pgconn.CommandTag) error { deleted = tag.RowsAffected(); return nil })
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("article %s: %w", a.ID, err)
	}
	if inserted {
		st.NewArticles++
	} else {
		st.UpdatedArticles++
	}
	st.DeletedEvents += int(deleted)
	*changes = append(*changes, savedChanges(a.ID, evs, prev)...)
	return nil
}

// changed reports whether b says something a does not: any field but the
// version of the extractor that said it, as the bbolt store counts
// SaveStats.ChangedEvents.
func changed(a, b event.Event) bool {
	a.Extractor, b.Extractor = "", ""
	return !reflect.DeepEqual(a, b)
}

// searchText is what Filter.Text is looked for in, folded as Go folds
// the filter's text.
func searchText(e event.Event) []string {
	out := make([]string, 0, 2+len(e.Evidence))
	out = append(out, strings.ToLower(e.Reason), strings.ToLower(e.SourceTitle))
	for _, s := range e.Evidence {
		out = append(out, strings.ToLower(s))
	}
	return out
}

func saveFeed(ctx context.Context, tx pgx.Tx, f ingest.FeedState) error {
	_, err := tx.Exec(ctx, `INSERT INTO feeds (url, etag, last_modified, last_fetched, last_ok, last_status, last_error)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (url) DO UPDATE SET etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified,
	last_fetched = EXCLUDED.last_fetched, last_ok = EXCLUDED.last_ok, last_status = EXCLUDED.last_status,
	last_error = EXCLUDED.last_error`,
		cleanString(f.URL), cleanString(f.ETag), cleanString(f.LastModified), orNull(f.LastFetched), orNull(f.LastOK),
		f.LastStatus, cleanString(f.LastError))
	if err != nil {
		return fmt.Errorf("feed %s: %w", f.URL, err)
	}
	return nil
}

func saveWARCFile(ctx context.Context, tx pgx.Tx, f store.WARCFile) error {
	_, err := tx.Exec(ctx, `INSERT INTO warc_files (name, finished, records, pages, articles, events)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (name) DO UPDATE SET finished = EXCLUDED.finished, records = EXCLUDED.records,
	pages = EXCLUDED.pages, articles = EXCLUDED.articles, events = EXCLUDED.events`,
		cleanString(f.Name), orNull(f.Finished), f.Records, f.Pages, f.Articles, f.Events)
	if err != nil {
		return fmt.Errorf("WARC file %s: %w", f.Name, err)
	}
	return nil
}

// cleanString makes s storable as PostgreSQL text, which holds neither
// NUL nor invalid UTF-8: U+FFFD stands in for them.
func cleanString(s string) string {
	if utf8.ValidString(s) && !strings.Contains(s, "\x00") {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func clean(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = cleanString(s)
	}
	return out
}

func cleanArticle(a ingest.Article) ingest.Article {
	for _, s := range []*string{&a.ID, &a.Key, &a.Feed, &a.URL, &a.Title, &a.Text, &a.TextFrom, &a.WARCFile} {
		*s = cleanString(*s)
	}
	return a
}

func cleanEvent(e event.Event) event.Event {
	for _, s := range []*string{&e.ID, &e.Country, &e.Service, &e.Date, &e.Reason, &e.ArticleID, &e.SourceURL,
		&e.SourceTitle, &e.Published, &e.Feed, &e.Extractor, &e.WARCFile} {
		*s = cleanString(*s)
	}
	e.Evidence = clean(e.Evidence)
	return e
}
