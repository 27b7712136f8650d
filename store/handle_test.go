package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/ingest"
)

// A Handle holds the lock only during a call: between two saves, a
// read-only open from elsewhere succeeds, and during a long read-only
// visit a save waits for its timeout and says the file is locked.
func TestHandleReleasesLockBetweenCalls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw.db")
	h := Handle{Path: path, Options: Options{Timeout: 200 * time.Millisecond}}
	a := newArticle("k1", "Wire", "2018-04-20")
	if _, err := h.Save(Batch{Articles: []ArticleEvents{{Article: a, Events: []event.Event{newEvent(a, "RU", "telegram", "block", "2018-04")}}}}); err != nil {
		t.Fatal(err)
	}
	reader, err := Open(path, Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("read-only open between visits: %v", err)
	}
	// Looking up keys and feed states only reads: it shares the file.
	if seen, err := h.Seen([]string{"k1"}); err != nil || !seen["k1"] {
		t.Errorf("seen while a reader holds the file = %v, %v", seen, err)
	}
	if _, err := h.FeedState("https://example.org/feed"); err != nil {
		t.Errorf("feed state while a reader holds the file: %v", err)
	}
	if _, err := h.Save(Batch{Feeds: []ingest.FeedState{{URL: "https://example.org/feed"}}}); !errors.Is(err, ErrLocked) {
		t.Errorf("save while a reader holds the file: err = %v, want ErrLocked", err)
	}
	reader.Close()
	seen, err := h.Seen([]string{"k1", "k2"})
	if err != nil {
		t.Fatal(err)
	}
	if !seen["k1"] || seen["k2"] {
		t.Errorf("seen = %v", seen)
	}
	if _, err := h.Save(Batch{Feeds: []ingest.FeedState{{URL: "https://example.org/feed", ETag: `"x"`}}}); err != nil {
		t.Fatal(err)
	}
	st, err := h.FeedState("https://example.org/feed")
	if err != nil || st.ETag != `"x"` {
		t.Errorf("feed state = %+v, %v", st, err)
	}
}
