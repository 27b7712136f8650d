package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/eval"
)

func (a *app) evalCmd() *cobra.Command {
	var asJSON, quiet bool
	cmd := &cobra.Command{
		Use:   "eval FILE.jsonl|DIR...",
		Short: "Score extraction on labelled gold files",
		Long: `Eval runs extraction over every article of gold files (JSON Lines, the format
of SCHEMA.md; a directory stands for the *.jsonl files in it, all scored as
one set) and scores it as SCHEMA.md "Scoring" defines: precision, recall
and F1 over (country, service, action) triples; of the matched events, date
accuracy (equal at the gold precision) and reason agreement (token F1 >= 0.5,
or both empty); precision at confidence 0.5 and 0.8; and, per article, the
missed and spurious events and the wrong dates and reasons.`,
		Example: `  policywatch eval testdata/eval/dev
  policywatch eval testdata/eval/seed.jsonl
  policywatch eval --json testdata/eval/dev | jq .f1`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("eval takes gold files or directories of them")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			articles, err := eval.LoadAll(args...)
			if err != nil {
				return err
			}
			x, err := newExtractor()
			if err != nil {
				return err
			}
			r := eval.Score(articles, x)
			if asJSON {
				return writeJSON(a.stdout, r)
			}
			printReport(a.stdout, strings.Join(args, " "), r, !quiet)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print the scores only, not the per-article errors")
	return cmd
}

func printReport(w io.Writer, name string, r eval.Report, details bool) {
	fmt.Fprintf(w, "%s: %d articles, %d gold events, %d extracted, %d matched\n\n", name, r.Articles, r.Gold, r.Extracted, r.Matched)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "precision\t%.3f\t(%d/%d)\n", r.Precision, r.Matched, r.Extracted)
	fmt.Fprintf(tw, "recall\t%.3f\t(%d/%d)\n", r.Recall, r.Matched, r.Gold)
	fmt.Fprintf(tw, "F1\t%.3f\t\n", r.F1)
	fmt.Fprintf(tw, "date accuracy\t%.3f\t(%d/%d matched)\n", r.DateAccuracy, r.DatesCorrect, r.Matched)
	fmt.Fprintf(tw, "reason agreement\t%.3f\t(%d/%d matched)\n", r.ReasonAgreement, r.ReasonsAgree, r.Matched)
	for _, k := range []string{"0.5", "0.8"} {
		c := r.PrecisionAt[k]
		fmt.Fprintf(tw, "precision at confidence >= %s\t%.3f\t(%d/%d; recall %.3f)\n", k, c.Precision, c.Matched, c.Extracted, c.Recall)
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
