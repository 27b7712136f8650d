// Ported from prose v2.0.0's tag.go; see LICENSE.prose.

package nlp

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

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
	// The weights of the features that depend on no word but the first
	// byte of one, or on the tags before it, taken from weights once so
	// that each word looks up five features fewer in that large map.
	bias  []classWeight
	pref1 [256][]classWeight
	// tagIDs number the tags a word can follow: the classes by their
	// index, then the start markers and the tags given without scoring.
	tagIDs      map[string]int
	prevTag     [][]classWeight // "i-1 tag", by tag id
	prevPrevTag [][]classWeight // "i-2 tag", by tag id
	tagPair     [][]classWeight // "i tag+i-2 tag", by id of i-1 times len(tagIDs) plus id of i-2
	// words and suffixes hold the features of a word, and of its last
	// three bytes, at each place around the word being tagged, so that
	// one look-up serves five features or three.
	words    map[string]*wordWeights
	suffixes map[string]*suffixWeights
	// symbols are the emoticons, kept whole and tagged SYM.
	symbols map[string]bool
	// scorers are working spaces for predict, kept from sentence to
	// sentence: allocating one for each was a tenth of tagging's garbage.
	scorers sync.Pool
}

// wordWeights are the weights of the features "i word", "i-1 word",
// "i-2 word", "i+1 word" and "i+2 word" of one word, and of "i-1 tag+i
// word" by the id of the tag before it.
type wordWeights struct {
	at, prev, prev2, next, next2 []classWeight
	afterTag                     []tagWeights // by tag id
}

type tagWeights struct {
	tag int
	cws []classWeight
}

// after is the weights of the word after the tag with id tag.
func (ww *wordWeights) after(tag int) []classWeight {
	for _, tw := range ww.afterTag {
		if tw.tag == tag {
			return tw.cws
		}
	}
	return nil
}

// suffixWeights are the weights of "i suffix", "i-1 suffix" and
// "i+1 suffix" of one suffix.
type suffixWeights struct {
	at, prev, next []classWeight
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
	if err := t.indexTagFeatures(); err != nil {
		return nil, err
	}
	t.indexWordFeatures()
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

// indexWordFeatures moves the features of words and suffixes from the
// weights map into words and suffixes.
func (t *Tagger) indexWordFeatures() {
	t.words = make(map[string]*wordWeights)
	t.suffixes = make(map[string]*suffixWeights)
	word := func(w string) *wordWeights {
		ww := t.words[w]
		if ww == nil {
			ww = new(wordWeights)
			t.words[w] = ww
		}
		return ww
	}
	suffix := func(s string) *suffixWeights {
		sw := t.suffixes[s]
		if sw == nil {
			sw = new(suffixWeights)
			t.suffixes[s] = sw
		}
		return sw
	}
	for feat, cws := range t.weights {
		name, value, _ := strings.Cut(feat, " ")
		if name != "i" && name != "i-1" && name != "i-2" && name != "i+1" && name != "i+2" {
			continue
		}
		kind, value, _ := strings.Cut(value, " ")
		if name+" "+kind == "i-1 tag+i" {
			// "i-1 tag+i word TAG WORD": no tag the tables hold has a
			// space, so the first space ends the tag. The feature stays
			// in weights too, for the tags they do not hold.
			if rest, ok := strings.CutPrefix(value, "word "); ok {
				tag, w, _ := strings.Cut(rest, " ")
				if id, ok := t.tagIDs[tag]; ok {
					ww := word(w)
					ww.afterTag = append(ww.afterTag, tagWeights{id, cws})
				}
			}
			continue
		}
		switch name + " " + kind {
		case "i word":
			word(value).at = cws
		case "i-1 word":
			word(value).prev = cws
		case "i-2 word":
			word(value).prev2 = cws
		case "i+1 word":
			word(value).next = cws
		case "i+2 word":
			word(value).next2 = cws
		case "i suffix":
			suffix(value).at = cws
		case "i-1 suffix":
			suffix(value).prev = cws
		case "i+1 suffix":
			suffix(value).next = cws
		default:
			continue
		}
		delete(t.weights, feat)
	}
}

// indexTagFeatures takes the features that need no word out of the
// weights map into arrays.
func (t *Tagger) indexTagFeatures() error {
	t.bias = t.weights["bias"]
	for b := range t.pref1 {
		t.pref1[b] = t.weights["i pref1 "+string(rune(b))]
	}
	tags := slices.Clone(t.classes)
	tags = append(tags, "-START-", "-START2-", "-", "SYM", "NN", "-NONE-")
	for _, tag := range t.tagMap {
		tags = append(tags, tag)
	}
	t.tagIDs = make(map[string]int)
	for _, tag := range tags {
		if _, ok := t.tagIDs[tag]; !ok {
			t.tagIDs[tag] = len(t.tagIDs)
		}
	}
	for tag := range t.tagIDs {
		if strings.Contains(tag, " ") {
			// indexWordFeatures splits features at spaces.
			return fmt.Errorf("nlp: prose Tagger model: tag %q has a space", tag)
		}
	}
	n := len(t.tagIDs)
	t.prevTag, t.prevPrevTag, t.tagPair = make([][]classWeight, n), make([][]classWeight, n), make([][]classWeight, n*n)
	for p1, i := range t.tagIDs {
		t.prevTag[i] = t.weights["i-1 tag "+p1]
		t.prevPrevTag[i] = t.weights["i-2 tag "+p1]
		for p2, j := range t.tagIDs {
			t.tagPair[i*n+j] = t.weights["i tag+i-2 tag "+p1+" "+p2]
		}
	}
	return nil
}

// tagID is tag's id, or -1 for a tag the tables do not hold.
func (t *Tagger) tagID(tag string) int {
	if id, ok := t.tagIDs[tag]; ok {
		return id
	}
	return -1
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
	sc, _ := t.scorers.Get().(*scorer)
	if sc == nil {
		sc = t.newScorer()
	}
	defer t.scorers.Put(sc)
	sc.feats.lookUp(t, ctx)
	p1, p2 := "-START-", "-START2-"
	id1, id2 := t.tagID(p1), t.tagID(p2)
	for i, word := range words {
		tag, ok := t.fixed(word)
		id := -1
		if ok {
			id = t.tagID(tag)
		} else {
			sc.feats.set(i, ctx, word, p1, p2, id1, id2, t)
			id = sc.best(t)
			tag = t.classes[id]
		}
		tags[i] = tag
		p2, p1 = p1, tag
		id2, id1 = id1, id
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
	// Only "0" and words starting with "*" can be traces, and only
	// five-byte words starting with "-" tags; most words are neither,
	// and the regexp engine was a tenth of tagging.
	case (w == "0" || strings.HasPrefix(w, "*")) && reNone.MatchString(w):
		return "-NONE-", true
	case len(w) == 5 && w[0] == '-' && reKeep.MatchString(w):
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

// score sums the weights of the features for each class, feature by
// feature in prose's order, so that the sums round as prose's do.
func (sc *scorer) score(t *Tagger) {
	clear(sc.scores)
	clear(sc.scored)
	for _, cws := range sc.feats.weights {
		for _, cw := range cws {
			sc.scores[cw.class] += cw.w
			sc.scored[cw.class] = true
		}
	}
}

// perceptronFeatures are the weights of a word's features, in the order
// prose's featurize names them.
type perceptronFeatures struct {
	weights [14][]classWeight
	n       int
	// words and suffixes are the weights of the words of the context
	// and of their suffixes, by place.
	words    []*wordWeights
	suffixes []*suffixWeights
	buf      []byte // the name of a feature looked up in the weights map
}

var (
	noWord   wordWeights
	noSuffix suffixWeights
)

// lookUp finds the weights of the words of ctx and of their suffixes.
func (f *perceptronFeatures) lookUp(t *Tagger, ctx []string) {
	f.words, f.suffixes = f.words[:0], f.suffixes[:0]
	for _, w := range ctx {
		ww := t.words[w]
		if ww == nil {
			ww = &noWord
		}
		sw := t.suffixes[suffix(w)]
		if sw == nil {
			sw = &noSuffix
		}
		f.words, f.suffixes = append(f.words, ww), append(f.suffixes, sw)
	}
}

// suffix is the last three bytes of w, as prose cuts them.
func suffix(w string) string { return w[len(w)-min(len(w), 3):] }

// add looks up the feature named by parts joined with spaces.
func (f *perceptronFeatures) add(t *Tagger, parts ...string) {
	f.buf = f.buf[:0]
	for j, p := range parts {
		if j > 0 {
			f.buf = append(f.buf, ' ')
		}
		f.buf = append(f.buf, p...)
	}
	f.put(t.weights[string(f.buf)])
}

func (f *perceptronFeatures) put(cws []classWeight) {
	f.weights[f.n] = cws
	f.n++
}

// set makes f the features of word i, given the words' normalised
// context (two places of padding at each end, looked up by lookUp) and
// the two tags before, with their ids (-1 for a tag the tables do not
// hold).
func (f *perceptronFeatures) set(i int, ctx []string, w, p1, p2 string, id1, id2 int, t *Tagger) {
	f.n = 0
	i += 2
	f.put(t.bias)
	if sw := t.suffixes[suffix(w)]; sw != nil {
		f.put(sw.at)
	} else {
		f.put(nil)
	}
	// prose takes the first byte as a rune, whatever the word's script.
	f.put(t.pref1[w[0]])
	if id1 >= 0 && id2 >= 0 {
		f.put(t.prevTag[id1])
		f.put(t.prevPrevTag[id2])
		f.put(t.tagPair[id1*len(t.tagIDs)+id2])
	} else {
		f.add(t, "i-1 tag", p1)
		f.add(t, "i-2 tag", p2)
		f.add(t, "i tag+i-2 tag", p1, p2)
	}
	f.put(f.words[i].at)
	if id1 >= 0 {
		f.put(f.words[i].after(id1))
	} else {
		f.add(t, "i-1 tag+i word", p1, ctx[i])
	}
	f.put(f.words[i-1].prev)
	f.put(f.suffixes[i-1].prev)
	f.put(f.words[i-2].prev2)
	f.put(f.words[i+1].next)
	f.put(f.suffixes[i+1].next)
	f.put(f.words[i+2].next2)
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
