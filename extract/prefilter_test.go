package extract_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/extract"
)

// labelledSets are every gold file of the repository.
func labelledSets(t *testing.T) []string {
	t.Helper()
	files := []string{"../demo/corpus/gold.jsonl"}
	err := filepath.WalkDir("../testdata/eval", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".jsonl") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found only %d labelled sets: %v", len(files), files)
	}
	return files
}

// labelledDocuments reads the gold files and returns each article with
// the document extraction reads of it.
func labelledDocuments(tb testing.TB, files ...string) ([]eval.Article, []extract.Document) {
	tb.Helper()
	var arts []eval.Article
	var docs []extract.Document
	for _, f := range files {
		as, err := eval.Load(f)
		if err != nil {
			tb.Fatal(err)
		}
		for _, a := range as {
			doc, err := a.Document()
			if err != nil {
				tb.Fatalf("%s: %v", f, err)
			}
			arts, docs = append(arts, a), append(docs, doc)
		}
	}
	return arts, docs
}

// The prefilter drops no article that holds a labelled event, in any
// labelled set, and drops most of those that hold none.
func TestPrefilterKeepsEveryLabelledEvent(t *testing.T) {
	pf, err := extract.NewPrefilter()
	if err != nil {
		t.Fatal(err)
	}
	var withEvents, without, droppedWithout int
	arts, docs := labelledDocuments(t, labelledSets(t)...)
	for i, a := range arts {
		keep := pf.Keep(docs[i])
		if len(a.Events) == 0 {
			without++
			if !keep {
				droppedWithout++
			}
			continue
		}
		withEvents++
		if !keep {
			t.Errorf("article %s (%q) holds %d labelled events, and the prefilter drops it", a.ID, a.Title, len(a.Events))
		}
	}
	if withEvents < 300 {
		t.Fatalf("only %d labelled articles with events: are the sets read?", withEvents)
	}
	t.Logf("%d articles with labelled events; of the %d without, dropped %d", withEvents, without, droppedWithout)
}

// Every article the extractor itself finds an event in passes too: the
// prefilter must never stand between the extractor and an event, whether
// labelled or not.
func TestPrefilterKeepsWhatTheExtractorFinds(t *testing.T) {
	extract.SkipUnderRace(t)
	x := extractor(t)
	pf, err := x.Prefilter()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	arts, docs := labelledDocuments(t, labelledSets(t)...)
	for i, a := range arts {
		evs := x.Extract(docs[i])
		if len(evs) == 0 {
			continue
		}
		n++
		if !pf.Keep(docs[i]) {
			t.Errorf("article %s (%q): the extractor finds %d events, and the prefilter drops it", a.ID, a.Title, len(evs))
		}
	}
	t.Logf("%d articles with extracted events, all kept", n)
}

func TestPrefilterCases(t *testing.T) {
	pf, err := extract.NewPrefilter()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		title, text string
		keep        bool
	}{
		{"Russia blocks Telegram", "", true},
		{"", "Authorities in Iran cut access to the messaging app on Monday.", true},
		{"", "Pakistan's regulator banned TikTok.", true},
		{"", "The Kremlin ordered the blocking of Twich.", true},                                      // misspelt, as the extractor reads it
		{"", "Zero\u200bwidth: Russia blocked Tele\u200bgram.", true},                                 // joined, as the extractor reads it
		{"", "ERBIL, Aug 5 - Internet service will be cut for three hours a day.", true},              // a dateline in capitals
		{"", "Protesters in Russia said the ban on the app was unjust; us, we, signal, line.", false}, // proper names in their case
		{"Local team wins the cup", "The match in Manchester ended 2-1 after extra time.", false},
		{"", "Telegram launched a new feature in Russia.", false},        // no action
		{"", "Telegram blocked spam accounts, the company said.", false}, // no place
		{"", "France banned smoking in parks.", false},                   // no service
	} {
		if got := pf.Keep(extract.Document{Title: tc.title, Text: tc.text}); got != tc.keep {
			t.Errorf("Keep(%q, %q) = %v, want %v", tc.title, tc.text, got, tc.keep)
		}
	}
}
