package store

import (
	"errors"
	"testing"

	"go.etcd.io/bbolt"
)

func TestStoryIDPrefix(t *testing.T) {
	db := openTemp(t)
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketStories)
		for _, id := range []string{"abcdef01aaaa", "abcdef01bbbb", "123456789abc"} {
			if err := b.Put([]byte(id), []byte("{}")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"123456789abc", "123456789abc", nil},
		{"12345678", "123456789abc", nil},
		{"123456", "123456789abc", nil},
		{"12345", "", ErrNotFound},    // too short for a prefix
		{"1234567x", "", ErrNotFound}, // no story
		{"abcdef01", "", ErrAmbiguous},
		{"abcdef01b", "abcdef01bbbb", nil},
	} {
		got, err := db.StoryID(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("StoryID(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
