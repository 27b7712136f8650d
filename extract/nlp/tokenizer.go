// Ported from prose v2.0.0's tokenize.go; see LICENSE.prose.

package nlp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Words is a sentence's tokens as prose's tokenizer gives them.
type Words struct {
	Text []string
	// same[i] is the first position holding the same token as i. prose
	// caches the tokens of each whitespace-separated chunk and hands the
	// same token values out again when the chunk recurs in the sentence,
	// so tagging one occurrence tags them all: prose reports every
	// occurrence with the tag of the last. Extraction was tuned on those
	// tags, so they are reproduced.
	same []int
}

// proseSanitizer is the quote folding prose applies before tokenizing.
var proseSanitizer = strings.NewReplacer(
	"\u201c", `"`,
	"\u201d", `"`,
	"\u2018", "'",
	"\u2019", "'",
	"&rsquo;", "'")

var (
	// The punctuation split off the start and the end of a chunk.
	tokPrefixes = []string{"$", "(", `"`, "["}
	tokSuffixes = []string{",", ")", `"`, "]", "!", ";", ".", "?", ":", "'"}
	// The contractions split off the rest of a word.
	tokClitics  = []string{"'ll", "'s", "'re", "'m"}
	tokNegation = []string{"n't"}
)

// tokenize splits text into words as prose's tokenizer does; symbols are
// the emoticons it keeps whole.
func tokenize(text string, symbols map[string]bool) Words {
	clean := proseSanitizer.Replace(text)
	// About one token in five bytes of running text: room for most
	// sentences, so that the slices rarely grow.
	n := len(clean)/5 + 4
	w := Words{Text: make([]string, 0, n), same: make([]int, 0, n)}
	seen := make(map[string]int) // chunk -> position of its first token
	var suffs []string           // splitChunk's working space
	add := func(chunk string, cached bool) {
		start := len(w.Text)
		w.Text, suffs = splitChunk(w.Text, suffs[:0], chunk, symbols)
		first, ok := seen[chunk]
		if cached && !ok {
			seen[chunk] = start
		}
		for j := start; j < len(w.Text); j++ {
			if cached && ok {
				w.same = append(w.same, w.same[first+j-start])
			} else {
				w.same = append(w.same, j)
			}
		}
	}
	// As prose: a chunk is a run of spaces or of non-spaces; a single
	// space between chunks is dropped. Every chunk but the last goes
	// through the cache.
	white := false
	start, index := 0, 0
	for index < len(clean) {
		r, size := utf8.DecodeRuneInString(clean[index:])
		if index == 0 {
			white = unicode.IsSpace(r)
		}
		if unicode.IsSpace(r) != white {
			if start < index {
				add(clean[start:index], true)
			}
			if r == ' ' {
				start = index + 1
			} else {
				start = index
			}
			white = !white
		}
		index += size
	}
	if start < index {
		add(clean[start:index], false)
	}
	return w
}

// splitChunk splits punctuation and contractions off a chunk of
// non-spaces, as prose's doSplit does, quirks and all: a chunk that starts
// with a contraction ("'social") is dropped. It appends the tokens to
// toks; suffs is working space, returned for reuse.
func splitChunk(toks, suffs []string, chunk string, symbols map[string]bool) ([]string, []string) {
	add := func(s string) {
		if strings.TrimSpace(s) != "" {
			toks = append(toks, s)
		}
	}
	last := 0
	for chunk != "" && utf8.RuneCountInString(chunk) != last {
		if symbols[chunk] || isInternal(chunk) {
			add(chunk)
			break
		}
		last = utf8.RuneCountInString(chunk)
		lower := strings.ToLower(chunk)
		if hasAnyPrefix(chunk, tokPrefixes) {
			add(chunk[:1])
			chunk = chunk[1:]
		} else if i := hasAnyIndex(lower, tokClitics); i > -1 {
			add(chunk[:i])
			chunk = chunk[i:]
		} else if i := hasAnyIndex(lower, tokNegation); i > -1 {
			add(chunk[:i])
			chunk = chunk[i:]
		} else if hasAnySuffix(chunk, tokSuffixes) {
			// Split off last first; they go after the rest in reading
			// order.
			suffs = append(suffs, chunk[len(chunk)-1:])
			chunk = chunk[:len(chunk)-1]
		} else {
			add(chunk)
		}
	}
	for i := len(suffs) - 1; i >= 0; i-- {
		toks = append(toks, suffs[i])
	}
	return toks, suffs
}

// isInternal reports whether the periods of a token belong to it, "U.S."
// or "Mr.", as prose's ^(?:[A-Za-z]\.){2,}$|^[A-Z][a-z]{1,2}\.$ does; it
// is checked for every chunk, and the regexp engine was a tenth of
// tokenizing.
func isInternal(s string) bool {
	isLower := func(c byte) bool { return 'a' <= c && c <= 'z' }
	isUpper := func(c byte) bool { return 'A' <= c && c <= 'Z' }
	n := len(s)
	if n < 3 || s[n-1] != '.' {
		return false
	}
	if isUpper(s[0]) && (n == 3 || n == 4) && isLower(s[1]) && (n == 3 || isLower(s[2])) {
		return true
	}
	if n%2 != 0 {
		return false
	}
	for i := 0; i < n; i += 2 {
		if !isLower(s[i]) && !isUpper(s[i]) || s[i+1] != '.' {
			return false
		}
	}
	return true
}

// hasAnyPrefix reports whether s starts with one of prefixes and has more
// after it.
func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if len(s) > len(p) && strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// hasAnySuffix reports whether s ends with one of suffixes and has more
// before it.
func hasAnySuffix(s string, suffixes []string) bool {
	for _, p := range suffixes {
		if len(s) > len(p) && strings.HasSuffix(s, p) {
			return true
		}
	}
	return false
}

// hasAnyIndex is where in s the first of subs that occurs in it, s being
// longer, starts; -1 if none does.
func hasAnyIndex(s string, subs []string) int {
	for _, sub := range subs {
		if i := strings.Index(s, sub); i >= 0 && len(s) > len(sub) {
			return i
		}
	}
	return -1
}
