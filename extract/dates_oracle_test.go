package extract

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/extract/internal/prefilter"
)

// The date rules as regular expressions: what dateRules matched with
// before they were matched by hand (dates.go), kept as the oracle the
// matchers must agree with, rule by rule and group by group.
const (
	monthRE   = `(January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)`
	weekdayRE = `(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)`
	ordRE     = `(?:st|nd|rd|th)?`
)

var dateOracle = []*regexp.Regexp{
	regexp.MustCompile(`(?i:from|between)\s+(\d{1,2})` + ordRE + `\s+(?:to|and|until|till|through|-)\s+\d{1,2}` + ordRE + `\s+` + monthRE + `(?:,?\s+(\d{4}))?`),
	regexp.MustCompile(`(\d{1,2})` + ordRE + `\s*-\s*\d{1,2}` + ordRE + `\s+` + monthRE + `(?:,?\s+(\d{4}))?`),
	regexp.MustCompile(monthRE + `\s+(\d{1,2})` + ordRE + `\s*(?:-|to|through|until|and)\s*\d{1,2}` + ordRE + `(?:,?\s+(\d{4}))?`),
	regexp.MustCompile(`(\d{4})-(\d{2})-(\d{2})`),
	regexp.MustCompile(`(\d{1,2})` + ordRE + `\s+(?:of\s+)?` + monthRE + `,?\s+(\d{4})`),
	regexp.MustCompile(monthRE + `\s+(\d{1,2})` + ordRE + `,?\s+(\d{4})`),
	regexp.MustCompile(`(\d{1,2})` + ordRE + `\s+(?:of\s+)?` + monthRE + `(\s+(?:last|this|that)\s+year)?`),
	regexp.MustCompile(monthRE + `\s+(\d{1,2})` + ordRE + `\b(\s+(?:last|this|that)\s+year)?`),
	regexp.MustCompile(`(?:(?i:early|mid|late|mid-)\s*)?` + monthRE + `,?\s+(?:of\s+)?(\d{4})`),
	regexp.MustCompile(`(?i:(in|since|during|by|from|until|through|throughout|early|mid|late|mid-|of|last|this|that))\s+` + monthRE + `(\s+(?:last|this|that)\s+year)?\b`),
	regexp.MustCompile(`(?i)\b(?:the same|that) (month|day|week)\b`),
	regexp.MustCompile(`(?i:in|since|during|by|from|until|through|throughout|early|mid|late|mid-|of|around|before|after|back in)\s+((?:19|20)\d\d)\b`),
	regexp.MustCompile(`(?i)\b(?:today|tonight|this (?:morning|afternoon|evening))\b`),
	regexp.MustCompile(`(?i)\b(?:yesterday|last night|overnight)\b`),
	regexp.MustCompile(`(?i:\b(last|this|on|early|late|since|from|starting|until|by|next)\s+)?` + weekdayRE + `(?:\s+(?i:night|morning|evening|afternoon))?`),
	regexp.MustCompile(`(?i)\b(?:earlier |later )?this week\b`),
	regexp.MustCompile(`(?i)\blast week\b`),
	regexp.MustCompile(`(?i)\b(?:over|at|during) the weekend\b|\bthis weekend\b|\blast weekend\b`),
	regexp.MustCompile(`(?i)\b(?:earlier |later )?this month\b`),
	regexp.MustCompile(`(?i)\blast month\b`),
	regexp.MustCompile(`(?i)\b(?:earlier |later )?this year\b`),
	regexp.MustCompile(`(?i)\blast year\b`),
	regexp.MustCompile(`(?i)\b(last|this)\s+(summer|spring|autumn|fall)\b`),
	regexp.MustCompile(`(?i)\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(day|week|month|year)s?\s+ago\b`),
}

var oracleYearRE = regexp.MustCompile(`\b(19[89]\d|20\d\d)\b`)

// oraclePrefilters skip the expressions a text cannot match, as
// findDatesIn did, so that the oracle runs over every labelled paragraph
// in seconds.
var oraclePrefilters = func() []prefilter.Prefilter {
	out := make([]prefilter.Prefilter, len(dateOracle))
	for i, re := range dateOracle {
		out[i] = prefilter.New(re)
	}
	return out
}()

// ruleMatch is one match of one rule: where, and its groups' text.
type ruleMatch struct {
	rule, start, end int
	groups           [4]string
}

// oracleMatches are the rules' matches in text as the regular expressions
// find them, by rule.
func oracleMatches(text string) []ruleMatch {
	var out []ruleMatch
	folded := prefilter.FoldASCII(text)
	for ri, re := range dateOracle {
		if !oraclePrefilters[ri].Admits(text, folded) {
			continue
		}
		for _, loc := range re.FindAllStringSubmatchIndex(text, -1) {
			m := ruleMatch{rule: ri, start: loc[0], end: loc[1]}
			for g := 1; 2*g < len(loc); g++ {
				if loc[2*g] >= 0 {
					m.groups[g] = text[loc[2*g]:loc[2*g+1]]
				}
			}
			out = append(out, m)
		}
	}
	return out
}

// scannedMatches are the rules' matches as scanDates finds them, by rule.
func scannedMatches(text string) []ruleMatch {
	var out []ruleMatch
	scanDates(text, func(ri, start, end int, m []string) {
		rm := ruleMatch{rule: ri, start: start, end: end}
		copy(rm.groups[:], m)
		out = append(out, rm)
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].rule < out[j].rule })
	return out
}

// findDatesOracle is findDatesIn as it was with the regular expressions,
// given their matches in text.
func findDatesOracle(text string, matches []ruleMatch, c dateContext) []dateExpr {
	pub := c.pub
	var all []dateExpr
	// In reading order, as scanDates finds them: an expression may
	// resolve against one before it.
	matches = slices.Clone(matches)
	sort.SliceStable(matches, func(i, j int) bool {
		if matches[i].start != matches[j].start {
			return matches[i].start < matches[j].start
		}
		return matches[i].rule < matches[j].rule
	})
	for _, m := range matches {
		rc := c
		if ys := oracleYearRE.FindAllString(text[:m.start], -1); len(ys) > 0 {
			rc.year, _ = strconv.Atoi(ys[len(ys)-1])
		}
		if d, ok := lastBefore(all, m.start); ok {
			rc.last = d
		}
		if d := dateRules[m.rule].resolve(m.groups[:], rc); !d.zero() {
			all = append(all, dateExpr{start: m.start, end: m.end, value: d, rule: m.rule})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].start != all[j].start {
			return all[i].start < all[j].start
		}
		return all[i].end-all[i].start > all[j].end-all[j].start
	})
	var out []dateExpr
	for _, d := range all {
		if len(out) > 0 && d.start < out[len(out)-1].end {
			if last := out[len(out)-1]; d.rule < last.rule || d.rule == last.rule && d.end-d.start > last.end-last.start {
				out[len(out)-1] = d
			}
			continue
		}
		out = append(out, d)
	}
	kept := out[:0]
	for _, d := range out {
		if d.value.y >= 1990 && d.value.y <= pub.Year()+1 {
			before := strings.ToLower(strings.TrimSpace(text[max(0, d.start-8):d.start]))
			d.until = strings.HasSuffix(before, "until") || strings.HasSuffix(before, "till") ||
				strings.HasSuffix(before, "through") || strings.HasSuffix(before, "to") ||
				strings.HasPrefix(strings.ToLower(text[d.start:d.end]), "until")
			kept = append(kept, d)
		}
	}
	return dropNamedWeekdays(text, kept)
}

// sameAsOracle reports how the matchers and findDatesIn, in each
// context, differ from the regular expressions on text, or "".
func sameAsOracle(text string, cs ...dateContext) string {
	want := oracleMatches(text)
	if got := scannedMatches(text); !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("matches\n got %+v\nwant %+v", got, want)
	}
	for _, c := range cs {
		if got, want := findDatesIn(text, c), findDatesOracle(text, want, c); !reflect.DeepEqual(got, want) {
			return fmt.Sprintf("dates, %+v\n got %+v\nwant %+v", c, got, want)
		}
	}
	y, ok := lastYear(text)
	if ys := oracleYearRE.FindAllString(text, -1); ok != (len(ys) > 0) || ok && strconv.Itoa(y) != ys[len(ys)-1] {
		return fmt.Sprintf("lastYear = %d, %v; the expression finds %q", y, ok, ys)
	}
	return ""
}

// dateEdgeCases are texts where a hand matcher could part from the
// expressions: choices the regexp engine backs out of, case folding,
// runs of digits, words inside words.
var dateEdgeCases = []string{
	"Access was cut March 3through 7, 2018 and May 1th to 2.",
	"mid-May 2018, Mid-June of 2019, early  Jan. 2020, late Sept. 5, 2018, Sept 5 2018, Sep. 2019",
	"in Jan. and in Jan.x and in January last yearly, throughout May, through May, mid- May",
	"123 May 2018, 1234-56-789, 12018-04-16, 2018-04-169, May 123, March 3-712, 5th-6th May",
	"the same month, THE SAME DAY, that week, thaT Day, the samemonth, that weekend",
	"laſt weeK, thiſ week, LAST WEE\u212a, ſince Monday, \u212aday, ſix days ago, SIX Weeks Ago, 3 dayſ ago",
	"On Monday nights, last Mondays, nextMonday, xMonday, on  Friday morning, Starting Tuesday",
	"from 1st to 5th May, between 3 and 7 March, 2019, from 01 - 02 Jan., FROM 1 TILL 2 Sept. 2018",
	"therefrom 1 to 5 May, Berlin May 2018, Dismay 2018, xMay 2018, 1 of May 2018, 1 ofMay 2018",
	"back in 2019, Back In 1999, in 20199, in 1980, around 2021x, before 2020.",
	"a day ago, an hour ago, an days ago, one month ago., 12 months ago, 007 years ago, x5 days ago",
	"May 5 last year, 5 May this year, 5 May that  year, May 5 thatyear, 5 Mayor",
	"\xc5\xbf\xe2\x84\xaa\xff\xfeMay 5\xc5 2018 \xe2May 6, 2018",
	"İn May, ın May, \u0130N 2019, K\u0130ND",
	"Sept.\nSeptember 5,\t2018\r\fOct 7,2018",
	"yesterday, tonight, this evening, this eveningx, overnight, last night, today's",
	"earlier this week, later this month, earlier this yearly, Earlier This Year",
	"1 - 2 May, 1- 2 May, 1 -2 May, 1st - 2nd May 2018, 31-1 Dec, 3 - May",
}

// labelledTexts are the titles and paragraphs of every labelled article,
// as written, in capitals and in lower case.
func labelledTexts(t *testing.T) []string {
	t.Helper()
	files := []string{"../testdata/eval/seed.jsonl", "../demo/corpus/gold.jsonl"}
	for _, g := range []string{"../testdata/eval/train/*.jsonl", "../testdata/eval/dev/*.jsonl"} {
		m, err := filepath.Glob(g)
		if err != nil || len(m) == 0 {
			t.Fatalf("%s: %v (no files)", g, err)
		}
		files = append(files, m...)
	}
	var out []string
	for _, f := range files {
		for _, text := range articleTexts(t, f) {
			for _, p := range splitParagraphs(normalizeText(text)) {
				out = append(out, p, strings.ToUpper(p), strings.ToLower(p))
			}
		}
	}
	return out
}

// TestDatesMatchOracle holds the hand matchers to the regular expressions
// on every paragraph of every labelled article and on the edge cases:
// each rule finds the same expressions with the same groups, and
// findDatesIn gives the same dates, in several contexts.
func TestDatesMatchOracle(t *testing.T) {
	skipUnderRace(t)
	pub, jan := time.Date(2018, 4, 20, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	contexts := []dateContext{{pub: pub}, {pub: jan, future: true, year: 2016, last: date{2017, 3, 4}}}
	texts := append(labelledTexts(t), dateEdgeCases...)
	found := 0
	for _, text := range texts {
		found += len(oracleMatches(text))
		if diff := sameAsOracle(text, contexts...); diff != "" {
			t.Fatalf("%q: %s", text, diff)
		}
	}
	if found < 1000 {
		t.Errorf("the expressions matched %d times in %d texts: the labelled sets did not load", found, len(texts))
	}
}

// FuzzDatesMatchOracle holds the hand matchers to the regular expressions
// on any text.
func FuzzDatesMatchOracle(f *testing.F) {
	for _, s := range dateEdgeCases {
		f.Add(s)
	}
	c := dateContext{pub: time.Date(2018, 4, 20, 0, 0, 0, 0, time.UTC), year: 2016, last: date{2017, 3, 4}}
	f.Fuzz(func(t *testing.T, text string) {
		if diff := sameAsOracle(text, c); diff != "" {
			t.Fatalf("%q: %s", text, diff)
		}
	})
}

// articleTexts reads the titles and texts of a gold file.
func articleTexts(t testing.TB, path string) []string {
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

// BenchmarkFindDates measures finding the dates of every sentence of the
// demo corpus, as the regular expressions found them ("regexp", with the
// prefilters that skipped the rules a sentence cannot match) and as the
// hand matchers do ("scan"), side by side. One op is the whole corpus.
func BenchmarkFindDates(b *testing.B) {
	x, err := New()
	if err != nil {
		b.Fatal(err)
	}
	var sents []string
	for _, text := range articleTexts(b, "../demo/corpus/gold.jsonl") {
		for _, s := range x.splitSentences(splitParagraphs(normalizeText(text))) {
			sents = append(sents, s.orig)
		}
	}
	c := dateContext{pub: time.Date(2018, 4, 20, 0, 0, 0, 0, time.UTC)}
	b.Run("regexp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, s := range sents {
				findDatesOracle(s, oracleMatches(s), c)
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, s := range sents {
				findDatesIn(s, c)
			}
		}
	})
}
