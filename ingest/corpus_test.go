package ingest_test

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/ingest"
)

// TestReadPageDemoCorpus reads every page of the demo corpus, six outlets'
// templates in three encodings, and checks the main text is exactly the
// labelled article text: no byline, caption, teaser or footer, nothing
// missing.
func TestReadPageDemoCorpus(t *testing.T) {
	var manifest struct {
		Pages []struct {
			Path        string `yaml:"path"`
			ID          string `yaml:"id"`
			ContentType string `yaml:"content_type"`
			Missing     bool   `yaml:"missing"`
		} `yaml:"pages"`
	}
	b, err := os.ReadFile("../demo/corpus/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	gold := make(map[string]string)
	f, err := os.Open("../demo/corpus/gold.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var g struct{ ID, Text string }
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatal(err)
		}
		gold[g.ID] = g.Text
	}
	pages := 0
	for _, p := range manifest.Pages {
		if p.Missing {
			continue
		}
		pages++
		r, err := os.Open("../demo/corpus/" + p.Path)
		if err != nil {
			t.Fatal(err)
		}
		page, err := ingest.ReadPage(r, p.ContentType)
		r.Close()
		if err != nil {
			t.Errorf("%s: %v", p.Path, err)
			continue
		}
		if got, want := strings.TrimSpace(page.Text), strings.TrimSpace(gold[p.ID]); got != want {
			t.Errorf("%s: text differs from the labelled text\n got  %.300q\n want %.300q", p.Path, got, want)
		}
	}
	if pages < 20 {
		t.Errorf("only %d pages in the corpus", pages)
	}
}
