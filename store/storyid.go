package store

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/bbolt"
)

// MinStoryPrefix is the fewest leading characters of a story id that
// StoryID takes for the whole: the tables print eight, and fewer than
// six would often name several stories.
const MinStoryPrefix = 6

// ErrAmbiguous means a shortened id is the start of more than one.
var ErrAmbiguous = errors.New("ambiguous id")

// AmbiguousError is a story id prefix that several stories' ids begin
// with. It matches ErrAmbiguous.
type AmbiguousError struct {
	Prefix string
	IDs    []string // the first few candidates, in id order
	More   bool     // there are more than IDs
}

func (e *AmbiguousError) Error() string {
	more := ""
	if e.More {
		more = ", …"
	}
	return fmt.Sprintf("story id %q is the start of several stories' ids (%s%s); give more of it",
		e.Prefix, strings.Join(e.IDs, ", "), more)
}

func (e *AmbiguousError) Unwrap() error { return ErrAmbiguous }

// maxCandidates is how many ids an AmbiguousError lists.
const maxCandidates = 10

// StoryID returns the full id of the story that id names: id itself if a
// story has it, else the one story whose id begins with it, if it has at
// least MinStoryPrefix characters. Several such stories give an
// *AmbiguousError; none an error wrapping ErrNotFound.
func (db *DB) StoryID(id string) (string, error) {
	if err := db.needStories(); err != nil {
		return "", err
	}
	var ids []string
	more := false
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketStories)
		if b.Get([]byte(id)) != nil {
			ids = []string{id}
			return nil
		}
		if len(id) < MinStoryPrefix {
			return nil
		}
		c := b.Cursor()
		for k, _ := c.Seek([]byte(id)); k != nil && bytes.HasPrefix(k, []byte(id)); k, _ = c.Next() {
			if len(ids) == maxCandidates {
				more = true
				break
			}
			ids = append(ids, string(k))
		}
		return nil
	})
	switch {
	case err != nil:
		return "", fmt.Errorf("story %s: %w", id, err)
	case len(ids) == 1:
		return ids[0], nil
	case len(ids) > 1:
		return "", &AmbiguousError{Prefix: id, IDs: ids, More: more}
	case len(id) < MinStoryPrefix:
		return "", fmt.Errorf("story %s: %w (give the whole id or at least its first %d characters)", id, ErrNotFound, MinStoryPrefix)
	}
	return "", fmt.Errorf("story %s: %w", id, ErrNotFound)
}
