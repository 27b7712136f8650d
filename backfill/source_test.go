package backfill

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	listing := filepath.Join(dir, "warc.paths")
	os.WriteFile(listing, []byte("# CC-NEWS, September\n\na/one.warc.gz\nhttps://data.example/two.warc.gz\n"), 0o644)
	for _, tc := range []struct {
		args []string
		base string
		want []string
	}{
		{[]string{listing}, "", []string{filepath.Join(dir, "a/one.warc.gz"), "https://data.example/two.warc.gz"}},
		{[]string{listing}, "https://data.commoncrawl.example/", []string{"https://data.commoncrawl.example/a/one.warc.gz", "https://data.example/two.warc.gz"}},
		{[]string{"https://x.example/f.warc.gz", filepath.Join(dir, "f.warc")}, "", []string{"https://x.example/f.warc.gz", filepath.Join(dir, "f.warc")}},
	} {
		got, err := Files(background(), tc.args, tc.base, localOpen)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Files(%q, %q) = %q, want %q", tc.args, tc.base, got, tc.want)
		}
	}
	empty := filepath.Join(dir, "empty.paths")
	os.WriteFile(empty, []byte("\n# nothing\n"), 0o644)
	if _, err := Files(background(), []string{empty}, "", localOpen); err == nil || !strings.Contains(err.Error(), "empty.paths lists no files") {
		t.Errorf("empty listing: %v", err)
	}
	if _, err := Files(background(), []string{filepath.Join(dir, "none.paths.gz")}, "", localOpen); err == nil || !strings.Contains(err.Error(), "none.paths.gz") {
		t.Errorf("missing listing: %v", err)
	}
}

// A WARC file cut short, or not a WARC file at all, fails alone with its
// name and where it broke, keeps what it gave before, and is not
// recorded as read.
func TestBackfillBrokenFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.warc.gz")
	writeWARC(t, good, corpusPages(t)[:4], true)
	raw, _ := os.ReadFile(good)
	cut := filepath.Join(dir, "cut.warc.gz")
	os.WriteFile(cut, raw[:len(raw)*2/3], 0o644)
	junk := filepath.Join(dir, "junk.warc")
	os.WriteFile(junk, []byte("<html>this is not a WARC file</html>"), 0o644)

	db := openStore(t, filepath.Join(dir, "pw.db"))
	sum, err := newBackfiller(t, db, false).Run(background(), []string{cut, junk, filepath.Join(dir, "absent.warc.gz"), good})
	if err != nil {
		t.Fatal(err)
	}
	if sum.FilesFailed != 3 || sum.FilesRead != 1 {
		t.Fatalf("%+v; want three files failed and one read", sum)
	}
	for i, name := range []string{cut, junk, "absent.warc.gz"} {
		if !strings.Contains(sum.Failures[i].Error, filepath.Base(name)) && sum.Failures[i].File != name {
			t.Errorf("failure %d does not name %s: %+v", i, name, sum.Failures[i])
		}
		if _, done, _ := db.WARCFileDone(name); done {
			t.Errorf("%s recorded as read", name)
		}
	}
}
