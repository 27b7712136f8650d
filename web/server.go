// Package web serves a policywatch store over HTTP: a read-only JSON
// API, the event CSV, an Atom feed of new stories and a single web page
// with the latest stories and a timeline chart.
//
// The server never holds the database open between requests. bbolt lets
// one process write or many read, so a nightly run that holds the write
// lock would otherwise be locked out (or lock the server out) for its
// whole length; instead each request opens the file read-only, waits
// briefly for the lock and answers 503 with Retry-After when a run is
// writing. A PostgreSQL store (Options.Store), whose writers lock no
// reader out, is held open instead and read by every request.
package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// DefaultLockTimeout is how long a request waits for a running batch to
// release the database before it answers 503.
const DefaultLockTimeout = 2 * time.Second

// retryAfter is the Retry-After of a 503 for a locked database: a batch
// holds the lock for one save at a time, which takes seconds.
const retryAfter = 5

// Options configure a Server.
type Options struct {
	// DB is the database file. It may not exist yet: requests answer 503
	// until a run creates it.
	DB string
	// Store, if not nil, is read instead of the file DB: a store other
	// than bbolt, open for the server's whole life, whose writers do not
	// lock readers out.
	Store Store
	// Gazetteer resolves country and service names in filters and names
	// them on the page and in the feed. Required.
	Gazetteer *event.Catalog
	// Logger gets one debug record per request and the errors; nil
	// discards them.
	Logger *slog.Logger
	// LockTimeout is how long a request waits for the database lock;
	// 0 means DefaultLockTimeout.
	LockTimeout time.Duration
	// BaseURL is the address clients reach the server at, such as
	// "https://example.org/policywatch", for the absolute links of the
	// Atom feed behind a proxy; "" takes it from each request.
	BaseURL string
}

// Server is the HTTP handler. It is safe for concurrent use.
type Server struct {
	db      store.Handle
	store   Store
	log     *slog.Logger
	vocab   *vocab
	page    *template.Template
	baseURL string
	mux     *http.ServeMux
}

// New checks the options and builds the handler.
func New(opts Options) (*Server, error) {
	if opts.DB == "" && opts.Store == nil {
		return nil, errors.New("web: no database path")
	}
	if opts.Gazetteer == nil {
		return nil, errors.New("web: no gazetteer")
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v, err := loadVocab(opts.Gazetteer)
	if err != nil {
		return nil, err
	}
	page, err := parsePage()
	if err != nil {
		return nil, err
	}
	s := &Server{
		db:      store.Handle{Path: opts.DB, Options: store.Options{ReadOnly: true, Timeout: timeout}},
		store:   opts.Store,
		log:     log,
		vocab:   v,
		page:    page,
		baseURL: strings.TrimSuffix(opts.BaseURL, "/"),
		mux:     http.NewServeMux(),
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /{$}", s.handlePage)
	s.mux.HandleFunc("GET /events", s.handleEvents)
	s.mux.HandleFunc("GET /events.csv", s.handleEventsCSV)
	s.mux.HandleFunc("GET /stories", s.handleStories)
	s.mux.HandleFunc("GET /stories/{id}", s.handleStory)
	s.mux.HandleFunc("GET /feed.atom", s.handleFeed)
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.mux.Handle("GET /static/", staticHandler(s.vocab.actions))
	s.mux.HandleFunc("/", s.handleUnknown)
}

// ServeHTTP sets the headers every response shares and logs the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h := w.Header()
	// The page loads nothing but its own stylesheet and icon; the chart
	// is inline SVG styled by classes, so no inline style is needed.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "request",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("query", r.URL.RawQuery),
		slog.Int("status", rec.status),
		slog.Int64("bytes", rec.bytes),
		slog.Duration("duration", time.Since(start)),
		slog.String("remote", r.RemoteAddr),
	)
}

// statusRecorder remembers what a handler answered, for the log.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// handleUnknown answers what no route takes: 405 for a known path asked
// with another method than GET or HEAD, else 404.
func (s *Server) handleUnknown(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		get := r.Clone(r.Context())
		get.Method = http.MethodGet
		if _, pattern := s.mux.Handler(get); pattern != "/" {
			w.Header().Set("Allow", "GET, HEAD")
			s.writeError(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; this server is read-only", "")
			return
		}
	}
	s.writeError(w, r, http.StatusNotFound, "no such page: "+r.URL.Path, "")
}

// reader is what the server reads: the bbolt file opened for a request,
// or the store of Options.Store.
type reader interface {
	store.Reader
	store.StoryReader
	ByPeriodAndAction(f store.Filter) ([]store.PeriodCount, error)
}

// Store is a store the server reads for every request, held open by
// its caller: a PostgreSQL store (package store/pgstore), which many
// may read while runs write.
type Store interface {
	store.Store
	ByPeriodAndAction(f store.Filter) ([]store.PeriodCount, error)
}

// visit runs fn on the database: Options.Store, or the file opened
// read-only for this request.
func (s *Server) visit(fn func(reader) error) error {
	if s.store != nil {
		return fn(s.store)
	}
	return s.db.Do(func(db *store.DB) error { return fn(db) })
}

// failure is how an error reads to a client.
type failure struct {
	status int
	msg    string
	param  string // the query parameter at fault, for a 400
}

// classify maps an error to its status and the message a client sees.
// Only errors a client can act on are described; the rest are logged and
// answered as an internal error.
func classify(err error) failure {
	var pe *paramError
	switch {
	case errors.As(err, &pe):
		return failure{http.StatusBadRequest, pe.Error(), pe.param}
	case errors.Is(err, store.ErrLocked):
		return failure{status: http.StatusServiceUnavailable,
			msg: "the database is busy: a policywatch run is writing to it; try again in a few seconds"}
	case errors.Is(err, fs.ErrNotExist):
		return failure{status: http.StatusServiceUnavailable,
			msg: "there is no database yet: run `policywatch run` or `policywatch demo` first"}
	case errors.Is(err, store.ErrNeedsUpgrade):
		return failure{status: http.StatusServiceUnavailable,
			msg: "the database is an older format without stories: run `policywatch run` once to upgrade it"}
	case errors.Is(err, store.ErrDamaged):
		// The operator has work to do, and the client can only wait:
		// say so plainly rather than "internal error".
		return failure{status: http.StatusInternalServerError,
			msg: "the database is damaged; the server's operator can run `policywatch check` for what is wrong and `policywatch recover` to copy what can be read"}
	case errors.Is(err, store.ErrNotFound):
		return failure{status: http.StatusNotFound, msg: "not found"}
	}
	return failure{status: http.StatusInternalServerError, msg: "internal error"}
}

// fail answers err as JSON.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	f := s.logFailure(r, err)
	s.writeError(w, r, f.status, f.msg, f.param)
}

// logFailure classifies err and logs what the client is not told.
func (s *Server) logFailure(r *http.Request, err error) failure {
	f := classify(err)
	switch f.status {
	case http.StatusInternalServerError:
		s.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	case http.StatusServiceUnavailable:
		s.log.WarnContext(r.Context(), "database unavailable", "path", r.URL.Path, "err", err)
	}
	return f
}

// errorBody is every JSON error.
type errorBody struct {
	Error     string `json:"error"`
	Parameter string `json:"parameter,omitempty"`
	// Candidates are the ids a shortened story id could mean.
	Candidates []string `json:"candidates,omitempty"`
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, msg, param string) {
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	s.writeJSON(w, r, status, errorBody{Error: msg, Parameter: param})
}

func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.log.ErrorContext(r.Context(), "encode response", "path", r.URL.Path, "err", err)
		http.Error(w, `{"error":"internal error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// absURL is an absolute URL for a path on this server, for the feed.
func (s *Server) absURL(r *http.Request, path string) string {
	if s.baseURL != "" {
		return s.baseURL + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s%s", scheme, r.Host, path)
}
