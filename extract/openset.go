// Open-set services: names the gazetteer lacks, found by how news writes
// about services.

package extract

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// openSet finds services the gazetteer does not know (SCHEMA.md: a service
// not in the list gets the slug of its common English name), where the
// sentence itself says the name is a service:
//
//   - listed with services the gazetteer knows: "Facebook, WhatsApp and
//     Zangi", "Binance, Bitfinex, KuCoin and MEXC Global";
//   - beside a noun that names a service: "the Navalny app", "the Imo
//     messenger", "the messaging app Zangi".
//
// Each name becomes a service mention whose slug is its lower-cased,
// hyphenated form.
//
// A name joined to a known service's is one product of it, and replaces
// it: "Google Translate", "WeChat Work", "Le VPN". replaced lists the known
// mentions so taken in.
func (x *Extractor) openSet(s *sentence, matched []bool) (out []mention, replaced []mention) {
	toks := s.toks
	taken := make([]bool, len(toks))
	add := func(lo, hi int) {
		for _, m := range s.mentions {
			if !m.isService() || m.coref {
				continue
			}
			if m.end == lo && m.start < lo || m.start == hi && m.end > hi {
				lo, hi = min(lo, m.start), max(hi, m.end)
				replaced = append(replaced, m)
			}
		}
		slug := openSlug(toks[lo:hi])
		if slug == "" {
			return
		}
		for i := lo; i < hi; i++ {
			taken[i] = true
		}
		out = append(out, mention{start: lo, end: hi, role: roleService, service: slug})
	}
	w := x.lex.words
	// "the Navalny app": a name before a service noun. Some of those
	// nouns, capitalised, end an institution's name instead: "the
	// Parliamentary Service", "the Federal Security Service", "the
	// Istanbul Stock Exchange" (institution).
	for i := 1; i < len(toks); i++ {
		if !w.nameHeads[toks[i].lower] || i+1 < len(toks) && (toks[i+1].tag == "POS" || toks[i+1].lower == "store") {
			continue
		}
		if w.institution(toks, i) {
			continue
		}
		if lo := x.nameBefore(toks, matched, i); lo >= 0 && !taken[lo] {
			add(lo, i)
		}
	}
	// "the messaging app Zangi", "the audio and video chat service Vchat":
	// a name after a service noun.
	for i := 0; i+1 < len(toks); i++ {
		if !w.nameHeads[toks[i].lower] || taken[i+1] {
			continue
		}
		if hi := x.nameAfter(toks, matched, i+1); hi > 0 {
			add(i+1, hi)
		}
	}
	// "RuTracker, the country's most popular torrent site": a name and its
	// apposition, a noun phrase ending in a service noun.
	for i := 0; i < len(toks); i++ {
		if taken[i] || i > 0 && x.nameWord(toks[i-1], matched[i-1]) {
			continue
		}
		hi := x.nameAfter(toks, matched, i)
		if hi < 0 || hi+2 >= len(toks) || toks[hi].text != "," || toks[hi+1].lower != "the" && toks[hi+1].lower != "a" && toks[hi+1].lower != "an" {
			continue
		}
		for k := hi + 2; k < len(toks) && k < hi+8; k++ {
			// Not "Ivan Petrov, the newspaper's editor" nor "Ivan Petrov,
			// the outlet said": the noun must end the apposition.
			if w.nameHeads[toks[k].lower] && (k+1 == len(toks) || !strings.HasPrefix(toks[k+1].tag, "NN") && toks[k+1].tag != "POS" && toks[k+1].tag != "VBD" && toks[k+1].tag != "VBZ" && toks[k+1].tag != "VBP") {
				add(i, hi)
				break
			}
			if t := toks[k]; !isNounPhrase(t) && !strings.HasPrefix(t.tag, "RB") && t.tag != "HYPH" || t.text == "," {
				break
			}
		}
	}
	// "the website of Radio Azattyk": the site of a name.
	for i := 0; i+2 < len(toks); i++ {
		if (toks[i].lower == "website" || toks[i].lower == "websites" || toks[i].lower == "site") && toks[i+1].lower == "of" && !taken[i+2] {
			if hi := x.nameAfter(toks, matched, i+2); hi > 0 {
				add(i+2, hi)
			}
		}
	}
	// In running text a list takes capitalised words whatever their tag;
	// a headline may capitalise every word. (Not isTitleCase: a long list
	// of names is mostly capitals.)
	listAfter, listBefore := x.listNameAfter, x.listNameBefore
	if s.title {
		listAfter, listBefore = x.nameAfter, x.nameBefore
	}
	// "several news sites, including Vlast and Ural Week", "the blocked
	// sites are Vlast and Ural Week": the names a list marker or a copula
	// brings after a plural noun of services.
	for i := 0; i+2 < len(toks); i++ {
		if !w.listHeads[toks[i].lower] {
			continue
		}
		j := i + 1
		if toks[j].text == "," {
			j++
		} else if k := w.skipListModifier(toks, j); k < len(toks) && (toks[k].lower == "are" || toks[k].lower == "were") {
			j = k // "the outlets affected are", "the exchanges on the list are"
		}
		if j >= len(toks) || !(w.listMarkers[toks[j].lower] && toks[j].text != "-" && toks[j].text != "–" || toks[j].lower == "are" || toks[j].lower == "were") {
			continue
		}
		for j++; j < len(toks) && (toks[j].lower == "them" || toks[j].lower == "as" || toks[j].lower == "the"); j++ {
			// "among them", "such as", "including the"
		}
		openList(toks, matched, taken, j, listAfter, add)
	}
	// "Bybit, OKX and XT are the exchanges covered by the ban": names
	// before a copula and a plural noun of services.
	for i := 3; i < len(toks); i++ {
		if !w.listHeads[toks[i].lower] {
			continue
		}
		k := i - 1
		for k > 0 && k > i-3 && (strings.HasPrefix(toks[k].tag, "JJ") || toks[k].tag == "VBN" || toks[k].tag == "CD") {
			k-- // "the five banned exchanges"
		}
		if k < 2 || toks[k].lower != "the" || toks[k-1].lower != "are" && toks[k-1].lower != "were" {
			continue
		}
		openListBack(toks, matched, taken, k-1, listBefore, add)
	}
	// Lists: walk out from each service the gazetteer found, over list
	// separators, taking the names between them.
	for _, m := range s.mentions {
		if !m.isService() || m.coref || m.channel {
			continue
		}
		for i := m.end; ; {
			j := skipSeparators(toks, i)
			if j == i || j >= len(toks) {
				break
			}
			hi := listAfter(toks, matched, j)
			if hi < 0 {
				if j < len(toks) && matched[j] {
					i = matchedEnd(matched, j)
					continue // another known name: the list goes on
				}
				break
			}
			if !taken[j] {
				add(j, hi)
			}
			i = hi
			for i < len(toks) && w.nameHeads[toks[i].lower] {
				i++ // "BlackBerry Messenger and the audio chat service Vchat"
			}
		}
		if j := skipSeparatorsBack(toks, m.start); j != m.start {
			openListBack(toks, matched, taken, j, listBefore, add)
		}
	}
	return out, replaced
}

// openList adds the names of a list starting at j, over separators and
// names the gazetteer knows, until something else stands.
func openList(toks []token, matched, taken []bool, j int, nameAfter func([]token, []bool, int) int, add func(lo, hi int)) {
	for j < len(toks) {
		if matched[j] {
			j = matchedEnd(matched, j) // a known name: the list goes on
		} else {
			hi := nameAfter(toks, matched, j)
			if hi < 0 {
				return
			}
			if !taken[j] {
				add(j, hi)
			}
			j = hi
		}
		next := skipSeparators(toks, j)
		if next == j {
			return
		}
		j = next
	}
}

// maxListModifier is how many words may stand between a plural noun of
// services and the copula that brings its members: "the five portals
// now barred in Moldova are".
const maxListModifier = 5

// skipListModifier returns the index after a short modifier at i that
// says which of a plural noun's members a list gives: a participle of
// list_participles and what hangs on it ("affected", "now barred in
// Moldova"), or "on the list". It returns i when there is none.
func (w *words) skipListModifier(toks []token, i int) int {
	k := i
	if k < len(toks) && toks[k].tag == "RB" {
		k++ // "now barred"
	}
	switch {
	case k < len(toks) && w.listParticiples[toks[k].lower]:
		k++
	case k+2 < len(toks) && (toks[k].lower == "on" || toks[k].lower == "in") && toks[k+1].lower == "the" &&
		(toks[k+2].lower == "list" || toks[k+2].lower == "lists"):
		return k + 3
	default:
		return i
	}
	// What hangs on the participle: "in Moldova", "by the regulator".
	for k < len(toks) && k-i < maxListModifier {
		t := toks[k]
		if t.tag == "IN" && t.lower != "that" || t.tag == "DT" || t.tag == "CD" || t.tag == "JJ" || strings.HasPrefix(t.tag, "NN") {
			k++
			continue
		}
		break
	}
	return k
}

// openListBack is openList leftwards: it adds the names of a list ending
// at j (exclusive).
func openListBack(toks []token, matched, taken []bool, j int, nameBefore func([]token, []bool, int) int, add func(lo, hi int)) {
	for j > 0 {
		if matched[j-1] {
			j = matchedStart(matched, j-1) // a known name: the list goes on
		} else {
			lo := nameBefore(toks, matched, j)
			if lo < 0 {
				return
			}
			if !taken[lo] {
				add(lo, j)
			}
			j = lo
		}
		prev := skipSeparatorsBack(toks, j)
		if prev == j {
			return
		}
		j = prev
	}
}

// institution reports a capitalised service noun at i that ends an
// institution's name: one of the capitalised words just before it is a
// word of institutions ("Parliamentary Service", "State Security
// Service", "Istanbul Stock Exchange"), where a service's own name would
// stand ("the Bitzlato Exchange").
func (w *words) institution(toks []token, i int) bool {
	if !w.institutionHeads[toks[i].lower] || !isCapitalized(toks[i].text) {
		return false
	}
	for k := i - 1; k >= 0 && k >= i-3 && isCapitalized(toks[k].text); k-- {
		if w.institutionWords[toks[k].lower] {
			return true
		}
	}
	return false
}

// skipSeparators returns the index after the list separators at i: a
// comma, "and", "or", and an article after them.
func skipSeparators(toks []token, i int) int {
	start := i
	for i < len(toks) {
		switch toks[i].lower {
		case ",", "and", "or", "the":
			i++
			continue
		}
		break
	}
	if i == start {
		return start
	}
	// A list separator must be there, not only "the".
	for k := start; k < i; k++ {
		if toks[k].lower != "the" {
			return i
		}
	}
	return start
}

// skipSeparatorsBack is skipSeparators leftwards from i (exclusive).
func skipSeparatorsBack(toks []token, i int) int {
	j := i
	for j > 0 {
		switch toks[j-1].lower {
		case ",", "and", "or", "the":
			j--
			continue
		}
		break
	}
	for k := j; k < i; k++ {
		if toks[k].lower != "the" {
			return j
		}
	}
	return i
}

// matchedEnd and matchedStart find the ends of the gazetteer match around k.
func matchedEnd(matched []bool, k int) int {
	for k < len(matched) && matched[k] {
		k++
	}
	return k
}

func matchedStart(matched []bool, k int) int {
	for k > 0 && matched[k-1] {
		k--
	}
	return k
}

// maxNameLen bounds an open-set name: "MEXC Global", "Voice of Democracy",
// "Hidemy.Name VPN".
const maxNameLen = 4

// nameAfter returns the end of a proper name starting at i, or -1.
func (x *Extractor) nameAfter(toks []token, matched []bool, i int) int {
	return x.nameAfterBy(x.nameWord, toks, matched, i)
}

// listNameAfter is nameAfter in a list of services, where a capitalised
// word is a name whatever its tag: the tagger takes unknown names for
// common nouns and verbs ("Zangi", "Safeswiss").
func (x *Extractor) listNameAfter(toks []token, matched []bool, i int) int {
	return x.nameAfterBy(x.listWord, toks, matched, i)
}

func (x *Extractor) nameAfterBy(nameWord func(token, bool) bool, toks []token, matched []bool, i int) int {
	if i >= len(toks) || !nameWord(toks[i], matched[i]) {
		return -1
	}
	j := i + 1
	for j < len(toks) && j-i < maxNameLen {
		if nameWord(toks[j], matched[j]) {
			j++
			continue
		}
		// "Clash of Kings", "Skype for Business"
		if x.lex.words.nameJoiners[toks[j].lower] && j+1 < len(toks) && nameWord(toks[j+1], matched[j+1]) {
			j += 2
			continue
		}
		break
	}
	return j
}

// nameBefore returns the start of a proper name ending at end
// (exclusive), or -1.
func (x *Extractor) nameBefore(toks []token, matched []bool, end int) int {
	return x.nameBeforeBy(x.nameWord, toks, matched, end)
}

// listNameBefore is nameBefore in a list of services (listNameAfter).
func (x *Extractor) listNameBefore(toks []token, matched []bool, end int) int {
	return x.nameBeforeBy(x.listWord, toks, matched, end)
}

func (x *Extractor) nameBeforeBy(nameWord func(token, bool) bool, toks []token, matched []bool, end int) int {
	i := end
	for i > 0 && end-i < maxNameLen {
		if nameWord(toks[i-1], matched[i-1]) {
			i--
			continue
		}
		if i-2 >= 0 && i < end && x.lex.words.nameJoiners[toks[i-1].lower] && nameWord(toks[i-2], matched[i-2]) {
			i -= 2
			continue
		}
		break
	}
	if i == end {
		return -1
	}
	return i
}

// nameWord reports whether a token can be part of an open-set name: a
// capitalised word or one with a capital inside ("KuCoin", "imo") that
// the gazetteer did not take, is no common word of a headline, and is a
// proper noun to the tagger.
func (x *Extractor) nameWord(t token, matched bool) bool {
	if matched || t.text == "" || x.lex.words.openSetStop[t.lower] {
		return false
	}
	r := []rune(t.text)
	if !unicode.IsUpper(r[0]) {
		// "xHamster", "iQiyi": a brand's lower-case start, but not
		// "mid-November", "pro-Kremlin".
		return unicode.IsLower(r[0]) && hasInnerUpper(r) && !strings.ContainsRune(t.text, '-')
	}
	return strings.HasPrefix(t.tag, "NNP") || strings.ContainsRune(t.text, '.') || hasInnerUpper(r)
}

// listWord is nameWord without the tagger's say: a capitalised word the
// gazetteer did not take and no common word of a headline.
func (x *Extractor) listWord(t token, matched bool) bool {
	if matched || t.text == "" || x.lex.words.openSetStop[t.lower] {
		return false
	}
	r := []rune(t.text)
	// "Cairo-based", "China-owned": where from, not a name.
	if strings.HasPrefix(t.tag, "JJ") && strings.ContainsRune(t.text, '-') {
		return false
	}
	if !unicode.IsLetter(r[len(r)-1]) && !unicode.IsDigit(r[len(r)-1]) {
		return false
	}
	switch {
	case unicode.IsUpper(r[0]):
		return true
	case unicode.IsLower(r[0]):
		return hasInnerUpper(r) && !strings.ContainsRune(t.text, '-') // "xHamster", not "mid-November"
	case unicode.IsDigit(r[0]):
		// "1000X", "1xBet"; a network's generation ("4G") is the
		// gazetteer's.
		return hasInnerUpper(r)
	}
	return false
}

func hasInnerUpper(r []rune) bool {
	for _, c := range r[1:] {
		if unicode.IsUpper(c) {
			return true
		}
	}
	return false
}

// openSlug makes SCHEMA.md's slug of a name: lower-case words joined by
// hyphens ("MEXC Global" -> mexc-global, "Gate.io" -> gate-io), without
// accents, as English writes the name ("Crónica Uno" -> cronica-uno).
func openSlug(toks []token) string {
	var words []string
	for _, t := range toks {
		for _, f := range strings.FieldsFunc(strings.ToLower(unaccent(t.text)), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			words = append(words, f)
		}
	}
	return strings.Join(words, "-")
}

// unaccent drops the combining marks of a decomposed word, in any
// script: "ó" is "o" and an acute accent, and Cyrillic "й" becomes "и".
// Letters with no decomposition ("ø", "ł") stay.
func unaccent(w string) string {
	d := norm.NFD.String(w)
	if d == w {
		return w // nothing decomposed
	}
	return norm.NFC.String(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, d))
}
