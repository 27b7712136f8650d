// Package nlp is the part of prose v2.0.0 (github.com/jdkato/prose) that
// extraction uses: its Punkt sentence segmenter, its tokenizer, its
// averaged-perceptron part-of-speech tagger and its maximum-entropy
// named-entity recogniser, ported so that each model is decoded once per
// process rather than once per document, with prose's output reproduced
// exactly, quirks included, because the extraction rules were tuned on it.
// prose itself provides the models' data. See LICENSE.prose.
package nlp

import (
	"embed"
	"io/fs"
)

//go:embed data/*.yaml
var dataFS embed.FS

// Data returns the package's embedded data files, under data/, for
// hashing into the extractor's version.
func Data() fs.FS { return dataFS }
