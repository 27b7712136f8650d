package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/policywatch/policywatch/store"
)

// checkFeeds makes a --feed that no stored event came from an error
// naming the feeds that did, so that a misspelt name is not an empty
// answer. Feed names are matched exactly, as the configuration spells
// them.
func checkFeeds(db *store.DB, feeds []string) error {
	if len(feeds) == 0 {
		return nil
	}
	known, err := db.FeedNames()
	if err != nil {
		return err
	}
	for _, f := range feeds {
		if slices.Contains(known, f) {
			continue
		}
		if len(known) == 0 {
			return usagef("--feed %q: no stored event came from any feed yet", f)
		}
		for _, k := range known {
			if strings.EqualFold(k, f) {
				return usagef("--feed %q: no stored event came from that feed; did you mean %q? (names are matched exactly)", f, k)
			}
		}
		return usagef("--feed %q: no stored event came from that feed; the feeds with events are %s", f, quoteList(known, 30))
	}
	return nil
}

// quoteList quotes names and joins them, listing at most n.
func quoteList(names []string, n int) string {
	var b strings.Builder
	for i, s := range names {
		if i == n {
			fmt.Fprintf(&b, " and %d more", len(names)-n)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", s)
	}
	return b.String()
}
