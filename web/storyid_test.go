package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.etcd.io/bbolt"
)

// /stories/{id} takes the id as the tables print it, eight characters,
// or any prefix of at least six that names one story; a prefix several
// stories share is 409 listing them.
func TestStoryByPrefix(t *testing.T) {
	path := fixtureDB(t)
	srv := start(t, path)
	all := decode[storiesBody](t, get(t, srv, "/stories"), http.StatusOK)
	id := all.Stories[0].ID

	for _, prefix := range []string{id, id[:8], id[:6]} {
		one := decode[storyBody](t, get(t, srv, "/stories/"+prefix), http.StatusOK)
		if one.Story.ID != id || len(one.Events) == 0 {
			t.Errorf("/stories/%s: story %q with %d events, want %s", prefix, one.Story.ID, len(one.Events), id)
		}
	}
	short := decode[errorBody](t, get(t, srv, "/stories/"+id[:5]), http.StatusNotFound)
	if !strings.Contains(short.Error, "at least its first 6 characters") {
		t.Errorf("a 5-character prefix: %q", short.Error)
	}
	decode[errorBody](t, get(t, srv, "/stories/ffffffffff"), http.StatusNotFound)

	// Two stories whose ids share their first eight characters. Story
	// ids are hashes, so the test writes the keys itself: resolving a
	// prefix reads only the keys.
	srv.Close()
	twins := []string{"abcdef01aaaaaaaaaaaaaaaa", "abcdef01bbbbbbbbbbbbbbbb"}
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("stories"))
		raw := b.Get([]byte(id))
		for _, twin := range twins {
			if err := b.Put([]byte(twin), raw); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	srv = start(t, path)
	amb := decode[errorBody](t, get(t, srv, "/stories/abcdef01"), http.StatusConflict)
	if !slices.Equal(amb.Candidates, twins) || !strings.Contains(amb.Error, `"abcdef01"`) {
		t.Errorf("ambiguous prefix: %+v, want both twins as candidates", amb)
	}
	decode[storyBody](t, get(t, srv, "/stories/abcdef01b"), http.StatusOK)
}
