// Ported from prose v2.0.0's segment.go, which prose builds afresh, Punkt
// training data and all, for every Document; here the training data is
// decoded once per Extractor while sentences split exactly as prose
// splits them. See LICENSE.prose.

package nlp

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/neurosnap/sentences.v1"
	"gopkg.in/neurosnap/sentences.v1/data"
)

// Segmenter splits text into sentences with the Punkt algorithm and
// prose's English model. It is safe for concurrent use: tokenizing only
// reads the training data.
type Segmenter struct {
	tok *sentences.DefaultSentenceTokenizer
}

// NewSegmenter decodes the English Punkt training data, which costs about
// as much as extracting ten articles, and builds prose's tokenizer on it.
func NewSegmenter() (*Segmenter, error) {
	b, err := data.Asset("data/english.json")
	if err != nil {
		return nil, fmt.Errorf("nlp: punkt english model: %w", err)
	}
	training, err := sentences.LoadTraining(b)
	if err != nil {
		return nil, fmt.Errorf("nlp: punkt english model: %w", err)
	}
	// Abbreviations prose adds to the trained ones.
	for _, abbr := range []string{"sgt", "gov", "no", "mt"} {
		training.AbbrevTypes.Add(abbr)
	}
	lang := sentences.NewPunctStrings()
	word := &punktWords{}
	word.PunctStrings = lang
	ortho := &sentences.OrthoContext{
		Storage:      training,
		PunctStrings: lang,
		TokenType:    word,
		TokenFirst:   word,
	}
	multiPunct := &multiPunctWordAnnotation{
		Storage:      training,
		TokenParser:  word,
		TokenGrouper: &sentences.DefaultTokenGrouper{},
		Ortho:        ortho,
	}
	return &Segmenter{tok: &sentences.DefaultSentenceTokenizer{
		Storage:       training,
		PunctStrings:  lang,
		WordTokenizer: word,
		Annotations:   append(sentences.NewAnnotations(training, lang, word), multiPunct),
	}}, nil
}

// Segment splits text into sentences, trimmed as prose trims them.
func (sg *Segmenter) Segment(text string) []string {
	sents := sg.tok.Tokenize(text)
	out := make([]string, len(sents))
	for i, s := range sents {
		out[i] = strings.TrimSpace(s.Text)
	}
	return out
}

// punktWords is Punkt's word tokenizer with prose's idea of which
// punctuation ends a sentence.
type punktWords struct {
	sentences.DefaultWordTokenizer
}

var (
	reAbbr              = regexp.MustCompile(`((?:[\w]\.)+[\w]*\.)`)
	reLooksLikeEllipsis = regexp.MustCompile(`(?:\.\s?){2,}\.`)
	reEntities          = regexp.MustCompile(`Yahoo!`)
)

func (e *punktWords) HasSentEndChars(t *sentences.Token) bool {
	enders := []string{
		`."`, `.)`, `.’`, `.”`,
		`?`, `?"`, `?'`, `?)`, `?’`, `?”`,
		`!`, `!"`, `!'`, `!)`, `!’`, `!”`,
	}
	for _, ender := range enders {
		if strings.HasSuffix(t.Tok, ender) && !reEntities.MatchString(t.Tok) {
			return true
		}
	}
	parens := []string{
		`.[`, `.(`, `."`,
		`?[`, `?(`,
		`![`, `!(`,
	}
	for _, paren := range parens {
		if strings.Contains(t.Tok, paren) {
			return true
		}
	}
	return false
}

// multiPunctWordAnnotation teases out abbreviations such as "F.B.I.".
type multiPunctWordAnnotation struct {
	*sentences.Storage
	sentences.TokenParser
	sentences.TokenGrouper
	sentences.Ortho
}

func (a *multiPunctWordAnnotation) Annotate(tokens []*sentences.Token) []*sentences.Token {
	for _, tokPair := range a.TokenGrouper.Group(tokens) {
		if len(tokPair) < 2 || tokPair[1] == nil {
			tok := tokPair[0].Tok
			if strings.Contains(tok, "\n") && strings.Contains(tok, " ") {
				// Mislabelled because of an errant newline.
				tokPair[0].SentBreak = false
			}
			continue
		}
		a.tokenAnnotation(tokPair[0], tokPair[1])
	}
	return tokens
}

// looksInternal reports whether tok's punctuation could appear inside a
// sentence (parentheses or quotations).
func looksInternal(tok string) bool {
	for _, punc := range []string{")", `’`, `”`, `"`, `'`} {
		if strings.HasSuffix(tok, punc) {
			return true
		}
	}
	return false
}

func (a *multiPunctWordAnnotation) tokenAnnotation(tokOne, tokTwo *sentences.Token) {
	// Computed at most once: it is expensive.
	var nextTyp string

	// Two periods in a row are probably an ellipsis the word tokenizer
	// did not join.
	if strings.HasSuffix(tokOne.Tok, ".") && tokTwo.Tok == "." {
		tokOne.SentBreak = false
		tokTwo.SentBreak = false
		return
	}

	isNonBreak := strings.HasSuffix(tokOne.Tok, ".") && !tokOne.SentBreak
	isEllipsis := reLooksLikeEllipsis.MatchString(tokOne.Tok)
	isInternal := tokOne.SentBreak && looksInternal(tokOne.Tok)

	if isNonBreak || isEllipsis || isInternal {
		nextTyp = a.TokenParser.TypeNoSentPeriod(tokTwo)
		isStarter := a.SentStarters[nextTyp]

		// An ellipsis followed by a capital or a frequent sentence
		// starter ends the sentence.
		if isEllipsis {
			if a.TokenParser.FirstUpper(tokTwo) || isStarter != 0 {
				tokOne.SentBreak = true
				return
			}
		}

		// Punctuation that may stand inside a sentence ends it only
		// before a capital or a frequent sentence starter.
		if isInternal {
			if a.TokenParser.FirstLower(tokTwo) && isStarter == 0 {
				tokOne.SentBreak = false
				return
			}
		}

		// A period not marked as a break is one when the next word is
		// capitalised and is seen in lower case in the middle of
		// sentences (_ORTHO_LC).
		if isNonBreak && a.TokenParser.FirstUpper(tokTwo) {
			if a.Storage.OrthoContext[nextTyp]&112 != 0 {
				tokOne.SentBreak = true
			}
		}
	}

	if len(reAbbr.FindAllString(tokOne.Tok, 1)) == 0 {
		return
	}
	if a.IsInitial(tokOne) {
		return
	}
	tokOne.Abbr = true
	tokOne.SentBreak = false

	// Punkt 4.1.1, the orthographic heuristic: is there evidence that the
	// next word starts a sentence?
	if a.Ortho.Heuristic(tokTwo) == 1 {
		tokOne.SentBreak = true
		return
	}
	if nextTyp == "" {
		nextTyp = a.TokenParser.TypeNoSentPeriod(tokTwo)
	}
	// Punkt 4.1.3, the frequent sentence starter heuristic.
	if a.TokenParser.FirstUpper(tokTwo) && a.SentStarters[nextTyp] != 0 {
		tokOne.SentBreak = true
	}
}
