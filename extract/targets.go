// Targets: what an action acts on.

package extract

import "strings"

// targets returns the services a cue acts on.
func (x *Extractor) targets(a *analysis, s *sentence, c cueMatch, l, r int, passive bool, reasonStart int) []mention {
	cueInAside := x.inAside(s.toks, c.start)
	usable := func(m mention) bool {
		if !m.isService() || m.channel || m.account && m.own {
			return false
		}
		if !cueInAside && x.inAside(s.toks, m.start) {
			return false
		}
		// "without a VPN", "using VPNs", "through Telegram": a means.
		if m.start > 0 {
			switch s.toks[m.start-1].lower {
			case "without", "using", "through":
				return false
			}
			if m.start > 1 && s.toks[m.start-1].tag == "DT" {
				switch s.toks[m.start-2].lower {
				case "without", "using", "through":
					return false
				}
			}
		}
		return true
	}
	own := false
	var in []mention
	add := func(m mention) {
		for _, have := range in {
			if have.service == m.service {
				return
			}
		}
		in = append(in, m)
	}
	hi := r
	if reasonStart >= 0 && reasonStart < hi {
		hi = reasonStart
	}
	switch c.cue.kind {
	case kindNoun:
		// "the Telegram ban", "Russia's ban on Telegram, WhatsApp and Signal"
		lo := c.start
		for lo > l && isNounPhrase(s.toks[lo-1]) {
			lo--
		}
		end := c.end
		if end < len(s.toks) {
			switch s.toks[end].lower {
			case "on", "of", "against", "targeting", "affecting", "for", "to":
				end++
				for end < hi && !strings.HasPrefix(s.toks[end].tag, "VB") && !x.startsClause(s.toks, end, false) {
					end++
				}
			}
		}
		for _, m := range s.mentions {
			if m.start >= lo && m.end <= end && usable(m) {
				add(m)
			}
		}
		// "the companies would face a further fine", "risks a ban": the
		// penalty falls on the subject of the verb before it.
		if len(in) == 0 {
			for k := c.start - 1; k >= l && k >= c.start-3; k-- {
				switch s.toks[k].lower {
				case "face", "faces", "facing", "faced", "risk", "risks", "risking", "incur", "incurs", "received", "receives", "got", "gets",
					"subjected", "subject", "under", "hit":
					for _, m := range s.mentions {
						if m.end <= k && m.start >= l && usable(m) && !m.isCountry() {
							add(m)
						}
					}
				}
			}
		}
	default:
		// An active verb acts on what follows it ("Russia blocked
		// Telegram"); a passive or a state on what precedes it
		// ("Telegram was blocked"), else on what follows.
		after := func(m mention) bool { return m.start >= c.start }
		collect := func(keep func(mention) bool) {
			for _, m := range s.mentions {
				if !m.isService() || m.start < l || m.end > hi || !keep(m) {
					continue
				}
				if m.own && m.account {
					own = true
				}
				if usable(m) {
					add(m)
				}
			}
		}
		if passive || c.cue.kind == kindState || undergoes(s.toks, c) {
			collect(func(m mention) bool { return !after(m) })
			// "... were inaccessible, along with YouTube and Viber"
			collect(func(m mention) bool { return after(m) && alongWith(s.toks, m.start) })
		}
		// "the whole country dropped offline": the network itself.
		if len(in) == 0 && c.cue.action == actionCut && c.cue.kind == kindState {
			for _, m := range s.mentions {
				if m.role == roleCountry && m.start >= l && m.end <= c.start && c.start-m.end <= 3 {
					in = append(in, mention{start: m.start, end: m.end, service: "internet", coref: true})
					break
				}
			}
		}
		// "the blocked sites also included Dota 2, Counter-Strike and
		// Origin": a participle naming a set, listed after.
		if len(in) == 0 && c.end < len(s.toks) && strings.HasPrefix(s.toks[c.end].tag, "NNS") {
			for k := c.end + 1; k < hi && k < c.end+5; k++ {
				switch s.toks[k].lower {
				case "include", "included", "includes", "including", "are", "were":
					collect(func(m mention) bool { return m.start > k })
				}
				if len(in) > 0 {
					break
				}
			}
		}
		// "VPN services that providers were told to block": the object
		// of a relative clause stands before it.
		if len(in) == 0 && !passive && c.cue.kind == kindVerb {
			for k := c.start - 1; k >= l && k >= c.start-8; k-- {
				if w := s.toks[k].lower; w == "that" || w == "which" {
					collect(func(m mention) bool { return m.end == k || m.end == k-1 && s.toks[k-1].text == "," })
					break
				}
			}
		}
		// "ordered the social network X blocked": the object before a
		// participle.
		if len(in) == 0 && !passive && (strings.HasPrefix(s.toks[c.start].tag, "VBN") || causedBefore(s.toks, c.start)) {
			collect(func(m mention) bool { return m.end == c.start })
		}
		if len(in) == 0 {
			// The object ends where the next finite verb starts another
			// predicate.
			stop := hi
			for k := c.end; k < hi; k++ {
				t := s.toks[k].tag
				finite := t == "VBD" || t == "VBZ" || t == "VBP" || t == "MD"
				coordinated := strings.HasPrefix(t, "VB") && t != "VBG" && (s.toks[k-1].lower == "and" || s.toks[k-1].lower == "then")
				if (finite || coordinated) && !covered(s.mentions, k) {
					stop = k
					break
				}
			}
			collect(func(m mention) bool { return after(m) && m.end <= stop })
			// An order is addressed to the first party after it: "ordered
			// Apple to remove WhatsApp" orders Apple.
			if c.cue.action == Order && len(in) > 1 {
				// ... and to those listed with it: "ordered Apple and
				// Google to help stop users".
				n := 1
				for n < len(in) && joinedMentions(s, in[n-1], in[n]) {
					n++
				}
				in = in[:n]
			}
		}
		// "pulled WhatsApp from the App Store": the store is where, not what.
		if strings.Contains(c.cue.text, "store") {
			kept := in[:0]
			for _, m := range in {
				if svc := x.gaz.Service(m.service); svc == nil || svc.Kind != "appstore" {
					kept = append(kept, m)
				}
			}
			in = kept
		}
		if own && len(in) == 0 {
			return nil // "shut down his Telegram channel"
		}
		// "they would be barred", "their bandwidth would be cut": the
		// services named together last.
		if len(in) == 0 && (passive || c.cue.kind == kindState || c.cue.kind == kindNoun) {
			for k := max(l, c.start-8); k < c.start; k++ {
				if w := s.toks[k].lower; w == "they" || w == "their" {
					for _, slug := range lastServices(a, s, k) {
						in = append(in, mention{start: k, end: k + 1, service: slug, coref: true})
					}
					break
				}
			}
		}
		// "Russia blocked it": a pronoun right after an active cue.
		if len(in) == 0 && !passive && c.end < len(s.toks) {
			switch s.toks[c.end].lower {
			case "it": // not "its": "cut its workforce" acts on the workforce
				if slug := topicService(a, s, c.start); slug != "" {
					in = append(in, mention{start: c.end, end: c.end + 1, service: slug, coref: true})
				}
			case "them": // "the government cut them"
				for _, slug := range lastServices(a, s, c.end) {
					in = append(in, mention{start: c.end, end: c.end + 1, service: slug, coref: true})
				}
			}
		}
	}
	return dropOwners(x.gaz, s, in)
}

// barredFrom returns the index of the gerund in "bar <someone> from
// <doing>" after a block cue, or -1.
func barredFrom(toks []token, c cueMatch, r int) int {
	if c.cue.action != Block || c.cue.kind != kindVerb {
		return -1
	}
	for k := c.end; k+1 < r && k < c.end+6; k++ {
		if toks[k].lower == "from" && strings.HasPrefix(toks[k+1].tag, "VBG") {
			return k + 1
		}
	}
	return -1
}

// causedBefore reports a causative verb shortly before a participle's
// object: "ordered the social network X blocked", which a tagger may read
// as two finite verbs.
func causedBefore(toks []token, at int) bool {
	if !strings.HasSuffix(toks[at].lower, "ed") {
		return false
	}
	for k := at - 1; k >= 0 && k >= at-6; k-- {
		switch toks[k].lower {
		case "ordered", "orders", "order", "declared", "had", "got", "wanted", "ruled", "deemed", "kept":
			return true
		}
	}
	return false
}

// joinedMentions reports two mentions separated only by a conjunction or
// a comma.
func joinedMentions(s *sentence, a, b mention) bool {
	if b.start < a.end {
		return false
	}
	for k := a.end; k < b.start; k++ {
		switch s.toks[k].lower {
		case ",", "and", "or":
		default:
			return false
		}
	}
	return true
}

// undergoes reports an action its subject suffers rather than does:
// "have been subjected to bandwidth throttling", "X, YouTube and TikTok
// slowed to a crawl".
func undergoes(toks []token, c cueMatch) bool {
	for k := c.start - 1; k >= 0 && k >= c.start-3; k-- {
		switch toks[k].lower {
		case "subjected", "subject", "faced", "facing", "faces", "face", "suffered", "suffering", "experienced", "experiencing":
			return true
		}
	}
	return c.cue.action == Throttle && (c.end >= len(toks) || isBoundary(toks[c.end]) || toks[c.end].lower == "to" || toks[c.end].lower == "on")
}

// alongWith reports a mention added to a list after the verb: "along
// with YouTube", "as well as Viber".
func alongWith(toks []token, i int) bool {
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		switch toks[j].lower {
		case "along", "alongside", "well", "together", "plus":
			return true
		case ",", "and", "the", "app", "messaging", "with", "as":
			continue
		}
		if !strings.HasPrefix(toks[j].tag, "NN") {
			return false
		}
	}
	return false
}

func isNounPhrase(t token) bool {
	return strings.HasPrefix(t.tag, "NN") || strings.HasPrefix(t.tag, "JJ") || t.tag == "POS" || t.tag == "DT" || t.tag == "PRP$"
}
