// Ported from prose v2.0.0's tag.go; see LICENSE.prose.

package nlp

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/jdkato/prose/v2"
	"github.com/mingrammer/commonregex"
	"github.com/policywatch/policywatch/extract/internal/prefilter"
	"go.yaml.in/yaml/v3"
)

// Tagger is prose v2.0.0's tokenizer and part-of-speech Tagger, an
// averaged perceptron (a port of TextBlob's), run on prose's own trained
// weights. prose builds each word's features as a map of strings and
// scores the classes through a map per feature, which made tagging most
// of extraction's time; here the features are built in one reused buffer
// and scored into an array. The tags are prose's, but where two classes
// score the same: there prose's choice depends on the order it iterates
// its maps in, and this Tagger takes the first class of the model's list.
//
// A Tagger only reads its tables, so it is safe for concurrent use.
type Tagger struct {
	classes []string
	// tagMap holds the words the model always gives one tag.
	tagMap map[string]string
	// weights are the weights of each feature, by class.
	weights map[string][]classWeight
	// symbols are the emoticons, kept whole and tagged SYM.
	symbols map[string]bool
}

type classWeight struct {
	class int
	w     float64
}

// The tokens prose tags before scoring: traces of the Penn Treebank's
// empty elements, and tags written as tokens ("-LRB-").
var (
	reNone = regexp.MustCompile(`^(?:0|\*[\w?]\*|\*\-\d{1,3}|\*[A-Z]+\*\-\d{1,3}|\*)$`)
	reKeep = regexp.MustCompile(`^\-[A-Z]{3}\-$`)
	// prose tags links and e-mail addresses NN; few tokens can be one.
	linkPre  = prefilter.New(commonregex.LinkRegex)
	emailPre = prefilter.New(commonregex.EmailRegex)
)

// NewTagger decodes prose's perceptron model.
func NewTagger() (*Tagger, error) {
	var classes []string
	var tagMap map[string]string
	var weights map[string]map[string]float64
	for _, f := range []struct {
		name string
		v    any
	}{
		{"model/AveragedPerceptron/classes.gob", &classes},
		{"model/AveragedPerceptron/tags.gob", &tagMap},
		{"model/AveragedPerceptron/weights.gob", &weights},
	} {
		b, err := prose.Asset(f.name)
		if err != nil {
			return nil, fmt.Errorf("nlp: prose Tagger model: %w", err)
		}
		if err := gob.NewDecoder(bytes.NewReader(b)).Decode(f.v); err != nil {
			return nil, fmt.Errorf("nlp: prose Tagger model %s: %w", f.name, err)
		}
	}
	t := &Tagger{classes: classes, tagMap: tagMap, weights: make(map[string][]classWeight, len(weights))}
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	for feat, ws := range weights {
		cws := make([]classWeight, 0, len(ws))
		for class, w := range ws {
			i, ok := index[class]
			if !ok {
				return nil, fmt.Errorf("nlp: prose Tagger model: feature %q weighs unknown class %q", feat, class)
			}
			cws = append(cws, classWeight{i, w})
		}
		t.weights[feat] = cws
	}
	b, err := dataFS.ReadFile("data/tagger.yaml")
	if err != nil {
		return nil, fmt.Errorf("nlp: %w", err)
	}
	var f struct{ Symbols []string }
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("nlp: data/tagger.yaml: %w", err)
	}
	t.symbols = make(map[string]bool, len(f.Symbols))
	for _, s := range f.Symbols {
		t.symbols[s] = true
	}
	return t, nil
}

// Words splits text into words as prose does.
func (t *Tagger) Words(text string) Words { return tokenize(text, t.symbols) }

// Tag gives each word its Penn Treebank tag, in context, as prose
// reports it: a word that recurs in the sentence as the same chunk has the
// tag of its last occurrence (see Words).
func (t *Tagger) Tag(w Words) []string {
	tags := t.predict(w.Text)
	// A token shared by several positions keeps the tag written last.
	final := make([]string, len(tags))
	for i, tag := range tags {
		final[w.same[i]] = tag
	}
	for i := range tags {
		tags[i] = final[w.same[i]]
	}
	return tags
}

// predict tags each word in turn, each tag becoming context for the next.
func (t *Tagger) predict(words []string) []string {
	tags := make([]string, len(words))
	ctx := t.context(words)
	sc := t.newScorer()
	p1, p2 := "-START-", "-START2-"
	for i, word := range words {
		tag, ok := t.fixed(word)
		if !ok {
			sc.feats.set(i, ctx, word, p1, p2)
			tag = t.classes[sc.best(t)]
		}
		tags[i] = tag
		p2, p1 = p1, tag
	}
	return tags
}

// context is the words as the perceptron sees them, with two places of
// padding at each end.
func (t *Tagger) context(words []string) []string {
	ctx := make([]string, len(words)+4)
	ctx[0], ctx[1] = "-START-", "-START2-"
	for i, word := range words {
		ctx[i+2] = normalizeWord(word)
	}
	ctx[len(ctx)-2], ctx[len(ctx)-1] = "-END-", "-END2-"
	return ctx
}

// fixed is the tag of a word that is not scored: punctuation and symbols
// prose recognises, and words the model always tags alike.
func (t *Tagger) fixed(w string) (string, bool) {
	switch {
	case w == "-":
		return "-", true
	case t.symbols[w]:
		return "SYM", true
	case linkPre.Match(commonregex.LinkRegex, w), emailPre.Match(commonregex.EmailRegex, w), strings.HasPrefix(w, "@"):
		return "NN", true
	case reNone.MatchString(w):
		return "-NONE-", true
	case reKeep.MatchString(w):
		return w, true
	}
	tag, ok := t.tagMap[w]
	return tag, ok
}

// scorer is one tagging call's working space.
type scorer struct {
	scores []float64
	scored []bool // classes some feature weighs; only they can win
	feats  perceptronFeatures
}

func (t *Tagger) newScorer() *scorer {
	return &scorer{scores: make([]float64, len(t.classes)), scored: make([]bool, len(t.classes))}
}

// best scores a word's features and returns the winning class. Classes no
// feature weighs are not candidates, even when every score is negative:
// prose keeps scores in a map and compares those in it. On a tie the
// first class wins.
func (sc *scorer) best(t *Tagger) int {
	sc.score(t)
	win, top := 0, math.Inf(-1)
	for c, s := range sc.scores {
		if sc.scored[c] && s > top {
			win, top = c, s
		}
	}
	return win
}

// score sums the weights of the features for each class.
func (sc *scorer) score(t *Tagger) {
	clear(sc.scores)
	clear(sc.scored)
	start := 0
	for _, end := range sc.feats.ends {
		for _, cw := range t.weights[string(sc.feats.buf[start:end])] {
			sc.scores[cw.class] += cw.w
			sc.scored[cw.class] = true
		}
		start = end
	}
}

// perceptronFeatures are a word's features, named as prose's featurize
// names them, written one after another into a buffer reused from word
// to word.
type perceptronFeatures struct {
	buf  []byte
	ends []int
}

func (f *perceptronFeatures) add(parts ...string) {
	for j, p := range parts {
		if j > 0 {
			f.buf = append(f.buf, ' ')
		}
		f.buf = append(f.buf, p...)
	}
	f.ends = append(f.ends, len(f.buf))
}

// set makes f the features of word i, given the words' normalised
// context (two places of padding at each end) and the two tags before.
func (f *perceptronFeatures) set(i int, ctx []string, w, p1, p2 string) {
	f.buf, f.ends = f.buf[:0], f.ends[:0]
	i += 2
	prev, next := ctx[i-1], ctx[i+1]
	f.add("bias")
	f.add("i suffix", w[len(w)-min(len(w), 3):])
	// prose takes the first byte as a rune, whatever the word's script.
	f.add("i pref1", string(rune(w[0])))
	f.add("i-1 tag", p1)
	f.add("i-2 tag", p2)
	f.add("i tag+i-2 tag", p1, p2)
	f.add("i word", ctx[i])
	f.add("i-1 tag+i word", p1, ctx[i])
	f.add("i-1 word", prev)
	f.add("i-1 suffix", prev[len(prev)-min(len(prev), 3):])
	f.add("i-2 word", ctx[i-2])
	f.add("i+1 word", next)
	f.add("i+1 suffix", next[len(next)-min(len(next), 3):])
	f.add("i+2 word", ctx[i+2])
}

// normalizeWord is a word as the perceptron's context sees it: hyphenated
// words, years and numbers as classes, other words in lower case.
func normalizeWord(w string) string {
	switch {
	case w == "":
		return w
	case strings.Contains(w, "-") && w[0] != '-':
		return "!HYPHEN"
	case len(w) == 4 && isInt(w):
		return "!YEAR"
	case '0' <= w[0] && w[0] <= '9':
		return "!DIGITS"
	}
	return strings.ToLower(w)
}

// isInt reports whether strconv.Atoi accepts s, as prose asks.
func isInt(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}
