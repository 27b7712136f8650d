package extract

import (
	"io/fs"
	"regexp"
	"testing"
	"testing/fstest"
)

// The hash covers every data file's name and bytes and the model
// modules' versions: any change gives another version.
func TestHashData(t *testing.T) {
	base := fstest.MapFS{
		"data/cues.yaml":  {Data: []byte("block: [block]\n")},
		"data/words.yaml": {Data: []byte("negation: [not]\n")},
		"data/notes.txt":  {Data: []byte("not read by extraction")},
	}
	deps := []string{"github.com/jdkato/prose/v2@v2.0.0"}
	want := hashData([]fs.FS{base}, deps)
	if len(want) != 12 {
		t.Fatalf("hash %q, want 12 hex digits", want)
	}
	if again := hashData([]fs.FS{base}, deps); again != want {
		t.Errorf("hash not stable: %s then %s", want, again)
	}
	edited := fstest.MapFS{
		"data/cues.yaml":  {Data: []byte("block: [block, ban]\n")},
		"data/words.yaml": base["data/words.yaml"],
	}
	renamed := fstest.MapFS{
		"data/cue.yaml":   base["data/cues.yaml"],
		"data/words.yaml": base["data/words.yaml"],
	}
	for name, got := range map[string]string{
		"a file's bytes":     hashData([]fs.FS{edited}, deps),
		"a file's name":      hashData([]fs.FS{renamed}, deps),
		"a model's version":  hashData([]fs.FS{base}, []string{"github.com/jdkato/prose/v2@v2.0.1"}),
		"a file system more": hashData([]fs.FS{base, base}, deps),
	} {
		if got == want {
			t.Errorf("changing %s keeps the hash %s", name, want)
		}
	}
	// Only data/*.yaml is extraction's.
	if hashData([]fs.FS{fstest.MapFS{"data/notes.txt": {Data: []byte("other")}}}, nil) != hashData([]fs.FS{fstest.MapFS{}}, nil) {
		t.Error("a file that is not data/*.yaml changed the hash")
	}
}

// Every event says which extractor made it; an extractor deciding
// otherwise than the data says does not pass for it.
func TestVersion(t *testing.T) {
	v := Version()
	if !regexp.MustCompile(`^\S+\+data\.[0-9a-f]{12}$`).MatchString(v) {
		t.Fatalf("Version() = %q, want MODULE+data.HASH", v)
	}
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if x.Version() != v {
		t.Errorf("New().Version() = %q, want %q", x.Version(), v)
	}
	evs := x.Extract(Document{ID: "a1", Title: "Russia blocks Telegram",
		Text: "Russia's communications regulator Roskomnadzor blocked the messaging app Telegram on Monday."})
	if len(evs) == 0 {
		t.Fatal("no event")
	}
	for _, e := range evs {
		if e.Extractor != v {
			t.Errorf("event %s/%s/%s has extractor %q, want %q", e.Country, e.Service, e.Action, e.Extractor, v)
		}
	}
	if r := x.WithModels(nil); r.Version() == v || r.Extract(Document{ID: "a1", Title: "Russia blocks Telegram"})[0].Extractor != r.Version() {
		t.Errorf("WithModels(nil).Version() = %q: must differ from %q and mark its events", r.Version(), v)
	}
	if same := x.WithModels(x.models); same.Version() != v {
		t.Errorf("WithModels(the same models).Version() = %q, want %q", same.Version(), v)
	}
}
