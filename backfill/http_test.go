package backfill

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/policywatch/policywatch/ingest"
)

// archive serves WARC files and a gzipped paths listing of them, as
// Common Crawl serves CC-NEWS: the listing's paths relative to the root.
type archive struct {
	srv      *httptest.Server
	files    map[string][]byte // path -> bytes
	requests atomic.Int64
	agent    atomic.Value
}

func newArchive(t *testing.T, files map[string][]byte) *archive {
	t.Helper()
	a := &archive{files: files}
	var listing bytes.Buffer
	zw := gzip.NewWriter(&listing)
	for p := range files {
		zw.Write([]byte(p + "\n"))
	}
	zw.Close()
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.requests.Add(1)
		a.agent.Store(r.UserAgent())
		if r.URL.Path == "/crawl-data/CC-NEWS/2024/09/warc.paths.gz" {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(listing.Bytes())
			return
		}
		body, ok := a.files[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func fetcher(t *testing.T, allowPrivate ...string) *ingest.Fetcher {
	t.Helper()
	cfg := ingest.Config{AllowPrivate: allowPrivate}
	return ingest.NewFetcher(cfg, nil)
}

// WARC files listed in a paths listing are fetched over HTTP through the
// run's fetcher, and give the store a local file gives.
func TestBackfillFromPathsListingOverHTTP(t *testing.T) {
	dir := t.TempDir()
	pages := corpusPages(t)
	half := len(pages) / 2
	local := filepath.Join(dir, "local.warc.gz")
	writeWARC(t, local, pages, true)
	parts := map[string][]byte{}
	for i, ps := range [][]warcPage{pages[:half], pages[half:]} {
		p := filepath.Join(dir, "part.warc.gz")
		writeWARC(t, p, ps, i == 0) // one compressed, one not
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		parts["crawl-data/CC-NEWS/2024/09/CC-NEWS-2024090112000"+string(rune('0'+i))+"-00000.warc.gz"] = b
	}
	arc := newArchive(t, parts)

	ref := openStore(t, filepath.Join(dir, "ref.db"))
	if _, err := newBackfiller(t, ref, true).Run(background(), []string{local}); err != nil {
		t.Fatal(err)
	}

	f := fetcher(t, "127.0.0.1")
	open := Opener(f)
	files, err := Files(background(), []string{arc.srv.URL + "/crawl-data/CC-NEWS/2024/09/warc.paths.gz"}, arc.srv.URL, open)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || !strings.HasPrefix(files[0], arc.srv.URL+"/crawl-data/CC-NEWS/2024/09/CC-NEWS-") {
		t.Fatalf("listing expands to %q", files)
	}
	db := openStore(t, filepath.Join(dir, "pw.db"))
	b := newBackfiller(t, db, true)
	b.Open = open
	sum, err := b.Run(background(), files)
	if err != nil {
		t.Fatal(err)
	}
	if sum.FilesRead != 2 || sum.FilesFailed != 0 {
		t.Fatalf("%+v", sum)
	}
	if ua, _ := arc.agent.Load().(string); !strings.HasPrefix(ua, "policywatch/") {
		t.Errorf("archive asked with User-Agent %q, want the run's", ua)
	}
	got, want := allEvents(t, db), allEvents(t, ref)
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%d events over HTTP, %d from the local file", len(got), len(want))
	}
	for i := range got {
		g, w := got[i].Event, want[i].Event
		if !strings.HasPrefix(g.WARCFile, arc.srv.URL) {
			t.Errorf("event %s: WARC file %q, want its URL", g.ID, g.WARCFile)
		}
		g.WARCFile, g.WARCOffset, g.WARCLength = "", 0, 0
		w.WARCFile, w.WARCOffset, w.WARCLength = "", 0, 0
		if !reflect.DeepEqual(g, w) {
			t.Errorf("event %s over HTTP differs from the local file's", g.ID)
		}
	}
	for _, name := range files {
		if _, done, err := db.WARCFileDone(name); err != nil || !done {
			t.Errorf("%s not recorded as read (%v)", name, err)
		}
	}
}

// An archive on an internal address is refused as the run refuses a
// feed there, unless the configuration allows it; a missing file fails
// alone, named, and is not recorded.
func TestBackfillOverHTTPFailures(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.warc.gz")
	writeWARC(t, p, corpusPages(t)[:3], true)
	body, _ := os.ReadFile(p)
	arc := newArchive(t, map[string][]byte{"a.warc.gz": body})

	db := openStore(t, filepath.Join(dir, "pw.db"))
	b := newBackfiller(t, db, true)
	b.Open = Opener(fetcher(t))
	sum, err := b.Run(background(), []string{arc.srv.URL + "/a.warc.gz"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.FilesFailed != 1 || !strings.Contains(sum.Failures[0].Error, "refused to connect") || arc.requests.Load() != 0 {
		t.Errorf("internal archive: %+v, %d requests; want it refused before any request", sum, arc.requests.Load())
	}

	b.Open = Opener(fetcher(t, "127.0.0.1"))
	sum, err = b.Run(background(), []string{arc.srv.URL + "/missing.warc.gz", arc.srv.URL + "/a.warc.gz"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.FilesFailed != 1 || sum.FilesRead != 1 || !strings.Contains(sum.Failures[0].Error, "missing.warc.gz") || !strings.Contains(sum.Failures[0].Error, "404") {
		t.Errorf("missing file: %+v", sum)
	}
	if _, done, _ := db.WARCFileDone(arc.srv.URL + "/missing.warc.gz"); done {
		t.Error("a file that failed is recorded as read")
	}
}
