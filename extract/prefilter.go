// Prefilter: a cheap scan that tells the articles which cannot report an
// event from those the extractor must read.

package extract

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Prefilter passes an article on to the extractor only when it names a
// place (a country, its people, capital or cities, or one of its
// authorities), an online service (by name, alias or the generic noun a
// journalist uses for it) and an action cue: every event needs all
// three, and most news names none of the services. It reads the
// extractor's own gazetteer and cue lexicon, so the two cannot drift
// apart, and matches them as the extractor does (proper names in their
// case, common nouns and cues in any), but more loosely (on runs of
// letters and digits rather than tagged tokens, without the context an
// ambiguous name needs), so that it passes every article the extractor
// could find an event in.
// It is safe for concurrent use and costs a pass over the text's bytes,
// a hundred times less than extraction.
type Prefilter struct {
	// exact holds proper names, matched as written, as the extractor
	// matches them; folded the common nouns, matched in lower case.
	exact, folded *preNode
	// fuzzy holds the service names the extractor recognises misspelt by
	// one letter, and each of them with one letter deleted: a word one
	// edit away from a name shares one of these with it once one of its
	// own letters is deleted (or none).
	fuzzy map[string]bool
}

// What a name or word tells the prefilter; an article needs all of them.
const (
	prePlace uint8 = 1 << iota
	preService
	preCue
	preAll = prePlace | preService | preCue
)

type preNode struct {
	next map[string]*preNode
	has  uint8
}

// NewPrefilter builds a Prefilter from the embedded gazetteer and cue
// lexicon, without the models extraction needs.
func NewPrefilter() (*Prefilter, error) {
	gaz, err := LoadGazetteer()
	if err != nil {
		return nil, err
	}
	lex, err := loadLexicon()
	if err != nil {
		return nil, err
	}
	return newPrefilter(gaz, lex)
}

// Prefilter returns a Prefilter over the extractor's gazetteer and cues.
func (x *Extractor) Prefilter() (*Prefilter, error) { return newPrefilter(x.gaz, x.lex) }

// prefilterFile is data/prefilter.yaml.
type prefilterFile struct {
	Services []string `yaml:"services"`
	Places   []string `yaml:"places"`
}

func newPrefilter(g *Gazetteer, lx *lexicon) (*Prefilter, error) {
	var extra prefilterFile
	b, err := dataFS.ReadFile("data/prefilter.yaml")
	if err == nil {
		err = yaml.Unmarshal(b, &extra)
	}
	if err != nil {
		return nil, fmt.Errorf("extract: data/prefilter.yaml: %w", err)
	}
	p := &Prefilter{exact: &preNode{}, folded: &preNode{}, fuzzy: make(map[string]bool)}
	for _, c := range g.Countries() {
		for _, list := range [][]string{{c.Name}, c.Aliases, c.Demonyms, c.Capitals, c.Cities} {
			for _, n := range list {
				p.exact.add(n, prePlace, false)
			}
		}
	}
	for _, a := range g.actors {
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			p.exact.add(n, prePlace, false)
		}
	}
	for _, s := range g.Services() {
		names := p.exact
		if s.MatchCase != nil && !*s.MatchCase {
			names = p.folded
		}
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			names.add(n, preService, names == p.folded)
		}
		for _, n := range s.Generic {
			p.folded.add(n, preService, true)
		}
	}
	for _, f := range g.fuzzy {
		name := strings.ToLower(f.name)
		p.fuzzy[name] = true
		for _, d := range deletions(name) {
			p.fuzzy[d] = true
		}
	}
	// The extractor looks a cue up by its first word, then checks the
	// rest of its pattern and the clause around it; the first word is
	// the cheap part, and loose enough for the events the labelled sets
	// hold that no pattern describes yet.
	for w := range lx.cues {
		p.folded.add(w, preCue, true)
	}
	for _, n := range extra.Services {
		p.folded.add(n, preService, true)
	}
	for _, n := range extra.Places {
		p.exact.add(n, prePlace, false)
	}
	return p, nil
}

// add indexes name under the words preWords makes of it, so that it and
// its occurrences in text split alike; lower-cased when fold is set.
func (n *preNode) add(name string, what uint8, fold bool) {
	words := preWords(name, nil)
	if len(words) == 0 {
		return
	}
	for _, w := range words {
		k := w.text
		if fold {
			k = w.lower
		}
		if n.next == nil {
			n.next = make(map[string]*preNode)
		}
		c := n.next[k]
		if c == nil {
			c = &preNode{}
			n.next[k] = c
		}
		n = c
	}
	n.has |= what
}

// at returns what the names starting at words[i] tell. Proper names are
// also matched in capitals ("ERBIL, Aug 5 -" datelines, headlines).
func (n *preNode) at(words []preWord, i int, fold bool) uint8 {
	has := n.walk(words[i:], func(w preWord) string { return w.text })
	if fold {
		return has | n.walk(words[i:], func(w preWord) string { return w.lower })
	}
	if words[i].title != "" {
		has |= n.walk(words[i:], func(w preWord) string {
			if w.title != "" {
				return w.title
			}
			return w.text
		})
	}
	return has
}

func (n *preNode) walk(words []preWord, key func(preWord) string) uint8 {
	var has uint8
	for _, w := range words {
		if n = n.next[key(w)]; n == nil {
			break
		}
		has |= n.has
	}
	return has
}

// Keep reports whether doc may report an event: whether its title and
// text name a place, a service and an action cue.
func (p *Prefilter) Keep(doc Document) bool {
	words := preWords(doc.Title, nil)
	words = preWords(doc.Text, words)
	var has uint8
	for i := range words {
		has |= p.exact.at(words, i, false) | p.folded.at(words, i, true)
		if has == preAll {
			return true
		}
	}
	if has != prePlace|preCue {
		return false
	}
	// A service misspelt: only now, as it costs a look-up per letter.
	for _, w := range words {
		if w.capital && utf8.RuneCountInString(w.lower) >= minFuzzy && p.misspelt(w.lower) {
			return true
		}
	}
	return false
}

func (p *Prefilter) misspelt(w string) bool {
	if p.fuzzy[w] {
		return true
	}
	for _, d := range deletions(w) {
		if p.fuzzy[d] {
			return true
		}
	}
	return false
}

// deletions returns w with each of its bytes deleted in turn, as oneEdit
// compares bytes.
func deletions(w string) []string {
	out := make([]string, len(w))
	for i := range len(w) {
		out[i] = w[:i] + w[i+1:]
	}
	return out
}

// preWord is a run of letters and digits.
type preWord struct {
	text    string
	lower   string
	title   string // a word in capitals, in title case ("ERBIL": "Erbil"); else empty
	capital bool   // begins with an upper-case letter
}

// preWords appends the runs of letters and digits of s to words. A zero
// width space joins, as the extractor deletes it before reading.
func preWords(s string, words []preWord) []preWord {
	s = strings.ReplaceAll(s, "\u200b", "")
	start := -1
	for i, r := range s {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			words = appendWord(words, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		words = appendWord(words, s[start:])
	}
	return words
}

func appendWord(words []preWord, w string) []preWord {
	r, size := utf8.DecodeRuneInString(w)
	pw := preWord{text: w, lower: strings.ToLower(w), capital: unicode.IsUpper(r)}
	if len(w) > size && pw.capital && strings.ToUpper(w) == w {
		pw.title = w[:size] + pw.lower[len(strings.ToLower(w[:size])):]
	}
	return append(words, pw)
}
