package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/event"
)

func TestFileBatch(t *testing.T) {
	out := t.TempDir()
	cat, err := event.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	batch := filepath.Join(t.TempDir(), "b1.jsonl")
	var lines []string
	for i := range 40 {
		id := "b1-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		date := fmt.Sprintf("2020-%02d-%02d", 1+i/28, 1+i%28)
		lines = append(lines, `{"id":"`+id+`","story":"s`+id+`","url":"https://example.org/`+id+`","title":"T","published":"2020-12-31","text":"Text.","events":[{"country":"RU","service":"facebook-messenger","action":"block","date":"`+date+`","reason":""},{"country":"RU","service":"messenger","action":"block","date":"`+date+`","reason":""}]}`)
	}
	if err := os.WriteFile(batch, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{batch}, out, 35, cat); err != nil {
		t.Fatal(err)
	}
	train, _ := loadDir(filepath.Join(out, "train"))
	dev, _ := loadDir(filepath.Join(out, "dev"))
	if len(train)+len(dev) != 40 || len(train) == 0 || len(dev) == 0 {
		t.Fatalf("%d train, %d dev of 40", len(train), len(dev))
	}
	for _, a := range append(train, dev...) {
		// facebook-messenger folds to messenger, and the two are one event.
		if len(a.Events) != 1 || a.Events[0].Service != "messenger" {
			t.Errorf("%s: events %+v", a.ID, a.Events)
		}
	}
	// Filing the same batch again is an error naming the id, not a copy.
	if err := run([]string{batch}, out, 35, cat); err == nil || !strings.Contains(err.Error(), "is filed already") {
		t.Errorf("filing twice: %v", err)
	}
	var _ []eval.Article = train
}
