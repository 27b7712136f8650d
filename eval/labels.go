package eval

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
)

// Labels is a second labelling of gold articles: each article's events by
// its id. Scored in place of extraction it says how far two labellers
// agree on the same texts, which is the most any extractor can be
// expected to agree with either of them.
type Labels map[string][]GoldEvent

// labelLine is a line of a labelling: a gold file's line, or only the
// id and the events.
type labelLine struct {
	ID     string      `json:"id"`
	Events []GoldEvent `json:"events"`
}

// ReadLabels reads a labelling from r: JSON Lines of objects with an
// "id" and "events", as a gold file has them (its other fields are not
// needed). name is used in errors, which give the line.
func ReadLabels(r io.Reader, name string) (Labels, error) {
	out := make(Labels)
	var errs []error
	line := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" {
			continue
		}
		var l labelLine
		if err := json.Unmarshal([]byte(b), &l); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, line, err))
			continue
		}
		switch _, dup := out[l.ID]; {
		case l.ID == "":
			errs = append(errs, fmt.Errorf("%s:%d: labels have no id", name, line))
			continue
		case dup:
			errs = append(errs, fmt.Errorf("%s:%d: article %s is labelled twice", name, line, l.ID))
			continue
		}
		bad := false
		for _, e := range l.Events {
			if !event.Action(e.Action).Valid() {
				errs = append(errs, fmt.Errorf("%s:%d: article %s: action %q is not in the vocabulary (docs/SCHEMA.md)", name, line, l.ID, e.Action))
				bad = true
			}
		}
		if bad {
			continue
		}
		out[l.ID] = append([]GoldEvent{}, l.Events...)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	if len(errs) > maxErrors {
		errs = append(errs[:maxErrors], fmt.Errorf("%s: and %d more lines with errors", name, len(errs)-maxErrors))
	}
	return out, errors.Join(errs...)
}

// LoadLabels reads labellings from files and directories of them (every
// *.jsonl inside) into one; an article labelled in two of them is an
// error.
func LoadLabels(paths ...string) (Labels, error) {
	files, err := goldFiles(paths)
	if err != nil {
		return nil, err
	}
	out := make(Labels)
	var errs []error
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		l, err := ReadLabels(f, p)
		f.Close()
		if err != nil {
			errs = append(errs, err)
		}
		for id, evs := range l {
			if _, dup := out[id]; dup {
				errs = append(errs, fmt.Errorf("%s: article %s is labelled in another file too", p, id))
				continue
			}
			out[id] = evs
		}
	}
	return out, errors.Join(errs...)
}

// Covers reports an error naming the articles the labelling leaves out:
// an article without its line would score as if the labeller had found
// nothing in it.
func (l Labels) Covers(articles []Article) error {
	var missing []string
	for _, a := range articles {
		if _, ok := l[a.ID]; !ok {
			missing = append(missing, a.ID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	shown := missing
	if len(shown) > maxErrors {
		shown = shown[:maxErrors]
	}
	more := ""
	if len(missing) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(missing)-len(shown))
	}
	return fmt.Errorf("%d articles have no labels to compare: %s%s", len(missing), strings.Join(shown, ", "), more)
}

// Extract returns the events labelled for doc's article, at confidence 1:
// Labels is an Extractor, so Score compares two labellings as it scores
// extraction.
func (l Labels) Extract(doc extract.Document) []event.Event {
	evs := l[doc.ID]
	out := make([]event.Event, 0, len(evs))
	for _, g := range evs {
		a := event.Action(g.Action)
		out = append(out, event.Event{
			ID:      event.ID(doc.ID, g.Country, g.Service, a),
			Country: g.Country, Service: g.Service, Action: a,
			Date: g.Date, Reason: g.Reason,
			Confidence: 1,
			ArticleID:  doc.ID, SourceURL: doc.URL, SourceTitle: doc.Title,
			Published: doc.Published.Format("2006-01-02"),
		})
	}
	return out
}

// Fold folds the service slugs of gold articles to the catalogue's, as
// SCHEMA.md folds aliases to one slug: labellers write slugs without
// seeing the list, so "facebook-messenger" in a gold file is the
// extractor's messenger. Two events that become one triple are one event
// (the first is kept). It returns what it changed, "id: from -> to".
func Fold(arts []Article, cat *event.Catalog) []string {
	var changed []string
	for i := range arts {
		a := &arts[i]
		a.Events, changed = foldEvents(a.ID, a.Events, cat, changed)
	}
	return changed
}

// Fold folds the labelling's service slugs as Fold does a gold file's.
func (l Labels) Fold(cat *event.Catalog) []string {
	var changed []string
	ids := slices.Sorted(maps.Keys(l))
	for _, id := range ids {
		l[id], changed = foldEvents(id, l[id], cat, changed)
	}
	return changed
}

func foldEvents(id string, evs []GoldEvent, cat *event.Catalog, changed []string) ([]GoldEvent, []string) {
	for j := range evs {
		e := &evs[j]
		if s := cat.FoldSlug(e.Service); s != e.Service {
			changed = append(changed, fmt.Sprintf("%s: %s -> %s", id, e.Service, s))
			e.Service = s
		}
	}
	seen := map[string]bool{}
	evs = slices.DeleteFunc(evs, func(e GoldEvent) bool {
		k := e.Country + "|" + e.Service + "|" + e.Action
		dup := seen[k]
		seen[k] = true
		return dup
	})
	return evs, changed
}
