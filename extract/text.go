// Sentences and tokens: the text as the rules read it.

package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// typography folds typographic quotes, dashes and spaces to ASCII so that
// names, cues and dates match however the outlet typeset them. Offsets
// used during extraction refer to the folded text.
var typography = strings.NewReplacer(
	"\u2018", "'", "\u2019", "'", "\u201b", "'", "\u2032", "'",
	"\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u00ab", `"`, "\u00bb", `"`,
	"\u00a0", " ", "\u2009", " ", "\u202f", " ", "\u200b", "",
	"\u2013", "-", "\u2011", "-",
)

func normalizeText(s string) string { return typography.Replace(s) }

// token is one word or punctuation mark of a sentence.
type token struct {
	text  string // as written
	lower string
	tag   string // Penn Treebank part of speech
	start int    // byte offsets into the sentence text
	end   int
}

// sentence is one analysed sentence of a document.
type sentence struct {
	index int    // position in the document
	para  int    // paragraph number; the title is -1
	orig  string // as written, for evidence
	text  string // normalised
	toks  []token
	title bool // the headline
	lead  bool // the standfirst: a first paragraph that is a summary line

	mentions []mention
	dates    []dateExpr
	// listed reports a gazetteer match standing in a list of plain
	// service names; set while mentions are found.
	listed func(match) bool
	// labels are prose's entity labels, one per token (and one spare);
	// computed only when a mention needs them.
	labels []string
}

var paraBreak = regexp.MustCompile(`\n\s*\n|\r\n\s*\r\n`)

// splitParagraphs splits article text on blank lines; single line breaks
// inside a paragraph are kept as spaces.
func splitParagraphs(text string) []string {
	var out []string
	for _, p := range paraBreak.Split(text, -1) {
		for _, line := range strings.Split(p, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

// isTitleCase reports whether most words of s start with a capital, as in
// headlines ("Iran Begins To Block Telegram Messaging App"), which confuses
// a tagger trained on running text.
func isTitleCase(toks []token) bool {
	words, caps := 0, 0
	for _, t := range toks {
		r, _ := utf8.DecodeRuneInString(t.text)
		if !unicode.IsLetter(r) || len(t.text) < 4 {
			continue
		}
		words++
		if unicode.IsUpper(r) {
			caps++
		}
	}
	return words >= 3 && caps*10 >= words*7
}

// align gives words their offsets in s. The tokenizer does not report
// offsets and may rewrite a token (quotes), so a token that cannot be found
// gets the position where it should have been.
func align(s string, words []string) []token {
	out := make([]token, 0, len(words))
	pos := 0
	for _, w := range words {
		t := token{text: w, lower: strings.ToLower(w)}
		if i := strings.Index(s[pos:], w); i >= 0 && i < 16 {
			t.start = pos + i
			t.end = t.start + len(w)
			pos = t.end
		} else {
			t.start, t.end = pos, pos
		}
		out = append(out, t)
	}
	return out
}

// tokenize splits a sentence into tokens with offsets and tags them.
func (x *Extractor) tokenize(s *sentence) {
	w := x.tags.Words(s.text)
	s.toks = align(s.text, w.Text)
	if isTitleCase(s.toks) && x.tagHeadline(s) {
		return
	}
	for i, tag := range x.tags.Tag(w) {
		s.toks[i].tag = tag
	}
	x.lex.words.nounTags(s.toks)
	if s.title {
		x.lex.words.headlineVerbs(s.toks)
	}
}

// headlineVerbs mends a headline's verb of action that the tagger took
// for a plural noun between its subject and a name: "UK watchdog
// fines/NNS OnlyFans $1.4 million". Running text puts a determiner or a
// preposition there; a headline drops them.
func (w *words) headlineVerbs(toks []token) {
	for i := 1; i+1 < len(toks); i++ {
		t := &toks[i]
		if t.tag == "NNS" && w.licensingVerbs[t.lower] && strings.HasPrefix(toks[i-1].tag, "NN") && strings.HasPrefix(toks[i+1].tag, "NNP") {
			t.tag = "VBZ"
		}
	}
}

// nounTags mends the tags of the domain's nouns that the tagger takes for
// verbs or particles ("the dating app/VBZ Tinder"): a verb there would
// end a cue's object before the service it names.
func (w *words) nounTags(toks []token) {
	for i := range toks {
		t := &toks[i]
		if !w.neverVerbs[t.lower] || strings.HasPrefix(t.tag, "NN") || strings.HasPrefix(t.tag, "JJ") {
			continue
		}
		t.tag = "NN"
		if strings.HasSuffix(t.lower, "s") {
			t.tag = "NNS"
		}
	}
}

// tagHeadline tags a sentence in title case in lower case but for the
// capitals of known names, so "Block" in "Iran Begins To Block Telegram"
// is tagged as the verb it is: headlines confuse a tagger trained on
// running text. It reports false, tagging nothing, when the words in
// lower case split otherwise ("Ltd. Şti." in a list of company names):
// the sentence is then tagged as written rather than not at all.
func (x *Extractor) tagHeadline(s *sentence) bool {
	keep := make([]bool, len(s.toks))
	for _, m := range x.gaz.find(s.toks) {
		for i := m.start; i < m.end; i++ {
			keep[i] = true
		}
	}
	b := []byte(s.text)
	for i, t := range s.toks {
		if lower := strings.ToLower(t.text); !keep[i] && t.end-t.start == len(lower) && t.end <= len(b) {
			copy(b[t.start:t.end], lower)
		}
	}
	w := x.tags.Words(string(b))
	if len(w.Text) != len(s.toks) {
		return false
	}
	for i, tag := range x.tags.Tag(w) {
		s.toks[i].tag = tag
	}
	x.lex.words.nounTags(s.toks)
	return true
}

// splitSentences segments a document's paragraphs into sentences. The
// segmenter reads the whole text at once: Punkt decides a break by the
// word after it and by paragraph starts.
func (x *Extractor) splitSentences(paras []string) []sentence {
	full := strings.Join(paras, "\n\n")
	var pieces []string
	for _, s := range x.seg.Segment(full) {
		for _, line := range strings.Split(s, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				pieces = append(pieces, line)
			}
		}
	}
	// Map pieces back to paragraphs by position.
	starts := make([]int, len(paras))
	off := 0
	for i, p := range paras {
		starts[i] = off
		off += len(p) + 2
	}
	// The segmenter ends sentences at some abbreviations ("from 4 a.m.
	// until noon"): a piece that starts in lower case continues the one
	// before.
	merged := pieces[:0]
	for _, p := range pieces {
		if r, _ := utf8.DecodeRuneInString(p); len(merged) > 0 && unicode.IsLower(r) {
			merged[len(merged)-1] += " " + p
			continue
		}
		merged = append(merged, p)
	}
	pieces = merged
	var out []sentence
	pos := 0
	for _, piece := range pieces {
		first, _, _ := strings.Cut(piece, " ")
		i := strings.Index(full[pos:], first)
		if i < 0 {
			continue
		}
		at := pos + i
		pos = at + len(first)
		para := 0
		for j := range starts {
			if starts[j] <= at {
				para = j
			}
		}
		out = append(out, sentence{orig: piece, para: para})
	}
	if len(out) == 0 {
		for i, p := range paras {
			out = append(out, sentence{orig: p, para: i})
		}
	}
	return out
}

// place says where in the article a sentence stands, as the models read
// it: the headline, the standfirst, the first two paragraphs or the body.
func (s *sentence) place() string {
	switch {
	case s.title:
		return "title"
	case s.lead:
		return "lead"
	case s.para <= 1:
		return "top"
	}
	return "body"
}
