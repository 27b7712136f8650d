package extract

import (
	"regexp"
	"slices"
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
		// Nothing to fold: the e-mail addresses the tagger looks for.
		{`(?i)[a-z]+@[a-z]+`, []string{"@"}, false},
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
