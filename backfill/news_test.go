package backfill

import (
	"bytes"
	"testing"

	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/internal/textbench"
)

// On ordinary news (the pages of the article-text benchmark, none about
// a state acting against a service), the prefilter drops most articles.
func TestPrefilterDropsOrdinaryNews(t *testing.T) {
	pages, err := textbench.Load("../ingest/testdata/article-text")
	if err != nil {
		t.Fatal(err)
	}
	pf, err := extract.NewPrefilter()
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, p := range pages {
		page, err := ingest.ReadPage(bytes.NewReader(p.HTML), "text/html")
		if err != nil {
			t.Fatal(err)
		}
		if pf.Keep(extract.Document{Title: page.Title, Text: page.Text}) {
			kept++
		}
	}
	t.Logf("kept %d of %d ordinary news pages (dropped %.0f%%)", kept, len(pages), 100*float64(len(pages)-kept)/float64(len(pages)))
	if kept*2 > len(pages) {
		t.Errorf("kept %d of %d ordinary news pages; the prefilter should drop most", kept, len(pages))
	}
}
