package extract_test

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/policywatch/policywatch/eval"
	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
)

var (
	traceArtsOnce sync.Once
	traceArts     map[string]eval.Article
	traceArtsErr  error
)

// article is a labelled article by its id, from any traceArts set.
func article(t *testing.T, id string) extract.Document {
	t.Helper()
	traceArtsOnce.Do(func() {
		traceArts = make(map[string]eval.Article)
		for _, f := range []string{"seed.jsonl", "train/extra.jsonl", "train/holdout.jsonl", "train/holdout2.jsonl", "train/holdout3.jsonl"} {
			arts, err := eval.Load("../testdata/eval/" + f)
			if err != nil {
				traceArtsErr = err
				return
			}
			for _, a := range arts {
				traceArts[a.ID] = a
			}
		}
	})
	if traceArtsErr != nil {
		t.Fatal(traceArtsErr)
	}
	a, ok := traceArts[id]
	if !ok {
		t.Fatalf("no traceArts article %q", id)
	}
	d, err := a.Document()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestExplainRejections checks that cues in real sentences are rejected,
// and for the reason the rule that rejects them gives.
func TestExplainRejections(t *testing.T) {
	x := extractor(t)
	tests := []struct {
		article, sentence, cue, reason string
	}{
		{"x-id-telegram-unblock", "The app itself was never blocked.", "blocked", "negated"},
		{"x-cu-social-media-2021", "Twitter said it had found no sign that its service was being blocked.", "blocked", "negated"},
		{"x-id-telegram-web", "The mobile application was not affected.", "affected", ""}, // affected: collateral only, never a cue of its own
		{"x-id-telegram-web", "Digital rights activists said blocking the service would do little", "blocking", "hypothetical"},
		{"x-none-meta-canada-news", "Meta begins blocking news on Facebook and Instagram in Canada", "blocking", "company actor"},
		{"x-us-montana-tiktok", "Several members of Congress have proposed legislation that would let the administration ban TikTok", "ban", "hedged"},
		{"seed-iran-telegram", "Earlier this week Iran's supreme leader, Ayatollah Ali Khamenei, shut down his Telegram channel", "shut down", "own account"},
		{"seed-iran-telegram", "Iran Begins To Block Telegram Messaging App", "Block", "headline overruled"},
		{"x-np-tiktok-lifted", "nine months after the government blocked the short-video app for disrupting social harmony", "disrupting", "in a stated reason"},
		{"seed-iran-telegram", "As a result of the Telegram ban in Russia, Google this week confirmed", "ban", "duplicate merged"},
	}
	for _, tt := range tests {
		t.Run(tt.article+"/"+tt.cue, func(t *testing.T) {
			evs, tr := x.Explain(article(t, tt.article))
			if !reflect.DeepEqual(evs, x.Extract(article(t, tt.article))) {
				t.Fatal("Explain and Extract disagree")
			}
			var got []string
			for _, r := range tr.Rejected {
				if strings.Contains(r.Sentence, tt.sentence) && r.Cue == tt.cue {
					got = append(got, r.Reason)
				}
			}
			switch {
			case tt.reason == "" && len(got) > 0:
				t.Errorf("cue %q rejected as %q, want no record: it is no cue", tt.cue, got)
			case tt.reason != "" && !contains(got, tt.reason):
				t.Errorf("cue %q in %q rejected as %q, want %q\n%s", tt.cue, tt.sentence, got, tt.reason, tr)
			}
		})
	}
}

// TestExplainEvents checks which rule, cue and expression the trace
// credits with an event's fields.
func TestExplainEvents(t *testing.T) {
	x := rules(t) // the rules' attributions; TestExplainModel checks the model's
	tests := []struct {
		article, country, service string
		action                    event.Action
		evidence                  string // part of one evidence sentence
		// Parts the trace's rules must contain, field by field.
		countryRule, serviceRule, actionRule, dateRule, reasonRule string
	}{
		{
			article: "seed-iran-telegram", country: "RU", service: "telegram", action: event.Block,
			evidence:    "access to Telegram was shut down in Russia this month",
			countryRule: "country: where the action applies",
			serviceRule: "targets: subject of passive or state cue",
			actionRule:  `action: cue "shut down" (cut verb): block`,
			dateRule:    `date: nearest date expression "this month" in the cue's clause`,
			reasonRule:  "reason: stated with the action",
		},
		{
			article: "seed-iran-telegram", country: "RU", service: "google", action: event.Block,
			evidence:    "Google this week confirmed its services in that country were also being affected",
			countryRule: "country: that of the cause RU/telegram/block",
			serviceRule: "targets: services the cause also hit (collateral)",
			actionRule:  `action: collateral "affected" of RU/telegram/block`,
			dateRule:    "date: that of its cause, RU/telegram/block",
		},
		{
			article: "x-cn-signal-2021", country: "IR", service: "signal", action: event.Block,
			evidence:    "Iran blocked it in January",
			countryRule: "country: subject of the cue",
			serviceRule: "targets: pronoun after cue",
			actionRule:  `action: cue "blocked" (block verb)`,
			dateRule:    `date: nearest date expression "in January"`,
		},
		{
			article: "x-id-telegram-web", country: "ID", service: "telegram", action: event.Restrict,
			evidence:   "Indonesia has blocked access to the web version of the Telegram messaging service",
			actionRule: "partial: restrict",
		},
		{
			article: "seed-iran-telegram", country: "IR", service: "telegram", action: event.Restrict,
			evidence:   "swapping images and videos via the service was no longer permitted",
			actionRule: `action: cue "no longer permitted" (restrict verb)`,
			dateRule:   "date: the publication date: the article gives no time",
		},
	}
	for _, tt := range tests {
		t.Run(tt.article+"/"+tt.country+"/"+tt.service, func(t *testing.T) {
			evs, tr := x.Explain(article(t, tt.article))
			if len(tr.Events) != len(evs) {
				t.Fatalf("%d event traces for %d events", len(tr.Events), len(evs))
			}
			for i, e := range tr.Events {
				if e.Country != evs[i].Country || e.Service != evs[i].Service || e.Action != evs[i].Action {
					t.Fatalf("trace %d is of %s %s %s, event of %s %s %s", i, e.Country, e.Service, e.Action, evs[i].Country, evs[i].Service, evs[i].Action)
				}
				if e.Country != tt.country || e.Service != tt.service || e.Action != tt.action {
					continue
				}
				found := false
				for _, s := range e.Evidence {
					found = found || strings.Contains(s, tt.evidence)
				}
				if !found {
					t.Errorf("evidence %q lacks %q", e.Evidence, tt.evidence)
				}
				for _, f := range []struct{ name, got, want string }{
					{"country", e.CountryRule, tt.countryRule},
					{"service", e.ServiceRule, tt.serviceRule},
					{"action", e.ActionRule, tt.actionRule},
					{"date", e.DateRule, tt.dateRule},
					{"reason", e.ReasonRule, tt.reasonRule},
					{"confidence", e.ConfidenceRule, "confidence: no model"},
				} {
					if !strings.Contains(f.got, f.want) {
						t.Errorf("%s rule %q, want it to contain %q", f.name, f.got, f.want)
					}
				}
				return
			}
			t.Errorf("no event %s %s %s in\n%s", tt.country, tt.service, tt.action, tr)
		})
	}
}

// TestExplainModel checks that the trace tells the keep model's part: the
// features behind each kept event's confidence, and each event it dropped
// as a rejection of its own kind.
func TestExplainModel(t *testing.T) {
	extract.SkipUnderRace(t)
	x := extractor(t)
	article(t, "seed-iran-telegram") // loads the sets
	dropped := 0
	for id := range traceArts {
		evs, tr := x.Explain(article(t, id))
		for i, e := range tr.Events {
			if !strings.HasPrefix(e.ConfidenceRule, "confidence: model keep (data/models.yaml): P(right) ") || !strings.Contains(e.ConfidenceRule, fmt.Sprintf("%.2f", evs[i].Confidence)) {
				t.Errorf("%s: %s %s %s: confidence rule %q", id, e.Country, e.Service, e.Action, e.ConfidenceRule)
			}
		}
		for _, r := range tr.Rejected {
			if r.Reason == "model: not an event" {
				dropped++
				if !strings.Contains(r.Detail, "P(right)") {
					t.Errorf("%s: a drop by the model without its probability: %+v", id, r)
				}
			}
		}
	}
	if dropped == 0 {
		t.Error("the model dropped nothing on the labelled sets, or the trace does not say so")
	}
}

// TestExplainAgrees checks on every labelled article that Explain finds
// what Extract finds and names a rule for every field of every event.
func TestExplainAgrees(t *testing.T) {
	extract.SkipUnderRace(t)
	x := extractor(t)
	article(t, "seed-iran-telegram") // loads the sets
	for id := range traceArts {
		d := article(t, id)
		evs, tr := x.Explain(d)
		if !reflect.DeepEqual(evs, x.Extract(d)) {
			t.Errorf("%s: Explain and Extract disagree", id)
			continue
		}
		if len(tr.Events) != len(evs) {
			t.Errorf("%s: %d event traces for %d events", id, len(tr.Events), len(evs))
			continue
		}
		for i, e := range tr.Events {
			if e.Country != evs[i].Country || e.Service != evs[i].Service || e.Action != evs[i].Action {
				t.Errorf("%s: trace %d is of %s %s %s, the event of %s %s %s", id, i, e.Country, e.Service, e.Action, evs[i].Country, evs[i].Service, evs[i].Action)
			}
			for name, rule := range map[string]string{"country": e.CountryRule, "service": e.ServiceRule, "action": e.ActionRule,
				"date": e.DateRule, "reason": e.ReasonRule, "confidence": e.ConfidenceRule} {
				if !strings.HasPrefix(rule, name+": ") && !(name == "service" && strings.HasPrefix(rule, "targets: ")) {
					t.Errorf("%s: %s %s %s: %s rule %q", id, e.Country, e.Service, e.Action, name, rule)
				}
			}
		}
		for _, r := range tr.Rejected {
			if r.Sentence == "" || r.Reason == "" {
				t.Errorf("%s: rejection %+v lacks its sentence or reason", id, r)
			}
		}
	}
}

// TestExtractKeepsNoTrace checks that Extract does the work of Explain
// without its cost: no more allocations than before the trace existed
// would be ideal, but at least far fewer than Explain's.
func TestExtractKeepsNoTrace(t *testing.T) {
	x := extractor(t)
	d := article(t, "seed-iran-telegram")
	plain := testing.AllocsPerRun(5, func() { x.Extract(d) })
	traced := testing.AllocsPerRun(5, func() { x.Explain(d) })
	if plain >= traced {
		t.Errorf("Extract allocates %.0f times, Explain %.0f: Extract builds a trace", plain, traced)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
