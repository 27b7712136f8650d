package eval

import (
	"hash/fnv"
	"strings"
)

// SplitByStory divides fresh articles into train and dev so that no
// episode sits on both sides. Articles are grouped by their Story and by
// any gold event (country, service, action, date) they share. A group
// holding an article of knownTrain goes to train, one holding an article
// of knownDev to dev; any other goes wholly to dev when a hash of its
// first key falls below devPercent. A fresh article that ties an episode
// of train to one of dev puts both in train: moved lists the knownDev
// articles that must then leave dev. The split depends only on the
// articles, so it is the same on every run.
func SplitByStory(knownTrain, knownDev, fresh []Article, devPercent int) (train, dev, moved []Article, err error) {
	var arts []Article
	arts = append(arts, knownTrain...)
	arts = append(arts, knownDev...)
	arts = append(arts, fresh...)
	parent := make([]int, len(arts))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	first := map[string]int{}
	for i, a := range arts {
		for _, k := range storyKeys(a) {
			j, ok := first[k]
			if !ok {
				first[k] = i
				continue
			}
			if ri, rj := find(i), find(j); ri != rj {
				parent[max(ri, rj)] = min(ri, rj)
			}
		}
	}
	side := map[int]string{} // group root -> "train" or "dev", where known
	for i := range len(knownTrain) + len(knownDev) {
		s := "train"
		if i >= len(knownTrain) {
			s = "dev"
		}
		root := find(i)
		if prev, ok := side[root]; !ok || prev == "dev" {
			side[root] = s // train wins a tie
		}
	}
	for i := len(knownTrain); i < len(knownTrain)+len(knownDev); i++ {
		if side[find(i)] == "train" {
			moved = append(moved, arts[i])
		}
	}
	for i := len(knownTrain) + len(knownDev); i < len(arts); i++ {
		root := find(i)
		s, ok := side[root]
		if !ok {
			s = "train"
			if inDev(storyKeys(arts[root])[0], devPercent) {
				s = "dev"
			}
		}
		if s == "dev" {
			dev = append(dev, arts[i])
		} else {
			train = append(train, arts[i])
		}
	}
	return train, dev, moved, nil
}

// storyKeys are what ties an article to others about the same episode;
// the first is its group's name.
func storyKeys(a Article) []string {
	keys := []string{"story:" + strings.ToLower(a.Story)}
	if a.Story == "" {
		keys[0] = "id:" + a.ID
	}
	for _, e := range a.Events {
		keys = append(keys, "event:"+strings.Join([]string{e.Country, e.Service, e.Action, e.Date}, "|"))
	}
	return keys
}

func inDev(key string, percent int) bool {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32()%100) < percent
}
