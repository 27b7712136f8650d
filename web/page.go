package web

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

//go:embed templates/page.html
var pageHTML string

//go:embed static
var staticFS embed.FS

func parsePage() (*template.Template, error) {
	return template.New("page").Parse(pageHTML)
}

// actionsCSS is the stylesheet of the action colours, made from the
// vocabulary so that the colours live in one place (event/data/actions.yaml).
// Bars take the colour as fill, legend swatches and table tags as
// background.
func actionsCSS(words []event.Wording) []byte {
	var b bytes.Buffer
	b.WriteString("/* Made from the action vocabulary, event/data/actions.yaml. */\n")
	for _, w := range words {
		fmt.Fprintf(&b, ".action-%s { fill: %s; background: %s; }\n", w.Action, w.Colour, w.Colour)
		if w.Text == "dark" {
			fmt.Fprintf(&b, ".tag.action-%s { color: var(--ink); }\n", w.Action)
		}
	}
	return b.Bytes()
}

// staticHandler serves the stylesheets and icon. There is no directory
// listing: a path ending in a slash is not found.
func staticHandler(words []event.Wording) http.Handler {
	generated := actionsCSS(words)
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		// Embedded files have no modification time to revalidate by; an
		// hour's caching is short enough to pick up a new release.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		if r.URL.Path == "/static/actions.css" {
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Write(generated)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// pageData is everything the page template shows.
type pageData struct {
	Form    formValues
	Actions []event.Wording
	// Countries and Services are the names of those in the store, for
	// the inputs' suggestions.
	Countries, Services []string
	Stories             []storyView
	Limited             bool // the table stops at the limit
	Events              int  // events matching the filters
	StoreEvents         int  // events in the whole store
	Chart               *timeline
	Filtered            bool
	Description         string // what the filters select, in words
	Error               string
	Links               pageLinks
}

// formValues are the filters as the person typed them, to fill the form
// in again.
type formValues struct {
	Country, Service, Action, Since, Until, Text string
	// OtherAction is set when the URL asks for actions the select cannot
	// show (several, or a misspelling), so it shows them as they are.
	OtherAction bool
}

// pageLinks are the same filters on the other endpoints.
type pageLinks struct {
	Events, Stories, CSV, Feed string
}

// handlePage is GET /: the filter form, the timeline chart of the
// matching events and the latest matching stories.
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := pageData{Form: formFrom(q), Actions: s.vocab.actions}
	canonical := canonicalQuery(q)
	d.Links = pageLinks{
		Events: "/events" + canonical, Stories: "/stories" + canonical,
		CSV: "/events.csv" + canonical, Feed: "/feed.atom" + canonical,
	}
	d.Form.OtherAction = d.Form.Action != "" && !slices.ContainsFunc(d.Actions, func(a event.Wording) bool {
		return string(a.Action) == d.Form.Action
	})

	f, err := s.vocab.parseFilter(q, defaultLimit)
	if err != nil {
		fl := s.logFailure(r, err)
		d.Error = fl.msg
		s.render(w, r, fl.status, d)
		return
	}
	d.Filtered = canonical != ""
	d.Description = s.vocab.describe(f)
	err = s.visit(func(db reader) error {
		all, err := db.Stats(store.Filter{})
		if err != nil {
			return err
		}
		d.StoreEvents = all.Events
		d.Countries = s.names(all.ByCountry, s.vocab.country)
		d.Services = s.names(all.ByService, s.vocab.service)

		// The chart counts every matching event; the limit is the table's.
		// Over dates alone, as the page first opens, the counts come from
		// those the store keeps, however many events it holds.
		periods, err := db.ByPeriodAndAction(f)
		if err != nil {
			return err
		}
		d.Events = 0
		for _, p := range periods {
			d.Events += p.Events
		}
		d.Chart = s.vocab.newTimeline(periods)

		stories, err := db.Stories(store.StoryFilter{Filter: f})
		if err != nil {
			return err
		}
		d.Limited = f.Limit > 0 && len(stories) == f.Limit
		d.Stories, err = s.vocab.views(db, stories)
		return err
	})
	status := http.StatusOK
	if err != nil {
		fl := s.logFailure(r, err)
		d.Error, status = fl.msg, fl.status
	}
	s.render(w, r, status, d)
}

// names turns store counts into display names, sorted alphabetically.
func (s *Server) names(counts []store.Count, name func(string) string) []string {
	out := make([]string, len(counts))
	for i, c := range counts {
		out[i] = name(c.Key)
	}
	slices.SortFunc(out, func(a, b string) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a), strings.ToLower(b)), cmp.Compare(a, b))
	})
	return slices.Compact(out)
}

func formFrom(q url.Values) formValues {
	join := func(name string) string {
		var vs []string
		for _, v := range q[name] {
			if v = strings.TrimSpace(v); v != "" {
				vs = append(vs, v)
			}
		}
		return strings.Join(vs, ", ")
	}
	return formValues{
		Country: join("country"), Service: join("service"), Action: strings.ToLower(join("action")),
		Since: join("since"), Until: join("until"), Text: join("text"),
	}
}

// render writes the page whole or not at all: a template error becomes a
// clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	var buf bytes.Buffer
	if err := s.page.Execute(&buf, d); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", strconv.Itoa(retryAfter))
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
