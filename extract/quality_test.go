package extract_test

import (
	"os"
	"path/filepath"
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

func TestQualityReport(t *testing.T) {
	files, _ := filepath.Glob("../testdata/eval/*.jsonl")
	files = append(files, "../demo/corpus/gold.jsonl")
	if os.Getenv("PW_GOLD") != "" {
		files = []string{os.Getenv("PW_GOLD")}
	}
	x := extractor(t)
	for _, f := range files {
		arts, err := eval.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		r := eval.Score(arts, x)
		t.Logf("%s: P %.3f R %.3f F1 %.3f date %.3f reason %.3f (gold %d, got %d, matched %d)",
			f, r.Precision, r.Recall, r.F1, r.DateAccuracy, r.ReasonAgreement, r.Gold, r.Extracted, r.Matched)
		if os.Getenv("PW_VERBOSE") != "" {
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
	}
}

func TestConfidenceBins(t *testing.T) {
	if os.Getenv("PW_VERBOSE") == "" {
		t.Skip("diagnostic; set PW_VERBOSE=1")
	}
	x := extractor(t)
	files, _ := filepath.Glob("../testdata/eval/*.jsonl")
	files = append(files, "../demo/corpus/gold.jsonl")
	type bin struct{ n, ok int }
	bins := make([]bin, 10)
	for _, f := range files {
		arts, _ := eval.Load(f)
		for _, a := range arts {
			doc, _ := a.Document()
			for _, e := range x.Extract(doc) {
				b := min(int(e.Confidence*10), 9)
				bins[b].n++
				for _, g := range a.Events {
					if g.Country == e.Country && g.Service == e.Service && g.Action == string(e.Action) {
						bins[b].ok++
						break
					}
				}
			}
		}
	}
	for i, b := range bins {
		if b.n > 0 {
			t.Logf("%.1f-%.1f: %3d events, precision %.2f", float64(i)/10, float64(i+1)/10, b.n, float64(b.ok)/float64(b.n))
		}
	}
}
