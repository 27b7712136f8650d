// Clauses: where the words around an action cue stop belonging to it.

package extract

import (
	"slices"
	"strings"
)

// clause returns the token range of the clause around toks[from:to]:
// bounded by strong punctuation and by words that start another clause.
func (x *Extractor) clause(s *sentence, from, to int) (int, int) {
	toks := s.toks
	l := from
	for l > 0 {
		// Step over what is set off inside the clause: a short aside in
		// brackets ("Commission (DPC)") and a relative clause between
		// commas ("Meta, which owns Facebook, was ordered").
		if k := x.asideEndingAt(toks, l-1); k >= 0 {
			l = k
			continue
		}
		if x.startsClause(toks, l-1, true) {
			break
		}
		l--
	}
	r := to
	for r < len(toks) && !x.newClause(s, r) {
		if toks[r].text == "(" {
			if k := closingParen(toks, r); k > 0 && k-r <= 6 {
				r = k + 1
				continue
			}
		}
		if x.startsClause(toks, r, false) {
			break
		}
		r++
	}
	return l, r
}

// asideEndingAt returns where an aside that ends at toks[i] starts: a
// bracketed phrase of a few words, or ", which|who ... ," after a name.
// -1 when toks[i] ends none.
func (x *Extractor) asideEndingAt(toks []token, i int) int {
	switch toks[i].text {
	case ")":
		for k := i - 1; k >= 0 && k >= i-6; k-- {
			if toks[k].text == "(" {
				return k
			}
		}
	case ",":
		for k := i - 1; k > 0 && k >= i-12; k-- {
			if toks[k].text == "," || toks[k].text == ";" {
				break
			}
			if w := toks[k].lower; (w == "which" || w == "who") && toks[k-1].text == "," {
				return k - 1
			}
		}
	}
	return -1
}

// asideAfter returns where the clause goes on after a relative clause set
// off by commas that starts at toks[i] (", which is owned by ByteDance,
// from ..."), or -1 when none starts there.
func asideAfter(toks []token, i int) int {
	if i > 0 && i < len(toks) && toks[i].text != "," && toks[i-1].text == "," {
		i-- // the clause may end at the comma or at the pronoun
	}
	if i+1 >= len(toks) || toks[i].text != "," || toks[i+1].lower != "which" && toks[i+1].lower != "who" {
		return -1
	}
	for k := i + 2; k < len(toks) && k <= i+12; k++ {
		switch toks[k].text {
		case ",":
			return k + 1
		case ";", ":", ".":
			return -1
		}
	}
	return -1
}

func closingParen(toks []token, i int) int {
	for k := i + 1; k < len(toks); k++ {
		if toks[k].text == ")" {
			return k
		}
	}
	return -1
}

// inAside reports whether toks[i] lies in a relative clause set off by
// commas ("Meta, which owns Facebook and Instagram, was ordered"): what
// it names is not what the clause around it acts on.
func (x *Extractor) inAside(toks []token, i int) bool {
	for k := i - 1; k > 0 && k >= i-12; k-- {
		if w := toks[k].lower; (w == "which" || w == "who") && toks[k-1].text == "," {
			for j := i + 1; j < len(toks) && j <= k+12; j++ {
				if toks[j].text == "," {
					return true
				}
			}
			return false
		}
		if toks[k].text == "," || isBoundary(toks[k]) && toks[k].text != "," {
			return false
		}
	}
	return false
}

// newClause reports ", and ...", ", but ..." starting another clause
// rather than continuing a list ("Facebook, Instagram, and WhatsApp").
func (x *Extractor) newClause(s *sentence, i int) bool {
	toks := s.toks
	if toks[i].text != "," || i+2 >= len(toks) {
		return false
	}
	switch toks[i+1].lower {
	case "and", "but", "while", "yet", "whereas", "then":
	default:
		return false
	}
	// A list goes on with names; a clause has its own verb after its
	// subject: ", and Apple and Google removed it".
	j := i + 2
	for j < len(toks) {
		t := toks[j]
		if covered(s.mentions, j) || t.tag == "DT" || t.lower == "and" || t.lower == "or" || t.text == "," || strings.HasPrefix(t.tag, "NNP") {
			j++
			continue
		}
		break
	}
	if j == i+2 {
		return true // ", and then ...", ", but the ..."
	}
	if j < len(toks) && (strings.HasPrefix(toks[j].tag, "VB") || toks[j].tag == "MD") {
		return true
	}
	// A time before the subject: ", and the same month it shut off
	// access to Instagram"; but ", and Facebook as it had threatened"
	// goes on with the list.
	for k := i + 2; k+1 < len(toks) && k < i+8; k++ {
		switch t := toks[k]; {
		case strings.HasPrefix(t.tag, "VB"), t.tag == "MD", t.text == ",", covered(s.mentions, k), strings.HasPrefix(t.tag, "NNP"),
			t.lower == "as", t.lower == "than", t.lower == "like":
			return false
		}
		if toks[k].tag == "PRP" && (strings.HasPrefix(toks[k+1].tag, "VB") || toks[k+1].tag == "MD") {
			return true
		}
	}
	return false
}

// participle reports a word that can be a past participle: tagged so,
// or ending in "ed", or "shut" and "cut", which the tagger often takes
// for other forms.
func participle(t token) bool {
	return strings.HasPrefix(t.tag, "VBN") || strings.HasSuffix(t.lower, "ed") || t.lower == "shut" || t.lower == "cut"
}

// startsClause reports whether toks[i] separates clauses. Looking
// backwards, the separator itself is excluded from the clause.
func (x *Extractor) startsClause(toks []token, i int, backward bool) bool {
	t := toks[i]
	switch t.text {
	case ";", ":", "(", ")", "--", "—", "?", "!", "\"":
		return true
	case "-":
		return i > 0 && toks[i-1].end < t.start // a spaced dash
	}
	words := x.lex.words
	switch w := t.lower; {
	case words.clauseStarters[w]:
		return true
	case w == "since":
		return !x.temporalAfter(toks, i) && !(i+1 < len(toks) && isCapitalized(toks[i+1].text) && monthNum(toks[i+1].text) > 0)
	case w == "but":
		return i > 0 && toks[i-1].text == "," && i+1 < len(toks) && !strings.HasPrefix(toks[i+1].tag, "JJ") && !strings.HasPrefix(toks[i+1].tag, "RB")
	case w == "as":
		// ", as protests spread" starts a clause; ", as well as Yandex"
		// continues a list.
		return i > 0 && toks[i-1].text == "," && !(i+1 < len(toks) && toks[i+1].lower == "well")
	case words.reasonClauseStarters[w]:
		end := x.lex.reasons.at(toks, i)
		return end > 0 && x.validReason(toks, i, end)
	}
	return false
}

// temporalAfter reports whether a reason marker is followed by a time
// rather than a cause: "after 4 April", "over the weekend", "for two weeks".
func (x *Extractor) temporalAfter(toks []token, i int) bool {
	if i+1 >= len(toks) {
		return true
	}
	n := toks[i+1]
	if n.tag == "CD" || monthNum(n.text) > 0 && isCapitalized(n.text) {
		return true
	}
	// "over Saturday and Sunday", "after Monday"; but "after Monday's
	// protests" names a cause.
	if slices.Contains(weekdayNames[:], n.text) && (i+2 >= len(toks) || toks[i+2].tag != "POS") {
		return true
	}
	words := x.lex.words
	switch w := n.lower; {
	case words.timeFollowers[w]:
		return true
	case words.approximators[w]:
		// "after more than seven months", "over nearly a decade"
		for k := i + 2; k < len(toks) && k < i+6; k++ {
			if words.isTimeUnit(toks[k]) {
				return true
			}
		}
	case w == "the" || w == "a":
		return i+2 < len(toks) && words.timeNouns[toks[i+2].lower]
	}
	return false
}

// isTimeUnit reports a unit of time, singular or plural: "week",
// "months".
func (w *words) isTimeUnit(t token) bool { return w.timeUnits[strings.TrimSuffix(t.lower, "s")] }

// isPassive reports "was blocked", "has been banned", "got restricted".
func (x *Extractor) isPassive(toks []token, i int) bool {
	if !participle(toks[i]) {
		return false
	}
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		if x.lex.words.passiveAuxiliaries[toks[j].lower] {
			return true
		}
		if isBoundary(toks[j]) {
			return false
		}
	}
	// "With YouTube, Facebook and Telegram all blocked in Iran, ...": a
	// participle after "all" or "both" that follows what it acts on.
	if i >= 2 {
		switch toks[i-1].lower {
		case "all", "both":
			return toks[i-2].tag == "NNP" || toks[i-2].tag == "NNPS"
		}
	}
	return false
}
