// Which extractor made an event.

package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"runtime/debug"
	"strings"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract/nlp"
)

// Version names the extractor this binary runs: the main module's version
// (a release tag, a pseudo-version the go command stamps from the
// repository, or "devel") and a short hash of the data extraction reads
// (the cue lexicon, words, actors, learned models, tagger data, and
// event's countries and services), as "MODULE+data.HASH". Two binaries
// with the same Version extract the same events; stores record it on
// every event so that `policywatch reextract` knows what is out of date.
// It reads the embedded files each call: build an Extractor, which
// computes it once, rather than calling it per article.
func Version() string {
	return moduleVersion() + "+data." + dataHash()
}

// Version is the version of the extractor, the package's Version when x
// was built. Every event x extracts carries it.
func (x *Extractor) Version() string { return x.version }

// moduleVersion is the main module's version, "devel" when the go
// command could not stamp one (go run, tests, a tree without VCS data).
func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return "devel"
	}
	return info.Main.Version
}

// dataHash is the first 12 hex digits of a SHA-256 over the name and
// contents of every data file extraction reads, in a fixed order, and the
// versions of the modules whose models it runs: a new prose is a new
// tagger and entity recogniser even where no file of ours changed.
func dataHash() string {
	var deps []string
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if strings.Contains(d.Path, "prose") || strings.Contains(d.Path, "neurosnap/sentences") {
				deps = append(deps, d.Path+"@"+d.Version)
			}
		}
	}
	return hashData([]fs.FS{dataFS, nlp.Data(), event.CatalogData()}, deps)
}

// hashData hashes the data/*.yaml files of each file system and the
// module versions deps.
func hashData(fss []fs.FS, deps []string) string {
	h := sha256.New()
	for _, fsys := range fss {
		names, err := fs.Glob(fsys, "data/*.yaml")
		if err != nil {
			panic(fmt.Sprintf("extract: glob embedded data: %v", err)) // a constant, valid pattern
		}
		for _, name := range names { // fs.Glob sorts
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				panic(fmt.Sprintf("extract: read embedded %s: %v", name, err)) // embedded: cannot fail
			}
			fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
			h.Write(b)
		}
	}
	for _, d := range deps {
		fmt.Fprintf(h, "%s\x00", d)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
