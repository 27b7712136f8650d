package extract

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestWordsData checks data/words.yaml as a linguist may edit it: words
// in lower case as the tokenizer gives them, each once in its list.
func TestWordsData(t *testing.T) {
	b, err := dataFS.ReadFile("data/words.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f map[string][]string
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for name, list := range f {
		seen := make(map[string]bool)
		for _, w := range list {
			switch {
			case w != strings.ToLower(w) || strings.TrimSpace(w) != w || strings.ContainsAny(w, " |"):
				t.Errorf("%s: %q is not one lower-case token", name, w)
			case seen[w]:
				t.Errorf("%s: %q twice", name, w)
			}
			seen[w] = true
		}
	}
	if _, err := loadWords(); err != nil {
		t.Fatal(err)
	}
}

// TestCueNegators checks that the negators a cue may contain are
// negators: the in-cue negation test takes the negators of cues.yaml
// less these.
func TestCueNegators(t *testing.T) {
	lx, err := loadLexicon()
	if err != nil {
		t.Fatal(err)
	}
	for w := range lx.words.cueNegators {
		if !lx.negators[w] {
			t.Errorf("cue negator %q is not in cues.yaml's negators", w)
		}
	}
}
