package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/eval"
)

const devSet = "../../testdata/eval/seed.jsonl"

func TestEval(t *testing.T) {
	t.Parallel()
	out := must(t, "eval", devSet)
	scores := make(map[string]float64)
	for _, l := range strings.Split(out, "\n") {
		m := regexp.MustCompile(`^(precision|recall|F1|date accuracy|reason agreement)\s+(\d\.\d{3})\b`).FindStringSubmatch(l)
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil || v < 0 || v > 1 {
			t.Errorf("%s = %q, want a number from 0 to 1", m[1], m[2])
		}
		scores[m[1]] = v
	}
	for _, k := range []string{"precision", "recall", "F1", "date accuracy", "reason agreement"} {
		if _, ok := scores[k]; !ok {
			t.Errorf("eval prints no %s line:\n%s", k, out)
		}
	}
	if !strings.HasPrefix(out, devSet+": 1 articles") {
		t.Errorf("eval's first line does not name the file and its article count:\n%s", out)
	}

	r := policywatch(t, nil, "eval", "--json", devSet)
	if r.code != exitOK {
		t.Fatalf("eval --json: exit %d: %s", r.code, r.stderr)
	}
	var rep eval.Report
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil || dec.More() {
		t.Fatalf("eval --json is not one report (%v):\n%s", err, r.stdout)
	}
	if rep.Articles != 1 || rep.Gold == 0 || rep.F1 <= 0 {
		t.Errorf("eval --json: %d articles, %d gold events, F1 %v; want the dev article scored above 0", rep.Articles, rep.Gold, rep.F1)
	}
	// Both outputs are one score.
	if got := strconv.FormatFloat(rep.F1, 'f', 3, 64); got != strconv.FormatFloat(scores["F1"], 'f', 3, 64) {
		t.Errorf("F1 is %s as JSON and %.3f as text", got, scores["F1"])
	}
}

func TestEvalCut(t *testing.T) {
	t.Parallel()
	out := must(t, "eval", "-q", "--cut", "0.95,0.35", devSet)
	var cuts []string
	for _, m := range regexp.MustCompile(`(?m)^precision at confidence >= (\S+)\s+\d\.\d{3}\s+\(\d+/\d+; recall \d\.\d{3}, F1 \d\.\d{3}\)$`).FindAllStringSubmatch(out, -1) {
		cuts = append(cuts, m[1])
	}
	if strings.Join(cuts, " ") != "0.35 0.5 0.8 0.95" {
		t.Errorf("eval --cut 0.95,0.35 scored the cuts %v, want 0.35 0.5 0.8 0.95 in order:\n%s", cuts, out)
	}
	for _, bad := range []string{"1.5", "-0.1", "x"} {
		if r := policywatch(t, nil, "eval", "--cut", bad, devSet); r.code != exitUsage || !strings.Contains(r.stderr, "--cut") {
			t.Errorf("eval --cut %s: exit %d, stderr %q; want a usage error naming --cut", bad, r.code, r.stderr)
		}
	}
}

func TestEvalMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gold.jsonl")
	r := policywatch(t, nil, "eval", path)
	if r.code != exitFailure || !strings.Contains(r.stderr, path) {
		t.Errorf("eval of a missing file: exit %d, %q; want 1 naming the file", r.code, r.stderr)
	}
}

// Directories and several files score as one set; an id in two files is
// an error naming both.
func TestEvalDirectory(t *testing.T) {
	dir := t.TempDir()
	seed, err := os.ReadFile(devSet)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.jsonl"), seed, 0o644); err != nil {
		t.Fatal(err)
	}
	out := must(t, "eval", "-q", dir)
	if !strings.Contains(out, dir+": 1 articles, 6 gold events") {
		t.Fatalf("output %q", out)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.jsonl"), seed, 0o644); err != nil {
		t.Fatal(err)
	}
	r := policywatch(t, nil, "eval", dir)
	if r.code != 1 || !strings.Contains(r.stderr, `b.jsonl: id "seed-iran-telegram" is also in`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// An empty gold file fails instead of scoring a perfect nothing, and a
// file that is not JSON Lines is one line of error, not one per line.
func TestEvalNotGold(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.jsonl")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	csvFile := filepath.Join(dir, "events.csv")
	rows := "id,country,service\n" + strings.Repeat("a,RU,telegram\n", 400)
	if err := os.WriteFile(csvFile, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{empty, csvFile} {
		r := policywatch(t, nil, "eval", path)
		if r.code != exitFailure || !strings.Contains(r.stderr, path) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("eval %s: exit %d, stdout %q, stderr %.300q; want exit 1 and one line naming the file", path, r.code, r.stdout, r.stderr)
		}
	}
}

// --against scores a second labelling instead of extraction: the seed's
// own labels less one event miss exactly that one, and labels that leave
// an article out are refused, naming it.
func TestEvalAgainst(t *testing.T) {
	t.Parallel()
	arts, err := eval.Load(devSet)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeLabels := func(name string, lines ...any) string {
		var b strings.Builder
		for _, l := range lines {
			j, err := json.Marshal(l)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(append(j, '\n'))
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	a := arts[0]
	n := len(a.Events)
	less := writeLabels("less.jsonl", map[string]any{"id": a.ID, "events": a.Events[1:]})
	out := must(t, "eval", "-q", "--against", less, devSet)
	want := fmt.Sprintf("%s: 1 articles, %d gold events, %d extracted, %d matched", devSet, n, n-1, n-1)
	if !strings.HasPrefix(out, want) || !regexp.MustCompile(`(?m)^precision\s+1\.000`).MatchString(out) {
		t.Errorf("eval --against %s:\n%s\nwant it to begin %q with precision 1.000", less, out, want)
	}

	other := writeLabels("other.jsonl", map[string]any{"id": "someone-else", "events": []any{}})
	r := policywatch(t, nil, "eval", "--against", other, devSet)
	if r.code != exitFailure || !strings.Contains(r.stderr, "--against") || !strings.Contains(r.stderr, a.ID) {
		t.Errorf("eval --against labels of another article: exit %d, stderr %q; want 1 naming %s", r.code, r.stderr, a.ID)
	}
	bad := writeLabels("bad.jsonl", map[string]any{"id": a.ID, "events": []map[string]string{{"country": "IR", "service": "telegram", "action": "blocked"}}})
	r = policywatch(t, nil, "eval", "--against", bad, devSet)
	if r.code != exitFailure || !strings.Contains(r.stderr, bad+":1:") {
		t.Errorf("eval --against labels with an unknown action: exit %d, stderr %q; want 1 naming %s:1", r.code, r.stderr, bad)
	}
}

// A gold slug the catalogue knows by another name is that service, as
// SCHEMA.md folds aliases: the seed with "amazon-web-services" for aws
// scores as the seed does.
func TestEvalFoldsAliases(t *testing.T) {
	t.Parallel()
	seed, err := os.ReadFile(devSet)
	if err != nil {
		t.Fatal(err)
	}
	aliased := strings.Replace(string(seed), `"service": "aws"`, `"service": "amazon-web-services"`, 1)
	if aliased == string(seed) {
		t.Fatal("the seed has no aws event to rename")
	}
	path := filepath.Join(t.TempDir(), "aliased.jsonl")
	if err := os.WriteFile(path, []byte(aliased), 0o644); err != nil {
		t.Fatal(err)
	}
	score := func(file string) string {
		out := must(t, "eval", "-q", file)
		_, rest, _ := strings.Cut(out, ":")
		return rest
	}
	if a, b := score(path), score(devSet); a != b {
		t.Errorf("with the alias:\n%s\nwithout:\n%s", a, b)
	}
}

// --interval gives F1's range over resamplings of the stories, in the
// text and in the JSON.
func TestEvalInterval(t *testing.T) {
	t.Parallel()
	out := must(t, "eval", "-q", "--interval", devSet)
	if !regexp.MustCompile(`(?m)^F1\s+\d\.\d{3}\s+\(\d\.\d{3}-\d\.\d{3} in 95% of 1000 resamplings of the stories\)$`).MatchString(out) {
		t.Errorf("eval --interval prints no interval on the F1 line:\n%s", out)
	}
	r := policywatch(t, nil, "eval", "--json", "--interval", devSet)
	var rep eval.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.F1Interval == nil || rep.F1Interval.Draws != 1000 {
		t.Errorf("eval --json --interval: %v, interval %+v", err, rep.F1Interval)
	}
	if plain := must(t, "eval", "-q", devSet); strings.Contains(plain, "resamplings") {
		t.Errorf("eval without --interval resamples:\n%s", plain)
	}
}

// --baseline compares F1 with an earlier report of the same gold files:
// a run against its own report differs by nothing; a report of other
// articles, or a file that is no report, is an error naming the file.
func TestEvalBaseline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	r := policywatch(t, nil, "eval", "--json", devSet)
	if r.code != exitOK {
		t.Fatalf("eval --json: exit %d: %s", r.code, r.stderr)
	}
	if err := os.WriteFile(base, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	out := must(t, "eval", "-q", "--baseline", base, devSet)
	if !regexp.MustCompile(`(?m)^F1 against .*base\.json: \+0\.000 \((\d\.\d{3}) -> (\d\.\d{3}); \+0\.000 to \+0\.000 in 95% of 1000 paired resamplings of the stories\)$`).MatchString(out) {
		t.Errorf("eval --baseline of its own report:\n%s", out)
	}
	r = policywatch(t, nil, "eval", "--json", "--baseline", base, devSet)
	var rep struct {
		F1              float64
		AgainstBaseline *eval.Difference `json:"against_baseline"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.AgainstBaseline == nil || rep.AgainstBaseline.F1 != rep.F1 {
		t.Errorf("eval --json --baseline: %v, %+v", err, rep.AgainstBaseline)
	}

	other := filepath.Join(dir, "other.json")
	if err := os.WriteFile(other, []byte(`{"articles":2,"per_article":[{"id":"x","story":"x","gold":1},{"id":"y","story":"y"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	notReport := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(notReport, []byte("id,country\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{other, notReport, filepath.Join(dir, "missing.json")} {
		if r := policywatch(t, nil, "eval", "-q", "--baseline", path, devSet); r.code != exitFailure || !strings.Contains(r.stderr, filepath.Base(path)) {
			t.Errorf("eval --baseline %s: exit %d, stderr %q; want 1 naming the file", path, r.code, r.stderr)
		}
	}
}
