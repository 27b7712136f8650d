// Package prefilter derives, from a regular expression, strings a text
// must contain for the expression to match, so that most texts are
// rejected without running the regexp engine.
package prefilter

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// A Prefilter is a necessary condition for a regular expression to match:
// the text must contain one of a few strings the expression cannot match
// without. Most date rules need a month name or a word such as "week",
// which most sentences lack; checking for them is far cheaper than letting
// the regexp engine try every position of the sentence.
type Prefilter struct {
	Any []string // nil: no condition is known, always run the expression
	// Fold says Any is in lower case and is sought in the folded text,
	// because part of the expression ignores case.
	Fold bool
}

// maxLits bounds the sets of strings tracked while deriving a Prefilter,
// so that classes and repeats do not multiply without end; maxClass
// bounds a character class tracked as a set of strings: one wider than
// the digits (\w, \s or [a-z]) is no condition worth checking.
const (
	maxLits  = 64
	maxClass = 10
)

// Admits reports whether text, whose folded form (see FoldASCII) is
// folded, may match.
func (p Prefilter) Admits(text, folded string) bool {
	if p.Any == nil {
		return true
	}
	if p.Fold {
		text = folded
	}
	for _, s := range p.Any {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// Match reports whether re, whose Prefilter p is, matches text.
func (p Prefilter) Match(re *regexp.Regexp, text string) bool {
	folded := text
	if p.Fold {
		folded = FoldASCII(text)
	}
	return p.Admits(text, folded) && re.MatchString(text)
}

// New derives re's Prefilter from its syntax tree.
func New(re *regexp.Regexp) Prefilter {
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return Prefilter{}
	}
	p := literalsOf(tree).needed()
	p.Any = minimal(p.Any)
	// Folding changes letters alone: strings without any ("@") are
	// sought in the text as it is, which Match then need not fold.
	if !slices.ContainsFunc(p.Any, hasLetter) {
		p.Fold = false
	}
	return p
}

func hasLetter(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }) >= 0
}

// minimal drops the strings that contain another of the set: "June"
// when "Jun" is there.
func minimal(set []string) []string {
	var out []string
	for _, s := range set {
		if !slices.ContainsFunc(set, func(t string) bool { return t != s && strings.Contains(s, t) }) {
			out = append(out, s)
		}
	}
	return out
}

// lits is what the literals of an expression say about its matches.
type lits struct {
	// exact, when not nil, holds every string the expression matches.
	exact []string
	// need is a condition every match satisfies: it contains one of
	// need.any.
	need Prefilter
	// fold says exact is in lower case, compared with folded text.
	fold bool
}

// needed is the best condition l gives.
func (l lits) needed() Prefilter {
	return better(l.need, Prefilter{Any: l.exact, Fold: l.fold})
}

// better returns the more selective of two conditions: the one whose
// shortest string is longer, and a case-sensitive one on a tie. A set
// holding the empty string says nothing.
func better(a, b Prefilter) Prefilter {
	score := func(p Prefilter) int {
		if p.Any == nil {
			return -1
		}
		n := len(p.Any[0])
		for _, s := range p.Any {
			n = min(n, len(s))
		}
		if n == 0 {
			return -1
		}
		n *= 2
		if !p.Fold {
			n++
		}
		return n
	}
	if score(b) > score(a) {
		return b
	}
	if score(a) < 0 {
		return Prefilter{}
	}
	return a
}

// literalsOf walks a syntax tree. Only ASCII literals are tracked, so that
// ignoring case is the folding FoldASCII does.
func literalsOf(re *syntax.Regexp) lits {
	switch re.Op {
	case syntax.OpLiteral:
		s := string(re.Rune)
		if !isASCII(s) {
			return lits{}
		}
		fold := re.Flags&syntax.FoldCase != 0
		if fold {
			s = strings.ToLower(s)
		}
		return lits{exact: []string{s}, fold: fold}
	case syntax.OpCharClass:
		var set []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi >= utf8.RuneSelf || int(hi-lo)+1+len(set) > maxClass {
				return lits{}
			}
			for r := lo; r <= hi; r++ {
				set = append(set, string(r))
			}
		}
		return lits{exact: set}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return lits{exact: []string{""}}
	case syntax.OpCapture:
		return literalsOf(re.Sub[0])
	case syntax.OpPlus:
		return lits{need: literalsOf(re.Sub[0]).needed()}
	case syntax.OpQuest:
		return optional(literalsOf(re.Sub[0]))
	case syntax.OpRepeat:
		sub := literalsOf(re.Sub[0])
		switch {
		case re.Min == 1 && re.Max == 1:
			return sub
		case re.Min >= 1:
			return lits{need: sub.needed()}
		case re.Max == 1:
			return optional(sub)
		}
		return lits{}
	case syntax.OpConcat:
		return concatLits(re.Sub)
	case syntax.OpAlternate:
		return alternateLits(re.Sub)
	}
	return lits{}
}

// optional is what "x?" says given what x says.
func optional(sub lits) lits {
	if sub.exact == nil {
		return lits{}
	}
	return lits{exact: append(slices.Clip(sub.exact), ""), fold: sub.fold}
}

// concatLits multiplies out runs of exactly known parts ("to" then
// "day|night" is "today|tonight") and keeps the best condition any part
// or run gives.
func concatLits(subs []*syntax.Regexp) lits {
	var best Prefilter
	var run []string // the product of the current run of exact parts
	runFold, whole := false, true
	for _, sub := range subs {
		l := literalsOf(sub)
		best = better(best, l.needed())
		switch {
		case l.exact == nil:
			best = better(best, Prefilter{Any: run, Fold: runFold})
			run, whole = nil, false
		case run == nil:
			run, runFold = l.exact, l.fold
		case len(run)*len(l.exact) <= maxLits:
			run, runFold = product(run, runFold, l.exact, l.fold)
		default:
			best = better(best, Prefilter{Any: run, Fold: runFold})
			run, runFold, whole = l.exact, l.fold, false
		}
	}
	best = better(best, Prefilter{Any: run, Fold: runFold})
	if whole && run != nil {
		return lits{exact: run, need: best, fold: runFold}
	}
	return lits{need: best}
}

// product is every string of a followed by one of b.
func product(a []string, aFold bool, b []string, bFold bool) ([]string, bool) {
	fold := aFold || bFold
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			s := x + y
			if fold {
				s = strings.ToLower(s)
			}
			out = append(out, s)
		}
	}
	return out, fold
}

// alternateLits unites the branches' sets; a branch with no condition
// leaves the alternation with none.
func alternateLits(subs []*syntax.Regexp) lits {
	var exact, need []string
	exactOK, needOK := true, true
	exactFold, needFold := false, false
	for _, sub := range subs {
		l := literalsOf(sub)
		if exactOK && l.exact != nil && len(exact)+len(l.exact) <= maxLits {
			exact, exactFold = union(exact, exactFold, l.exact, l.fold)
		} else {
			exactOK = false
		}
		if n := l.needed(); needOK && n.Any != nil && len(need)+len(n.Any) <= maxLits {
			need, needFold = union(need, needFold, n.Any, n.Fold)
		} else {
			needOK = false
		}
	}
	out := lits{}
	if exactOK {
		out.exact, out.fold = exact, exactFold
	}
	if needOK {
		out.need = Prefilter{Any: need, Fold: needFold}
	}
	return out
}

// union is the strings of a and b, lowered when either is compared folded.
func union(a []string, aFold bool, b []string, bFold bool) ([]string, bool) {
	fold := aFold || bFold
	out := make([]string, 0, len(a)+len(b))
	for _, s := range slices.Concat(a, b) {
		if fold {
			s = strings.ToLower(s)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, fold
}

// FoldASCII folds text as a case-insensitive match of an ASCII literal
// sees it: ASCII letters in lower case, and the two non-ASCII runes that
// match ASCII letters, long s and the Kelvin sign, as "s" and "k".
func FoldASCII(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		switch {
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A'
		case r == '\u017f':
			r = 's'
		case r == '\u212a':
			r = 'k'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
