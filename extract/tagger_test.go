package extract

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jdkato/prose/v2"
)

var (
	testXOnce sync.Once
	testX     *Extractor
	testXErr  error
)

// testExtractor builds one Extractor for the package's internal tests.
func testExtractor(t *testing.T) *Extractor {
	t.Helper()
	testXOnce.Do(func() { testX, testXErr = New() })
	if testXErr != nil {
		t.Fatal(testXErr)
	}
	return testX
}

// proseTagged is prose's own tokenization and tagging of text: the oracle
// the port must agree with.
func proseTagged(t *testing.T, x *Extractor, text string) (words, tags []string) {
	t.Helper()
	doc, err := prose.NewDocument(text, prose.UsingModel(x.model), prose.WithSegmentation(false), prose.WithExtraction(false))
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range doc.Tokens() {
		words = append(words, tok.Text)
		tags = append(tags, tok.Tag)
	}
	return words, tags
}

// tied reports whether tagging words meets a tie between the two best
// classes anywhere: prose's choice there depends on map order.
func tied(tg *tagger, words []string) bool {
	tags := tg.predict(words)
	ctx := tg.context(words)
	sc := tg.newScorer()
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
		sc.feats.set(i, ctx, w, p1, p2)
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
	skipUnderRace(t)
	x := testExtractor(t)
	var texts []string
	for _, f := range []string{"../testdata/eval/dev.jsonl", "../testdata/eval/extra.jsonl", "../testdata/eval/holdout.jsonl",
		"../testdata/eval/holdout2.jsonl", "../testdata/eval/holdout3.jsonl", "../demo/corpus/gold.jsonl"} {
		arts := articleTexts(t, f)
		for i := 0; i+1 < len(arts); i += 2 {
			a := x.analyze(Document{Title: arts[i], Text: arts[i+1], Published: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
			for _, s := range a.sents {
				texts = append(texts, s.text)
			}
			texts = append(texts, strings.ToLower(arts[i]))
		}
	}
	ties := 0
	for _, text := range texts {
		wantWords, wantTags := proseTagged(t, x, text)
		w := x.tags.words(text)
		if !slices.Equal(w.text, wantWords) {
			t.Errorf("%q:\n got words %q\nwant words %q", text, w.text, wantWords)
			continue
		}
		if tied(x.tags, w.text) {
			ties++
			continue
		}
		if got := x.tags.tag(w); !slices.Equal(got, wantTags) {
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
	x := testExtractor(t)
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
		wantWords, wantTags := proseTagged(t, x, text)
		w := x.tags.words(text)
		if got := x.tags.tag(w); !slices.Equal(w.text, wantWords) || !slices.Equal(got, wantTags) {
			t.Errorf("%q:\n got %q %q\nwant %q %q", text, w.text, got, wantWords, wantTags)
		}
	}
}

// TestTaggerSharedChunks checks the quirk the port keeps: prose tags each
// occurrence of a repeated chunk with the tag of the last.
func TestTaggerSharedChunks(t *testing.T) {
	x := testExtractor(t)
	w := x.tags.words("He said that the law that banned it was as well drafted as any.")
	raw, tags := x.tags.predict(w.text), x.tags.tag(w)
	var thats, ases []int
	for i, word := range w.text {
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
			t.Errorf("%q at %v tagged %q, want both %q (the last)", w.text[same[0]], same, []string{tags[same[0]], tags[same[1]]}, raw[same[1]])
		}
	}
	if raw[thats[0]] == raw[thats[1]] && raw[ases[0]] == raw[ases[1]] {
		t.Errorf("the sentence no longer tells the quirk apart: raw tags %q", raw)
	}
}

// TestTaggerSymbols checks data/tagger.yaml against prose: each emoticon
// stays one token, tagged SYM.
func TestTaggerSymbols(t *testing.T) {
	x := testExtractor(t)
	if len(x.tags.symbols) == 0 {
		t.Fatal("no symbols loaded")
	}
	for s := range x.tags.symbols {
		words, tags := proseTagged(t, x, s)
		if len(words) != 1 || words[0] != s || tags[0] != "SYM" {
			t.Errorf("prose gives %q %q for %q, want it whole and SYM", words, tags, s)
		}
	}
}
