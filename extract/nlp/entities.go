// Ported from prose v2.0.0's extract.go; see LICENSE.prose.

package nlp

import (
	"bytes"
	_ "embed"
	"encoding/gob"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/jdkato/prose/v2"
)

// enWordsData is prose's enWordList, the words its "en-wordlist" feature
// calls True. It is prose's data, fixed by prose's version, which the
// extractor's version already names; so it is kept out of data/*.yaml,
// whose hash would change for a file that changes nothing.
//
//go:embed data/prose-enwords.txt
var enWordsData string

// nerFeatures are the names of the recogniser's features in the order
// prose sums their weights (its featureOrder); the sums round as prose's
// do only in this order.
var nerFeatures = [...]string{
	"bias", "en-wordlist", "nextpos", "nextword", "pos", "pos+prevtag",
	"prefix3", "prevpos", "prevtag", "prevword", "shape", "shape+prevtag",
	"suffix3", "word", "word+nextpos", "word.lower", "wordlen"}

// The features by their place in nerFeatures.
const (
	fBias = iota
	fWordList
	fNextPos
	fNextWord
	fPos
	fPosPrevTag
	fPrefix3
	fPrevPos
	fPrevTag
	fPrevWord
	fShape
	fShapePrevTag
	fSuffix3
	fWord
	fWordNextPos
	fWordLower
	fWordLen
	nNERFeatures
)

// Recognizer is prose v2.0.0's named-entity recogniser, a maximum-entropy
// classifier over the words of a sentence as prose's tokenizer and tagger
// give them, run on prose's own weights. prose builds each word's
// features as a map, and looks each feature up in its model once per
// label, joining strings for every look-up; it also needs its whole
// model, tagger included, which decoded the tagger's weights a second
// time. Here each feature's weights for every label are one look-up, and
// the words and tags are the port's (Tagger), which are prose's. The
// labels are prose's but where two labels score the same: there prose's
// choice depends on the order it iterates a map in, and this Recognizer
// takes the first label of the model's list.
//
// A Recognizer only reads its tables, so it is safe for concurrent use.
type Recognizer struct {
	tags   *Tagger
	labels []string
	// history is what a label says of the word after it (prose's
	// simplePOS): "B", "I" or "O".
	history []string
	// weights are, for each feature, the weights of its values by label.
	weights [nNERFeatures]map[string][]classWeight
	enWords map[string]bool
}

// NewRecognizer decodes prose's named-entity model; the words and tags it
// classifies are tags'.
func NewRecognizer(tags *Tagger) (*Recognizer, error) {
	var mapping map[string]int
	var weights []float64
	var labels []string
	for _, f := range []struct {
		name string
		v    any
	}{
		{"model/Maxent/mapping.gob", &mapping},
		{"model/Maxent/weights.gob", &weights},
		{"model/Maxent/labels.gob", &labels},
	} {
		b, err := prose.Asset(f.name)
		if err != nil {
			return nil, fmt.Errorf("nlp: prose entity model: %w", err)
		}
		if err := gob.NewDecoder(bytes.NewReader(b)).Decode(f.v); err != nil {
			return nil, fmt.Errorf("nlp: prose entity model %s: %w", f.name, err)
		}
	}
	r := &Recognizer{tags: tags, labels: labels, enWords: make(map[string]bool)}
	for _, l := range labels {
		r.history = append(r.history, simplePOS(l))
	}
	if err := r.index(mapping, weights); err != nil {
		return nil, err
	}
	for line := range strings.Lines(enWordsData) {
		if w := strings.TrimRight(line, "\n"); w != "" && !strings.HasPrefix(w, "#") {
			r.enWords[w] = true
		}
	}
	return r, nil
}

// index splits the model's keys, "FEATURE-VALUE-LABEL", into weights.
// prose joins the three with "-", which the values and labels contain
// too; a key splits one way only when no label ends in "-" and another
// label, which is checked. Keys of no known feature or label are never
// looked up by prose either, and are left out.
func (r *Recognizer) index(mapping map[string]int, weights []float64) error {
	for i, a := range r.labels {
		for j, b := range r.labels {
			if i != j && strings.HasSuffix("-"+a, "-"+b) {
				return fmt.Errorf("nlp: prose entity model: label %q ends in label %q: its keys are ambiguous", a, b)
			}
		}
	}
	for f := range r.weights {
		r.weights[f] = make(map[string][]classWeight)
	}
	for key, id := range mapping {
		if id < 0 || id >= len(weights) {
			return fmt.Errorf("nlp: prose entity model: key %q has weight %d of %d", key, id, len(weights))
		}
		f := -1
		for i, name := range nerFeatures {
			if strings.HasPrefix(key, name+"-") {
				f = i
				break
			}
		}
		if f < 0 {
			continue
		}
		rest := key[len(nerFeatures[f])+1:]
		for l, label := range r.labels {
			if value, ok := strings.CutSuffix(rest, "-"+label); ok {
				r.weights[f][value] = append(r.weights[f][value], classWeight{l, weights[id]})
				break
			}
		}
	}
	return nil
}

// Labels gives each token of an already segmented sentence, as Tagger
// splits it, its IOB entity label ("B-PERSON", "B-GPE", "O"), as prose
// labels it. A token that recurs in the sentence as the same chunk has
// the label of its last occurrence, as prose reports it (see Words).
func (r *Recognizer) Labels(sentence string) []string {
	w := r.tags.Words(sentence)
	labels, _ := r.classify(w.Text, r.tags.Tag(w))
	final := make([]string, len(labels))
	for i, l := range labels {
		final[w.same[i]] = l
	}
	for i := range labels {
		labels[i] = final[w.same[i]]
	}
	return labels
}

// classify labels words with tags in turn, each label becoming context
// for the next, as prose's entityExtracter.classify does. ties counts the
// words where two labels scored the same, where prose's choice is its
// map order's.
func (r *Recognizer) classify(words, tags []string) (labels []string, ties int) {
	labels = make([]string, len(words))
	history := make([]string, len(words))
	scores := make([]float64, len(r.labels))
	var vals [nNERFeatures]string
	var buf []byte
	join := func(a, b string) string {
		buf = append(append(append(buf[:0], a...), '+'), b...)
		return string(buf)
	}
	for i, word := range words {
		lower := strings.ToLower(word)
		vals[fBias] = "True"
		vals[fWord] = word
		vals[fPos] = tags[i]
		vals[fWordList] = "False"
		if r.enWords[word] {
			vals[fWordList] = "True"
		}
		vals[fWordLower] = lower
		vals[fSuffix3] = strings.ToLower(word[len(word)-min(len(word), 3):])
		vals[fPrefix3] = strings.ToLower(word[:min(len(word), 3)])
		vals[fShape] = shape(word)
		vals[fWordLen] = strconv.Itoa(len(word))
		// As prose: the word before the second has no shape.
		prevShape := "None"
		if i == 0 {
			vals[fPrevTag], vals[fPrevWord], vals[fPrevPos] = "None", "None", "None"
		} else {
			vals[fPrevWord] = strings.ToLower(words[i-1])
			vals[fPrevPos] = tags[i-1]
			vals[fPrevTag] = history[i-1]
			if i > 1 {
				prevShape = shape(words[i-1])
			}
		}
		if i == len(words)-1 {
			vals[fNextWord], vals[fNextPos] = "None", "None"
		} else {
			vals[fNextWord] = strings.ToLower(words[i+1])
			vals[fNextPos] = strings.ToLower(tags[i+1])
		}
		vals[fWordNextPos] = join(lower, vals[fNextPos])
		vals[fPosPrevTag] = join(vals[fPos], vals[fPrevTag])
		vals[fShapePrevTag] = join(prevShape, vals[fPrevTag])

		clear(scores)
		for f, v := range vals {
			for _, cw := range r.weights[f][v] {
				scores[cw.class] += cw.w
			}
		}
		win, top := -1, math.Inf(-1)
		for l, s := range scores {
			if s > top {
				win, top = l, s
			}
		}
		if win < 0 {
			// Every label scored -Inf: prose's max finds none.
			continue
		}
		for l, s := range scores {
			if l != win && s == top {
				ties++
				break
			}
		}
		labels[i], history[i] = r.labels[win], r.history[win]
	}
	return labels, ties
}

// shape is prose's class of a word's spelling. prose asks \W+$ and \w+$
// of the word, which look only at its last character, a word character
// being ASCII: a last byte outside ASCII is part of a character that is
// not.
func shape(word string) string {
	if _, err := strconv.ParseFloat(word, 64); err == nil {
		return "number"
	}
	if word == "" {
		return "other"
	}
	if c := word[len(word)-1]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_') {
		return "punct"
	}
	switch {
	case strings.ToLower(word) == word:
		return "downcase"
	case strings.Title(word) == word: //nolint:staticcheck // prose's rule, deprecated or not
		return "upcase"
	}
	return "mixedcase"
}

// simplePOS is what prose keeps of a label as context for the next word.
func simplePOS(label string) string {
	if strings.HasPrefix(label, "V") {
		return "v"
	}
	before, _, _ := strings.Cut(label, "-")
	return before
}
