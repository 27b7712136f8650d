// The Extractor and the order of its stages.

package extract

import (
	"time"

	"github.com/policywatch/policywatch/extract/nlp"

	"github.com/policywatch/policywatch/event"
)

// Extractor finds events in articles. It is safe for concurrent use; build
// one per process, because loading the tagger model takes a while.
type Extractor struct {
	gaz *Gazetteer
	lex *lexicon
	// models are the learned decisions; nil leaves them to the rules.
	models *Models
	ents   *nlp.Recognizer
	tags   *nlp.Tagger
	seg    *nlp.Segmenter
	// version is Version() when the extractor was built; every event
	// records it.
	version string
}

// New loads the embedded gazetteer, cue lexicon, learned models, prose's
// English models (the tagger's weights and the named-entity recogniser)
// and the Punkt sentence segmenter's training data.
func New() (*Extractor, error) {
	x, err := NewUntrained()
	if err != nil {
		return nil, err
	}
	if x.models, err = loadModels(); err != nil {
		return nil, err
	}
	x.version = Version()
	return x, nil
}

// NewUntrained is New without the learned models: every decision is the
// rules', and events carry no confidence. Training starts from it.
func NewUntrained() (*Extractor, error) {
	gaz, err := LoadGazetteer()
	if err != nil {
		return nil, err
	}
	lex, err := loadLexicon()
	if err != nil {
		return nil, err
	}
	tags, err := nlp.NewTagger()
	if err != nil {
		return nil, err
	}
	seg, err := nlp.NewSegmenter()
	if err != nil {
		return nil, err
	}
	ents, err := nlp.NewRecognizer(tags)
	if err != nil {
		return nil, err
	}
	return &Extractor{gaz: gaz, lex: lex, ents: ents, tags: tags, seg: seg, version: Version() + "+rules-only"}, nil
}

// Gazetteer returns the names the extractor knows, for resolving user
// input such as "--country Iran".
func (x *Extractor) Gazetteer() *Gazetteer { return x.gaz }

// Extract returns the events an article reports, at most one per
// (country, service, action), ordered by country, service and action.
func (x *Extractor) Extract(doc Document) []event.Event {
	return x.extract(doc, nil, nil)
}

// Explain is Extract, also saying why: for each event, the rules that
// decided its fields, and for each cue that gave no event, why not. It
// costs more than Extract, which builds none of this.
func (x *Extractor) Explain(doc Document) ([]event.Event, *Trace) {
	tr := &Trace{}
	return x.extract(doc, tr, nil), tr
}

// extract runs the stages, one after another, on an article:
//
//	mentions   (mentions.go)   Document -> sentences with the countries,
//	                           authorities, services and dates they name
//	candidates (candidates.go) a sentence -> candidates: the cues in it
//	                           that may report an action, with their clauses
//	decide     (decide.go)     a candidate -> decisions: whether it
//	                           happened, what it acts on (targets.go),
//	                           which state acts (actors.go), the action,
//	                           date and reason
//	merge      (merge.go)      decisions -> one event per (country,
//	                           service, action), its date and reason;
//	                           the learned keep model (models.go) drops
//	                           the unlikely and gives the confidence
//
// Sentences are decided in reading order because a sentence's context
// ("it", "the ban", the state a paragraph is about) is what the ones
// before it found. tr, when not nil, records why; collect, when not nil,
// receives every event the rules propose, with its features, and the keep
// model drops none.
func (x *Extractor) extract(doc Document, tr *Trace, collect *[]Candidate) []event.Event {
	if doc.Published.IsZero() {
		doc.Published = time.Now().UTC()
	}
	a := x.mentions(doc)
	a.trace = tr
	a.collect = collect
	var decided []decision
	var cands []candidate // reused from sentence to sentence: decide copies what it keeps
	for _, s := range a.sents {
		var affects []cueMatch
		cands, affects = x.candidates(a, s, cands[:0])
		var found []decision
		for _, c := range cands {
			found = append(found, x.decide(a, c)...)
		}
		for _, c := range affects {
			found = append(found, x.collateral(a, s, c, hard(found))...)
		}
		a.prior = append(a.prior, hard(found)...) // doubted decisions give no context
		decided = append(decided, found...)
	}
	decided = append(decided, x.resolveReferences(a, hard(decided))...)
	decided = append(decided, x.continueLists(a, decided)...)
	return x.merge(a, decided)
}

// hard returns the decisions no rule doubts.
func hard(ds []decision) []decision {
	var out []decision
	for _, d := range ds {
		if d.soft == "" {
			out = append(out, d)
		}
	}
	return out
}
