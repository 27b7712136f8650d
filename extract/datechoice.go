// The date model: which of the dates an article gives an event is the one
// SCHEMA.md asks for (when it took effect; the most recent occurrence that
// happened).

package extract

import (
	"fmt"
	"strconv"

	"github.com/policywatch/policywatch/extract/learn"
)

// DateOption is one date an event could be given, with what the date
// model reads of it. Training reads these.
type DateOption struct {
	Date     string
	Features []string
	value    date
	rule     string // how it was found, for a trace
}

// maxDateDistance is how many sentences from an event's own a date is
// still offered: further away, dates belong to other episodes far more
// often than to this one.
const maxDateDistance = 2

// dateOptions lists the dates an event could be given: the rules' own
// (ruleDate, found as ruleFrom says), each its decisions hold, each date
// expression of its sentences and of those near them, the day the
// article's opening gives its news, the date of the state's measures in
// general, and the publication date.
func (x *Extractor) dateOptions(a *analysis, k triple, g []decision, ruleDate date, ruleFrom string) []DateOption {
	pub := dayOf(a.doc.Published)
	var out []DateOption
	seen := map[date]int{}
	add := func(d date, rule string, fs ...string) {
		if d.zero() {
			return
		}
		if i, ok := seen[d]; ok {
			out[i].Features = append(out[i].Features, fs...)
			out[i].Features = append(out[i].Features, "again")
			return
		}
		seen[d] = len(out)
		prec, since := precision(d), sincePublished(d, pub)
		fs = append(fs, "precision="+prec, "precision|action="+prec+"|"+string(k.action),
			"vs_published="+since, "vs_published|action="+since+"|"+string(k.action))
		if !ruleDate.zero() {
			fs = append(fs, "vs_rule="+versus(d, ruleDate))
		}
		if d == ruleDate {
			fs = append(fs, "rule_pick", "rule_from="+ruleFrom)
		}
		out = append(out, DateOption{Date: d.String(), Features: fs, value: d, rule: rule})
	}
	add(ruleDate, "the rules' date", "src=rule")
	for _, c := range g {
		add(c.date, fmt.Sprintf("date: a decision's own, sentence %d", c.sent.index), "src=decision",
			"strength="+strconv.Itoa(c.dateStrength), "strength|in="+strconv.Itoa(c.dateStrength)+"|"+c.sent.place())
	}
	dist := sentenceDistances(g, maxDateDistance)
	for _, s := range a.sents {
		d, ok := dist[s.index]
		if !ok {
			continue
		}
		names := ""
		for _, m := range s.mentions {
			if m.isService() && m.service == k.service {
				names = "service"
				break
			}
			if m.isCountry() && m.country == k.country {
				names = "country"
			}
		}
		for i, de := range s.dates {
			fs := []string{"src=sentence", "dist=" + strconv.Itoa(d), "dist|names=" + strconv.Itoa(d) + "|" + names,
				"in=" + s.place(), "nth=" + strconv.Itoa(min(i, 2))}
			fs = append(fs, "expr="+strconv.Itoa(de.rule))
			if de.until {
				fs = append(fs, "until", "until|action="+string(k.action))
			}
			add(de.value, fmt.Sprintf("date: %q, sentence %d", s.text[de.start:de.end], s.index), fs...)
		}
	}
	if nd, ok := newsDay(a); ok {
		add(nd, "date: the day the article's opening says its news happened", "src=newsday")
	}
	if gd, ok := a.generalDates[k.country]; ok {
		add(gd, "date: the date the article gives the state's measures in general", "src=general")
	}
	// The schema takes the most recent occurrence that happened: the
	// latest and earliest of the dates the article states, before the
	// publication date joins them as the fallback it is.
	latest, earliest := -1, -1
	for i, o := range out {
		if o.value.after(pub) {
			continue
		}
		if latest < 0 || o.value.time().After(out[latest].value.time()) {
			latest = i
		}
		if earliest < 0 || o.value.time().Before(out[earliest].value.time()) {
			earliest = i
		}
	}
	if latest >= 0 {
		out[latest].Features = append(out[latest].Features, "latest")
		out[earliest].Features = append(out[earliest].Features, "earliest")
	}
	add(pub, "date: the publication date", "src=published", "published|action="+string(k.action))
	return out
}

func precision(d date) string {
	switch {
	case d.m == 0:
		return "year"
	case d.d == 0:
		return "month"
	}
	return "day"
}

// sincePublished buckets how long before publication d begins: the same
// day, the week before, the two months before, the year before, or
// older; or after it, which a report of something that happened cannot
// be.
func sincePublished(d, pub date) string {
	if d.after(pub) {
		return "future"
	}
	days := pub.time().Sub(d.time()).Hours() / 24
	switch {
	case d == pub:
		return "same_day"
	case days <= 7:
		return "week"
	case days <= 62:
		return "months"
	case days <= 366:
		return "year"
	}
	return "older"
}

// versus compares d with the rules' date: the same, more or less precise
// inside it, or earlier or later.
func versus(d, rule date) string {
	switch {
	case d == rule:
		return "same"
	case d.y == rule.y && (rule.m == 0 || d.m == rule.m) && (rule.d == 0 || d.d == rule.d):
		return "finer"
	case d.y == rule.y && (d.m == 0 || d.m == rule.m) && d.d == 0:
		return "coarser"
	case rule.after(d):
		return "earlier"
	}
	return "later"
}

// chooseDate is the date the model scores highest, the rules' own winning
// ties, and how the model chose it ("" when it kept the rules' date);
// without a date model, the rules' date. from names where the rules
// found theirs.
func (x *Extractor) chooseDate(a *analysis, k triple, g []decision, d date, from string) (date, string, []DateOption) {
	if (x.models == nil || x.models.Date.Weights == nil) && a.collect == nil {
		return d, "", nil
	}
	opts := x.dateOptions(a, k, g, d, from)
	if x.models == nil || x.models.Date.Weights == nil || len(opts) == 0 {
		return d, "", opts
	}
	o := opts[PickDate(&x.models.Date, opts, d.String())]
	if o.value == d {
		return d, "", opts
	}
	return o.value, fmt.Sprintf("%s, chosen by model date (data/models.yaml) over the rules' %s from %s", o.rule, d,
		topFeatures(x.models.Date.Contributions(o.Features), 3)), opts
}

// PickDate returns the index of the option m scores highest, the rules'
// own date (rulePick) winning ties.
func PickDate(m *learn.Model, opts []DateOption, rulePick string) int {
	return pick(m, opts, func(o DateOption) ([]string, bool) { return o.Features, o.Date == rulePick })
}
