// Package nlp is the part of prose v2.0.0 (github.com/jdkato/prose) that
// extraction uses: its Punkt sentence segmenter, its tokenizer and its
// averaged-perceptron part-of-speech tagger, ported so that each model is
// decoded once per process rather than once per document, with prose's
// output reproduced exactly, quirks included, because the extraction rules
// were tuned on it. Named entities still come from prose itself, through
// Recognizer. See LICENSE.prose.
package nlp

import (
	"embed"
	"io/fs"

	"github.com/jdkato/prose/v2"
)

//go:embed data/*.yaml
var dataFS embed.FS

// Recognizer labels named entities with prose's own model, which needs
// the whole prose pipeline: it is not ported.
type Recognizer struct {
	model *prose.Model
}

// NewRecognizer decodes prose's English model.
func NewRecognizer() *Recognizer {
	return &Recognizer{model: prose.ModelFromData("policywatch")}
}

// Labels gives each token of an already segmented sentence its IOB entity
// label ("B-PERSON", "B-GPE", "O"), or nil when prose cannot read it.
func (r *Recognizer) Labels(sentence string) []string {
	doc, err := prose.NewDocument(sentence, prose.UsingModel(r.model), prose.WithSegmentation(false))
	if err != nil {
		return nil
	}
	toks := doc.Tokens()
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Label
	}
	return out
}

// Data returns the package's embedded data files, under data/, for
// hashing into the extractor's version.
func Data() fs.FS { return dataFS }
