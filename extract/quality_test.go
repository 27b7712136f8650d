package extract_test

import (
	"os"
	"sync"
	"testing"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/extract"
)

var (
	extractorOnce sync.Once
	sharedX       *extract.Extractor
	sharedErr     error
)

// extractor builds one Extractor for all tests: loading the tagger model
// takes about half a second.
func extractor(t testing.TB) *extract.Extractor {
	t.Helper()
	extractorOnce.Do(func() { sharedX, sharedErr = extract.New() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedX
}

// quality floors: the dev set must meet issue 3's targets; the other sets
// must not fall below the scores they had when the floor was last raised
// (see docs/QUALITY.md). Raise a floor when extraction improves.
var floors = []struct {
	file                            string
	precision, recall, date, reason float64
}{
	{"../testdata/eval/dev.jsonl", 0.92, 0.90, 0.85, 0.70},
	{"../testdata/eval/extra.jsonl", 0.93, 0.71, 0.82, 0.57},
	{"../demo/corpus/gold.jsonl", 0.94, 0.87, 0.80, 0.75},
	{"../testdata/eval/holdout.jsonl", 0.87, 0.80, 0.61, 0.45},
	{"../testdata/eval/holdout2.jsonl", 0.83, 0.70, 0.75, 0.44},
}

func TestQuality(t *testing.T) {
	x := extractor(t)
	for _, fl := range floors {
		arts, err := eval.Load(fl.file)
		if err != nil {
			t.Fatal(err)
		}
		r := eval.Score(arts, x)
		t.Logf("%s: P %.3f R %.3f F1 %.3f date %.3f reason %.3f (gold %d, got %d, matched %d)",
			fl.file, r.Precision, r.Recall, r.F1, r.DateAccuracy, r.ReasonAgreement, r.Gold, r.Extracted, r.Matched)
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"precision", r.Precision, fl.precision},
			{"recall", r.Recall, fl.recall},
			{"date accuracy", r.DateAccuracy, fl.date},
			{"reason agreement", r.ReasonAgreement, fl.reason},
		} {
			if c.got < c.want {
				t.Errorf("%s: %s %.3f fell below %.2f", fl.file, c.name, c.got, c.want)
			}
		}
		if os.Getenv("PW_VERBOSE") != "" {
			logErrors(t, r)
		}
	}
}

// TestQualityReport scores one gold file, for working on extraction:
// PW_GOLD=path PW_VERBOSE=1 go test ./extract -run TestQualityReport -v
func TestQualityReport(t *testing.T) {
	file := os.Getenv("PW_GOLD")
	if file == "" {
		t.Skip("set PW_GOLD to a gold file")
	}
	arts, err := eval.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	r := eval.Score(arts, extractor(t))
	t.Logf("%s: P %.3f R %.3f F1 %.3f date %.3f reason %.3f (gold %d, got %d, matched %d)",
		file, r.Precision, r.Recall, r.F1, r.DateAccuracy, r.ReasonAgreement, r.Gold, r.Extracted, r.Matched)
	logErrors(t, r)
}

func logErrors(t *testing.T, r eval.Report) {
	for _, ae := range r.Errors {
		for _, m := range ae.Missed {
			t.Logf("  %s MISSED %s/%s/%s %s %q", ae.ID, m.Country, m.Service, m.Action, m.Date, m.Reason)
		}
		for _, s := range ae.Spurious {
			t.Logf("  %s SPURIOUS %s/%s/%s %s %.2f %q", ae.ID, s.Country, s.Service, s.Action, s.Date, s.Confidence, s.Evidence)
		}
		for _, d := range ae.WrongDate {
			t.Logf("  %s DATE %s gold %s got %s", ae.ID, d.Triple, d.Gold, d.Got)
		}
		for _, d := range ae.WrongReason {
			t.Logf("  %s REASON %s gold %q got %q", ae.ID, d.Triple, d.Gold, d.Got)
		}
	}
}
