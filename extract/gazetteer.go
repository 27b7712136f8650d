package extract

import (
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/jdkato/prose/v2"
	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/event"
)

//go:embed data/*.yaml
var dataFS embed.FS

// Actor is an authority that acts for a state: a regulator, court,
// ministry, security service or leader.
type Actor struct {
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases"`
	Country string   `yaml:"country"`
	Kind    string   `yaml:"kind"`
}

// role says what a gazetteer match names.
type role uint8

const (
	roleCountry role = iota + 1 // "Russia", "the Russian Federation"
	roleDemonym                 // "Russian"
	roleCapital                 // "Moscow", "the Kremlin"
	roleCity                    // "St Petersburg"
	roleActor                   // "Roskomnadzor"
	roleService                 // "Telegram"
	roleGeneric                 // "the messaging app": refers back to a service
)

// entry is one thing a token sequence can name.
type entry struct {
	role      role
	country   string // roleCountry..roleActor
	actorKind string // roleActor
	service   string // roleService, roleGeneric (kind for generic nouns)
	ambiguous bool   // roleService: needs support from context
}

type trieNode struct {
	next    map[string]*trieNode
	entries []entry
}

func (n *trieNode) insert(tokens []string, e entry) {
	for _, t := range tokens {
		if n.next == nil {
			n.next = make(map[string]*trieNode)
		}
		c := n.next[t]
		if c == nil {
			c = &trieNode{}
			n.next[t] = c
		}
		n = c
	}
	for _, have := range n.entries {
		if have == e {
			return
		}
	}
	n.entries = append(n.entries, e)
}

// Gazetteer holds the countries, actors and services extraction knows,
// and finds them in token sequences. The catalogue of package event, which
// it embeds, looks countries and services up by code, slug or name.
type Gazetteer struct {
	*event.Catalog
	actors []Actor
	exact  *trieNode // proper names, matched case-sensitively
	folded *trieNode // common nouns, matched on lower-cased tokens
	// shouted holds the proper names upper-cased, for text set in
	// capitals: press releases write "the CNIL fines GOOGLE".
	shouted *trieNode
	// fuzzy are the one-word service names long and distinctive enough
	// to recognise misspelt by one letter ("Twich").
	fuzzy []fuzzyName
}

type fuzzyName struct {
	name string
	e    entry
}

// LoadGazetteer reads the country and service catalogue of package event
// and the embedded actors.
func LoadGazetteer() (*Gazetteer, error) {
	cat, err := event.LoadCatalog()
	if err != nil {
		return nil, err
	}
	var actors []Actor
	b, err := dataFS.ReadFile("data/actors.yaml")
	if err != nil {
		return nil, err
	}
	// A misspelt key ("alias:") must not silently drop names.
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&actors); err != nil {
		return nil, fmt.Errorf("extract: data/actors.yaml: %w", err)
	}
	return newGazetteer(cat, actors)
}

// newGazetteer indexes the names of a checked catalogue and of actors
// for matching in text.
func newGazetteer(cat *event.Catalog, actors []Actor) (*Gazetteer, error) {
	g := &Gazetteer{Catalog: cat, actors: actors, exact: &trieNode{}, folded: &trieNode{}, shouted: &trieNode{}}
	for _, c := range cat.Countries() {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			g.add(g.exact, n, entry{role: roleCountry, country: c.Code})
		}
		for _, n := range c.Demonyms {
			g.add(g.exact, n, entry{role: roleDemonym, country: c.Code})
		}
		for _, n := range c.Capitals {
			g.add(g.exact, n, entry{role: roleCapital, country: c.Code})
		}
		for _, n := range c.Cities {
			g.add(g.exact, n, entry{role: roleCity, country: c.Code})
		}
	}
	for _, a := range actors {
		if cat.Country(a.Country) == nil {
			return nil, fmt.Errorf("extract: actors.yaml: %q names unknown country %q", a.Name, a.Country)
		}
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			g.add(g.exact, n, entry{role: roleActor, country: a.Country, actorKind: a.Kind})
		}
	}
	for _, s := range cat.Services() {
		ambiguous := make(map[string]bool)
		for _, a := range s.Ambiguous {
			ambiguous[a] = true
		}
		matchCase := s.MatchCase == nil || *s.MatchCase
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			e := entry{role: roleService, service: s.Slug, ambiguous: ambiguous[n]}
			if matchCase {
				g.add(g.exact, n, e)
				if !e.ambiguous && len(n) >= minFuzzy+1 && !strings.ContainsAny(n, " .-") {
					g.fuzzy = append(g.fuzzy, fuzzyName{n, e})
				}
			} else {
				g.add(g.folded, strings.ToLower(n), e)
			}
		}
		for _, n := range s.Generic {
			g.add(g.folded, strings.ToLower(n), entry{role: roleGeneric, service: s.Slug})
		}
	}
	sort.Slice(g.fuzzy, func(i, j int) bool { return g.fuzzy[i].name < g.fuzzy[j].name })
	return g, nil
}

func (g *Gazetteer) add(root *trieNode, name string, e entry) {
	toks := tokenizeName(name)
	if len(toks) == 0 {
		return
	}
	root.insert(toks, e)
	if root == g.exact && !e.ambiguous {
		up := make([]string, len(toks))
		for i, t := range toks {
			up[i] = strings.ToUpper(t)
		}
		g.shouted.insert(up, e)
	}
}

// tokenizeName splits a name the way sentences are split, so that a name
// and its occurrence in text give the same tokens.
func tokenizeName(name string) []string {
	doc, err := prose.NewDocument(normalizeText(name),
		prose.WithSegmentation(false), prose.WithTagging(false), prose.WithExtraction(false))
	if err != nil {
		return nil
	}
	toks := doc.Tokens()
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Text
	}
	return out
}

// match is a gazetteer hit on tokens [start, end).
type match struct {
	start, end int
	entries    []entry
}

// find returns the longest non-overlapping matches, left to right. Proper
// names are matched case-sensitively; common nouns on lower-cased tokens.
func (g *Gazetteer) find(toks []token) []match {
	var out []match
	for i := 0; i < len(toks); {
		end, ents := longest(g.exact, toks, i, func(t token) string { return t.text })
		fend, fents := longest(g.folded, toks, i, func(t token) string { return t.lower })
		if fend > end {
			end, ents = fend, fents
		}
		if end == i && shouted(toks[i].text) {
			end, ents = longest(g.shouted, toks, i, func(t token) string {
				if shouted(t.text) {
					return t.text
				}
				return ""
			})
		}
		if end == i {
			if e, ok := g.misspelt(toks[i]); ok {
				end, ents = i+1, []entry{e}
			}
		}
		if end > i {
			out = append(out, match{start: i, end: end, entries: ents})
			i = end
			continue
		}
		i++
	}
	return out
}

const minFuzzy = 5 // letters

// misspelt recognises a proper noun one edit away from a distinctive
// service name, as news copy sometimes has it ("Twich and Spotify").
func (g *Gazetteer) misspelt(t token) (entry, bool) {
	if len(t.text) < minFuzzy || !isCapitalized(t.text) || (t.tag != "" && !strings.HasPrefix(t.tag, "NNP")) {
		return entry{}, false
	}
	if _, ok := g.LookupCountry(t.lower); ok {
		return entry{}, false
	}
	for _, f := range g.fuzzy {
		if oneEdit(t.text, f.name) {
			return f.e, true
		}
	}
	return entry{}, false
}

// oneEdit reports whether a and b differ by exactly one inserted, deleted,
// replaced or transposed byte.
func oneEdit(a, b string) bool {
	if a == b || abs(len(a)-len(b)) > 1 {
		return false
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	switch {
	case len(a) == len(b):
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case len(a) < len(b):
		return a[i:] == b[i+1:]
	}
	return a[i+1:] == b[i:]
}

func longest(root *trieNode, toks []token, i int, key func(token) string) (int, []entry) {
	n := root
	end, ents := i, []entry(nil)
	for j := i; j < len(toks); j++ {
		n = n.next[key(toks[j])]
		if n == nil {
			break
		}
		if len(n.entries) > 0 {
			end, ents = j+1, n.entries
		}
	}
	return end, ents
}

// shouted reports a word set in capitals, three letters or more: a name
// shouted may be matched upper-cased; "US" or "IT" may not.
func shouted(w string) bool {
	letters := 0
	for _, r := range w {
		switch {
		case unicode.IsLower(r):
			return false
		case unicode.IsUpper(r):
			letters++
		}
	}
	return letters >= 3
}
