// Stage 1, mentions: the sentences of an article and the countries,
// authorities, services and dates each names.

package extract

import (
	"slices"
	"sort"
	"strings"
)

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
	// prior are the decisions made so far, for context.
	prior []decision
	// pending are references to actions ("the ban") to resolve once all
	// sentences are read.
	pending []reference
	// measures are actions on sets the sentence does not name ("banned 26
	// platforms"), whose services a list may name (lists.go).
	measures []measure
	// current is the sentence whose mentions are being found.
	current *sentence
	// generalDates are the dates an article gives a state's measures on
	// services it does not name there ("blocked 26 platforms on 4
	// September"), by country: events with no date of their own take them.
	generalDates map[string]date
	// collect receives every event's features when training.
	collect *[]Candidate
	// trace records why, for Explain; nil for Extract.
	trace *Trace
	// search is targets' working state.
	search targetSearch
}

// mentions is the first stage: it splits an article into sentences, tags
// their words and finds the countries, authorities, services and dates
// each names.
func (x *Extractor) mentions(doc Document) *analysis {
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
		if y, ok := lastYear(s.text); ok {
			ctx.year = y
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

// mention is a country, authority or service named in a sentence.
type mention struct {
	start, end int // tokens
	role       role
	country    string
	actorKind  string
	service    string
	strength   int  // for countries: 3 authority, 2 state named as actor, 1 location or weak hint
	origin     bool // "Chinese app TikTok", "based in the US": not the actor
	account    bool // "Telegram channel": one account, not the service
	own        bool // "his Telegram channel": the actor's own account
	channel    bool // "said on Telegram": where something was said
	coref      bool // resolved from "the messaging app" or "that country"
	owner      bool // a parent company named beside its product
}

func (m mention) isCountry() bool { return m.country != "" }
func (m mention) isService() bool { return m.service != "" }

// findMentions finds the countries, authorities and services of a
// sentence, resolving "the messaging app" and "that country" to what the
// article named last.
func (x *Extractor) findMentions(a *analysis, s *sentence) {
	a.current = s
	defer func() { a.current = nil }()
	toks := s.toks
	matched := make([]bool, len(toks))
	found := x.gaz.find(toks)
	// Which tokens start or end a plain service name, so an ambiguous
	// name in a list of services is read as one ("Facebook, TikTok and X").
	plain := make(map[int]bool)
	for _, m := range found {
		for _, e := range m.entries {
			if e.role == roleService && !e.ambiguous {
				plain[m.start], plain[-m.end] = true, true
			}
		}
	}
	s.listed = func(m match) bool {
		before, after := m.start-1, m.end
		for before >= 0 && (toks[before].text == "," || toks[before].lower == "and" || toks[before].lower == "or") {
			before--
		}
		for after < len(toks) && (toks[after].text == "," || toks[after].lower == "and" || toks[after].lower == "or") {
			after++
		}
		return before >= 0 && before < m.start-1 && plain[-(before+1)] || after > m.end && plain[after]
	}
	for _, m := range found {
		for i := m.start; i < m.end; i++ {
			matched[i] = true
		}
		if x.notNetwork(toks, m) || x.lex.words.partOfRegion(toks, m) {
			continue
		}
		seen := make(map[string]bool)
		for _, e := range x.pick(a, toks, m) {
			mn := mention{start: m.start, end: m.end, role: e.role, country: e.country, actorKind: e.actorKind}
			switch e.role {
			case roleService:
				mn.service = e.service
			case roleGeneric:
				slug := x.resolveGeneric(a, s, m)
				if slug == "" {
					continue
				}
				mn.service, mn.coref = slug, true
			}
			if k := mn.country + "/" + mn.service; seen[k] {
				continue
			} else {
				seen[k] = true
			}
			s.mentions = append(s.mentions, mn)
		}
	}
	open, replaced := x.openSet(s, matched)
	if len(replaced) > 0 {
		s.mentions = slices.DeleteFunc(s.mentions, func(m mention) bool { return slices.Contains(replaced, m) })
	}
	for _, m := range open {
		for i := m.start; i < m.end; i++ {
			matched[i] = true
		}
		s.mentions = append(s.mentions, m)
	}
	// Names are classified before "the country" is resolved, which skips
	// a country named only as where something comes from ("the Chinese
	// chatbot DeepSeek, the country's regulator said").
	classify := func(ms []mention) {
		for i := range ms {
			if ms[i].isCountry() {
				x.classifyCountry(toks, &ms[i])
			} else {
				x.classifyService(toks, &ms[i])
			}
		}
	}
	sort.SliceStable(s.mentions, func(i, j int) bool { return s.mentions[i].start < s.mentions[j].start })
	classify(s.mentions)
	refs := x.anaphors(a, s, matched)
	classify(refs)
	s.mentions = append(s.mentions, refs...)
	sort.SliceStable(s.mentions, func(i, j int) bool { return s.mentions[i].start < s.mentions[j].start })
	markOwners(x.gaz, s)
	for _, m := range s.mentions {
		if m.isService() && !m.coref {
			a.named[m.service] = true
		}
	}
}

// pick chooses which entries of a gazetteer match apply: ambiguous service
// aliases need the service named plainly somewhere in the article or a
// noun before them ("the platform X"); a name that is both a country and
// a service is read as the service only next to another service.
func (x *Extractor) pick(a *analysis, toks []token, m match) []entry {
	var out []entry
	for _, e := range m.entries {
		if e.role == roleService && e.ambiguous && !x.licensed(a, toks, m, e.service) {
			continue
		}
		out = append(out, e)
	}
	// A place's name that is also a first name ("Jordan Peterson", "Chad
	// Smith") is a person when prose's entity recogniser says so: it labels
	// the name, or the word after it, as a person.
	if m.end-m.start == 1 && m.end < len(toks) && len(out) > 0 && a.current != nil {
		switch out[0].role {
		case roleCountry, roleCapital, roleCity:
			next := toks[m.end]
			if isCapitalized(next.text) && !x.lex.government[next.lower] && len(x.gaz.find(toks[m.end:m.end+1])) == 0 && !isTitleCase(toks) {
				labels := x.entityLabels(a.current)
				if strings.HasSuffix(labels[m.start], "PERSON") || strings.HasSuffix(labels[m.end], "PERSON") {
					return nil
				}
			}
		}
	}
	return out
}

// entityLabels runs prose's named-entity recogniser over a sentence once,
// giving each token its IOB label ("B-PERSON", "B-GPE", "O"). It runs only
// for sentences that need it: it costs more than tagging.
func (x *Extractor) entityLabels(s *sentence) []string {
	if s.labels != nil {
		return s.labels
	}
	s.labels = make([]string, len(s.toks)+1)
	if labels := x.ents.Labels(s.text); len(labels) == len(s.toks) {
		copy(s.labels, labels)
	}
	return s.labels
}

func (x *Extractor) licensed(a *analysis, toks []token, m match, slug string) bool {
	if a.named[slug] || x.namedPlainly(a, slug) {
		return true
	}
	if x.lex.words.contextLicenses(toks, m) {
		return true
	}
	if s := a.current; s != nil && s.listed != nil && s.listed(m) {
		return true
	}
	// Capitalised inside running text, a name longer than a letter is the
	// name ("fined Apple", "blocked Signal"); at the start of a sentence or
	// in a headline, capitals say nothing.
	if m.start > 0 && len(toks[m.start].text) > 2 && !isTitleCase(toks) {
		return true
	}
	// At the start of a sentence, a name followed by its verb is the
	// subject: "Meta was fined", "Signal said".
	if m.start == 0 && len(toks[0].text) > 2 && m.end < len(toks) && !isTitleCase(toks) {
		if t := toks[m.end]; strings.HasPrefix(t.tag, "VB") || t.tag == "MD" || t.lower == "'s" {
			return true
		}
	}
	if m.start > 0 && x.lex.words.serviceHeads[toks[m.start-1].lower] {
		return true
	}
	// The object of an action in running text: "Conatel suspended X for
	// ten days".
	if m.start > 0 && x.lex.words.licensingVerbs[toks[m.start-1].lower] && !isTitleCase(toks) {
		return true
	}
	return false
}

// contextLicenses reports words around an ambiguous name that make it
// the service: a noun before it ("the platform X", "Musk's X"), or an
// apposition after it ("X, the social network formerly known as
// Twitter", "X (formerly Twitter)").
func (w *words) contextLicenses(toks []token, m match) bool {
	if m.start > 0 && w.serviceHeads[toks[m.start-1].lower] {
		return true
	}
	for k := m.end; k < len(toks) && k < m.end+6; k++ {
		if w.serviceAppositions[toks[k].lower] {
			return true
		}
		if toks[k].text != "," && toks[k].text != "(" && toks[k].tag != "DT" && !strings.HasPrefix(toks[k].tag, "JJ") && toks[k].lower != "social" && toks[k].lower != "media" && toks[k].lower != "known" && toks[k].lower != "as" {
			break
		}
	}
	return false
}

// namedPlainly reports whether the article names a service by one of its
// unambiguous names anywhere, so that "X" later in a story about
// "X, formerly Twitter" is understood even before the mention is reached.
func (x *Extractor) namedPlainly(a *analysis, slug string) bool {
	if v, ok := a.named["\x00"+slug]; ok {
		return v
	}
	// A name counts as plain when unambiguous, or when capitalised in
	// running text ("accused Meta of"), which licenses it at the start of
	// a sentence too ("Meta begins blocking news").
	found := false
	for _, s := range a.sents {
		title := isTitleCase(s.toks)
		for _, m := range x.gaz.find(s.toks) {
			for _, e := range m.entries {
				if e.role == roleService && e.service == slug && (!e.ambiguous || m.start > 0 && !title && len(s.toks[m.start].text) > 2 || x.lex.words.contextLicenses(s.toks, m)) {
					found = true
				}
			}
		}
	}
	if svc := x.gaz.Service(slug); svc != nil && !found && len(svc.LicensedBy) > 0 {
		for _, s := range a.sents {
			for _, t := range s.toks {
				if contains(svc.LicensedBy, t.text) {
					found = true
				}
			}
		}
	}
	a.named["\x00"+slug] = found
	return found
}

// resolveGeneric resolves a common noun that refers back to a service
// ("the messaging app") to the service of that kind named last, within a
// few sentences. An indefinite noun ("an alternative app") refers to
// nothing.
func (x *Extractor) resolveGeneric(a *analysis, s *sentence, m match) string {
	if !x.lex.words.definiteBefore(s.toks, m.start) {
		return ""
	}
	// "the messaging app Telegram": an apposition names the service itself.
	if m.end < len(s.toks) && isServiceAt(x, s.toks, m.end) {
		return ""
	}
	kinds := make(map[string]bool)
	for _, e := range m.entries {
		if e.role == roleGeneric {
			kinds[e.service] = true
		}
	}
	return lastService(a, s, m.start, func(slug string) bool { return kinds[slug] })
}

// anaphors resolves "the app", "the service", "the platform" and "that
// country", which fit any service or country, and "the two platforms",
// which refer to the services named together last.
func (x *Extractor) anaphors(a *analysis, s *sentence, matched []bool) []mention {
	var out []mention
	// "the app" is one app: not the network, a company, or VPNs at large.
	notNetwork := func(slug string) bool {
		svc := x.gaz.Service(slug)
		return svc == nil || !svc.IsNetwork() && svc.Kind != "company" && slug != "vpn"
	}
	for i, t := range s.toks {
		if matched[i] || !x.lex.words.definiteBefore(s.toks, i) {
			continue
		}
		if i+1 < len(s.toks) && (isServiceAt(x, s.toks, i+1) || strings.HasPrefix(s.toks[i+1].tag, "NNP") && isCapitalized(s.toks[i+1].text)) {
			continue // "the app Telegram", "the monitoring company Kentik"
		}
		if i > 0 && strings.HasPrefix(s.toks[i-1].tag, "NNP") && !matched[i-1] {
			continue // "the Smart Voting website" names something we do not know
		}
		switch w := t.lower; {
		case w == "company" || w == "firm":
			// The company behind the service named last: its owner when the
			// article names it.
			slug := lastService(a, s, i, func(slug string) bool {
				svc := x.gaz.Service(slug)
				return svc == nil || !svc.IsNetwork()
			})
			if svc := x.gaz.Service(slug); svc != nil && svc.Owner != "" && a.named[svc.Owner] {
				slug = svc.Owner
			}
			if slug != "" {
				out = append(out, mention{start: i, end: i + 1, role: roleGeneric, service: slug, coref: true})
			}
		case x.lex.words.serviceAnaphors[w]:
			if covered(s.mentions, i) {
				continue
			}
			if slug := lastService(a, s, i, notNetwork); slug != "" {
				out = append(out, mention{start: i, end: i + 1, role: roleGeneric, service: slug, coref: true})
			}
		case x.lex.words.servicesAnaphors[w]:
			for _, slug := range lastServices(a, s, i) {
				out = append(out, mention{start: i, end: i + 1, role: roleGeneric, service: slug, coref: true})
			}
		case w == "country" || w == "nation":
			// "its services in that country" after Russia in the same
			// sentence is Russia; otherwise "the country" is the one the
			// story is about, not whichever was named last.
			code := ""
			for _, m := range reverse(s.mentions) {
				if m.isCountry() && m.end <= i && !m.origin && !x.lex.words.attacked(s.toks, m.start) {
					code = m.country
					break
				}
			}
			if code == "" {
				code = mainCountry(a)
			}
			if code == "" {
				code = lastCountry(a, s, i)
			}
			if code != "" {
				out = append(out, mention{start: i, end: i + 1, role: roleCountry, country: code, coref: true})
			}
		}
	}
	return out
}

func covered(ms []mention, i int) bool {
	for _, m := range ms {
		if i >= m.start && i < m.end {
			return true
		}
	}
	return false
}

// definiteBefore reports whether the noun phrase ending before toks[i]
// starts with a definite determiner: "the", "this", "that", possibly with
// adjectives between ("the encrypted messaging app").
func (w *words) definiteBefore(toks []token, i int) bool {
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		switch toks[j].lower {
		case "the", "this", "that", "its":
			return true
		}
		if w.indefiniteDeterminers[toks[j].lower] {
			return false
		}
		tag := toks[j].tag
		if !(strings.HasPrefix(tag, "JJ") || strings.HasPrefix(tag, "VBG") || strings.HasPrefix(tag, "NN") || tag == "RB" || tag == "CD") || isBoundary(toks[j]) {
			return false
		}
	}
	return false
}

const corefWindow = 6 // sentences

func lastService(a *analysis, s *sentence, before int, ok func(string) bool) string {
	for _, m := range reverse(s.mentions) {
		// "told Interfax that it could throttle the service": the outlet
		// spoken to is not what the sentence goes on about.
		if m.isService() && !m.channel && m.end <= before && ok(m.service) {
			return m.service
		}
	}
	for i := s.index - 1; i >= 0 && i >= s.index-corefWindow; i-- {
		p := a.sents[i]
		if p.title {
			continue
		}
		for _, m := range reverse(p.mentions) {
			if m.isService() && !m.channel && ok(m.service) {
				return m.service
			}
		}
	}
	return ""
}

// topicService resolves "it" after an action to the service the passage
// is about: the one named most often in this sentence before the pronoun
// and the three before it, the latest on a tie. "Iran blocked it in
// January, after users flocked to it from WhatsApp" in a story about
// Signal means Signal.
func (w *words) topicService(a *analysis, s *sentence, before int) string {
	count := make(map[string]int)
	last := make(map[string]int)
	n := 0
	note := func(p *sentence, m mention, weight int) {
		if !m.isService() || m.channel || m.service == "vpn" {
			return
		}
		// "flocked to it from WhatsApp", "more popular than WhatsApp":
		// a source or a comparison, not the topic.
		if m.start > 0 && w.comparisons[p.toks[m.start-1].lower] {
			return
		}
		n++
		count[m.service] += weight
		last[m.service] = n
	}
	// The headline names the topic.
	if len(a.sents) > 0 && a.sents[0].title {
		for _, m := range a.sents[0].mentions {
			note(a.sents[0], m, 2)
		}
	}
	for i := max(0, s.index-3); i < s.index; i++ {
		if !a.sents[i].title {
			for _, m := range a.sents[i].mentions {
				note(a.sents[i], m, 1)
			}
		}
	}
	for _, m := range s.mentions {
		if m.end <= before {
			note(s, m, 1)
		}
	}
	best := ""
	for slug, c := range count {
		if best == "" || c > count[best] || c == count[best] && last[slug] > last[best] {
			best = slug
		}
	}
	return best
}

// lastServices resolves a plural noun phrase to the services named
// together most recently: "the two platforms" after "Twitter and
// Instagram". A number before the noun says how many.
func lastServices(a *analysis, s *sentence, at int) []string {
	want := 0
	if at > 0 {
		want = numberWords[s.toks[at-1].lower]
	}
	for i := s.index - 1; i >= 0 && i >= s.index-3; i-- {
		p := a.sents[i]
		if p.title {
			continue
		}
		var slugs []string
		for _, m := range reverse(p.mentions) {
			if m.isService() && !m.channel && !m.coref && !contains(slugs, m.service) && m.service != "internet" && m.service != "mobile-internet" {
				slugs = append(slugs, m.service)
			}
		}
		if want > 0 && len(slugs) >= want {
			return slugs[:want]
		}
		if want == 0 && len(slugs) >= 2 {
			return slugs
		}
	}
	return nil
}

func lastCountry(a *analysis, s *sentence, before int) string {
	for _, m := range reverse(s.mentions) {
		if m.isCountry() && m.end <= before && !m.origin {
			return m.country
		}
	}
	for i := s.index - 1; i >= 0 && i >= s.index-corefWindow; i-- {
		for _, m := range reverse(a.sents[i].mentions) {
			if m.isCountry() && !m.origin {
				return m.country
			}
		}
	}
	return ""
}

func reverse(ms []mention) []mention {
	out := make([]mention, len(ms))
	for i, m := range ms {
		out[len(ms)-1-i] = m
	}
	return out
}

// classifyCountry decides whether a country mention can be the actor:
// "Iran's net regulator", "Russian authorities" and "a Moscow court" act;
// "a Chinese app" and "based in the US" only say where something is from.
func (x *Extractor) classifyCountry(toks []token, m *mention) {
	switch m.role {
	case roleActor:
		m.strength = 3
		return
	case roleCapital, roleCity:
		m.strength = 2
	case roleCountry:
		m.strength = 2
	case roleDemonym:
		m.strength = 1
	}
	// "Google Ireland", "Meta Platforms Ireland": a company's name.
	if m.role == roleCountry && m.start > 0 {
		if p := toks[m.start-1]; isCapitalized(p.text) && strings.HasPrefix(p.tag, "NNP") && m.start-1 > 0 && !x.lex.government[p.lower] {
			if len(x.gaz.find(toks[m.start-1:m.start])) > 0 || x.lex.words.companySuffixes[p.lower] {
				m.origin = true
				return
			}
		}
	}
	// "based in", "headquartered in", "registered in", "founded in"
	if m.start >= 2 && toks[m.start-1].lower == "in" && x.lex.words.originVerbs[toks[m.start-2].lower] {
		m.origin = true
		return
	}
	// "a news portal funded by the U.S. government": who pays for a
	// service, not who acts on it.
	if k := m.start - 1; k >= 1 {
		if toks[k].lower == "the" {
			k--
		}
		if k >= 1 && toks[k].lower == "by" && x.lex.words.fundingVerbs[toks[k-1].lower] {
			m.origin = true
			return
		}
	}
	// Look past the possessive and adjectives to the head noun:
	// "Iran's net regulator", "Russian state security services".
	j := m.end
	if j < len(toks) && toks[j].lower == "'s" {
		j++
	}
	look := 3
	if m.role == roleDemonym {
		look = 5 // "the Chinese artificial intelligence chatbot DeepSeek"
	}
	for k := 0; k < look && j < len(toks); k++ {
		w := toks[j].lower
		if len(x.lex.cues[w]) > 0 {
			// "A Mongolian ban", "the Russian blocking": the adjective
			// names the state that acts, as "Turkmenistan blocks
			// WhatsApp" does.
			if m.role == roleDemonym && k == 0 {
				m.strength = 2
			}
			break
		}
		// "the Chinese artificial intelligence chatbot": AI, not spies.
		if x.lex.government[w] && !(w == "intelligence" && j > 0 && toks[j-1].lower == "artificial") {
			// "the British telecoms group": a modifier of a company's
			// noun says where the company is from; a state's company
			// ("Ecuador's state operator") acts for it.
			if w != "state" && x.lex.words.governmentModifiers[w] && j+1 < len(toks) && x.lex.origin[toks[j+1].lower] {
				m.origin = true
				return
			}
			m.strength = 3
			return
		}
		if x.lex.words.carrierNames[w] {
			m.origin = true // "Norway's Telenor": the operator's home
			return
		}
		if x.lex.origin[w] {
			if m.role == roleDemonym || m.end == j || toks[m.end].lower != "'s" {
				m.origin = true
			}
			return
		}
		if isServiceAt(x, toks, j) {
			m.origin = m.role == roleDemonym // "the Chinese app TikTok"
			return
		}
		if !strings.HasPrefix(toks[j].tag, "JJ") && !strings.HasPrefix(toks[j].tag, "NN") {
			break
		}
		j++
	}
}

func isServiceAt(x *Extractor, toks []token, j int) bool {
	ms := x.gaz.find(toks[j:min(j+4, len(toks))])
	if len(ms) == 0 || ms[0].start != 0 {
		return false
	}
	for _, e := range ms[0].entries {
		if e.role == roleService {
			return true
		}
	}
	return false
}

// classifyService marks service mentions that are not the service as a
// whole: one account ("his Telegram channel") or the medium of a statement
// ("said on Telegram").
func (x *Extractor) classifyService(toks []token, m *mention) {
	// "cut off internet access on mobile phones": the mobile network.
	if m.service == "internet" && m.end+2 < len(toks) {
		switch toks[m.end].lower {
		case "on", "over", "via", "for":
			if w := toks[m.end+1].lower; (w == "mobile" || w == "cellular") && x.lex.words.mobileHeads[toks[m.end+2].lower] {
				m.service = "mobile-internet"
			}
		}
	}
	if m.end < len(toks) {
		j := m.end
		if j < len(toks) && (toks[j].lower == "messenger" || toks[j].lower == "messaging") {
			j++
		}
		// The network has no pages or posts of its own: "internet links"
		// are connections.
		if j < len(toks) && x.lex.accounts[toks[j].lower] && m.service != "internet" && m.service != "mobile-internet" {
			m.account = true
			for k := m.start - 1; k >= 0 && k >= m.start-3; k-- {
				if x.lex.own[toks[k].lower] {
					m.own = true
				}
			}
		}
	}
	// "said on Telegram", "wrote on X", "in a post on X", "said in a
	// Telegram post", "on its Telegram channel".
	start := m.start
	if m.account && start >= 1 {
		switch toks[start-1].lower {
		case "a", "its", "their", "his", "her", "an", "official":
			start--
		}
	}
	if start >= 1 {
		switch toks[start-1].lower {
		case "on", "via", "in":
			for k := start - 2; k >= 0 && k >= start-2; k-- {
				if x.lex.words.speech[toks[k].lower] {
					m.channel = true
				}
			}
		}
	}
	// A news outlet is most often the source, not the target: "according
	// to the BBC", "the BBC reported", "the BBC's correspondents say".
	if svc := x.gaz.Service(m.service); svc != nil && svc.Kind == "news" {
		k := m.start - 1
		if k >= 0 && toks[k].lower == "the" {
			k--
		}
		if k >= 1 && toks[k].lower == "to" && toks[k-1].lower == "according" || k >= 0 && x.lex.words.newsListeners[toks[k].lower] {
			m.channel = true // "according to the BBC", "told the BBC"
		}
		if k >= 0 && toks[k].lower == "by" {
			// "according to a report on Friday by the Interfax news
			// agency"; but "blocked a report by the BBC" acts on the BBC.
			for r := k - 1; r >= 2 && r >= k-5 && !isBoundary(toks[r]); r-- {
				if x.lex.words.reportNouns[toks[r].lower] {
					q := r - 1
					if t := toks[q].lower; t == "a" || t == "an" || t == "the" {
						q--
					}
					if q >= 1 && toks[q].lower == "to" && toks[q-1].lower == "according" {
						m.channel = true
					}
					break
				}
			}
		}
		j := m.end
		// ", the TASS news agency reported": a closing attribution names
		// what the outlet is, then its report. "The Meduza website said
		// Russia had blocked it" opens the sentence, and the site is
		// what was blocked.
		if k >= 0 && toks[k].text == "," {
			n := j
			for n < len(toks) && n < j+3 && x.lex.words.outletNouns[toks[n].lower] {
				n++
			}
			if n > j && n < len(toks) && (toks[n].tag == "VBD" || toks[n].tag == "VBZ") {
				j = n
			}
		}
		if j < len(toks) && toks[j].lower == "'s" {
			j++
			// "RFE/RL's Azerbaijani Service reports": the outlet's
			// desk in some language speaks for it.
			for k := j; k < len(toks) && k < j+3; k++ {
				if toks[k].lower == "service" {
					j = k + 1
					break
				}
				if !strings.HasPrefix(toks[k].tag, "NNP") && !strings.HasPrefix(toks[k].tag, "JJ") {
					break
				}
			}
		}
		if j < len(toks) && (x.lex.words.speech[toks[j].lower] || x.lex.words.attributions[toks[j].lower] || x.lex.words.newsSources[toks[j].lower]) {
			m.channel = true
		}
	}
}

// markOwners marks a parent company named beside one of its products in
// the sentence. Among an action's targets the product wins: "Meta's
// WhatsApp" is WhatsApp, and "Amazon and other applications that use Amazon
// Web Services" is AWS. As a subject the owner still acts ("Meta blocked
// news on Facebook").
func markOwners(g *Gazetteer, s *sentence) {
	products := make(map[string]bool)
	for _, m := range s.mentions {
		if m.isService() {
			if svc := g.Service(m.service); svc != nil && svc.Owner != "" {
				products[svc.Owner] = true
			}
		}
	}
	for i := range s.mentions {
		if m := &s.mentions[i]; m.isService() && products[m.service] {
			m.owner = true
		}
	}
}

// dropOwners removes the parent companies from targets that also hold one
// of their products. An owner that is a service in its own right (Google
// search, Twitter) goes only when it qualifies the product ("Google's
// YouTube"); listed beside it ("fined Twitter, Periscope and YouTube") it
// is a target too.
func dropOwners(g *Gazetteer, s *sentence, targets []mention) []mention {
	products := make(map[string][]mention)
	for _, m := range targets {
		if svc := g.Service(m.service); svc != nil && svc.Owner != "" {
			products[svc.Owner] = append(products[svc.Owner], m)
		}
	}
	out := targets[:0]
	for _, m := range targets {
		if possessesTarget(s, m, targets) {
			continue
		}
		prods := products[m.service]
		if len(prods) == 0 {
			out = append(out, m)
			continue
		}
		if svc := g.Service(m.service); svc != nil && svc.Kind != "company" {
			qualifies := false
			for _, p := range prods {
				qualifies = qualifies || p.start == m.end+1 && m.end < len(s.toks) && s.toks[m.end].lower == "'s" || p.start == m.end
			}
			if !qualifies {
				out = append(out, m)
			}
		}
	}
	return out
}

// notNetwork reports a network service name that modifies another noun:
// "internet providers", "internet calls" are not the internet.
func (x *Extractor) notNetwork(toks []token, m match) bool {
	if m.end >= len(toks) {
		return false
	}
	for _, e := range m.entries {
		if e.role == roleService && (e.service == "internet" || e.service == "mobile-internet") {
			return x.lex.networkNot[toks[m.end].lower] ||
				(toks[m.end].lower == "service" || toks[m.end].lower == "access") && m.end+1 < len(toks) && x.lex.networkNot[toks[m.end+1].lower] ||
				x.callsOver(toks, m.start)
		}
	}
	return false
}

// callsOver reports "calls over the internet", "voice calls via the
// internet", "calls made over mobile internet connections": the calls,
// not the network, are what a measure hits.
func (x *Extractor) callsOver(toks []token, start int) bool {
	i := start - 1
	if i >= 0 && toks[i].lower == "the" {
		i--
	}
	if i < 1 {
		return false
	}
	switch toks[i].lower {
	case "over", "via", "through", "using":
		// "calls made over mobile internet connections"
		if i >= 2 && x.lex.words.callsOverVerbs[toks[i-1].lower] {
			i--
		}
		return x.lex.callsOver[toks[i-1].lower]
	}
	return false
}

func isCapitalized(s string) bool {
	return s != "" && s[0] >= 'A' && s[0] <= 'Z'
}

// partOfRegion reports "America" ending "South America", "Latin America"
// and the like: a region, not the United States.
func (w *words) partOfRegion(toks []token, m match) bool {
	return m.start > 0 && strings.HasPrefix(toks[m.start].lower, "america") && w.americas[toks[m.start-1].lower]
}

// attacked reports a state named as what a war or an invasion is waged
// on: "following its invasion of Ukraine, the country blocked ..." is
// about the invader.
func (w *words) attacked(toks []token, at int) bool {
	if at < 2 {
		return false
	}
	switch toks[at-1].lower {
	case "of", "on", "against", "with", "in":
		return w.conflictNouns[toks[at-2].lower]
	}
	return false
}

// possessesTarget reports a service in the possessive before another of
// the targets, with only a few nouns between: "Facebook's messaging
// service WhatsApp", "Facebook's WhatsApp" name WhatsApp, whoever owns
// it in the gazetteer.
func possessesTarget(s *sentence, m mention, targets []mention) bool {
	if m.end >= len(s.toks) || s.toks[m.end].lower != "'s" {
		return false
	}
	for _, p := range targets {
		if p.service == m.service || p.start <= m.end || p.start > m.end+4 {
			continue
		}
		between := true
		for k := m.end + 1; k < p.start; k++ {
			t := s.toks[k]
			between = between && (strings.HasPrefix(t.tag, "NN") || strings.HasPrefix(t.tag, "JJ") || strings.HasPrefix(t.tag, "VBG"))
		}
		if between {
			return true
		}
	}
	return false
}
