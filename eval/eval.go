// Package eval scores extraction against a gold file, as SCHEMA.md
// "Scoring" defines: triples matched on (country, service, action), then
// date accuracy and reason agreement over the matched.
package eval

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
)

// Article is one line of a gold file.
type Article struct {
	ID string `json:"id"`
	// Story names the real-world episode the article reports, so that
	// articles about one episode are kept on one side of a train/dev split.
	Story     string      `json:"story,omitempty"`
	URL       string      `json:"url"`
	Title     string      `json:"title"`
	Published string      `json:"published"`
	Text      string      `json:"text"`
	Events    []GoldEvent `json:"events"`
}

// GoldEvent is a labelled event: the schema fields only.
type GoldEvent struct {
	Country string `json:"country"`
	Service string `json:"service"`
	Action  string `json:"action"`
	Date    string `json:"date"`
	Reason  string `json:"reason"`
}

// Document turns a gold article into extraction input.
func (a Article) Document() (extract.Document, error) {
	pub, err := time.Parse("2006-01-02", a.Published)
	if err != nil {
		return extract.Document{}, fmt.Errorf("article %s: published %q is not YYYY-MM-DD", a.ID, a.Published)
	}
	return extract.Document{ID: a.ID, URL: a.URL, Title: a.Title, Text: a.Text, Published: pub}, nil
}

// Load reads a gold file (JSON Lines). Errors name the file and line.
func Load(path string) ([]Article, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// Read reads gold articles from r; name is used in errors.
func Read(r io.Reader, name string) ([]Article, error) {
	var out []Article
	var errs []error
	seen := make(map[string]int)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" {
			continue
		}
		var a Article
		if err := json.Unmarshal([]byte(b), &a); err != nil {
			if len(out) == 0 && len(errs) == 0 && !strings.HasPrefix(b, "{") {
				// A CSV or a text file: one error says so, rather than
				// one per line.
				return nil, fmt.Errorf("%s:%d: not a gold file: want JSON Lines, one article object per line (docs/SCHEMA.md), got %q",
					name, line, cutString(b, 40))
			}
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, line, err))
			continue
		}
		if a.ID == "" {
			errs = append(errs, fmt.Errorf("%s:%d: article has no id", name, line))
			continue
		}
		if prev, ok := seen[a.ID]; ok {
			errs = append(errs, fmt.Errorf("%s:%d: duplicate id %q (first on line %d)", name, line, a.ID, prev))
			continue
		}
		seen[a.ID] = line
		if _, err := a.Document(); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, line, err))
			continue
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	if len(errs) > maxErrors {
		errs = append(errs[:maxErrors], fmt.Errorf("%s: and %d more lines with errors", name, len(errs)-maxErrors))
	}
	if len(out) == 0 && len(errs) == 0 {
		// Scoring nothing gives perfect scores, which would pass any
		// check a script makes of them.
		errs = append(errs, fmt.Errorf("%s: no articles: a gold file has one JSON article per line (docs/SCHEMA.md)", name))
	}
	return out, errors.Join(errs...)
}

// maxErrors is how many errors of one file Read lists before it counts
// the rest.
const maxErrors = 10

// cutString shortens s to about n bytes for an error message.
func cutString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// Report is the score of an extractor on a gold set.
type Report struct {
	Articles  int `json:"articles"`
	Gold      int `json:"gold"`
	Extracted int `json:"extracted"`
	Matched   int `json:"matched"`

	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`

	DatesCorrect    int     `json:"dates_correct"`
	DateAccuracy    float64 `json:"date_accuracy"`
	ReasonsAgree    int     `json:"reasons_agree"`
	ReasonAgreement float64 `json:"reason_agreement"`

	// The events at or above a confidence, keyed "0.5", "0.8" and any
	// other cut asked for ("0.34").
	PrecisionAt map[string]Cut `json:"precision_at"`

	// F1Interval, when asked for (Report.Bootstrap), is where F1 lies
	// for 95% of resamplings of the set's stories.
	F1Interval *Interval `json:"f1_interval,omitempty"`

	// PerArticle are each article's counts, in the order scored: what
	// Bootstrap and Compare resample.
	PerArticle []ArticleScore `json:"per_article"`

	Errors []ArticleErrors `json:"errors"`
}

// Cut is precision, recall and F1 over the events at or above a
// confidence: what the extractor would score with its keep threshold
// there. Events under the threshold are never extracted, so a cut under
// it scores as the threshold does.
type Cut struct {
	Extracted int     `json:"extracted"`
	Matched   int     `json:"matched"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// cutKey is a confidence as Report.PrecisionAt keys it: "0.5", "0.34".
func cutKey(c float64) string { return strconv.FormatFloat(c, 'f', -1, 64) }

// ArticleErrors lists what went wrong on one article, field by field.
type ArticleErrors struct {
	ID          string        `json:"id"`
	Missed      []GoldEvent   `json:"missed,omitempty"`   // gold triples not extracted
	Spurious    []event.Event `json:"spurious,omitempty"` // extracted triples not in gold
	WrongDate   []FieldError  `json:"wrong_date,omitempty"`
	WrongReason []FieldError  `json:"wrong_reason,omitempty"`
}

// FieldError is a matched event with one field wrong.
type FieldError struct {
	Triple string `json:"triple"` // "RU/telegram/block"
	Gold   string `json:"gold"`
	Got    string `json:"got"`
}

// Extractor is what is scored.
type Extractor interface {
	Extract(extract.Document) []event.Event
}

// Score runs ex over every article and scores the result, the events at
// or above confidence 0.5 and 0.8 and at each of cuts too.
func Score(articles []Article, ex Extractor, cuts ...float64) Report {
	r := Report{Articles: len(articles), PrecisionAt: make(map[string]Cut)}
	cuts = append([]float64{0.5, 0.8}, cuts...)
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	cutExtracted := make([]int, len(cuts))
	cutMatched := make([]int, len(cuts))
	for _, a := range articles {
		doc, err := a.Document()
		if err != nil {
			continue // Read already rejected it
		}
		got := ex.Extract(doc)
		r.Gold += len(a.Events)
		r.Extracted += len(got)
		matchedBefore := r.Matched
		ae := ArticleErrors{ID: a.ID}
		used := make([]bool, len(a.Events))
		for _, e := range got {
			gi := -1
			for i, g := range a.Events {
				if !used[i] && g.Country == e.Country && g.Service == e.Service && g.Action == string(e.Action) {
					gi = i
					break
				}
			}
			for k, c := range cuts {
				if e.Confidence >= c {
					cutExtracted[k]++
					if gi >= 0 {
						cutMatched[k]++
					}
				}
			}
			if gi < 0 {
				ae.Spurious = append(ae.Spurious, e)
				continue
			}
			used[gi] = true
			r.Matched++
			g := a.Events[gi]
			name := g.Country + "/" + g.Service + "/" + g.Action
			if DateMatches(g.Date, e.Date) {
				r.DatesCorrect++
			} else {
				ae.WrongDate = append(ae.WrongDate, FieldError{Triple: name, Gold: g.Date, Got: e.Date})
			}
			if ReasonAgrees(g.Reason, e.Reason) {
				r.ReasonsAgree++
			} else {
				ae.WrongReason = append(ae.WrongReason, FieldError{Triple: name, Gold: g.Reason, Got: e.Reason})
			}
		}
		for i, g := range a.Events {
			if !used[i] {
				ae.Missed = append(ae.Missed, g)
			}
		}
		r.PerArticle = append(r.PerArticle, ArticleScore{ID: a.ID, Story: cmp.Or(a.Story, a.ID), Gold: len(a.Events), Extracted: len(got), Matched: r.Matched - matchedBefore})
		if len(ae.Missed)+len(ae.Spurious)+len(ae.WrongDate)+len(ae.WrongReason) > 0 {
			r.Errors = append(r.Errors, ae)
		}
	}
	r.Precision = ratio(r.Matched, r.Extracted)
	r.Recall = ratio(r.Matched, r.Gold)
	r.F1 = f1(r.Precision, r.Recall)
	r.DateAccuracy = ratio(r.DatesCorrect, r.Matched)
	r.ReasonAgreement = ratio(r.ReasonsAgree, r.Matched)
	for k, c := range cuts {
		p, rec := ratio(cutMatched[k], cutExtracted[k]), ratio(cutMatched[k], r.Gold)
		r.PrecisionAt[cutKey(c)] = Cut{
			Extracted: cutExtracted[k], Matched: cutMatched[k],
			Precision: p, Recall: rec, F1: f1(p, rec),
		}
	}
	sort.Slice(r.Errors, func(i, j int) bool { return r.Errors[i].ID < r.Errors[j].ID })
	return r
}

// f1 is the harmonic mean of precision p and recall r, 0 when both are.
func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// ratio is a/b, and 1 for 0/0: nothing to find and nothing found is right.
func ratio(a, b int) float64 {
	if b == 0 {
		if a == 0 {
			return 1
		}
		return 0
	}
	return float64(a) / float64(b)
}

// DateMatches compares an extracted date with gold at gold's precision:
// "2018-04-20" matches gold "2018-04"; "2018-04" does not match gold
// "2018-04-20", which says more than it.
func DateMatches(gold, got string) bool {
	if len(got) < len(gold) {
		return false
	}
	return got[:len(gold)] == gold
}

// ReasonAgrees is true when both are empty or their token F1 is >= 0.5.
func ReasonAgrees(gold, got string) bool {
	g, e := Tokens(gold), Tokens(got)
	if len(g) == 0 && len(e) == 0 {
		return true
	}
	return TokenF1(g, e) >= 0.5
}

// Tokens lower-cases s and splits it into words of letters and digits;
// typographic apostrophes and quotes do not count.
func Tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// TokenF1 is the F1 of the multiset overlap of two token lists.
func TokenF1(gold, got []string) float64 {
	if len(gold) == 0 || len(got) == 0 {
		return 0
	}
	counts := make(map[string]int)
	for _, t := range gold {
		counts[t]++
	}
	common := 0
	for _, t := range got {
		if counts[t] > 0 {
			counts[t]--
			common++
		}
	}
	if common == 0 {
		return 0
	}
	p := float64(common) / float64(len(got))
	r := float64(common) / float64(len(gold))
	return 2 * p * r / (p + r)
}

// LoadAll reads gold files and directories of them (every *.jsonl inside,
// in name order) as one set. An id used twice, in one file or two, is an
// error naming both places.
func LoadAll(paths ...string) ([]Article, error) {
	files, err := goldFiles(paths)
	if err != nil {
		return nil, err
	}
	var out []Article
	seen := map[string]string{}
	var errs []error
	for _, f := range files {
		arts, err := Load(f)
		if err != nil {
			errs = append(errs, err)
		}
		for _, a := range arts {
			if prev, ok := seen[a.ID]; ok {
				errs = append(errs, fmt.Errorf("%s: id %q is also in %s", f, a.ID, prev))
				continue
			}
			seen[a.ID] = f
			out = append(out, a)
		}
	}
	return out, errors.Join(errs...)
}

// goldFiles expands directories among paths to the *.jsonl files inside,
// in name order.
func goldFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		inside, err := filepath.Glob(filepath.Join(p, "*.jsonl"))
		if err != nil {
			return nil, err
		}
		if len(inside) == 0 {
			return nil, fmt.Errorf("%s: no *.jsonl gold files", p)
		}
		files = append(files, inside...)
	}
	return files, nil
}
