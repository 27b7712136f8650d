// Cues: the action words of data/cues.yaml and how they match tokens.

package extract

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/event"
)

// cueKind says how an action is expressed.
type cueKind uint8

const (
	kindVerb  cueKind = iota + 1 // "Russia blocked Telegram"
	kindNoun                     // "the Telegram ban"
	kindState                    // "Telegram is inaccessible"
)

func (k cueKind) String() string {
	switch k {
	case kindVerb:
		return "verb"
	case kindNoun:
		return "noun"
	case kindState:
		return "state"
	}
	return "reference"
}

// Actions the code resolves further; see cues.yaml.
const (
	actionCut    event.Action = "cut"
	actionAffect event.Action = "affect"
)

// slot is one position of a pattern: a set of words, a gap, or optional.
type slot struct {
	words    map[string]bool
	gap      bool
	nominal  bool // a gap inside a noun phrase (inNounPhrase): no preposition, finite verb or conjunction
	optional bool
}

// pattern is a compiled phrase from cues.yaml.
type pattern struct {
	slots []slot
	text  string
}

// phrases is a set of patterns indexed by the first word they can start
// with, so matching at a token looks at a handful, not all.
type phrases struct {
	byFirst map[string][]*pattern
}

// names reports whether one of the pattern's own words, not a gap, is w.
func (p *pattern) names(w string) bool {
	for _, sl := range p.slots {
		if !sl.gap && sl.words[w] {
			return true
		}
	}
	return false
}

// cue is an action pattern.
type cue struct {
	action event.Action
	kind   cueKind
	pattern
}

type cueFile struct {
	Cues []struct {
		Action   string   `yaml:"action"`
		Kind     string   `yaml:"kind"`
		Patterns []string `yaml:"patterns"`
	} `yaml:"cues"`
	Negators      []string `yaml:"negators"`
	Denials       []string `yaml:"denials"`
	Hedges        []string `yaml:"hedges"`
	Threats       []string `yaml:"threats"`
	Government    []string `yaml:"government"`
	Origin        []string `yaml:"origin"`
	Accounts      []string `yaml:"accounts"`
	Own           []string `yaml:"own"`
	Partial       []string `yaml:"partial"`
	History       []string `yaml:"history"`
	Indefinite    []string `yaml:"indefinite"`
	References    []string `yaml:"references"`
	NonState      []string `yaml:"nonstate"`
	Watchers      []string `yaml:"watchers"`
	Reasons       []string `yaml:"reasons"`
	ReasonOptions []string `yaml:"reason_options"`
	Unreachable   []string `yaml:"unreachable"`
	Justify       []string `yaml:"justify"`
	Justification []string `yaml:"justification"`
	NetworkNot    []string `yaml:"network_not"`
	CallsOver     []string `yaml:"calls_over"`
	// Alternatives: action -> the other actions its events may be.
	Alternatives map[string][]string `yaml:"alternatives"`
}

// lexicon is cues.yaml compiled.
type lexicon struct {
	cues     map[string][]*cue // by first word
	negators map[string]bool
	denials, hedges, threats, partial, history, indefinite,
	reasons, reasonOptions, unreachable, justify, nonstate phrases
	government, origin, accounts, own, justification, networkNot, callsOver, references, watchers map[string]bool
	words                                                                                         *words
	// alternatives are the other actions the decisions for an action
	// may stand for (alternatives.go).
	alternatives map[event.Action][]event.Action
}

func loadLexicon() (*lexicon, error) {
	b, err := dataFS.ReadFile("data/cues.yaml")
	if err != nil {
		return nil, err
	}
	var f cueFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("extract: data/cues.yaml: %w", err)
	}
	lx := &lexicon{cues: make(map[string][]*cue)}
	for _, c := range f.Cues {
		var kind cueKind
		switch c.Kind {
		case "verb":
			kind = kindVerb
		case "noun":
			kind = kindNoun
		case "state":
			kind = kindState
		default:
			return nil, fmt.Errorf("extract: data/cues.yaml: action %s: unknown kind %q", c.Action, c.Kind)
		}
		a := event.Action(c.Action)
		if !a.Valid() && a != actionCut && a != actionAffect {
			return nil, fmt.Errorf("extract: data/cues.yaml: unknown action %q", c.Action)
		}
		for _, p := range c.Patterns {
			pat, err := compilePattern(p)
			if err != nil {
				return nil, fmt.Errorf("extract: data/cues.yaml: %s: %w", c.Action, err)
			}
			cu := &cue{action: a, kind: kind, pattern: pat}
			for w := range pat.slots[0].words {
				lx.cues[w] = append(lx.cues[w], cu)
			}
		}
	}
	for _, l := range []struct {
		src []string
		dst *phrases
	}{
		{f.Denials, &lx.denials}, {f.Hedges, &lx.hedges}, {f.Threats, &lx.threats},
		{f.Partial, &lx.partial}, {f.History, &lx.history}, {f.Indefinite, &lx.indefinite}, {f.Reasons, &lx.reasons},
		{f.ReasonOptions, &lx.reasonOptions}, {f.Unreachable, &lx.unreachable},
		{f.Justify, &lx.justify}, {f.NonState, &lx.nonstate},
	} {
		ph, err := compilePhrases(l.src)
		if err != nil {
			return nil, fmt.Errorf("extract: data/cues.yaml: %w", err)
		}
		*l.dst = ph
	}
	lx.negators = wordSet(f.Negators)
	lx.government = wordSet(f.Government)
	lx.origin = wordSet(f.Origin)
	lx.accounts = wordSet(f.Accounts)
	lx.own = wordSet(f.Own)
	lx.justification = wordSet(f.Justification)
	lx.networkNot = wordSet(f.NetworkNot)
	lx.callsOver = wordSet(f.CallsOver)
	lx.references = wordSet(f.References)
	lx.watchers = wordSet(f.Watchers)
	if lx.words, err = loadWords(); err != nil {
		return nil, err
	}
	lx.alternatives = make(map[event.Action][]event.Action)
	for from, tos := range f.Alternatives {
		for _, to := range append([]string{from}, tos...) {
			if !event.Action(to).Valid() {
				return nil, fmt.Errorf("extract: data/cues.yaml: alternatives of %s: unknown action %q", from, to)
			}
		}
		for _, to := range tos {
			if to != from {
				lx.alternatives[event.Action(from)] = append(lx.alternatives[event.Action(from)], event.Action(to))
			}
		}
	}
	return lx, nil
}

// wordSet turns a list of single words, each possibly "a|b|c", into a set.
func wordSet(list []string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range list {
		for _, alt := range strings.Split(w, "|") {
			m[strings.ToLower(alt)] = true
		}
	}
	return m
}

func compilePhrases(list []string) (phrases, error) {
	ph := phrases{byFirst: make(map[string][]*pattern)}
	for _, s := range list {
		p, err := compilePattern(s)
		if err != nil {
			return ph, err
		}
		for w := range p.slots[0].words {
			ph.byFirst[w] = append(ph.byFirst[w], &p)
		}
	}
	return ph, nil
}

func compilePattern(s string) (pattern, error) {
	p := pattern{text: s}
	for _, f := range strings.Fields(strings.ToLower(s)) {
		if f == "*" || f == "~" {
			p.slots = append(p.slots, slot{gap: true, nominal: f == "~"})
			continue
		}
		sl := slot{words: make(map[string]bool)}
		if strings.HasPrefix(f, "?") {
			sl.optional = true
			f = f[1:]
		}
		for _, w := range strings.Split(f, "|") {
			if w == "" {
				return p, fmt.Errorf("pattern %q: empty alternative", s)
			}
			sl.words[w] = true
		}
		p.slots = append(p.slots, sl)
	}
	if len(p.slots) == 0 || p.slots[0].gap || p.slots[0].optional {
		return p, fmt.Errorf("pattern %q must start with a word", s)
	}
	if p.slots[len(p.slots)-1].gap {
		return p, fmt.Errorf("pattern %q must not end with a gap", s)
	}
	return p, nil
}

const maxGap = 3

// isBoundary reports whether a token ends a clause for gap matching.
func isBoundary(t token) bool {
	switch t.text {
	case ".", ",", ";", ":", "(", ")", "-", "--", "—", "?", "!":
		return true
	}
	return false
}

// inNounPhrase reports a token that may stand inside a noun phrase before
// its head: what isNounPhrase takes, and a number, a hyphen or a
// participle ("Montana's first-in-the-nation ban", "a proposed ban").
func inNounPhrase(t token) bool {
	return isNounPhrase(t) || t.tag == "CD" || t.tag == "HYPH" || t.tag == "VBN"
}

// matchAt returns the end (exclusive) of the longest match of p at toks[i],
// or -1.
func (p *pattern) matchAt(toks []token, i int) int {
	return p.match(toks, i, 0)
}

func (p *pattern) match(toks []token, i, k int) int {
	if k == len(p.slots) {
		return i
	}
	sl := p.slots[k]
	switch {
	case sl.gap:
		best := -1
		for g := 0; g <= maxGap && i+g <= len(toks); g++ {
			if g > 0 && (isBoundary(toks[i+g-1]) || sl.nominal && !inNounPhrase(toks[i+g-1])) {
				break
			}
			if end := p.match(toks, i+g, k+1); end > best {
				best = end
			}
		}
		return best
	case sl.optional:
		best := p.match(toks, i, k+1)
		if i < len(toks) && sl.words[toks[i].lower] {
			if end := p.match(toks, i+1, k+1); end > best {
				best = end
			}
		}
		return best
	default:
		if i < len(toks) && sl.words[toks[i].lower] {
			return p.match(toks, i+1, k+1)
		}
		return -1
	}
}

// at returns the end of the longest phrase of ph starting at toks[i], or -1.
func (ph phrases) at(toks []token, i int) int {
	if i >= len(toks) {
		return -1
	}
	best := -1
	for _, p := range ph.byFirst[toks[i].lower] {
		if end := p.matchAt(toks, i); end > best {
			best = end
		}
	}
	return best
}

// in reports whether any phrase of ph starts within toks[from:to].
func (ph phrases) in(toks []token, from, to int) (int, bool) {
	for i := max(from, 0); i < to && i < len(toks); i++ {
		if ph.at(toks, i) > 0 {
			return i, true
		}
	}
	return -1, false
}

// partialIn reports where a partial phrase starts within toks[from:to]:
// one that is also the start of a hedge is a demand, not the part a
// measure hits ("a petition calls for TikTok to be banned": no calls
// are banned).
func (lx *lexicon) partialIn(toks []token, from, to int) (int, bool) {
	for i := max(from, 0); i < to && i < len(toks); i++ {
		if lx.partial.at(toks, i) > 0 && lx.hedges.at(toks, i) <= 0 {
			return i, true
		}
	}
	return -1, false
}

// has reports whether a phrase starts in toks[from:to].
func (ph phrases) has(toks []token, from, to int) bool {
	_, ok := ph.in(toks, from, to)
	return ok
}

// cueMatch is an action cue found in a sentence.
type cueMatch struct {
	cue        *cue
	alt        *cue // the other reading of the same words ("bans": verb or noun)
	start, end int
}

// findCues returns the action cues of a sentence, longest first where they
// overlap.
func (lx *lexicon) findCues(toks []token) []cueMatch {
	var all []cueMatch
	for i := range toks {
		for _, c := range lx.cues[toks[i].lower] {
			if end := c.matchAt(toks, i); end > i {
				all = append(all, cueMatch{cue: c, start: i, end: end})
			}
		}
	}
	if len(all) < 2 {
		return all // most sentences: nothing overlaps, nothing to rank
	}
	// Keep the longest at each overlap: "lift the ban" is one unblock cue,
	// not an unblock and a block. Matches are taken longest first, and
	// one is dropped only by a match already taken: in "a court order
	// banned Telegram", "court order" beats "order banned", which then
	// no longer shuts out "banned".
	rank := make([]int, len(all))
	for i := range rank {
		rank[i] = i
	}
	sort.SliceStable(rank, func(a, b int) bool {
		o, m := all[rank[a]], all[rank[b]]
		ol, ml := o.end-o.start, m.end-m.start
		if ol != ml {
			return ol > ml
		}
		if o.start != m.start {
			return o.start < m.start
		}
		return len(o.cue.slots) > len(m.cue.slots)
	})
	taken := make([]bool, len(all))
	for _, i := range rank {
		m := all[i]
		keep := true
		for j, o := range all {
			if !taken[j] || o.end <= m.start || o.start >= m.end || o.start == m.start && o.end == m.end {
				continue
			}
			keep = false
			break
		}
		taken[i] = keep
	}
	var out []cueMatch
	for i, m := range all {
		if taken[i] {
			out = append(out, m)
		}
	}
	// Identical spans from different entries ("ban" the verb and "ban" the
	// noun): keep the one the part-of-speech tag agrees with.
	uniq := out[:0]
	for _, m := range out {
		dup := -1
		for j, u := range uniq {
			if u.start == m.start && u.end == m.end {
				dup = j
				break
			}
		}
		switch {
		case dup < 0:
			uniq = append(uniq, m)
		case fitsTag(m.cue.kind, toks[m.start].tag) && !fitsTag(uniq[dup].cue.kind, toks[m.start].tag):
			m.alt = uniq[dup].cue
			uniq[dup] = m
		default:
			uniq[dup].alt = m.cue
		}
	}
	return uniq
}

func fitsTag(k cueKind, tag string) bool {
	switch k {
	case kindVerb:
		return strings.HasPrefix(tag, "VB")
	case kindNoun:
		return strings.HasPrefix(tag, "NN")
	}
	return strings.HasPrefix(tag, "JJ") || strings.HasPrefix(tag, "RB")
}
