package extract

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/policywatch/policywatch/extract/nlp"
)

// Extractor finds events in articles. It is safe for concurrent use; build
// one per process, because loading the tagger model takes a while.
type Extractor struct {
	gaz  *Gazetteer
	lex  *lexicon
	conf *confidenceModel
	ents *nlp.Recognizer
	tags *nlp.Tagger
	seg  *nlp.Segmenter
}

// New loads the embedded gazetteer, cue lexicon, prose's English models
// (the tagger's weights and the named-entity recogniser) and the Punkt
// sentence segmenter's training data.
func New() (*Extractor, error) {
	// prose's model, which the named-entity recogniser needs whole, tagger
	// included, and the port's tagger weights are decoded from the same
	// embedded data: decoding them side by side halves the wait on two
	// cores.
	var ents *nlp.Recognizer
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { ents = nlp.NewRecognizer() })
	gaz, err := LoadGazetteer()
	if err != nil {
		return nil, err
	}
	lex, err := loadLexicon()
	if err != nil {
		return nil, err
	}
	conf, err := loadConfidence()
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
	wg.Wait()
	return &Extractor{gaz: gaz, lex: lex, conf: conf, ents: ents, tags: tags, seg: seg}, nil
}

// Gazetteer returns the names the extractor knows, for resolving user
// input such as "--country Iran".
func (x *Extractor) Gazetteer() *Gazetteer { return x.gaz }

// Extract returns the events an article reports, at most one per
// (country, service, action), ordered by country, service and action.
func (x *Extractor) Extract(doc Document) []Event {
	evs, _ := x.extract(doc, false)
	return evs
}

// extract is Extract, keeping each event's confidence features when asked.
func (x *Extractor) extract(doc Document, keepFeatures bool) ([]Event, map[triple][]float64) {
	if doc.Published.IsZero() {
		doc.Published = time.Now().UTC()
	}
	a := x.analyze(doc)
	if keepFeatures {
		a.features = make(map[triple][]float64)
	}
	var cands []candidate
	for _, s := range a.sents {
		cands = append(cands, x.sentenceEvents(a, s)...)
	}
	cands = append(cands, x.resolveReferences(a, cands)...)
	return x.merge(a, cands), a.features
}

// analysis is a document split into analysed sentences, with the running
// context that coreference needs.
type analysis struct {
	doc   Document
	sents []*sentence
	// named reports which services the article names unambiguously
	// anywhere, which licenses their ambiguous aliases ("X").
	named map[string]bool
	// justifications are reasons a government gives in sentences that
	// report no action, by country.
	justifications []justification
	// prior are the candidates found so far, for context.
	prior []candidate
	// pending are references to actions ("the ban") to resolve once all
	// sentences are read.
	pending []reference
	// current is the sentence whose mentions are being found.
	current *sentence
	// generalDates are the dates an article gives a state's measures on
	// services it does not name there ("blocked 26 platforms on 4
	// September"), by country: events with no date of their own take them.
	generalDates map[string]date
	// features are the confidence features of each event, kept only when
	// the model is being fitted.
	features map[triple][]float64
}

func (x *Extractor) analyze(doc Document) *analysis {
	a := &analysis{doc: doc, named: make(map[string]bool), generalDates: make(map[string]date)}
	title := strings.TrimSpace(normalizeText(doc.Title))
	paras := splitParagraphs(normalizeText(doc.Text))
	// Some sources repeat the headline as the first line of the text.
	if len(paras) > 0 && title != "" && strings.EqualFold(paras[0], title) {
		paras = paras[1:]
	}
	var sents []sentence
	if title != "" {
		sents = append(sents, sentence{orig: doc.Title, text: title, para: -1, title: true})
	}
	body := x.splitSentences(paras)
	sents = append(sents, body...)
	for i := range sents {
		s := &sents[i]
		s.index = i
		if !s.title {
			s.text = s.orig // splitSentences works on normalised text already
		}
		x.tokenize(s)
		// A first paragraph without final punctuation is a standfirst:
		// a summary, like the headline.
		if s.para == 0 && len(paras) > 1 && !endsSentence(paras[0]) {
			s.lead = true
		}
		a.sents = append(a.sents, s)
	}
	// Dates resolve in reading order: "in June that year" and "the same
	// month" need what came before.
	ctx := dateContext{pub: doc.Published}
	for _, s := range a.sents {
		x.findMentions(a, s)
	}
	dropUnconfirmedActors(a)
	for _, s := range a.sents {
		ctx.future = strings.Contains(" "+strings.ToLower(s.text)+" ", " will ")
		s.dates = findDatesIn(s.text, ctx)
		if ys := yearRE.FindAllString(s.text, -1); len(ys) > 0 {
			ctx.year, _ = strconv.Atoi(ys[len(ys)-1])
		}
		if len(s.dates) > 0 {
			ctx.last = s.dates[len(s.dates)-1].value
		}
	}
	return a
}

// dropUnconfirmedActors forgets an authority whose state the article
// never names when it names others: "ICTA" is Mauritius's regulator in a
// story about Mauritius, though the gazetteer files the acronym under
// Turkey's.
func dropUnconfirmedActors(a *analysis) {
	named := make(map[string]bool)
	for _, s := range a.sents {
		for _, m := range s.mentions {
			if m.isCountry() && m.role != roleActor && !m.coref {
				named[m.country] = true
			}
		}
	}
	if len(named) == 0 {
		return
	}
	for _, s := range a.sents {
		kept := s.mentions[:0]
		for _, m := range s.mentions {
			if m.role == roleActor && !named[m.country] {
				continue
			}
			kept = append(kept, m)
		}
		s.mentions = kept
	}
}

func endsSentence(p string) bool {
	p = strings.TrimRight(p, `"') `)
	return strings.HasSuffix(p, ".") || strings.HasSuffix(p, "!") || strings.HasSuffix(p, "?")
}
