// The reason model: which of the reasons an article gives an event is the
// one SCHEMA.md asks for.

package extract

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/policywatch/policywatch/extract/learn"
)

// ReasonOption is one reason an event could be given, with what the
// reason model reads of it. Training reads these.
type ReasonOption struct {
	Text     string
	Features []string
	rule     string // how the rules found it, for a trace
}

// reasonOptions lists the reasons an event could be given: each its
// sentences state, the state's justifications for the service and for its
// measures in general, and none. ruleText is the one the rules choose.
func (x *Extractor) reasonOptions(a *analysis, k triple, g []decision, ruleText string) []ReasonOption {
	var out []ReasonOption
	seen := map[string]int{}
	add := func(text, rule string, fs ...string) {
		if i, ok := seen[text]; ok {
			out[i].Features = append(out[i].Features, "again")
			return
		}
		seen[text] = len(out)
		fs = append(fs, "action="+string(k.action), "len="+lengthBucket(text))
		if text == ruleText {
			fs = append(fs, "rule_pick", "rule_pick|"+fs[0])
		}
		if text != "" {
			toks := strings.Fields(strings.ToLower(text))
			fs = append(fs, "first="+strings.Trim(toks[0], `"'`))
			for _, t := range toks {
				if x.lex.justification[strings.Trim(t, `,.;:"'`)] {
					fs = append(fs, "justification_word")
					break
				}
			}
		}
		out = append(out, ReasonOption{Text: text, Features: fs, rule: rule})
	}
	for _, c := range g {
		if c.reason == "" {
			continue
		}
		where := c.sent.place()
		add(c.reason, reasonRule(c, "stated"), "src=decision", "rank="+strconv.Itoa(c.reasonRank),
			"via="+viaNames[c.via], "in="+where, "rank|in="+strconv.Itoa(c.reasonRank)+"|"+where)
	}
	for _, j := range a.justifications {
		if j.country != k.country {
			continue
		}
		switch j.service {
		case k.service:
			add(j.text, fmt.Sprintf("reason: the state's justification for the service, sentence %d", j.index), "src=justification_service")
		case "":
			add(j.text, fmt.Sprintf("reason: the state's justification for its measures in general, sentence %d", j.index), "src=justification_general")
		}
	}
	// Every reason clause of the event's sentences, of the sentences
	// beside them and of those that give the state's justification: the
	// rules take only the first after the cue.
	where := map[int]string{}
	for i, d := range sentenceDistances(g, 1) {
		where[i] = "other"
		if d == 0 {
			where[i] = "own"
		}
	}
	for _, j := range a.justifications {
		if _, ok := where[j.index]; !ok && j.country == k.country && (j.service == k.service || j.service == "") {
			where[j.index] = "justifying"
		}
	}
	for _, c := range g {
		if c.measureSent != nil {
			if _, ok := where[c.measureSent.index]; !ok {
				where[c.measureSent.index] = "measure"
			}
		}
	}
	// The opening often gives the occasion of everything the article
	// reports: "... had become unreachable in Guinea, as opposition
	// parties staged large protests against the ruling junta".
	for _, s := range a.sents {
		if _, ok := where[s.index]; !ok && s.para == 0 && !s.title {
			where[s.index] = "opening"
		}
	}
	for _, s := range a.sents {
		where, ok := where[s.index]
		if !ok {
			continue
		}
		for i := 0; i < len(s.toks); i++ {
			src, end := "src=clause", x.lex.reasons.at(s.toks, i)
			if end <= 0 || !x.validReason(s.toks, i, end) {
				src, end = "src=clause_extra", x.lex.reasonOptions.at(s.toks, i)
				if end <= 0 || end >= len(s.toks) || x.lex.words.comparativeAs(s.toks, i) {
					continue
				}
			}
			text := x.reasonText(s, end)
			if text == "" {
				continue
			}
			marker := phraseText(s.toks[i:end])
			rule := fmt.Sprintf("reason: a clause after %q, sentence %d", marker, s.index)
			fs := []string{src, "clause_in=" + where, "marker=" + marker, "marker|in=" + marker + "|" + where,
				"marker|action=" + marker + "|" + string(k.action), "next_tag=" + s.toks[end].tag}
			if x.hasJustification(s.toks, end, min(len(s.toks), end+maxReasonTokens)) {
				fs = append(fs, "has_justification|"+src)
			}
			if i > 0 && s.toks[i-1].text == `"` || s.toks[end].text == `"` {
				fs = append(fs, "quoted")
			}
			// A clause that names the event's own service tells what
			// happened to it rather than why.
			from := s.toks[end].start
			stop := from + strings.Index(s.text[from:], text) + len(text)
			for _, m := range s.mentions {
				if m.isService() && m.service == k.service && m.start >= end && s.toks[m.start].start < stop {
					fs = append(fs, "names_service")
					break
				}
			}
			add(text, rule, fs...)
			// The clause up to its first comma: labels keep one clause.
			if c := strings.Index(text, ","); c > 0 && len(strings.Fields(text[:c])) >= 2 {
				add(text[:c], rule+", to its first comma", src+"_head", "clause_in="+where, "marker="+marker)
			}
		}
	}
	justified := false
	for _, o := range out {
		justified = justified || slices.Contains(o.Features, "justification_word")
	}
	add("", "reason: none stated", "src=none", "options="+strconv.Itoa(min(len(out), 3)),
		"none|justified="+strconv.FormatBool(justified), "none|action="+string(k.action))
	return out
}

func lengthBucket(text string) string {
	n := len(strings.Fields(text))
	switch {
	case n == 0:
		return "0"
	case n <= 3:
		return "1-3"
	case n <= 8:
		return "4-8"
	case n <= 15:
		return "9-15"
	}
	return "16+"
}

// chooseReason is the reason the model scores highest, the rules' own
// pick winning ties; without a reason model, or for a collateral event,
// the rules' pick. It returns the options only where the model chooses,
// so that training judges the model as extraction uses it.
func (x *Extractor) chooseReason(a *analysis, k triple, g []decision) (string, string, []ReasonOption) {
	text, rule := x.bestReason(a, k, g)
	if (x.models == nil || x.models.Reason.Weights == nil) && a.collect == nil || collateral(g) {
		return text, rule, nil
	}
	opts := x.reasonOptions(a, k, g, text)
	if x.models == nil || x.models.Reason.Weights == nil {
		return text, rule, opts
	}
	o := opts[PickReason(&x.models.Reason, opts, text)]
	if o.Text == text {
		return text, rule, opts
	}
	return o.Text, fmt.Sprintf("%s, chosen by model reason (data/models.yaml) over the rules' %q from %s", o.rule, text,
		topFeatures(x.models.Reason.Contributions(o.Features), 3)), opts
}

// collateral reports an event found as the collateral damage of another
// action, whose reason is that action ("the Telegram ban", SCHEMA.md):
// train holds too few of them for the model to learn that. Any of its
// decisions will do: the rules' pick then prefers the cause's (rank 3).
func collateral(g []decision) bool {
	for _, c := range g {
		if c.via == viaCollateral {
			return true
		}
	}
	return false
}

// PickReason returns the index of the option m scores highest, the
// rules' own pick (rulePick) winning ties. Training measures the model
// with it, so that it is judged as extraction uses it.
func PickReason(m *learn.Model, opts []ReasonOption, rulePick string) int {
	return pick(m, opts, func(o ReasonOption) ([]string, bool) { return o.Features, o.Text == rulePick })
}

// pick returns the index of the option m scores highest, the rules' own
// winning ties; -1 for none. of gives an option's features and whether
// it is the rules' pick.
func pick[T any](m *learn.Model, opts []T, of func(T) ([]string, bool)) int {
	best, bestScore := -1, 0.0
	for i, o := range opts {
		fs, rules := of(o)
		s := m.Score(fs)
		if best < 0 || s > bestScore || s == bestScore && rules {
			best, bestScore = i, s
		}
	}
	return best
}

// phraseText names a marker by its first and last words, lower-cased:
// "because of", "said that", "accused of" for "accused Telegram of" (the
// words a pattern's gap matched are not the marker's).
func phraseText(toks []token) string {
	if len(toks) == 1 {
		return toks[0].lower
	}
	return toks[0].lower + " " + toks[len(toks)-1].lower
}

// sentenceDistances maps the index of each sentence within radius of a
// decision's to its distance from the nearest.
func sentenceDistances(g []decision, radius int) map[int]int {
	dist := map[int]int{}
	for _, c := range g {
		for d := -radius; d <= radius; d++ {
			if old, ok := dist[c.sent.index+d]; !ok || abs(d) < old {
				dist[c.sent.index+d] = abs(d)
			}
		}
	}
	return dist
}
