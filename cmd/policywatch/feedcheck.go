package main

import (
	"errors"

	"github.com/policywatch/policywatch/store"
)

// checkFeeds makes a --feed that no stored event came from a usage error
// naming the feeds that did, so that a misspelt name is not an empty
// answer.
func checkFeeds(db store.Reader, feeds []string) error {
	err := store.CheckFeeds(db, feeds)
	if uf := (*store.UnknownFeedError)(nil); errors.As(err, &uf) {
		return usagef("--feed %v", uf)
	}
	return err
}
