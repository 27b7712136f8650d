package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/policywatch/policywatch/backfill/warctest"
	"github.com/policywatch/policywatch/ingest"
	"github.com/policywatch/policywatch/store"
	"go.etcd.io/bbolt"
)

// warcServer serves one WARC file; while hold is set, it sends the first
// three fifths of it and then waits for the client to go away, so that a
// backfill killed then is certainly in the middle of the file.
type warcServer struct {
	srv  *httptest.Server
	hold atomic.Bool
	url  string
}

func newWARCServer(t *testing.T, warc []byte) *warcServer {
	t.Helper()
	ws := &warcServer{}
	ws.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/CC-NEWS-20250301120000-00000.warc.gz" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if !ws.hold.Load() {
			w.Write(warc)
			return
		}
		w.Write(warc[:len(warc)*3/5])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(ws.srv.Close)
	ws.url = ws.srv.URL + "/CC-NEWS-20250301120000-00000.warc.gz"
	return ws
}

// backfillPages are the demo corpus's pages as eight sites published
// them: enough articles for several batches.
func backfillPages(t *testing.T) []warctest.Page {
	t.Helper()
	var pages []warctest.Page
	for i := range 8 {
		ps, err := warctest.CorpusPages(fmt.Sprintf("https://news%d.example/", i))
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, ps...)
	}
	return pages
}

// A backfill killed with SIGKILL in the middle of a WARC file keeps what
// it stored, does not record the file as read, and the backfill after it
// reads the file again to the store an uninterrupted backfill makes.
func TestBackfillSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	ws := newWARCServer(t, warctest.Write(backfillPages(t), true))
	config := writeConfig(t, []ingest.Feed{{Name: "unused", URL: "http://127.0.0.1:1/feed.xml"}})
	dir := t.TempDir()
	backfill := func(db string, extra ...string) *process {
		return start(t, append([]string{"backfill", "--config", config, "--db", db, "--no-progress", "--workers", "2", ws.url}, extra...)...)
	}

	ref := filepath.Join(dir, "uninterrupted.db")
	if p := backfill(ref); p.wait(t) != exitOK {
		t.Fatalf("backfill: %s", p.stderr.String())
	}
	want := exportLines(t, ref)
	if len(want) < 100 {
		t.Fatalf("the uninterrupted backfill stored %d events; want the corpus's, eight times", len(want))
	}

	path := filepath.Join(dir, "killed.db")
	ws.hold.Store(true)
	p := backfill(path, "--log-level", "debug")
	p.stderr.await(t, regexp.MustCompile(`batch stored`))
	p.cmd.Process.Signal(syscall.SIGKILL)
	if code := p.wait(t); code != -1 {
		t.Fatalf("backfill ended (exit %d) before the kill:\n%s", code, p.stderr.String())
	}
	db, err := store.Open(path, store.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("open after the kill: %v", err)
	}
	counts, err := db.Counts()
	if err != nil {
		t.Fatal(err)
	}
	_, done, err := db.WARCFileDone(ws.url)
	db.Close()
	if err != nil || done {
		t.Fatalf("after the kill the file is recorded as read (%v)", err)
	}
	if counts.Articles == 0 {
		t.Fatal("the killed backfill stored nothing")
	}
	t.Logf("killed mid-file with %d articles and %d events stored", counts.Articles, counts.Events)

	ws.hold.Store(false)
	p = backfill(path)
	if code := p.wait(t); code != exitOK {
		t.Fatalf("backfill after the kill: exit %d\n%s", code, p.stderr.String())
	}
	if !strings.Contains(p.stdout.String(), "stored before") {
		t.Errorf("summary:\n%s", p.stdout.String())
	}
	got := exportLines(t, path)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the kill and a second backfill, %d events; uninterrupted, %d; they differ", len(got), len(want))
	}
	for _, e := range got {
		if e["warc_file"] != ws.url {
			t.Fatalf("event %v has no WARC provenance", e["id"])
		}
	}
	// Once read, the file is skipped.
	p = backfill(path)
	if code := p.wait(t); code != exitOK || !strings.Contains(p.stdout.String(), "1 read before") {
		t.Errorf("third backfill: exit %d\n%s", code, p.stdout.String())
	}
}

// Events a backfill stored keep their WARC provenance through a
// reextract, which reads the articles again: before, it made them anew
// without it, and every such event came out changed.
func TestReextractKeepsWARCProvenance(t *testing.T) {
	dir := t.TempDir()
	pages, err := warctest.CorpusPages("https://news.example/")
	if err != nil {
		t.Fatal(err)
	}
	warc := filepath.Join(dir, "a.warc.gz")
	if err := os.WriteFile(warc, warctest.Write(pages, true), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "pw.db")
	must(t, "backfill", "--db", db, "--no-progress", warc)
	before := exportLines(t, db)
	sum := decodeReextract(t, must(t, "reextract", "--db", db, "--all", "--json", "--no-progress"))
	if sum.Changed != 0 || sum.Articles == 0 {
		t.Errorf("reextract of a backfilled store: %+v; want every article read and no event changed", sum)
	}
	after := exportLines(t, db)
	if !reflect.DeepEqual(after, before) || len(after) == 0 || after[0]["warc_file"] != warc {
		t.Errorf("after reextract, %d events, first with WARC file %v; before, %d", len(after), after[0]["warc_file"], len(before))
	}
}

// A backfill into a store that an older policywatch wrote, or that lacks
// what this one keeps, brings it up to date first and says so, as run
// does, rather than doing it unannounced inside its first batch.
func TestBackfillUpgradesFirst(t *testing.T) {
	dir := t.TempDir()
	pages, err := warctest.CorpusPages("https://news.example/")
	if err != nil {
		t.Fatal(err)
	}
	warc := filepath.Join(dir, "a.warc.gz")
	if err := os.WriteFile(warc, warctest.Write(pages, true), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "pw.db")
	fillDB(t, path, "events.jsonl")
	bdb, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket([]byte("event_tallies")) }); err != nil {
		t.Fatal(err)
	}
	bdb.Close()
	r := policywatch(t, nil, "backfill", "--db", path, "--no-progress", warc)
	if r.code != exitOK || !strings.Contains(r.stderr, "Upgrading "+path) || !strings.Contains(r.stderr, "counting events for stats") ||
		!strings.Contains(r.stderr, "Brought "+path+" up to date") {
		t.Errorf("backfill into a store without its tallies: exit %d, stderr %q; want the upgrade announced and its steps shown", r.code, r.stderr)
	}
	must(t, "check", "--db", path)
}
