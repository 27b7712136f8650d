package eval

import (
	"slices"
	"testing"
)

func TestSplitByStory(t *testing.T) {
	ev := func(c, s, a, d string) GoldEvent { return GoldEvent{Country: c, Service: s, Action: a, Date: d} }
	var arts []Article
	for i := range 200 {
		arts = append(arts, Article{ID: string(rune('a'+i%26)) + string(rune('a'+i/26)), Story: "story-" + string(rune('A'+i%40))})
	}
	// Two labellers named one episode differently; a shared event ties them.
	arts = append(arts,
		Article{ID: "x1", Story: "cn-gmail-2014", Events: []GoldEvent{ev("CN", "gmail", "block", "2014-12-26")}},
		Article{ID: "x2", Story: "china-gmail-block", Events: []GoldEvent{ev("CN", "gmail", "block", "2014-12-26")}})
	knownTrain := []Article{{ID: "old", Story: "story-B"}}
	knownDev := []Article{{ID: "older", Story: "story-C"}}
	train, dev, moved, err := SplitByStory(knownTrain, knownDev, arts, 30)
	if err != nil || len(moved) != 0 {
		t.Fatal(err, moved)
	}
	if len(train)+len(dev) != len(arts) || len(dev) == 0 || len(train) == 0 {
		t.Fatalf("%d train, %d dev of %d", len(train), len(dev), len(arts))
	}
	side := map[string]string{}
	for name, set := range map[string][]Article{"train": train, "dev": dev} {
		for _, a := range set {
			for _, k := range storyKeys(a)[:1] {
				if s, ok := side[k]; ok && s != name {
					t.Errorf("%s on both sides", k)
				}
				side[k] = name
			}
		}
	}
	for _, a := range dev {
		if a.Story == "story-B" {
			t.Errorf("%s is in dev, but its story is in train already", a.ID)
		}
	}
	for _, a := range train {
		if a.Story == "story-C" {
			t.Errorf("%s is in train, but its story is in dev already", a.ID)
		}
	}
	inTrain := slices.ContainsFunc(train, func(a Article) bool { return a.ID == "x1" })
	if inTrain != slices.ContainsFunc(train, func(a Article) bool { return a.ID == "x2" }) {
		t.Error("two reports of one event were split")
	}
	again, _, _, _ := SplitByStory(knownTrain, knownDev, arts, 30)
	if !slices.EqualFunc(train, again, func(a, b Article) bool { return a.ID == b.ID }) {
		t.Error("the split is not the same on every run")
	}
}

// The labelled sets as committed: no episode is in both train and dev, so
// a score on dev is a score on stories never fitted on.
// A new report that ties an episode of train to one of dev takes both to
// train: the dev article moves out.
func TestSplitTie(t *testing.T) {
	tie := Article{ID: "tie", Events: []GoldEvent{{Country: "IR", Service: "x", Action: "block", Date: "2020"}, {Country: "IR", Service: "y", Action: "block", Date: "2020"}}}
	train, dev, moved, err := SplitByStory(
		[]Article{{ID: "t", Events: tie.Events[:1]}},
		[]Article{{ID: "d", Events: tie.Events[1:]}},
		[]Article{tie}, 30)
	if err != nil || len(train) != 1 || len(dev) != 0 || len(moved) != 1 || moved[0].ID != "d" {
		t.Errorf("train %v, dev %v, moved %v, err %v", train, dev, moved, err)
	}
}

func TestCommittedSplitDisjoint(t *testing.T) {
	train, err := LoadAll("../testdata/eval/train")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := LoadAll("../testdata/eval/dev")
	if err != nil {
		t.Fatal(err)
	}
	inTrain := map[string]string{}
	for _, a := range train {
		for _, k := range storyKeys(a) {
			inTrain[k] = a.ID
		}
	}
	for _, a := range dev {
		for _, k := range storyKeys(a) {
			if id, ok := inTrain[k]; ok && k != "story:" {
				t.Errorf("dev %s and train %s share %s", a.ID, id, k)
			}
		}
	}
}
