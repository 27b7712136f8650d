// Stage 4, merge: decisions into events, one per (country, service,
// action) per article.

package extract

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/policywatch/policywatch/event"
)

// merge is the last stage: it folds decisions into events, one per
// (country, service, action), as SCHEMA.md asks: the most specific date,
// the clearest reason, every sentence as evidence, and a confidence from
// the fitted model.
func (x *Extractor) merge(a *analysis, decided []decision) []event.Event {
	decided = x.forProducts(a, decided)
	groups := make(map[triple][]decision)
	var order []triple
	for _, c := range decided {
		k := triple{c.country, c.service, c.action}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	// A doubted decision only ever founds an event of its own, and only
	// for the keep model to judge: beside undoubted ones it adds nothing,
	// and without a model the rules' doubts stand.
	for k, g := range groups {
		kept := hard(g)
		switch {
		case len(kept) > 0:
			groups[k] = kept
		case x.models == nil && a.collect == nil:
			delete(groups, k)
		}
	}
	dropSummaryConflicts(a.trace, groups, order)
	foldPartialBlocks(a.trace, groups, &order)
	alts := x.alternatives(a, groups, &order)
	hints := make(map[triple][]string) // by the group an alternative stands for

	dates := make(map[triple]date)
	dateRules := make(map[triple]string)
	for _, k := range order {
		if g, ok := groups[k]; ok {
			best := bestDate(g)
			if best >= 0 {
				dates[k] = g[best].date
			}
			// A headline reporting the action as news, with the only date
			// months old, means the old date is history told in the body
			// ("after a bomb attack in November 2022, Twitter was slowed").
			if d := dates[k]; !d.zero() && old(d, a.doc.Published) && reportedAsNews(g) {
				dates[k] = date{}
				if a.trace != nil {
					dateRules[k] = fmt.Sprintf("; %q is history: the headline reports the action as news", dateText(g[best].sent, d))
				}
			} else if a.trace != nil && !d.zero() {
				dateRules[k] = decisionDateRule(g[best])
			}
		}
	}
	pub := dayOf(a.doc.Published)
	nonstate := x.nonstateStory(a)
	var out []event.Event
	var traces []EventTrace
	for _, k := range order {
		g, ok := groups[k]
		if !ok {
			continue
		}
		d := dates[k]
		dateFrom, dateKind := "", "decision"
		if d.zero() {
			// A collateral event happened when its cause did.
			for _, c := range g {
				if c.cause != nil {
					if cd, ok := dates[*c.cause]; ok && !cd.zero() {
						d, dateFrom, dateKind = cd, "date: that of its cause, "+c.cause.String(), "cause"
						break
					}
				}
			}
		}
		if d.zero() && cutsAccess(k.action) {
			// The same cut told as another ("blocked ... between 6 and
			// 7 October", later "the restricted services"): it took
			// effect when that one did. An old date is an earlier
			// episode ("Iran has restricted Instagram ... Iran blocked
			// it in September 2022").
			for _, o := range order {
				if od := dates[o]; o != k && o.country == k.country && o.service == k.service && cutsAccess(o.action) && !od.zero() && !old(od, a.doc.Published) {
					d, dateFrom, dateKind = od, "date: that of the same measure told as "+string(o.action), "sibling"
					break
				}
			}
		}
		if d.zero() {
			// The date the article gives the state's measures in general:
			// "the government blocked 26 platforms on 4 September".
			if gd, ok := a.generalDates[k.country]; ok && !old(gd, a.doc.Published) {
				d, dateFrom, dateKind = gd, "date: the date the article gives the state's measures in general", "general"
			}
		}
		if d.zero() {
			if nd, ok := newsDay(a); ok {
				d, dateFrom, dateKind = nd, "date: the day the article's opening says its news happened", "newsday"
			}
		}
		if d.zero() {
			d, dateFrom, dateKind = pub, "date: the publication date: the article gives no time", "published"
		}
		f := features(g, k.action)
		fs := x.eventFeatures(k, g, f)
		// Where the date came from: a measure the article gives no time
		// of its own is often a long-standing one, which SCHEMA.md does
		// not count.
		fs = append(fs, "datefrom="+dateKind, "datefrom="+dateKind+"|"+string(k.action))
		if nonstate {
			fs = append(fs, "doc=nonstate", "doc=nonstate|"+string(k.action))
		}
		src := k
		if from, ok := alts[k]; ok {
			src = from
		}
		h, ok := hints[src]
		if !ok {
			h = x.hintWords(g)
			hints[src] = h
		}
		fs = append(fs, actionFeatures(k, h, alts)...)
		keep, conf := x.keep(fs)
		if a.collect != nil {
			*a.collect = append(*a.collect, Candidate{Features: fs})
		} else if !keep {
			// The detail is for Explain only; building it for every
			// rejected candidate was a twentieth of extraction.
			if a.trace != nil {
				detail := fmt.Sprintf("P(right) %.2f < %.2f (%s)", conf, x.models.Keep.Threshold, topFeatures(x.models.Keep.Contributions(fs), 3))
				for _, c := range g {
					a.trace.drop(c, rejectUnlikely, detail)
				}
			}
			continue
		}
		d, byModel, dateOpts := x.chooseDate(a, k, g, d, dateKind)
		if byModel != "" {
			dateFrom, dateRules[k] = byModel, ""
		}
		reason, reasonFrom, reasonOpts := x.chooseReason(a, k, current(g, d, a.doc.Published))
		ev := event.Event{
			ID:          event.ID(a.doc.ID, k.country, k.service, k.action),
			Country:     k.country,
			Service:     k.service,
			Action:      k.action,
			Date:        d.String(),
			Reason:      reason,
			Evidence:    evidence(g),
			Confidence:  conf,
			ArticleID:   a.doc.ID,
			SourceURL:   a.doc.URL,
			SourceTitle: a.doc.Title,
			Published:   pub.String(),
			Feed:        a.doc.Feed,
			Extractor:   x.version,
			WARCFile:    a.doc.WARCFile,
			WARCOffset:  a.doc.WARCOffset,
			WARCLength:  a.doc.WARCLength,
		}
		out = append(out, ev)
		if a.collect != nil {
			(*a.collect)[len(*a.collect)-1].Event = ev
			(*a.collect)[len(*a.collect)-1].Reasons = reasonOpts
			(*a.collect)[len(*a.collect)-1].Dates = dateOpts
		}
		if a.trace != nil {
			if dateFrom == "" {
				dateFrom = dateRules[k]
			} else {
				dateFrom += dateRules[k]
			}
			tr := x.eventTrace(a, ev, g, dateFrom, reasonFrom, fs)
			if from, ok := alts[k]; ok {
				tr.ActionRule = fmt.Sprintf("action: %s, another reading of the decisions that give %s (cues.yaml alternatives), kept by the model: %s", k.action, from.action, tr.ActionRule)
			}
			traces = append(traces, tr)
		}
	}
	shareReasons(out, traces, groups)
	if a.trace != nil {
		for i := range out {
			a.trace.Events = append(a.trace.Events, traces[i])
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Country != out[j].Country {
			return out[i].Country < out[j].Country
		}
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].Action < out[j].Action
	})
	if a.trace != nil {
		sortTraces(a.trace.Events)
	}
	return out
}

// eventTrace tells how an event was decided, naming each field's rule;
// the first decision found stands for the rest, which are recorded as
// duplicates merged into it.
func (x *Extractor) eventTrace(a *analysis, ev event.Event, g []decision, dateFrom, reasonFrom string, fs []string) EventTrace {
	first := g[0]
	for _, c := range g {
		if c.sent.index < first.sent.index {
			first = c
		}
	}
	w := first.why
	if w == nil {
		w = &why{}
	}
	for _, c := range g {
		if c.sent != first.sent || c.why != first.why {
			a.trace.drop(c, rejectDuplicate, fmt.Sprintf("merged into %s %s %s", ev.Country, ev.Service, ev.Action))
		}
	}
	return EventTrace{
		Country: ev.Country, Service: ev.Service, Action: ev.Action, Evidence: ev.Evidence,
		CountryRule:    w.actors,
		ServiceRule:    w.targets,
		ActionRule:     w.action,
		DateRule:       dateFrom,
		ReasonRule:     reasonFrom,
		ConfidenceRule: x.confidenceRule(fs, ev.Confidence),
	}
}

// sortTraces orders event traces as merge orders events.
func sortTraces(ts []EventTrace) {
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].Country != ts[j].Country {
			return ts[i].Country < ts[j].Country
		}
		if ts[i].Service != ts[j].Service {
			return ts[i].Service < ts[j].Service
		}
		return ts[i].Action < ts[j].Action
	})
}

// shareReasons gives an event that states no reason the reason the
// article gives for the same state's same measure on other services (a
// list blocked "for failing to register"), and a threat the reason of the
// measure it threatens to extend ("fined for failing to appoint a
// representative"). A lifted ban has its own reasons and neither gives nor
// takes.
func shareReasons(evs []event.Event, traces []EventTrace, groups map[triple][]decision) {
	// Only between events told close together: a list, or a measure and
	// the threat that follows it, not a background paragraph's history.
	near := func(a, b event.Event) bool {
		for _, ca := range groups[triple{a.Country, a.Service, a.Action}] {
			for _, cb := range groups[triple{b.Country, b.Service, b.Action}] {
				if abs(ca.sent.index-cb.sent.index) <= 2 {
					return true
				}
			}
		}
		return false
	}
	from := func(e event.Event, ok func(o event.Event) bool) (string, string) {
		for _, o := range evs {
			if o.Reason != "" && o.Action != event.Unblock && ok(o) && near(e, o) {
				return o.Reason, fmt.Sprintf("reason: shared with %s %s %s, told close by", o.Country, o.Service, o.Action)
			}
		}
		return "", ""
	}
	for i := range evs {
		e := &evs[i]
		// A shutdown's cause is the moment's; each network's is its own.
		if e.Reason != "" || e.Action == event.Unblock || e.Action == event.Shutdown {
			continue
		}
		r, rule := from(*e, func(o event.Event) bool { return o.Country == e.Country && o.Action == e.Action })
		if r == "" && e.Action == event.Threaten {
			r, rule = from(*e, func(o event.Event) bool { return o.Country == e.Country && o.Service == e.Service })
		}
		e.Reason = r
		if traces != nil && r != "" {
			traces[i].ReasonRule = rule
		}
	}
}

// current leaves out the history of an event dated recently: the reason
// of "after a bomb attack in November 2022, Twitter was slowed" is not
// the reason of this week's throttling.
func current(g []decision, d date, pub time.Time) []decision {
	if d.zero() || old(d, pub) {
		return g
	}
	out := make([]decision, 0, len(g))
	for _, c := range g {
		if c.dateStrength > 0 && !c.date.zero() && old(c.date, pub) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// dropSummaryConflicts lets the body overrule the headline: when the title
// or standfirst says Iran blocks Telegram and the body reports that it
// disrupted features, the event is the restriction.
func dropSummaryConflicts(tr *Trace, groups map[triple][]decision, order []triple) {
	family := map[event.Action]bool{event.Block: true, event.Restrict: true, event.Throttle: true, event.Shutdown: true}
	// Walked in the article's order, so that the trace names the same
	// body event each time.
	for _, k := range order {
		g, ok := groups[k]
		if !ok || !family[k.action] || !allSummary(g) {
			continue
		}
		for _, other := range order {
			og, ok := groups[other]
			if ok && other.country == k.country && other.service == k.service && other.action != k.action &&
				family[other.action] && !allSummary(og) {
				for _, c := range g {
					tr.drop(c, rejectSummaryConflict, "the body reports "+other.String())
				}
				delete(groups, k)
				break
			}
		}
	}
}

// foldPartialBlocks makes one restriction of a block the article itself
// narrows elsewhere: "cut access to 11 domain names belonging to
// Telegram" is the same measure as "blocked the web version of
// Telegram", which is a restriction.
func foldPartialBlocks(tr *Trace, groups map[triple][]decision, order *[]triple) {
	// "Calls through Skype ... have been unblocked, ending a ban": the
	// ban was a restriction too. Walked in the order the article gives,
	// so that the events come out the same each time.
	for _, k := range *order {
		if k.action != event.Unblock {
			continue
		}
		for _, c := range groups[k] {
			if c.liftsPart {
				r := triple{k.country, k.service, event.Restrict}
				if _, ok := groups[r]; !ok {
					if _, blocked := groups[triple{k.country, k.service, event.Block}]; blocked {
						groups[r] = nil
						*order = append(*order, r)
					}
				}
				break
			}
		}
	}
	for _, k := range *order {
		g, ok := groups[k]
		if !ok || k.action != event.Restrict {
			continue
		}
		narrowed := false
		for _, c := range g {
			narrowed = narrowed || c.partial
		}
		if u, ok := groups[triple{k.country, k.service, event.Unblock}]; ok {
			for _, c := range u {
				narrowed = narrowed || c.liftsPart
			}
		}
		if !narrowed {
			continue
		}
		b := triple{k.country, k.service, event.Block}
		if bg, ok := groups[b]; ok {
			for _, c := range bg {
				if c.history {
					tr.drop(c, rejectFoldedPartial, "history of a block narrowed elsewhere")
					continue
				}
				c.action = event.Restrict
				if c.why != nil {
					w := *c.why
					w.action += ", a block the article narrows elsewhere: restrict"
					c.why = &w
				}
				groups[k] = append(groups[k], c)
				tr.drop(c, rejectFoldedPartial, "folded into "+k.String())
			}
			delete(groups, b)
		}
	}
}

func allSummary(g []decision) bool {
	for _, c := range g {
		if !c.sent.title && !c.sent.lead {
			return false
		}
	}
	return true
}

// old reports a date more than four months before publication.
func old(d date, pub time.Time) bool {
	end := d
	switch {
	case d.m == 0:
		end = date{d.y, 12, 31}
	case d.d == 0:
		end = date{d.y, d.m, 28}
	}
	return time.Date(end.y, time.Month(end.m), end.d, 0, 0, 0, 0, time.UTC).Before(pub.AddDate(0, -4, 0))
}

// reportedAsNews reports a group the headline or standfirst states
// without a date of its own.
func reportedAsNews(g []decision) bool {
	for _, c := range g {
		if (c.sent.title || c.sent.lead) && c.dateStrength == 0 && !c.history {
			return true
		}
	}
	return false
}

// bestDate prefers a date stated with the action in today's news over one
// from history or from elsewhere in a sentence, and the body over the
// headline.
func bestDate(g []decision) int {
	best := -1
	rank := func(c decision) int {
		r := c.dateStrength * 4
		if !c.history {
			r += 16
		}
		if !c.sent.title && !c.sent.lead {
			r += 1
		}
		if c.cause != nil {
			r -= 2
		}
		return r
	}
	for i, c := range g {
		if best < 0 || rank(c) > rank(g[best]) {
			best = i
		}
	}
	return best
}

// bestReason takes the clearest reason stated with the action; else a
// justification the same state gave elsewhere in the article.
func (x *Extractor) bestReason(a *analysis, k triple, g []decision) (string, string) {
	best := -1
	for i, c := range g {
		if c.reason == "" {
			continue
		}
		if best < 0 || c.reasonRank > g[best].reasonRank {
			best = i
		}
	}
	if best >= 0 && g[best].reasonRank >= 3 {
		return g[best].reason, reasonRule(g[best], "stated with the action")
	}
	for _, j := range a.justifications {
		if j.country == k.country && j.service == k.service {
			return j.text, fmt.Sprintf("reason: the state's justification for the service, sentence %d", j.index)
		}
	}
	// A reason the state gave for its measures in general ("decided to
	// block the sites to prevent rumours").
	for _, j := range a.justifications {
		if j.country == k.country && j.service == "" {
			return j.text, fmt.Sprintf("reason: the state's justification for its measures in general, sentence %d", j.index)
		}
	}
	if best >= 0 {
		return g[best].reason, reasonRule(g[best], "the clearest stated")
	}
	return "", "reason: none stated"
}

// reasonRule tells which of a decision's words gave the reason.
func reasonRule(c decision, how string) string {
	if c.via == viaCollateral {
		return fmt.Sprintf("reason: the action that caused it, sentence %d", c.sent.index)
	}
	return fmt.Sprintf("reason: %s (rank %d), sentence %d", how, c.reasonRank, c.sent.index)
}

func evidence(g []decision) []string {
	var out []string
	seen := make(map[int]bool)
	idx := make([]*sentence, 0, len(g))
	for _, c := range g {
		if !seen[c.sent.index] {
			seen[c.sent.index] = true
			idx = append(idx, c.sent)
		}
	}
	sort.Slice(idx, func(i, j int) bool { return idx[i].index < idx[j].index })
	for _, s := range idx {
		out = append(out, strings.TrimSpace(s.orig))
	}
	return out
}

// newsDay is the day an article's opening gives its news ("Iran said on
// Tuesday that it was removing restrictions", "users started reporting
// trouble yesterday"): the first day named in the headline and first two
// paragraphs that falls in the week before publication. An event the
// article gives no time of its own happened then, not on the day the
// report came out.
func newsDay(a *analysis) (date, bool) {
	pub := dayOf(a.doc.Published)
	week := dayOf(a.doc.Published.AddDate(0, 0, -7))
	for _, s := range a.sents {
		if s.para > 1 {
			break
		}
		for _, de := range s.dates {
			v := de.value
			if v.d == 0 || de.until || v.after(pub) || week.after(v) {
				continue
			}
			return v, true
		}
	}
	return date{}, false
}

// cutsAccess reports the actions that take a service away from its users,
// which a report may tell of one cut in several words. Throttling is
// left out: slowing a service and then blocking it are two steps
// ("throttled X in February ... is now blocking X").
func cutsAccess(a event.Action) bool {
	switch a {
	case event.Block, event.Restrict, event.Shutdown:
		return true
	}
	return false
}

// nonstateStory reports an article whose headline or opening blames an
// outage on a cause that is not a state's (notByState): its other
// sentences ("Internet service was likewise disrupted in Namibia") tell
// the same outage. The keep model weighs it.
func (x *Extractor) nonstateStory(a *analysis) bool {
	for _, s := range a.sents {
		if s.para > 0 {
			break
		}
		if x.notByState(s) {
			return true
		}
	}
	return false
}
