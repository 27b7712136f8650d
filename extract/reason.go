// Reasons: why a state says it acted, and the collateral damage of an
// action.

package extract

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/policywatch/policywatch/event"
)

// justification is a reason a government gives in a sentence that reports
// no action: "the Iranian government ... has said its use was behind a lot
// of anti-establishment protests".
type justification struct {
	country, service string
	text             string
	index            int // sentence
}

const maxReasonTokens = 25

// reasonStart returns the index of the first token of the reason clause
// after a cue (the marker itself), or -1.
func (x *Extractor) reasonStart(s *sentence, from int) int {
	for i := from; i < len(s.toks); i++ {
		if end := x.lex.reasons.at(s.toks, i); end > 0 && x.validReason(s.toks, i, end) {
			return i
		}
	}
	return -1
}

// validReason filters markers used for time or amount: "after 4 April",
// "over 50 million users", "for two weeks".
func (x *Extractor) validReason(toks []token, i, end int) bool {
	w := toks[i].lower
	if end >= len(toks) {
		return false
	}
	words := x.lex.words
	if words.timeMarkers[w] && x.temporalAfter(toks, end-1) {
		return false
	}
	switch w {
	case "over":
		// "over its refusal", "over articles portraying Turkey as ...": a
		// cause is a noun phrase; a quantity ("over a third of") is not.
		// "over 50 million", "calls made over internet apps"; but a
		// measure's own participle is followed by its cause: "banned
		// over security concerns".
		n := toks[end]
		if n.tag == "CD" || i > 0 && strings.HasPrefix(toks[i-1].tag, "VBN") && len(x.lex.findCues(toks[i-1:i])) == 0 {
			return false
		}
		if i > 0 && x.lex.callsOver[toks[i-1].lower] || i > 1 && x.lex.callsOver[toks[i-2].lower] {
			return false // "calls over", "calls made over": the means
		}

		if words.overMeans[n.lower] {
			return false
		}
		if (n.lower == "a" || n.lower == "the") && end+1 < len(toks) && words.overAmounts[toks[end+1].lower] {
			return false
		}
		return true
	case "for":
		n := toks[end]
		if strings.HasPrefix(n.tag, "VBG") || n.lower == "not" || n.lower == "allegedly" {
			return true
		}
		for k := end; k < len(toks) && k < end+5; k++ {
			if x.lex.justification[toks[k].lower] {
				return words.reasonPossessives[n.lower]
			}
		}
		return false
	case "saying":
		return true
	case "to", "in":
		// "to prevent rumours", "in a bid to curb protests"; but
		// "websites that happened to contain the same letters" and
		// "public access to the platform" state no cause.
		if w == "to" && i > 0 && toks[i-1].lower == "access" {
			return false
		}
		return x.hasJustification(toks, end, min(len(toks), end+10))
	}
	return true
}

// reasonFor returns the reason a sentence states for a cue and its rank:
// the clause after the marker, or a fronted clause ("After Telegram
// refused ..., Russia blocked it").
func (x *Extractor) reasonFor(s *sentence, c cueMatch, start int) (string, int) {
	toks := s.toks
	if start >= 0 {
		end := x.lex.reasons.at(toks, start)
		// "restored ... after the leader issued a decree banning the
		// service" tells the ban's history, not why it was lifted.
		if c.cue.action == event.Unblock && x.statesBan(toks, end) {
			return "", 0
		}
		if text := x.reasonText(s, end); text != "" {
			// A justification word and an explicitly causal marker each
			// make a reason likelier to be the one the state gives.
			rank := 2
			if x.hasJustification(toks, end, min(len(toks), end+maxReasonTokens)) {
				rank++
			}
			switch w := toks[start].lower; {
			case x.lex.words.causalMarkers[w]:
				rank++
			case w == "amid":
				rank = 1
			}
			if s.title || s.lead {
				rank-- // a headline's "after ..." is a summary of the story
			}
			return text, rank
		}
	}
	// A fronted reason clause ends at the comma before the main clause.
	i := 0
	if len(toks) > 0 && (toks[0].lower == "but" || toks[0].lower == "and") {
		i = 1
	}
	if end := x.lex.reasons.at(toks, i); end > 0 && x.validReason(toks, i, end) {
		comma := -1
		for k := end; k < c.start; k++ {
			if toks[k].text == "," {
				comma = k
				break
			}
		}
		if comma > end {
			text := strings.TrimSpace(s.text[toks[end].start:toks[comma].start])
			return trimReason(text), 2
		}
	}
	return "", 0
}

// statesBan reports an action cue other than a lifting within the clause
// from toks[i].
func (x *Extractor) statesBan(toks []token, i int) bool {
	for _, c := range x.lex.findCues(toks[i:min(len(toks), i+maxReasonTokens)]) {
		switch c.cue.action {
		case event.Block, actionCut, event.Restrict, event.Throttle:
			return true
		}
	}
	return false
}

// reasonText is the clause from token i to the end of the reason.
func (x *Extractor) reasonText(s *sentence, i int) string {
	toks := s.toks
	if i >= len(toks) {
		return ""
	}
	j := i
	// An aside in brackets inside the clause is left out of it:
	// "none of the services offering voice over IP (VoIP) held the
	// licences they needed" gives its reason without "(VoIP)".
	var aside []int
	for ; j < len(toks) && j < i+maxReasonTokens; j++ {
		t := toks[j]
		switch t.text {
		case "(":
			k := j + 1
			for k < len(toks) && k < j+8 && toks[k].text != ")" && toks[k].text != "(" {
				k++
			}
			if j > i && k < len(toks) && toks[k].text == ")" && k+1 < len(toks) && startsWord(toks[k+1].text) {
				aside = append(aside, j, k)
				j = k
				continue
			}
			goto done
		case ";", ":", ")", "—", "--", "?", "!":
			goto done
		case "-":
			if j > 0 && toks[j-1].end < t.start {
				goto done
			}
		case ",":
			// ", leaving ...", ", prompting ...": a participle clause of
			// consequence, not the cause.
			if j+1 < len(toks) && strings.HasPrefix(toks[j+1].tag, "VBG") {
				goto done
			}
			if j+1 < len(toks) {
				switch w := toks[j+1].lower; {
				case x.lex.words.reasonEnders[w]:
					goto done
				case x.lex.words.attributions[w]:
					// ", officials said" ends a reason; in "its owner, Meta,
					// said it would ..." the reason has barely begun.
					if j-i >= 5 {
						goto done
					}
				}
			}
		case ".":
			if j == len(toks)-1 {
				goto done
			}
		case `"`:
			// ',"the regulator said' closes a quotation the reason was in.
			if j > i && toks[j-1].text == "," || j+1 < len(toks) && x.lex.words.speech[toks[j+1].lower] {
				goto done
			}
		}
	}
	// Too long to be one clause: end at the last comma inside, if any.
	if j == i+maxReasonTokens {
		for k := j - 1; k > i+maxReasonTokens/2; k-- {
			if toks[k].text == "," {
				j = k
				break
			}
		}
	}
done:
	// A word or two is a headline's fragment ("Election"), not a reason.
	if j-i < 2 {
		return ""
	}
	var b strings.Builder
	from := toks[i].start
	for n := 0; n+1 < len(aside) && aside[n+1] < j; n += 2 {
		b.WriteString(strings.TrimRight(s.text[from:toks[aside[n]].start], " "))
		from = toks[aside[n+1]].end
	}
	b.WriteString(s.text[from:toks[j-1].end])
	return trimReason(b.String())
}

func trimReason(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "that ")
	s = strings.Trim(s, ` ,.;:"'`)
	return s
}

func (x *Extractor) hasJustification(toks []token, from, to int) bool {
	for k := from; k < to && k < len(toks); k++ {
		if x.lex.justification[toks[k].lower] {
			return true
		}
	}
	return false
}

// noteJustification records the reason a government states in a sentence
// without an action, for events of that state that state none: "the
// Iranian government has said its use was behind protests", "the ministry
// said it acted because the apps were engaged in activities prejudicial to
// sovereignty".
func (x *Extractor) noteJustification(a *analysis, s *sentence) {
	toks := s.toks
	for i := range toks {
		end := x.lex.justify.at(toks, i)
		marker := false
		if end < 0 {
			switch toks[i].lower {
			case "because", "citing":
				end, marker = x.lex.reasons.at(toks, i), true
			}
		}
		if end < 0 {
			continue
		}
		country := x.speaker(a, s, i)
		if country == "" {
			continue
		}
		start := end
		if start < len(toks) && toks[start].lower == "that" {
			start++
		}
		// "accused Telegram of enabling terrorists": the reason follows "of".
		if w := toks[i].lower; !marker && (strings.HasPrefix(w, "accus") || strings.HasPrefix(w, "blam")) {
			for k := start; k < len(toks) && k < start+6; k++ {
				if toks[k].lower == "of" || toks[k].lower == "for" {
					start = k + 1
					break
				}
			}
		}
		if !x.hasJustification(toks, start, start+maxReasonTokens) {
			continue
		}
		text := x.reasonText(s, start)
		if text == "" {
			continue
		}
		var services []string
		for _, m := range s.mentions {
			if m.isService() && !m.channel && !contains(services, m.service) {
				services = append(services, m.service)
			}
		}
		if len(services) == 0 {
			for k := i; k < len(toks); k++ {
				if w := toks[k].lower; w == "it" || w == "its" {
					if slug := lastService(a, s, len(toks), func(string) bool { return true }); slug != "" {
						services = append(services, slug)
					}
					break
				}
			}
		}
		for _, svc := range services {
			a.justifications = append(a.justifications, justification{country: country, service: svc, text: text, index: s.index})
		}
		return
	}
}

// speaker is the state that says what follows toks[i]: a state named
// before it, or a government noun ("the ministry said") in an article
// about one.
func (x *Extractor) speaker(a *analysis, s *sentence, i int) string {
	country := ""
	for _, m := range s.mentions {
		if m.isCountry() && !m.origin && m.end <= i && m.strength >= 2 {
			country = m.country
		}
	}
	if country != "" {
		return country
	}
	for k := max(0, i-6); k < i; k++ {
		if w := s.toks[k].lower; x.lex.government[w] && !x.lex.words.governmentModifiers[w] {
			return contextCountry(a, s)
		}
	}
	return ""
}

// collateral finds services hit by a state's action against another:
// "the Telegram ban has also affected ... Amazon Web Services (AWS) or
// Google infrastructure, such as Twitch and Spotify".
func (x *Extractor) collateral(a *analysis, s *sentence, c cueMatch, same []decision) []decision {
	toks := s.toks
	// The cause: a nominal action in the sentence, with its service.
	var cause *decision
	causeText := ""
	causeLo, causeHi := -1, -1
	for _, cm := range x.lex.findCues(toks) {
		if cm.cue.kind != kindNoun || cm.cue.action == actionAffect {
			continue
		}
		lo := cm.start
		for lo > 0 && isNounPhrase(toks[lo-1]) {
			lo--
		}
		hi := cm.end
		if hi+1 < len(toks) && (toks[hi].lower == "on" || toks[hi].lower == "of" || toks[hi].lower == "against") {
			for _, m := range s.mentions {
				if m.isService() && m.start == hi+1 {
					hi = m.end
				}
			}
		}
		inNP := make(map[string]bool)
		for _, m := range s.mentions {
			if m.isService() && m.start >= lo && m.end <= hi {
				inNP[m.service] = true
			}
		}
		for _, cd := range same {
			if cd.sent == s && inNP[cd.service] && cd.action != event.Threaten {
				cd := cd
				cause = &cd
				break
			}
		}
		if cause == nil && len(inNP) == 0 {
			// "the ban": the last action the article reported.
			for i := len(a.prior) - 1; i >= 0; i-- {
				if p := a.prior[i]; p.action == event.Block || p.action == event.Shutdown || p.action == event.Restrict {
					cause = &p
					break
				}
			}
		}
		causeLo, causeHi = lo, hi
		causeText = trimReason(s.text[toks[lo].start:toks[hi-1].end])
		break
	}
	if cause == nil {
		return nil
	}
	var hit []mention
	seen := map[string]bool{cause.service: true}
	for _, m := range s.mentions {
		if !m.isService() || m.channel || seen[m.service] || (m.start >= causeLo && m.end <= causeHi) {
			continue
		}
		seen[m.service] = true
		if svc := x.gaz.Service(m.service); svc != nil && svc.IsNetwork() {
			continue
		}
		hit = append(hit, m)
	}
	var out []decision
	for _, m := range dropOwners(x.gaz, s, hit) {
		var w *why
		if a.trace != nil {
			cause := triple{cause.country, cause.service, cause.action}
			w = &why{cue: cueText(s, c), targets: "targets: services the cause also hit (collateral)",
				actors: "country: that of the cause " + cause.String(), action: fmt.Sprintf("action: collateral %q of %s", cueText(s, c), cause)}
		}
		out = append(out, decision{
			why:     w,
			country: cause.country, service: m.service, action: cause.action, sent: s,
			reason: causeText, reasonRank: 3,
			cause:     &triple{cause.country, cause.service, cause.action},
			cstrength: cause.cstrength, inClause: true, kind: c.cue.kind, via: viaCollateral,
		})
	}
	return out
}

// startsWord reports text that begins with a letter or digit.
func startsWord(text string) bool {
	r, _ := utf8.DecodeRuneInString(text)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
