package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/event"
)

func (a *app) evalCmd() *cobra.Command {
	var asJSON, quiet, interval bool
	var cuts []float64
	var against []string
	var baseline string
	cmd := &cobra.Command{
		Use:   "eval FILE.jsonl|DIR...",
		Short: "Score extraction on labelled gold files",
		Long: `Eval runs extraction over every article of gold files (JSON Lines, the format
of SCHEMA.md; a directory stands for the *.jsonl files in it, all scored as
one set) and scores it as SCHEMA.md "Scoring" defines, a gold service slug
the catalogue knows by another name folded to the catalogue's (SCHEMA.md:
aliases fold to one slug; "facebook-messenger" is messenger): precision, recall
and F1 over (country, service, action) triples; of the matched events, date
accuracy (equal at the gold precision) and reason agreement (token F1 >= 0.5,
or both empty); precision, recall and F1 of the events at or above
confidence 0.5 and 0.8, and at each --cut; and, per article, the missed and
spurious events and the wrong dates and reasons.

--cut scores the set as if the keep threshold were there: how a blind
batch would have scored at another threshold. Events under the extractor's
own threshold are never extracted, so a cut under it scores as the
threshold does.

--interval resamples the set's stories (an article's "story", or the
article alone), with replacement, a thousand times and gives the range F1
lies in for 95% of them: how precisely the set measures the extractor,
since another set of stories like these could score anywhere in it.
Retellings of one episode are drawn together.

--baseline REPORT.json compares this run's F1 with a report 'eval --json'
wrote earlier of the same gold files (another extractor's, say): the
difference, and the range it lies in for 95% of a thousand resamplings
of the stories, each drawn with both runs' counts of it. A difference
whose range holds 0 is not one the set can tell from chance.

--against scores another labelling of the same articles instead of
extraction: files (or directories of them) of JSON lines with an
article's "id" and its "events" (a gold file's lines will do), every article of the gold files labelled
once. It says how far two labellers agree, the most an extractor can be
expected to agree with either.`,
		Example: `  policywatch eval testdata/eval/dev
  policywatch eval testdata/eval/seed.jsonl
  policywatch eval --json testdata/eval/dev | jq .f1
  policywatch eval -q --cut 0.3,0.34,0.4 testdata/eval/dev
  policywatch eval -q --against relabel.jsonl batch.jsonl
  policywatch eval --json batch.jsonl > before.json   # then, after a change:
  policywatch eval -q --baseline before.json batch.jsonl`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("eval takes gold files or directories of them")
			}
			for _, c := range cuts {
				if c < 0 || c > 1 || math.IsNaN(c) {
					return usagef("--cut %v: a confidence is from 0 to 1", c)
				}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			articles, err := eval.LoadAll(args...)
			if err != nil {
				return err
			}
			cat, err := event.LoadCatalog()
			if err != nil {
				return err
			}
			eval.Fold(articles, cat)
			var x eval.Extractor
			if len(against) > 0 {
				l, err := eval.LoadLabels(against...)
				if err != nil {
					return err
				}
				l.Fold(cat)
				if err := l.Covers(articles); err != nil {
					return fmt.Errorf("--against: %w", err)
				}
				x = l
			} else {
				ex, err := newExtractor()
				if err != nil {
					return err
				}
				x = ex
			}
			r := eval.Score(articles, x, cuts...)
			if interval {
				r.Bootstrap(bootstrapDraws)
			}
			var diff *eval.Difference
			if baseline != "" {
				base, err := readReport(baseline)
				if err != nil {
					return err
				}
				d, err := eval.Compare(base, r, bootstrapDraws)
				if err != nil {
					return fmt.Errorf("--baseline %s: %w", baseline, err)
				}
				diff = &d
			}
			if asJSON {
				if diff != nil {
					return writeJSON(a.stdout, struct {
						eval.Report
						AgainstBaseline *eval.Difference `json:"against_baseline"`
					}{r, diff})
				}
				return writeJSON(a.stdout, r)
			}
			printReport(a.stdout, strings.Join(args, " "), r, !quiet)
			if diff != nil {
				fmt.Fprintf(a.stdout, "\nF1 against %s: %+.3f (%.3f -> %.3f; %+.3f to %+.3f in 95%% of %d paired resamplings of the stories)\n",
					baseline, diff.Diff, diff.BaseF1, diff.F1, diff.Interval.Low, diff.Interval.High, diff.Interval.Draws)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print the scores only, not the per-article errors")
	cmd.Flags().Float64SliceVar(&cuts, "cut", nil, "also score the events at or above these confidences (repeat or comma-separate)")
	cmd.Flags().BoolVar(&interval, "interval", false, "also give the range F1 lies in for 95% of resamplings of the set's stories")
	cmd.Flags().StringVar(&baseline, "baseline", "", "compare F1 with a report `eval --json` wrote of the same gold files")
	cmd.Flags().StringSliceVar(&against, "against", nil, "score this labelling of the same articles instead of extraction (repeat or comma-separate)")
	return cmd
}

// bootstrapDraws is how many resamplings --interval reads: enough that
// the interval's ends move by about 0.005 from one seed to another on
// dev.
const bootstrapDraws = 1000

// readReport reads a report eval --json wrote.
func readReport(path string) (eval.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return eval.Report{}, fmt.Errorf("--baseline: %w", err)
	}
	var r eval.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return eval.Report{}, fmt.Errorf("--baseline %s: not a report of eval --json: %w", path, err)
	}
	if len(r.PerArticle) == 0 {
		return eval.Report{}, fmt.Errorf("--baseline %s: the report has no per-article counts (per_article): write it again with this version's eval --json", path)
	}
	return r, nil
}

func printReport(w io.Writer, name string, r eval.Report, details bool) {
	fmt.Fprintf(w, "%s: %d articles, %d gold events, %d extracted, %d matched\n\n", name, r.Articles, r.Gold, r.Extracted, r.Matched)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "precision\t%.3f\t(%d/%d)\n", r.Precision, r.Matched, r.Extracted)
	fmt.Fprintf(tw, "recall\t%.3f\t(%d/%d)\n", r.Recall, r.Matched, r.Gold)
	if iv := r.F1Interval; iv != nil {
		fmt.Fprintf(tw, "F1\t%.3f\t(%.3f-%.3f in 95%% of %d resamplings of the stories)\n", r.F1, iv.Low, iv.High, iv.Draws)
	} else {
		fmt.Fprintf(tw, "F1\t%.3f\t\n", r.F1)
	}
	fmt.Fprintf(tw, "date accuracy\t%.3f\t(%d/%d matched)\n", r.DateAccuracy, r.DatesCorrect, r.Matched)
	fmt.Fprintf(tw, "reason agreement\t%.3f\t(%d/%d matched)\n", r.ReasonAgreement, r.ReasonsAgree, r.Matched)
	keys := slices.Collect(maps.Keys(r.PrecisionAt))
	slices.SortFunc(keys, func(a, b string) int {
		x, _ := strconv.ParseFloat(a, 64)
		y, _ := strconv.ParseFloat(b, 64)
		return cmp.Compare(x, y)
	})
	for _, k := range keys {
		c := r.PrecisionAt[k]
		fmt.Fprintf(tw, "precision at confidence >= %s\t%.3f\t(%d/%d; recall %.3f, F1 %.3f)\n", k, c.Precision, c.Matched, c.Extracted, c.Recall, c.F1)
	}
	tw.Flush()
	if !details || len(r.Errors) == 0 {
		return
	}
	fmt.Fprintln(w, "\nErrors by article:")
	for _, ae := range r.Errors {
		fmt.Fprintf(w, "\n  %s\n", ae.ID)
		for _, m := range ae.Missed {
			fmt.Fprintf(w, "    missed    %s/%s/%s  %s  %q\n", m.Country, m.Service, m.Action, m.Date, m.Reason)
		}
		for _, s := range ae.Spurious {
			ev := ""
			if len(s.Evidence) > 0 {
				ev = cut(s.Evidence[0], 100)
			}
			fmt.Fprintf(w, "    spurious  %s/%s/%s  %s  (%.2f) %s\n", s.Country, s.Service, s.Action, s.Date, s.Confidence, ev)
		}
		for _, d := range ae.WrongDate {
			fmt.Fprintf(w, "    date      %s  gold %s, got %s\n", d.Triple, d.Gold, d.Got)
		}
		for _, d := range ae.WrongReason {
			fmt.Fprintf(w, "    reason    %s\n              gold %q\n              got  %q\n", d.Triple, d.Gold, strings.TrimSpace(d.Got))
		}
	}
}
