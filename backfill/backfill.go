// Package backfill reads news archives, WARC files like Common Crawl's
// CC-NEWS, and stores the events of the articles in them as the nightly
// run stores those of feeds: the same article ids, the same extractor,
// the same store, and on every article and event the WARC file, offset
// and length its bytes can be fetched from again.
//
// A backfill is safe to interrupt. A file is recorded as read in the
// transaction that stores its last articles; a file cut short is read
// again from the start, and the articles already stored from it are
// skipped.
package backfill

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
)

// Store is where a backfill writes: *store.DB, or a store.Handle that
// holds the file lock only per call.
type Store interface {
	Seen(keys []string) (map[string]bool, error)
	Save(b store.Batch) (store.SaveStats, error)
	WARCFileDone(name string) (store.WARCFile, bool, error)
}

// Progress is told of each WARC record read, from the goroutine reading
// the file; a terminal progress bar implements it. Nil is fine.
type Progress interface {
	Add(n int)
	Finish()
}

// Backfiller holds what a backfill needs.
type Backfiller struct {
	Extractor *extract.Extractor
	// Prefilter, when set, passes to the extractor only the articles
	// that may report an event; the rest are neither extracted nor
	// stored.
	Prefilter *extract.Prefilter
	DB        Store
	// Open opens a WARC file by the name its source gives: a path, or
	// an http(s) URL (see Opener).
	Open     func(ctx context.Context, name string) (io.ReadCloser, error)
	Logger   *slog.Logger
	Progress Progress
	Workers  int // pages read and extracted at once; default 1
	// BatchSize is how many articles go in one transaction; default 50.
	BatchSize int
}

// Summary is what a backfill did.
type Summary struct {
	Files          int           `json:"files"`
	FilesRead      int           `json:"files_read"`
	FilesSkipped   int           `json:"files_skipped"` // read to the end before
	FilesFailed    int           `json:"files_failed"`
	Records        int           `json:"records"`
	Pages          int           `json:"pages"`        // HTML responses with text
	Prefiltered    int           `json:"prefiltered"`  // pages the prefilter dropped
	Duplicates     int           `json:"duplicates"`   // pages of articles already stored
	NewArticles    int           `json:"new_articles"` // stored
	NewEvents      int           `json:"new_events"`
	UpdatedEvents  int           `json:"updated_events"`
	NewStories     int           `json:"new_stories"`
	UpdatedStories int           `json:"updated_stories"`
	Failures       []Failure     `json:"failures,omitempty"`
	Duration       time.Duration `json:"duration_ns"`
	Interrupted    bool          `json:"interrupted,omitempty"`
}

// Failure is a WARC file that could not be read to the end.
type Failure struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

// RecordsPerSecond is the rate WARC records were read at.
func (s Summary) RecordsPerSecond() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Records) / s.Duration.Seconds()
}

// Run reads each WARC file in turn and stores what it finds. It returns
// an error only when the store fails; a file that cannot be read is
// logged, listed in the summary and not recorded as read, so the next
// backfill tries it again.
func (b *Backfiller) Run(ctx context.Context, files []string) (sum Summary, err error) {
	start := time.Now()
	log := b.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if b.Progress != nil {
		defer b.Progress.Finish()
	}
	sum = Summary{Files: len(files)}
	defer func() { sum.Duration = time.Since(start) }()
	for _, name := range files {
		if ctx.Err() != nil {
			break
		}
		if _, done, err := b.DB.WARCFileDone(name); err != nil {
			return sum, err
		} else if done {
			sum.FilesSkipped++
			log.Info("WARC file read before, skipped", "file", name)
			continue
		}
		fs, err := b.file(ctx, log, name, &sum)
		var se *storeError
		switch {
		case errors.As(err, &se):
			return sum, se.err
		case ctx.Err() != nil:
		case err != nil:
			sum.FilesFailed++
			sum.Failures = append(sum.Failures, Failure{File: name, Error: err.Error()})
			log.Error("WARC file failed", "file", name, "err", err)
		default:
			sum.FilesRead++
			log.Info("WARC file read", "file", name, "records", fs.Records, "pages", fs.Pages, "articles", fs.Articles, "events", fs.Events)
		}
	}
	sum.Interrupted = ctx.Err() != nil
	return sum, nil
}

// storeError is a failure of the store, which ends the backfill.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }

// result is a page on its way to the store.
type result struct {
	ae      store.ArticleEvents
	dropped bool // by the prefilter
	empty   bool // no text
}

// file reads one WARC file and stores its articles; its record goes in
// with the last of them.
func (b *Backfiller) file(ctx context.Context, log *slog.Logger, name string, sum *Summary) (store.WARCFile, error) {
	workers := max(b.Workers, 1)
	batchSize := b.BatchSize
	if batchSize <= 0 {
		batchSize = 50
	}
	rc, err := b.Open(ctx, name)
	if err != nil {
		return store.WARCFile{}, err
	}
	defer rc.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan page, workers)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for p := range pages {
				results <- b.read(name, p)
			}
		})
	}
	var nRecords int
	var readErr error
	go func() {
		defer func() { close(pages); wg.Wait(); close(results) }()
		var tick func()
		if b.Progress != nil {
			tick = func() { b.Progress.Add(1) }
		}
		nRecords, readErr = records(rc, tick, func(p page) error {
			select {
			case pages <- p:
			case <-ctx.Done():
				return ctx.Err()
			}
			return nil
		})
	}()

	fs := store.WARCFile{Name: name}
	var batch store.Batch
	inFile := make(map[string]bool) // keys met in this file
	var storeErr error
	flush := func() error {
		if len(batch.Articles) == 0 && len(batch.WARCFiles) == 0 {
			return nil
		}
		keys := make([]string, len(batch.Articles))
		for i, ae := range batch.Articles {
			keys[i] = ae.Article.Key
		}
		seen, err := b.DB.Seen(keys)
		if err != nil {
			return err
		}
		// Articles stored before, by an earlier reading of this file that
		// was cut short, another file or the nightly run, stay as they are.
		kept := batch.Articles[:0]
		for _, ae := range batch.Articles {
			if seen[ae.Article.Key] {
				sum.Duplicates++
				continue
			}
			kept = append(kept, ae)
		}
		batch.Articles = kept
		st, err := b.DB.Save(batch)
		if err != nil {
			return fmt.Errorf("store batch of %d articles from %s: %w", len(batch.Articles), name, err)
		}
		sum.NewArticles += st.NewArticles
		sum.NewEvents += st.NewEvents
		sum.UpdatedEvents += st.UpdatedEvents
		sum.NewStories += st.NewStories
		sum.UpdatedStories += st.UpdatedStories
		fs.Articles += st.NewArticles
		fs.Events += st.NewEvents
		log.Debug("batch stored", "file", name, "articles", st.NewArticles, "events", st.NewEvents, "file_done", len(batch.WARCFiles) > 0)
		batch = store.Batch{}
		return nil
	}
	for res := range results {
		if storeErr != nil {
			continue // drain
		}
		switch {
		case res.empty:
			continue
		case res.dropped:
			fs.Pages++
			sum.Pages++
			sum.Prefiltered++
			continue
		}
		fs.Pages++
		sum.Pages++
		if k := res.ae.Article.Key; inFile[k] {
			sum.Duplicates++
			continue
		} else {
			inFile[k] = true
		}
		batch.Articles = append(batch.Articles, res.ae)
		if len(batch.Articles) >= batchSize {
			if storeErr = flush(); storeErr != nil {
				cancel()
			}
		}
	}
	sum.Records += nRecords
	fs.Records = nRecords
	if storeErr != nil {
		return fs, &storeError{storeErr}
	}
	if readErr != nil || ctx.Err() != nil {
		// What was read is kept; the file is not recorded, so it is read
		// again, and what is stored by now is skipped then.
		if err := flush(); err != nil {
			return fs, &storeError{err}
		}
		if readErr == nil {
			readErr = ctx.Err()
		}
		return fs, readErr
	}
	fs.Finished = time.Now().UTC()
	batch.WARCFiles = []store.WARCFile{fs}
	if err := flush(); err != nil {
		return fs, &storeError{err}
	}
	return fs, nil
}

// read turns a page into an article and its events, as the nightly run
// does a fetched page: the same text, the same id for the same URL.
func (b *Backfiller) read(file string, p page) result {
	pg, err := ingest.ReadPage(bytes.NewReader(p.body), p.contentType)
	if err != nil || pg.Text == "" || p.uri == "" {
		return result{empty: true}
	}
	key := ingest.CanonicalURL(p.uri)
	art := ingest.Article{
		ID:         ingest.ArticleID(key),
		Key:        key,
		URL:        p.uri,
		Title:      pg.Title,
		Published:  pg.Published,
		Text:       pg.Text,
		TextFrom:   "page",
		Fetched:    p.date,
		WARCFile:   file,
		WARCOffset: p.offset,
		WARCLength: p.length,
	}
	// As the run treats a feed's dates: none, or one before 1990 or
	// after the page was fetched, is the fetch.
	if art.Published.Year() < 1990 || (!p.date.IsZero() && art.Published.After(p.date.Add(24*time.Hour))) {
		art.Published = p.date
	}
	doc := extract.Document{
		ID: art.ID, URL: art.URL, Title: art.Title, Text: art.Text, Published: art.Published,
		WARCFile: art.WARCFile, WARCOffset: art.WARCOffset, WARCLength: art.WARCLength,
	}
	if b.Prefilter != nil && !b.Prefilter.Keep(doc) {
		return result{dropped: true}
	}
	evs := b.Extractor.Extract(doc)
	return result{ae: store.ArticleEvents{Article: art, Events: evs, Extractor: b.Extractor.Version()}}
}
