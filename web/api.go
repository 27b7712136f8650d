package web

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// defaultLimit is how many events or stories a listing returns when the
// request names no limit.
const defaultLimit = 100

type eventsBody struct {
	Events []event.Record `json:"events"`
	Count  int            `json:"count"`
}

// handleEvents is GET /events: matching events, newest first.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	f, err := s.vocab.parseFilter(r.URL.Query(), defaultLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var events []event.Record
	err = s.visit(func(db reader) (err error) {
		if err := knownFeeds(db, f.Feeds); err != nil {
			return err
		}
		events, err = db.Events(f)
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if events == nil {
		events = []event.Record{}
	}
	s.writeJSON(w, r, http.StatusOK, eventsBody{Events: events, Count: len(events)})
}

// handleEventsCSV is GET /events.csv: the CSV `policywatch export`
// writes. It is an export, so without a limit it has every matching
// event.
//
// The rows are written to a temporary file while the database is open
// and sent from there once it is closed. Memory stays flat however many
// events match, and a slow client does not keep the file lock from a
// nightly run, which gives up after waiting 30 seconds.
func (s *Server) handleEventsCSV(w http.ResponseWriter, r *http.Request) {
	f, err := s.vocab.parseFilter(r.URL.Query(), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	spool, err := os.CreateTemp("", "policywatch-events-*.csv")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	err = s.visit(func(db reader) error {
		if err := knownFeeds(db, f.Feeds); err != nil {
			return err
		}
		bw := bufio.NewWriter(spool)
		cw := event.NewCSVWriter(bw)
		if err := db.EachEvent(f, cw.Write); err != nil {
			return err
		}
		if err := cw.Flush(); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="events.csv"`)
	// ServeContent sends the length, so a client can show progress, and
	// answers range requests, so it can resume.
	http.ServeContent(w, r, "events.csv", time.Time{}, spool)
}

type storiesBody struct {
	Stories []store.Story `json:"stories"`
	Count   int           `json:"count"`
}

// handleStories is GET /stories: matching stories, newest first by
// their last date.
func (s *Server) handleStories(w http.ResponseWriter, r *http.Request) {
	f, err := s.vocab.parseFilter(r.URL.Query(), defaultLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var stories []store.Story
	err = s.visit(func(db reader) (err error) {
		if err := knownFeeds(db, f.Feeds); err != nil {
			return err
		}
		stories, err = db.Stories(store.StoryFilter{Filter: f})
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if stories == nil {
		stories = []store.Story{}
	}
	s.writeJSON(w, r, http.StatusOK, storiesBody{Stories: stories, Count: len(stories)})
}

type storyBody struct {
	Story  store.Story    `json:"story"`
	Events []event.Record `json:"events"`
}

// handleStory is GET /stories/{id}: one story with its events. The id
// may be shortened, as tables print it, to a prefix no other story has;
// one that several have is 409 with the candidates.
func (s *Server) handleStory(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var body storyBody
	err := s.visit(func(db reader) error {
		full, err := db.StoryID(id)
		if err != nil {
			return err
		}
		body.Story, body.Events, err = db.Story(full)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		msg := "no story " + id
		if len(id) < store.MinStoryPrefix {
			msg += fmt.Sprintf(" (give the whole id or at least its first %d characters)", store.MinStoryPrefix)
		}
		s.writeError(w, r, http.StatusNotFound, msg, "")
		return
	}
	if amb, ok := errors.AsType[*store.AmbiguousError](err); ok {
		s.writeJSON(w, r, http.StatusConflict, errorBody{Error: amb.Error(), Candidates: amb.IDs})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if body.Events == nil {
		body.Events = []event.Record{}
	}
	s.writeJSON(w, r, http.StatusOK, body)
}

type healthBody struct {
	Status  string `json:"status"` // ok, busy or unavailable
	Events  *int   `json:"events,omitempty"`
	Stories *int   `json:"stories,omitempty"`
	Error   string `json:"error,omitempty"`
}

// handleHealth is GET /healthz. A database locked by a running batch is
// healthy, only busy: 200 with status "busy", so that a monitor does not
// restart the server every night while the run writes. A database that
// cannot be opened for any other reason (missing, damaged, a newer
// format) is 503 with status "unavailable".
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	var events, stories int
	err := s.visit(func(db reader) error {
		c, err := db.Counts()
		if err != nil {
			return err
		}
		events, stories = c.Events, c.Stories
		return nil
	})
	switch {
	case err == nil:
		s.writeJSON(w, r, http.StatusOK, healthBody{Status: "ok", Events: &events, Stories: &stories})
	case errors.Is(err, store.ErrLocked):
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		s.writeJSON(w, r, http.StatusOK, healthBody{Status: "busy", Error: classify(err).msg})
	default:
		f := s.logFailure(r, err)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		s.writeJSON(w, r, http.StatusServiceUnavailable, healthBody{Status: "unavailable", Error: f.msg})
	}
}
