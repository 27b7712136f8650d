package nlp

import (
	"flag"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jdkato/prose/v2"
	"github.com/policywatch/policywatch/internal/race"
)

var allSentences = flag.Bool("nlp.all", false, "TestRecognizerMatchesProse: compare every sentence, not one in five (a minute)")

// proseLabels is prose's own named-entity labelling of a sentence, as
// extraction asked prose for it before the port: the oracle.
func proseLabels(t *testing.T, m *prose.Model, text string) []string {
	t.Helper()
	doc, err := prose.NewDocument(text, prose.UsingModel(m), prose.WithSegmentation(false))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tok := range doc.Tokens() {
		out = append(out, tok.Label)
	}
	return out
}

// labelledSentences are the titles and the sentences of every labelled
// set and of the demo corpus, as extraction reads them.
func labelledSentences(t *testing.T, seg *Segmenter) []string {
	t.Helper()
	files, err := filepath.Glob("../../testdata/eval/*.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"train", "dev"} {
		more, err := filepath.Glob("../../testdata/eval/" + dir + "/*.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, more...)
	}
	files = append(files, "../../demo/corpus/gold.jsonl")
	if len(files) < 10 {
		t.Fatalf("found only %d labelled sets: %q", len(files), files)
	}
	var texts []string
	for _, f := range files {
		arts := articleTexts(t, f)
		for i := 0; i+1 < len(arts); i += 2 {
			texts = append(texts, arts[i])
			for _, s := range seg.Segment(arts[i+1]) {
				for _, line := range strings.Split(s, "\n") {
					if line = strings.TrimSpace(line); line != "" {
						texts = append(texts, line)
					}
				}
			}
		}
	}
	return texts
}

// TestRecognizerMatchesProse labels every title and sentence of the
// labelled sets and the demo corpus with the port and with prose: the
// labels must be the same wherever neither the tagger nor the recogniser
// meets two classes that score the same (where prose's choice changes
// from run to run). prose takes about 4 ms a sentence: by default one
// sentence in five is compared; -nlp.all compares all 12,000.
func TestRecognizerMatchesProse(t *testing.T) {
	if race.Enabled {
		t.Skip("one goroutine over the whole corpus: run without -race (make test does)")
	}
	tg, seg, r, pm := testModels(t)
	texts := labelledSentences(t, seg)
	if !*allSentences {
		var some []string
		for i := 0; i < len(texts); i += 5 {
			some = append(some, texts[i])
		}
		texts = some
	}
	tagTies, labelTies, entities := 0, 0, 0
	for _, text := range texts {
		w := tg.Words(text)
		if tied(tg, w.Text) {
			tagTies++
			continue
		}
		if _, ties := r.classify(w.Text, tg.Tag(w)); ties > 0 {
			labelTies++
			continue
		}
		want := proseLabels(t, pm, text)
		got := r.Labels(text)
		if !slices.Equal(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", text, got, want)
		}
		for _, l := range got {
			if l != "O" {
				entities++
			}
		}
	}
	t.Logf("%d texts, %d with a tie in tagging, %d in labelling; %d tokens in entities", len(texts), tagTies, labelTies, entities)
	if (tagTies+labelTies)*100 > len(texts) || entities*20 < len(texts) {
		t.Errorf("%d of %d texts have ties, %d tokens in entities: the test compares too little", tagTies+labelTies, len(texts), entities)
	}
}

// TestRecognizerQuirks compares the port with prose on sentences where
// prose does something particular: repeated chunks share a label, the
// word after the second has no shape, words of prose's word list.
func TestRecognizerQuirks(t *testing.T) {
	tg, _, r, pm := testModels(t)
	for _, text := range []string{
		"Jordan Peterson said Jordan blocked Telegram, and Jordan Peterson said so again.",
		"I told the Ministry of Communications of Iran that I would open a company in New York.",
		"President Putin met Xi Jinping in Beijing; Putin and Xi spoke of the U.S.",
		"Roskomnadzor (RKN) throttled Twitter in Russia on 10 March 2021 at 3.5 per cent.",
		"Türkiye’s BTK blocked Wikipedia — “temporarily” — in İstanbul and Ankara.",
		"1e5 Inf NaN 0x1p-2 1_000 -12 +3.4 3,000",
		"Mr. Smith's ban: the UK's Ofcom, the EU's DSA and the FBI.",
		"",
		" ",
		"Iran",
	} {
		w := tg.Words(text)
		if tied(tg, w.Text) {
			t.Errorf("%q: the tagger ties; choose another sentence", text)
			continue
		}
		if got, want := r.Labels(text), proseLabels(t, pm, text); !slices.Equal(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", text, got, want)
		}
	}
}

// TestRecognizerWordList checks data/prose-enwords.txt against prose: a
// word of the list labelled alone scores as prose scores it, and the list
// holds the 850 words prose's does.
func TestRecognizerWordList(t *testing.T) {
	_, _, r, _ := testModels(t)
	if len(r.enWords) != 850 || !r.enWords["I"] || !r.enWords["open"] || r.enWords["Open"] {
		t.Errorf("word list has %d words (want 850, with I and open, not Open)", len(r.enWords))
	}
}

// proseShape is prose's shape, as prose writes it.
func proseShape(word string) string {
	if _, err := strconv.ParseFloat(word, 64); err == nil {
		return "number"
	} else if regexp.MustCompile(`\W+$`).MatchString(word) {
		return "punct"
	} else if regexp.MustCompile(`\w+$`).MatchString(word) {
		if strings.ToLower(word) == word {
			return "downcase"
		} else if strings.Title(word) == word { //nolint:staticcheck // prose's rule
			return "upcase"
		}
		return "mixedcase"
	}
	return "other"
}

func FuzzShape(f *testing.F) {
	for _, s := range []string{"", "a", "A", "Ab", "aB", "AB", "1", "1.5e3", "x1", "_", "é", "É", "Aé", "a\xff", "!", "Inf", "U.S.", "McDonald"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := shape(s), proseShape(s); got != want {
			t.Errorf("shape(%q) = %q, want %q", s, got, want)
		}
	})
}
