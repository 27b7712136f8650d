package extract_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/extract"
)

var identityDump = flag.String("identity.dump", "", "TestIdentityDump: write what extraction makes of every labelled article to this file")

// TestIdentityDump writes, for every article of the labelled sets and the
// demo corpus, everything extraction makes of it: the events, the events
// and trace Explain gives, and every candidate with its keep-model
// features, one JSON line an article. It checks nothing itself: a change
// meant to keep extraction's output (a faster port of a model) is checked
// by dumping with the test binaries of the trees before and after and
// comparing the files, which must be equal:
//
//	go test ./extract -run TestIdentityDump -identity.dump /tmp/after.jsonl
//	cmp /tmp/before.jsonl /tmp/after.jsonl
//
// It uses only extract's exported API, so the same file dropped into an
// older tree dumps the same way.
func TestIdentityDump(t *testing.T) {
	if *identityDump == "" {
		t.Skip("-identity.dump FILE not given")
	}
	var files []string
	for _, pat := range []string{"../testdata/eval/*.jsonl", "../testdata/eval/train/*.jsonl", "../testdata/eval/train/*.jsonl", "../demo/corpus/gold.jsonl"} {
		more, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, more...)
	}
	x, err := extract.New()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(*identityDump)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	n := 0
	for _, f := range files {
		arts, err := eval.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range arts {
			doc, err := a.Document()
			if err != nil {
				t.Fatal(err)
			}
			explained, trace := x.Explain(doc)
			if err := enc.Encode(struct {
				File, ID   string
				Events     any
				Explained  any
				Trace      any
				Candidates any
			}{f, a.ID, x.Extract(doc), explained, trace, x.Candidates(doc)}); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d articles of %d files dumped to %s", n, len(files), *identityDump)
}

// TestDeterministic extracts every dev article twice, with its trace and
// its candidates, and requires the same bytes: a step that walks a map
// where order matters (as foldPartialBlocks once did) makes events,
// dates or the models' training data change from run to run, since Go
// orders map iteration afresh each time.
func TestDeterministic(t *testing.T) {
	files, err := filepath.Glob("../testdata/eval/dev/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dev files: %v", err)
	}
	x, err := extract.New()
	if err != nil {
		t.Fatal(err)
	}
	dump := func(doc extract.Document) []byte {
		explained, trace := x.Explain(doc)
		b, err := json.Marshal([]any{x.Extract(doc), explained, trace, x.Candidates(doc)})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	arts, docs := labelledDocuments(t, files...)
	for i, doc := range docs {
		if first, second := dump(doc), dump(doc); !bytes.Equal(first, second) {
			t.Errorf("%s: two extractions differ", arts[i].ID)
		}
	}
}
