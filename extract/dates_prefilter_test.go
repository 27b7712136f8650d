package extract

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/extract/internal/prefilter"
)

func TestPrefilterDerived(t *testing.T) {
	months := []string{"May", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	tests := []struct {
		expr string
		want []string // nil: no condition
		fold bool
	}{
		{`(?i)\blast week\b`, []string{"last week"}, true},
		{`(?i)\b(?:earlier |later )?this month\b`, []string{"this month"}, true},
		{`(?i)\b(?:today|tonight|this (?:morning|afternoon|evening))\b`, []string{"today", "tonight", "this morning", "this afternoon", "this evening"}, true},
		// A month name is needed, whatever the day around it.
		{`(\d{1,2})` + ordRE + `\s+(?:of\s+)?` + monthRE + `,?\s+(\d{4})`, months, false},
		// Case-sensitive parts beat shorter case-insensitive ones.
		{`(?i:in|by|of)\s+` + monthRE, months, false},
		{`(\d{4})-(\d{2})-(\d{2})`, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, false},
		{`Jun\.?`, []string{"Jun"}, false},
		// Nothing every match must contain.
		{`\w+`, nil, false},
		{`(?i:early|late)?\s*\d*`, nil, false},
		{`a|\w`, nil, false},
		{`ſtop`, nil, false},
	}
	for _, tt := range tests {
		p := prefilter.New(regexp.MustCompile(tt.expr))
		if !slices.Equal(p.Any, tt.want) || p.Any != nil && p.Fold != tt.fold {
			t.Errorf("%s: prefilter %q fold=%v, want %q fold=%v", tt.expr, p.Any, p.Fold, tt.want, tt.fold)
		}
	}
}

func TestPrefilterFolding(t *testing.T) {
	if got, want := prefilter.FoldASCII("LAST ſunday, \u212aiev, Zürich"), "last sunday, kiev, zürich"; got != want {
		t.Errorf("foldASCII = %q, want %q", got, want)
	}
	// Ignoring case, "s" matches a long s and "k" the Kelvin sign: the
	// prefilter must let them through.
	re := regexp.MustCompile(`(?i)this week`)
	for _, text := range []string{"THIS WEEK", "thiſ week", "this wee\u212a"} {
		if !re.MatchString(text) {
			t.Fatalf("%q does not match %s", text, re)
		}
		if !prefilter.New(re).Admits(text, prefilter.FoldASCII(text)) {
			t.Errorf("%s: prefilter rejects %q", re, text)
		}
	}
}

// TestPrefilterAdmitsMatches checks on every paragraph of the labelled
// articles, as written and in capitals, that no date rule
// is skipped where it would match, so findDatesIn finds what it would
// find without prefilters; and that the prefilters do skip most rules.
func TestPrefilterAdmitsMatches(t *testing.T) {
	skipUnderRace(t)
	var paras []string
	for _, f := range []string{"../testdata/eval/seed.jsonl", "../testdata/eval/train/extra.jsonl", "../testdata/eval/train/holdout.jsonl",
		"../testdata/eval/train/holdout2.jsonl", "../testdata/eval/train/holdout3.jsonl", "../demo/corpus/gold.jsonl"} {
		for _, text := range articleTexts(t, f) {
			for _, p := range splitParagraphs(normalizeText(text)) {
				paras = append(paras, p, strings.ToUpper(p))
			}
		}
	}
	matched, skipped, tried := 0, 0, 0
	for _, p := range paras {
		folded := prefilter.FoldASCII(p)
		for i, r := range dateRules {
			tried++
			admitted := datePrefilters[i].Admits(p, folded)
			if !admitted {
				skipped++
			}
			if r.re.MatchString(p) {
				matched++
				if !admitted {
					t.Errorf("rule %d (%s) matches but its prefilter rejects %q", i, r.re, p)
				}
			}
		}
	}
	if matched == 0 {
		t.Fatal("no date rule matched any paragraph")
	}
	if skipped*2 < tried {
		t.Errorf("prefilters skipped %d of %d rule runs, want most", skipped, tried)
	}
}

// articleTexts reads the titles and texts of a gold file.
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
