package store

import (
	"fmt"
	"slices"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
)

// Store is a policywatch database of any kind: the bbolt file (*DB) or
// PostgreSQL (package store/pgstore). Both keep the same articles,
// events and feed states and answer the same filters in the same order,
// which package store/storetest checks against each.
//
// Both also keep alert records (AlertStore); the checks and repairs of a
// file are methods of *DB alone.
type Store interface {
	Reader
	StoryReader
	Writer
	// Close releases the database: the file and its lock, or the
	// connections.
	Close() error
}

// Reader is the reading side of a Store: what query, export and serve
// read events through. Errors name the database and what was asked.
type Reader interface {
	// Events returns the events matching f, newest first by event date
	// (a partial date counting as its first day), then by publication
	// date (later first), then by id (bytewise, ascending); at most
	// f.Limit of them when it is not 0. A Filter that does not normalise
	// (see Filter.Normalize) is an error; no match is a nil slice.
	Events(f Filter) ([]event.Record, error)
	// EachEvent calls fn with each event Events would return, in its
	// order, without holding them all. If fn returns an error, EachEvent
	// stops and returns it unchanged.
	EachEvent(f Filter, fn func(event.Record) error) error
	// Event returns the event with the given id, or an error wrapping
	// ErrNotFound.
	Event(id string) (event.Record, error)
	// Article returns the article with the given id, or an error
	// wrapping ErrNotFound.
	Article(id string) (ingest.Article, error)
	// FeedNames returns the names of the feeds that stored events came
	// from, sorted bytewise, without "": the values a Filter's Feeds can
	// match.
	FeedNames() ([]string, error)
	// FeedState returns what is remembered of the feed at url; a feed
	// never fetched gives the zero state with only URL set, not an
	// error.
	FeedState(url string) (ingest.FeedState, error)
	// FeedStates returns the state of every feed ever fetched, ordered
	// by URL (bytewise).
	FeedStates() ([]ingest.FeedState, error)
	// Counts counts feeds, articles and events, and stories where the
	// store keeps them (0 where it does not).
	Counts() (Counts, error)
	// Stats counts the events matching f along each dimension; Limit is
	// ignored.
	Stats(f Filter) (Stats, error)
}

// StoryReader reads the stories a Store's Save groups events into (see
// Stories in the package documentation); both stores group by the same
// code, so the same events make the same stories, with the same ids, in
// either.
type StoryReader interface {
	// Stories returns the stories matching f, newest first by Last (a
	// partial date counting as its first day), then the most recently
	// created first, then by id; no match is a nil slice.
	Stories(f StoryFilter) ([]Story, error)
	// Story returns the story with the given id and its events, in the
	// order of Events; an unknown id gives an error wrapping
	// ErrNotFound.
	Story(id string) (Story, []event.Record, error)
	// StoryID returns the full id of the story id names: id itself, or
	// the one story whose id begins with it if it has at least
	// MinStoryPrefix characters; several give an *AmbiguousError, none
	// an error wrapping ErrNotFound.
	StoryID(id string) (string, error)
}

// Writer is the writing side of a Store: what a run and a backfill store
// their findings through.
type Writer interface {
	// Seen reports which of the item keys (ingest.Item.Key) already
	// have a stored article. Every key given is in the map.
	Seen(keys []string) (map[string]bool, error)
	// Save writes a batch in one transaction: all of it lands or none
	// of it does, and a batch that CheckArticle or CheckFeed refuses
	// fails whole, with their error, leaving the store untouched.
	//
	// Articles, events, feed states and WARC files are upserted by id
	// (URL, name), so saving the same batch twice stores nothing twice
	// and changes nothing. An event stored before keeps its FirstSeen; a
	// new one gets the time of the Save. Saving an article replaces its
	// events: those it had and no longer has are deleted
	// (SaveStats.DeletedEvents), as when a better extractor reads it
	// again. A store that groups events into stories (*DB) does so in
	// the same transaction and says so in SaveStats; one that does not
	// leaves the story fields zero.
	Save(b Batch) (SaveStats, error)
}

// AlertStore records, per alert rule and story, what became of the
// alert, so that each story is posted once by a rule however many runs
// (or workers) try: a claim is exclusive across processes. See the
// methods of *DB for each promise; package store/storetest checks that
// both stores keep them.
type AlertStore interface {
	// ClaimAlert takes the alert of rule for story if it was never
	// tried, failed or was queued, and returns the new record and true;
	// of several callers at once, in any processes, at most one is
	// given true. Otherwise it returns the stored record and false.
	ClaimAlert(rule, story string, at time.Time) (AlertRecord, bool, error)
	// FinishAlert records how a claimed delivery ended; an alert not
	// being sent gives ErrAlertNotClaimed.
	FinishAlert(rule, story string, state AlertState, lastError string, at time.Time) (AlertRecord, error)
	// ResendAlert claims the alert whatever became of it, unless a claim
	// taken at or after staleBefore holds it (ErrAlertInFlight).
	ResendAlert(rule, story string, at, staleBefore time.Time) (AlertRecord, error)
	// ExpireAlertClaims turns claims taken before staleBefore into
	// AlertUnknown and returns them.
	ExpireAlertClaims(rule string, staleBefore, at time.Time) ([]AlertRecord, error)
	// ClearAlerts queues the alerts in one of states again and returns
	// them as they were.
	ClearAlerts(rule, story string, states []AlertState, at time.Time) ([]AlertRecord, error)
	// Alert returns one record, or an error wrapping ErrNotFound.
	Alert(rule, story string) (AlertRecord, error)
	// Alerts returns the records of rule (every rule when empty) ordered
	// by rule and then story id, bytewise.
	Alerts(rule string) ([]AlertRecord, error)
	// AlertsCovered and SetAlertsCovered keep the time up to which
	// every story made has been considered for alerts; it never moves
	// back.
	AlertsCovered() (time.Time, error)
	SetAlertsCovered(t time.Time) error
	// AlertsHeld, HoldAlerts and ReleaseAlerts keep, per rule, the time
	// from which a rule missed stories; of two holds the earlier stands.
	AlertsHeld(rule string) (time.Time, error)
	HoldAlerts(rule string, t time.Time) error
	ReleaseAlerts(rule string) error
}

// CheckAlertKey checks the rule and story of an alert as every
// AlertStore does: neither empty, and neither holding a NUL byte.
func CheckAlertKey(rule, story string) error {
	_, err := alertKey(rule, story)
	return err
}

var (
	_ Store      = (*DB)(nil)
	_ AlertStore = (*DB)(nil)
)

// CheckArticle checks an article and its events as every Store's Save
// does before it writes anything, and returns copies of the events with
// an empty ArticleID filled in from the article; the caller's are left
// as they are. The error names the article and the event.
func CheckArticle(ae ArticleEvents) ([]event.Event, error) {
	a := &ae.Article
	if a.ID == "" || a.Key == "" {
		return nil, fmt.Errorf("article %q (%s): empty id or key", a.Key, a.URL)
	}
	out := make([]event.Event, 0, len(ae.Events))
	saved := make(map[string]bool, len(ae.Events))
	for i, e := range ae.Events {
		if err := validateEvent(a.ID, i, &e); err != nil {
			return nil, err
		}
		if saved[e.ID] {
			return nil, fmt.Errorf("article %s: event %s (%s %s %s) appears twice", a.ID, e.ID, e.Country, e.Service, e.Action)
		}
		saved[e.ID] = true
		if _, err := padDate(e.Date); err != nil {
			return nil, fmt.Errorf("article %s: event %s: %w", a.ID, e.ID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// CheckFeed checks a feed state as every Store's Save does.
func CheckFeed(f ingest.FeedState) error {
	if f.URL == "" {
		return fmt.Errorf("feed state with empty url")
	}
	return nil
}

// DateSpan returns the first and last day, YYYY-MM-DD, of an event date
// at any precision: "2018-04" is 2018-04-01 to 2018-04-30. Events sort
// by the first day; a filter's Since and Until keep an event whose span
// overlaps them.
func DateSpan(date string) (first, last string, err error) {
	sp, err := dateSpan(date)
	if err != nil {
		return "", "", err
	}
	first, last = sp.keys()
	return first, last, nil
}

// Normalize returns f as every store matches it, or the error Events
// gives for it: countries in upper case, services and actions in lower
// case, each list trimmed, without empty values and duplicates, and
// sorted; Since and Until as YYYY-MM-DD, Until widened to the last day
// of its period; Text trimmed and in lower case, matched as a substring
// of the lower-cased reason, source title or any evidence sentence.
// An event matches a normal filter when its country, service, action and
// feed are among those listed (if any are), its span (DateSpan) ends on
// or after Since and begins on or before Until, Since is not after
// Until, its confidence is at least MinConfidence and Text is found.
func (f Filter) Normalize() (Filter, error) {
	q, err := compile(f)
	if err != nil {
		return Filter{}, err
	}
	return Filter{
		Countries: q.countries, Services: q.services, Actions: q.actions,
		Since: q.since, Until: q.until, Text: q.text, MinConfidence: q.minConfidence,
		Feeds: q.feeds, Limit: q.limit,
	}, nil
}

// CompareEvents is the order of Events as a comparison function for
// slices.SortFunc: newest event date first (a partial date counting as
// its first day), then later publication, then id.
func CompareEvents(a, b event.Record) int { return compareEvents(a, b) }

// CheckFeeds returns an *UnknownFeedError for the first of feeds that no
// event stored in r came from, or nil. Names are matched exactly, as the
// configuration spells them.
func CheckFeeds(r Reader, feeds []string) error {
	if len(feeds) == 0 {
		return nil
	}
	known, err := r.FeedNames()
	if err != nil {
		return err
	}
	for _, f := range feeds {
		if !slices.Contains(known, f) {
			return &UnknownFeedError{Feed: f, Known: known}
		}
	}
	return nil
}

// StoredTime is a time as a Store gives it back: UTC for an offset of
// 0, else a fixed unnamed zone of the same offset, as RFC 3339 parsing
// gives it; the zero time stays zero. A store that keeps the instant and
// its offset apart rebuilds the time with it.
func StoredTime(t time.Time, offset int) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	if offset == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", offset))
}
