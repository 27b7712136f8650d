// Package textbench scores main-text extraction the way scrapinghub's
// article-extraction-benchmark does (its evaluate.py, ported here line for
// line): each page's extracted body and hand-marked body are cut into
// word 4-grams ("shingles"), their true and false positives and misses
// are normalised so every page weighs the same, and precision and recall
// are averaged over the pages before F1 is taken from the two averages.
//
// The benchmark's pages live in ingest/testdata/article-text; Load reads
// them so ingest's quality test and the side-by-side benchmark against
// go-trafilatura score the same pages the same way.
package textbench

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"unicode"
)

// Page is one benchmark page: its raw HTML and the body marked by hand.
type Page struct {
	ID   string
	URL  string
	HTML []byte
	Body string
}

// Load reads dir/ground-truth.json and the gzipped page dir/html/ID.html.gz
// of each of its entries, in the order of their ids.
func Load(dir string) ([]Page, error) {
	gtPath := filepath.Join(dir, "ground-truth.json")
	b, err := os.ReadFile(gtPath)
	if err != nil {
		return nil, fmt.Errorf("article-text benchmark: %w", err)
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		return nil, fmt.Errorf("article-text benchmark: %s: %w", gtPath, err)
	}
	var pages []Page
	for id, t := range truth {
		path := filepath.Join(dir, "html", id+".html.gz")
		html, err := gunzipFile(path)
		if err != nil {
			return nil, fmt.Errorf("article-text benchmark: page %s: %w", id, err)
		}
		pages = append(pages, Page{ID: id, URL: t.URL, HTML: html, Body: t.ArticleBody})
	}
	slices.SortFunc(pages, func(a, b Page) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return pages, nil
}

func gunzipFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// Counts are one page's shingle true positives, false positives and
// misses, normalised to sum to 1 (all zero when both texts are empty).
type Counts struct{ TP, FP, FN float64 }

// ngramN is the shingle length evaluate.py uses.
const ngramN = 4

// Match compares an extracted body with the true one
// (evaluate.py's string_shingle_matching).
func Match(truth, pred string) Counts {
	ts, ps := shingles(truth), shingles(pred)
	var c Counts
	for k, t := range ts {
		p := ps[k]
		c.TP += float64(min(t, p))
		c.FN += float64(max(0, t-p))
	}
	for k, p := range ps {
		if _, ok := ts[k]; !ok {
			c.FP += float64(p)
		} else if t := ts[k]; p > t {
			c.FP += float64(p - t)
		}
	}
	if s := c.TP + c.FP + c.FN; s > 0 {
		c.TP, c.FP, c.FN = c.TP/s, c.FP/s, c.FN/s
	}
	return c
}

// shingles counts the word 4-grams of s. A text of fewer than four words
// is one shorter shingle, and an empty text none, as in evaluate.py.
func shingles(s string) map[string]int {
	toks := Tokens(s)
	out := make(map[string]int, len(toks))
	for i := 0; i < max(1, len(toks)-ngramN+1); i++ {
		g := toks[i:min(len(toks), i+ngramN)]
		if len(g) == 0 {
			continue
		}
		// \x00 cannot occur inside a token, so the joined key is unambiguous.
		key := g[0]
		for _, t := range g[1:] {
			key += "\x00" + t
		}
		out[key]++
	}
	return out
}

// Tokens are the runs of word characters in s: Python's Unicode \w, which
// is letters, numbers and the underscore (not combining marks).
func Tokens(s string) []string {
	var toks []string
	start := -1
	for i, r := range s {
		if isWord(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			toks = append(toks, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		toks = append(toks, s[start:])
	}
	return toks
}

func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// Score is the benchmark's summary of a set of pages.
type Score struct {
	F1, Precision, Recall float64
}

func (s Score) String() string {
	return fmt.Sprintf("F1 %.3f (precision %.3f, recall %.3f)", s.F1, s.Precision, s.Recall)
}

// Average is evaluate.py's metrics_from_tp_fp_fns: precision is averaged
// over the pages where something was extracted, recall over the pages
// with a true body, and F1 is the harmonic mean of the two averages.
func Average(cs []Counts) Score {
	var p, r float64
	var np, nr int
	for _, c := range cs {
		if c.TP+c.FP > 0 {
			p += precision(c)
			np++
		}
		if c.TP+c.FN > 0 {
			r += recall(c)
			nr++
		}
	}
	var s Score
	if np > 0 {
		s.Precision = p / float64(np)
	}
	if nr > 0 {
		s.Recall = r / float64(nr)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	return s
}

func precision(c Counts) float64 {
	switch {
	case c.FP == 0 && c.FN == 0:
		return 1
	case c.TP == 0 && c.FP == 0:
		return 0
	}
	return c.TP / (c.TP + c.FP)
}

func recall(c Counts) float64 {
	switch {
	case c.FP == 0 && c.FN == 0:
		return 1
	case c.TP == 0 && c.FN == 0:
		return 0
	}
	return c.TP / (c.TP + c.FN)
}

// WritePredictions writes extracted bodies, keyed by page id, in the
// format evaluate.py reads from output/NAME.json.
func WritePredictions(w io.Writer, bodies map[string]string) error {
	out := make(map[string]map[string]string, len(bodies))
	for id, b := range bodies {
		out[id] = map[string]string{"articleBody": b}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}
