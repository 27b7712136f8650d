// Command splitlabels files new batches of labelled articles into the
// train and dev sets, by story, so that no episode sits on both sides:
//
//	go run ./internal/tools/splitlabels -dev 35 BATCH.jsonl...
//
// Each batch BATCH.jsonl is written as testdata/eval/train/BATCH.jsonl
// and testdata/eval/dev/BATCH.jsonl (either may be empty and is then not
// written). An article about an episode train already holds goes to
// train. A batch is split once, when it is added: dev must stay dev.
//
// A gold service slug the catalogue does not know but knows by name
// ("facebook-messenger", "vk") is folded to the catalogue's slug
// ("messenger", "vkontakte"): labellers write slugs without seeing the
// list, and SCHEMA.md folds aliases to one slug. -refold applies this to
// the files already in train/ and dev/ after the catalogue grows.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/event"
)

func main() {
	devPercent := flag.Int("dev", 35, "share of stories, in percent, that go to dev")
	out := flag.String("out", "testdata/eval", "directory holding train/ and dev/")
	refold := flag.Bool("refold", false, "fold the slugs of the files in train/ and dev/ and exit")
	flag.Parse()
	cat, err := event.LoadCatalog()
	if err != nil {
		fmt.Fprintln(os.Stderr, "splitlabels:", err)
		os.Exit(1)
	}
	if *refold {
		err = refoldAll(*out, cat)
	} else {
		err = run(flag.Args(), *out, *devPercent, cat)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "splitlabels:", err)
		os.Exit(1)
	}
}

func run(batches []string, out string, devPercent int, cat *event.Catalog) error {
	var all []eval.Article
	from := map[string]string{} // article id -> batch name
	for _, b := range batches {
		arts, err := eval.Load(b)
		if err != nil {
			return err
		}
		for _, a := range arts {
			if prev, ok := from[a.ID]; ok {
				return fmt.Errorf("%s: id %s already in %s", b, a.ID, prev)
			}
			from[a.ID] = filepath.Base(b)
		}
		all = append(all, fold(arts, cat)...)
	}
	// A new report of an episode train or dev holds already joins it.
	knownTrain, err := loadDir(filepath.Join(out, "train"))
	if err != nil {
		return err
	}
	knownDev, err := loadDir(filepath.Join(out, "dev"))
	if err != nil {
		return err
	}
	for _, a := range append(knownTrain, knownDev...) {
		if b, ok := from[a.ID]; ok {
			return fmt.Errorf("%s: id %s is filed already: a batch is split once", b, a.ID)
		}
	}
	train, dev, moved, err := eval.SplitByStory(knownTrain, knownDev, all, devPercent)
	if err != nil {
		return err
	}
	if err := moveToTrain(out, moved); err != nil {
		return err
	}
	for side, set := range map[string][]eval.Article{"train": train, "dev": dev} {
		byBatch := map[string][]eval.Article{}
		for _, a := range set {
			byBatch[from[a.ID]] = append(byBatch[from[a.ID]], a)
		}
		for name, arts := range byBatch {
			if err := write(filepath.Join(out, side, name), arts); err != nil {
				return err
			}
		}
		fmt.Printf("%s: %d articles\n", side, len(set))
	}
	return nil
}

// fold folds gold service slugs to the catalogue's (eval.Fold) and
// says which.
func fold(arts []eval.Article, cat *event.Catalog) []eval.Article {
	for _, c := range eval.Fold(arts, cat) {
		fmt.Println(c)
	}
	return arts
}

// refoldAll folds the slugs of every file in out/train and out/dev.
func refoldAll(out string, cat *event.Catalog) error {
	for _, side := range []string{"train", "dev"} {
		files, err := filepath.Glob(filepath.Join(out, side, "*.jsonl"))
		if err != nil {
			return err
		}
		for _, f := range files {
			arts, err := eval.Load(f)
			if err != nil {
				return err
			}
			if err := write(f, fold(arts, cat)); err != nil {
				return err
			}
		}
	}
	return nil
}

// moveToTrain moves articles from the dev files to the train files of the
// same batch: a new report tied their episode to one train holds.
func moveToTrain(out string, arts []eval.Article) error {
	if len(arts) == 0 {
		return nil
	}
	leaving := map[string]bool{}
	for _, a := range arts {
		leaving[a.ID] = true
	}
	files, err := filepath.Glob(filepath.Join(out, "dev", "*.jsonl"))
	if err != nil {
		return err
	}
	for _, f := range files {
		devArts, err := eval.Load(f)
		if err != nil {
			return err
		}
		var stay, goes []eval.Article
		for _, a := range devArts {
			if leaving[a.ID] {
				goes = append(goes, a)
			} else {
				stay = append(stay, a)
			}
		}
		if len(goes) == 0 {
			continue
		}
		trainFile := filepath.Join(out, "train", filepath.Base(f))
		trainArts, err := loadFile(trainFile)
		if err != nil {
			return err
		}
		if err := write(trainFile, append(trainArts, goes...)); err != nil {
			return err
		}
		if len(stay) == 0 {
			if err := os.Remove(f); err != nil {
				return err
			}
		} else if err := write(f, stay); err != nil {
			return err
		}
		for _, a := range goes {
			fmt.Printf("%s: moved from dev to train, tied to an episode train holds\n", a.ID)
		}
	}
	return nil
}

// loadFile reads a gold file; a missing one is no articles.
func loadFile(path string) ([]eval.Article, error) {
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil, nil
	}
	return eval.Load(path)
}

// loadDir reads the gold files of dir; none is no articles.
func loadDir(dir string) ([]eval.Article, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		return nil, err
	}
	return eval.LoadAll(files...)
}

func write(path string, arts []eval.Article) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	for _, a := range arts {
		if err := enc.Encode(a); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
