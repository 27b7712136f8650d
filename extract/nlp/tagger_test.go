package nlp

import (
	"bufio"
	"encoding/json"
	"github.com/mingrammer/commonregex"
	"github.com/policywatch/policywatch/internal/race"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jdkato/prose/v2"
)

var (
	testOnce  sync.Once
	testTags  *Tagger
	testSeg   *Segmenter
	testEnts  *Recognizer
	testProse *prose.Model
	testErr   error
)

// testModels loads the models once for all tests: they are only read.
// The last is prose's own, the oracle the port must agree with.
func testModels(t testing.TB) (*Tagger, *Segmenter, *Recognizer, *prose.Model) {
	t.Helper()
	testOnce.Do(func() {
		testProse = prose.ModelFromData("policywatch")
		if testTags, testErr = NewTagger(); testErr != nil {
			return
		}
		if testEnts, testErr = NewRecognizer(testTags); testErr != nil {
			return
		}
		testSeg, testErr = NewSegmenter()
	})
	if testErr != nil {
		t.Fatal(testErr)
	}
	return testTags, testSeg, testEnts, testProse
}

// proseTagged is prose's own tokenization and tagging of text: the oracle
// the port must agree with.
func proseTagged(t *testing.T, m *prose.Model, text string) (words, tags []string) {
	t.Helper()
	doc, err := prose.NewDocument(text, prose.UsingModel(m), prose.WithSegmentation(false), prose.WithExtraction(false))
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range doc.Tokens() {
		words = append(words, tok.Text)
		tags = append(tags, tok.Tag)
	}
	return words, tags
}

// articleTexts reads the titles and texts of a labelled set, one after
// the other.
func articleTexts(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var a struct{ Title, Text string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, a.Title, a.Text)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// tied reports whether tagging words meets a tie between the two best
// classes anywhere: prose's choice there depends on map order.
func tied(tg *Tagger, words []string) bool {
	tags := tg.predict(words)
	ctx := tg.context(words)
	sc := tg.newScorer()
	sc.feats.lookUp(tg, ctx)
	for i, w := range words {
		if _, ok := tg.fixed(w); ok {
			continue
		}
		p1, p2 := "-START-", "-START2-"
		if i > 0 {
			p1 = tags[i-1]
		}
		if i > 1 {
			p2 = tags[i-2]
		}
		sc.feats.set(i, ctx, w, p1, p2, tg.tagID(p1), tg.tagID(p2), tg)
		sc.score(tg)
		var top []float64
		for c, s := range sc.scores {
			if sc.scored[c] {
				top = append(top, s)
			}
		}
		slices.Sort(top)
		if n := len(top); n > 1 && top[n-1]-top[n-2] < 1e-9 {
			return true
		}
	}
	return false
}

// TestTaggerMatchesProse tokenizes and tags every sentence of the
// labelled sets, and their headlines in lower case, with the port and with
// prose: the words must be the same, and so must the tags wherever no two
// classes tie.
func TestTaggerMatchesProse(t *testing.T) {
	if race.Enabled {
		t.Skip("one goroutine over the whole corpus: run without -race (make test does)")
	}
	tg, seg, _, pm := testModels(t)
	var texts []string
	for _, f := range []string{"../../testdata/eval/seed.jsonl", "../../testdata/eval/train/extra.jsonl", "../../testdata/eval/train/holdout.jsonl",
		"../../testdata/eval/train/holdout2.jsonl", "../../testdata/eval/train/holdout3.jsonl", "../../demo/corpus/gold.jsonl"} {
		arts := articleTexts(t, f)
		for i := 0; i+1 < len(arts); i += 2 {
			texts = append(texts, arts[i], strings.ToLower(arts[i]))
			for _, s := range seg.Segment(arts[i+1]) {
				for _, line := range strings.Split(s, "\n") {
					if line = strings.TrimSpace(line); line != "" {
						texts = append(texts, line)
					}
				}
			}
		}
	}
	ties := 0
	for _, text := range texts {
		wantWords, wantTags := proseTagged(t, pm, text)
		w := tg.Words(text)
		if !slices.Equal(w.Text, wantWords) {
			t.Errorf("%q:\n got words %q\nwant words %q", text, w.Text, wantWords)
			continue
		}
		if tied(tg, w.Text) {
			ties++
			continue
		}
		if got := tg.Tag(w); !slices.Equal(got, wantTags) {
			t.Errorf("%q:\n got tags %q\nwant tags %q", text, got, wantTags)
		}
	}
	t.Logf("%d texts, %d with a tie", len(texts), ties)
	if ties*100 > len(texts) {
		t.Errorf("%d of %d texts have ties: the test compares too little", ties, len(texts))
	}
}

// TestTokenizerQuirks compares the port with prose on text where prose's
// tokenizer does something particular.
func TestTokenizerQuirks(t *testing.T) {
	tg, _, _, pm := testModels(t)
	for _, text := range []string{
		"The U.S. and Mr. Smith don't agree; it's $100 (or so).",
		// A chunk starting with a contraction is dropped.
		"A 'social media' ban, 'massive' fines and 'll.",
		"“Quoted” and ‘single’ text, and &rsquo;entities&rsquo; too.",
		"Users replied :-) and ¯\\(ツ)/¯ and O.o on www.example.com, mail me@example.org or @handle.",
		"Tabs\tand\nnewlines  and double  spaces, trailing ",
		"*-1 0 -LRB- 2019-2020 1990s 24-hour state-run -",
		"İstanbul's KELVIN Kelvin ſtate",
		"",
		" ",
	} {
		wantWords, wantTags := proseTagged(t, pm, text)
		w := tg.Words(text)
		if got := tg.Tag(w); !slices.Equal(w.Text, wantWords) || !slices.Equal(got, wantTags) {
			t.Errorf("%q:\n got %q %q\nwant %q %q", text, w.Text, got, wantWords, wantTags)
		}
	}
}

// TestTaggerSharedChunks checks the quirk the port keeps: prose tags each
// occurrence of a repeated chunk with the tag of the last.
func TestTaggerSharedChunks(t *testing.T) {
	tg, _, _, _ := testModels(t)
	w := tg.Words("He said that the law that banned it was as well drafted as any.")
	raw, tags := tg.predict(w.Text), tg.Tag(w)
	var thats, ases []int
	for i, word := range w.Text {
		switch word {
		case "that":
			thats = append(thats, i)
		case "as":
			ases = append(ases, i)
		}
	}
	for _, same := range [][]int{thats, ases} {
		if len(same) != 2 || w.same[same[1]] != same[0] {
			t.Fatalf("positions %v do not share a token: %v", same, w.same)
		}
		if tags[same[0]] != raw[same[1]] || tags[same[1]] != raw[same[1]] {
			t.Errorf("%q at %v tagged %q, want both %q (the last)", w.Text[same[0]], same, []string{tags[same[0]], tags[same[1]]}, raw[same[1]])
		}
	}
	if raw[thats[0]] == raw[thats[1]] && raw[ases[0]] == raw[ases[1]] {
		t.Errorf("the sentence no longer tells the quirk apart: raw tags %q", raw)
	}
}

// TestTaggerSymbols checks data/tagger.yaml against prose: each emoticon
// stays one token, tagged SYM.
func TestTaggerSymbols(t *testing.T) {
	tg, _, _, pm := testModels(t)
	if len(tg.symbols) == 0 {
		t.Fatal("no symbols loaded")
	}
	for s := range tg.symbols {
		words, tags := proseTagged(t, pm, s)
		if len(words) != 1 || words[0] != s || tags[0] != "SYM" {
			t.Errorf("prose gives %q %q for %q, want it whole and SYM", words, tags, s)
		}
	}
}

// TestIsInternal holds isInternal to the expression prose matches tokens
// with, on tokens near its edges and on fuzzed ones (FuzzIsInternal).
func TestIsInternal(t *testing.T) {
	for _, s := range []string{"U.S.", "Mr.", "Mrs.", "Dr", "Mrss.", "u.s.", "U.S", "U.S.A.", "A.", "A.b.", "Ab.", "AB.", "aB.", "M.r", "É.U.", "U.É.", "", ".", "..", "a.b.c", "Mr.\n", "U..S"} {
		if got, want := isInternal(s), internalRE.MatchString(s); got != want {
			t.Errorf("isInternal(%q) = %v, want %v", s, got, want)
		}
	}
}

var internalRE = regexp.MustCompile(`^(?:[A-Za-z]\.){2,}$|^[A-Z][a-z]{1,2}\.$`)

func FuzzIsInternal(f *testing.F) {
	for _, s := range []string{"U.S.", "Mr.", "Mrs.", "a.b.", "Abc."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isInternal(s), internalRE.MatchString(s); got != want {
			t.Errorf("isInternal(%q) = %v, want %v", s, got, want)
		}
	})
}

// fixedByRegexps is fixed as it was before the checks that spare most
// words the regexps.
func (t *Tagger) fixedByRegexps(w string) (string, bool) {
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

func FuzzFixed(f *testing.F) {
	tg, _, _, _ := testModels(f)
	for _, w := range []string{"0", "00", "*", "**", "*T*", "*?*", "*-1", "*-123", "*-1234", "*EXP*-2", "*U*", "x*", "-LRB-", "-RRB-", "-lrb-", "-LRB", "LRB--", "-NONE-", "-ABCD-", "--", "-", "a", "0*", "*0", "", "the", ":-)"} {
		f.Add(w)
	}
	f.Fuzz(func(t *testing.T, w string) {
		gotTag, gotOK := tg.fixed(w)
		wantTag, wantOK := tg.fixedByRegexps(w)
		if gotTag != wantTag || gotOK != wantOK {
			t.Errorf("fixed(%q) = %q %v, want %q %v", w, gotTag, gotOK, wantTag, wantOK)
		}
	})
}
