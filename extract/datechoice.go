// The date model: which of the dates an article gives an event is the one
// SCHEMA.md asks for (when it took effect; the most recent occurrence that
// happened).

package extract

import (
	"fmt"
	"strconv"
	"time"

	"github.com/policywatch/policywatch/extract/learn"
)

// DateOption is one date an event could be given, with what the date
// model reads of it. Training reads these.
type DateOption struct {
	Date     string
	Features []string
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
		fs = append(fs, "precision="+precision(d), "precision|action="+precision(d)+"|"+string(k.action),
			"vs_published="+sincePublished(d, pub), "vs_published|action="+sincePublished(d, pub)+"|"+string(k.action))
		if !ruleDate.zero() {
			fs = append(fs, "vs_rule="+versus(d, ruleDate))
		}
		if d == ruleDate {
			fs = append(fs, "rule_pick", "rule_from="+ruleFrom)
		}
		out = append(out, DateOption{Date: d.String(), Features: fs, rule: rule})
	}
	add(ruleDate, "the rules' date", "src=rule")
	for _, c := range g {
		add(c.date, fmt.Sprintf("date: a decision's own, sentence %d", c.sent.index), "src=decision",
			"strength="+strconv.Itoa(c.dateStrength), "strength|in="+strconv.Itoa(c.dateStrength)+"|"+c.sent.place())
	}
	dist := map[int]int{}
	for _, c := range g {
		for d := -maxDateDistance; d <= maxDateDistance; d++ {
			if old, ok := dist[c.sent.index+d]; !ok || abs(d) < old {
				dist[c.sent.index+d] = abs(d)
			}
		}
	}
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
	add(pub, "date: the publication date", "src=published", "published|action="+string(k.action))
	// The schema takes the most recent occurrence that happened.
	latest, earliest := -1, -1
	var latestDay, earliestDay time.Time
	for i, o := range out {
		v, _ := parseDate(o.Date)
		if v.after(pub) {
			continue
		}
		if t := v.time(); latest < 0 || t.After(latestDay) {
			latest, latestDay = i, t
		}
		if t := v.time(); earliest < 0 || t.Before(earliestDay) {
			earliest, earliestDay = i, t
		}
	}
	if latest >= 0 {
		out[latest].Features = append(out[latest].Features, "latest")
		out[earliest].Features = append(out[earliest].Features, "earliest")
	}
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

// sincePublished buckets how long before publication d is: news, last
// week's, this year's, history; or after it, which a report of something
// that happened cannot be.
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

// time is the first day d covers.
func (d date) time() time.Time {
	return time.Date(d.y, time.Month(max(d.m, 1)), max(d.d, 1), 0, 0, 0, 0, time.UTC)
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
	if o.Date == d.String() {
		return d, "", opts
	}
	v, err := parseDate(o.Date)
	if err != nil {
		return d, "", opts
	}
	return v, fmt.Sprintf("%s, chosen by model date (data/models.yaml) over the rules' %s from %s", o.rule, d,
		topFeatures(x.models.Date.Contributions(o.Features), 3)), opts
}

// PickDate returns the index of the option m scores highest, the rules'
// own date (rulePick) winning ties.
func PickDate(m *learn.Model, opts []DateOption, rulePick string) int {
	best, bestScore := -1, 0.0
	for i, o := range opts {
		s := m.Score(o.Features)
		if best < 0 || s > bestScore || s == bestScore && o.Date == rulePick {
			best, bestScore = i, s
		}
	}
	return best
}

// parseDate reads a date as String writes it.
func parseDate(s string) (date, error) {
	var d date
	var err error
	switch len(s) {
	case 4:
		d.y, err = strconv.Atoi(s)
	case 7, 10:
		if d.y, err = strconv.Atoi(s[:4]); err == nil {
			d.m, err = strconv.Atoi(s[5:7])
		}
		if err == nil && len(s) == 10 {
			d.d, err = strconv.Atoi(s[8:10])
		}
	default:
		err = fmt.Errorf("extract: date %q", s)
	}
	return d, err
}
