package alert

import (
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/config"
	"github.com/policywatch/policywatch/ingest"
)

// A configuration with every field, as an operator would write it.
const fullConfig = `user_agent: test
feeds:
  - name: IranWire
    url: https://iranwire.com/en/feed/
alerts:
  - name: iran-telegram
    countries: [Iran]
    services: Telegram
    actions: [block, Restrict]
    since: 2018
    until: 2018-06
    text: encryption
    min_confidence: 0.6
    feeds: [IranWire]
    webhook:
      url: https://hooks.slack.com/services/${SLACK_HOOK}
      format: slack
  - name: all-json
    new_stories_only: false
    webhook:
      url: https://bots.example.org/policywatch
      format: JSON
      headers:
        Authorization: Bearer ${BOT_TOKEN}
        X-Source: policywatch
`

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseRulesFull(t *testing.T) {
	t.Parallel()
	rules, err := parseFile([]byte(fullConfig), "feeds.yaml", gaz(), env(map[string]string{"SLACK_HOOK": "T0/B0/xyz", "BOT_TOKEN": "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := rules.Names(); !slices.Equal(got, []string{"iran-telegram", "all-json"}) {
		t.Fatalf("rules %v", got)
	}
	r, ok := rules.Find("iran-telegram")
	if !ok {
		t.Fatal("Find(iran-telegram) found nothing")
	}
	f := r.Filter
	switch {
	case !slices.Equal(f.Countries, []string{"IR"}),
		!slices.Equal(f.Services, []string{"telegram"}),
		!slices.Equal(f.Actions, []string{"block", "restrict"}),
		f.Since != "2018" || f.Until != "2018-06" || f.Text != "encryption",
		f.MinConfidence != 0.6 || !slices.Equal(f.Feeds, []string{"IranWire"}):
		t.Errorf("filter %+v", f)
	}
	if !r.NewStoriesOnly {
		t.Error("new_stories_only should default to true")
	}
	if w := r.Webhook; w.URL != "https://hooks.slack.com/services/T0/B0/xyz" || w.Format != Slack || w.Headers != nil {
		t.Errorf("webhook %+v", r.Webhook)
	}
	all, _ := rules.Find("all-json")
	if all.NewStoriesOnly || all.Webhook.Format != JSON {
		t.Errorf("all-json: %+v", all)
	}
	if h := all.Webhook.Headers; h["Authorization"] != "Bearer s3cret" || h["X-Source"] != "policywatch" || len(h) != 2 {
		t.Errorf("headers %v", h)
	}
	if _, ok := rules.Find("nope"); ok {
		t.Error("Find(nope) found a rule")
	}

	// The fetching side reads the same file and leaves alerts alone.
	cf, err := config.Parse([]byte(fullConfig), "feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.ParseConfig(cf.Ingest, "feeds.yaml"); err != nil {
		t.Errorf("ingest rejects a file with alerts: %v", err)
	}
}

func TestParseRulesNone(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"feeds: []\n", "alerts:\n", "alerts: []\n", ""} {
		rules, err := parseFile([]byte(doc), "feeds.yaml", gaz(), env(nil))
		if err != nil || len(rules) != 0 {
			t.Errorf("%q: %v, %v; want no rules", doc, rules, err)
		}
	}
}

func TestParseRulesErrors(t *testing.T) {
	t.Parallel()
	const hook = "    webhook: {url: https://example.org/hook, format: json}\n"
	tests := []struct {
		name, alerts string
		want         []string // each a whole line of the error
	}{
		{"bad format", "  - name: iran-telegram\n    webhook:\n      url: https://example.org/hook\n      format: teams\n",
			[]string{`feeds.yaml:6: alert "iran-telegram": webhook.format "teams" is not one of slack, discord, json`}},
		{"bad url", "  - name: r1\n    webhook: {url: \"hooks.slack.com/x\", format: slack}\n",
			[]string{`feeds.yaml:4: alert "r1": webhook.url "hooks.slack.com/x" is not an absolute http(s) URL`}},
		{"ftp url", "  - name: r1\n    webhook: {url: \"ftp://example.org/x\", format: slack}\n",
			[]string{`feeds.yaml:4: alert "r1": webhook.url "ftp://example.org/x" is not an absolute http(s) URL`}},
		{"unknown rule key", "  - name: r1\n    country: IR\n" + hook,
			[]string{`feeds.yaml:4: alert "r1": unknown key "country"`}},
		{"unknown webhook key", "  - name: r1\n    webhook:\n      url: https://example.org/hook\n      format: json\n      secret: x\n",
			[]string{`feeds.yaml:7: alert "r1": unknown key "webhook.secret"`}},
		{"duplicate name", "  - name: r1\n" + hook + "  - name: r1\n" + hook,
			[]string{`feeds.yaml:5: alert "r1": name is a duplicate: a rule above (line 3) has the same name, and the store tells rules apart by name`}},
		{"missing name", "  - countries: [IR]\n" + hook,
			[]string{`feeds.yaml:3: alert 1: name is missing; every rule needs a name, used by 'policywatch alerts test NAME'`}},
		{"bad name", "  - name: iran telegram\n" + hook,
			[]string{`feeds.yaml:3: alert "iran telegram": name "iran telegram": use up to 64 letters, digits, '.', '_' and '-', starting with a letter or digit`}},
		{"missing webhook", "  - name: r1\n",
			[]string{`feeds.yaml:3: alert "r1": webhook is missing; give webhook.url and webhook.format (slack, discord, json)`}},
		{"unknown country and service", "  - name: r1\n    countries: [Narnia, RU]\n    services: [myspace2]\n" + hook,
			[]string{`feeds.yaml:4: alert "r1": countries "Narnia" is not a country code or name policywatch knows`,
				`feeds.yaml:5: alert "r1": services "myspace2" is not a service policywatch knows`}},
		{"bad action and date", "  - name: r1\n    actions: [censor]\n    since: 2018-13\n" + hook,
			[]string{`feeds.yaml:4: alert "r1": actions "censor" is not an action; want one of block, restrict, throttle, shutdown, unblock, fine, order, threaten`,
				`feeds.yaml:5: alert "r1": since "2018-13" is not a date: want YYYY, YYYY-MM or YYYY-MM-DD`}},
		{"confidence out of range", "  - name: r1\n    min_confidence: 80\n" + hook,
			[]string{`feeds.yaml:4: alert "r1": min_confidence "80" is not a number from 0 to 1`}},
		{"confidence not a number", "  - name: r1\n    min_confidence: high\n" + hook,
			[]string{`feeds.yaml:4: alert "r1": min_confidence: "high" is not a number`}},
		{"new_stories_only not a bool", "  - name: r1\n    new_stories_only: sometimes\n" + hook,
			[]string{`feeds.yaml:4: alert "r1": new_stories_only: "sometimes" is not true or false`}},
		{"unset variable", "  - name: r1\n    webhook: {url: \"https://hooks.slack.com/${NOPE}\", format: slack}\n",
			[]string{`feeds.yaml:4: alert "r1": webhook.url uses environment variable NOPE, which is not set`}},
		{"content-type header", "  - name: r1\n    webhook:\n      url: https://example.org/hook\n      format: json\n      headers: {Content-Type: text/plain}\n",
			[]string{`feeds.yaml:7: alert "r1": webhook.headers.Content-Type is set by policywatch and cannot be changed`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := "feeds: []\nalerts:\n" + tt.alerts
			rules, err := parseFile([]byte(doc), "feeds.yaml", gaz(), env(nil))
			if err == nil {
				t.Fatalf("accepted:\n%s\nrules %+v", doc, rules)
			}
			lines := strings.Split(err.Error(), "\n")
			for _, w := range tt.want {
				if !slices.Contains(lines, w) {
					t.Errorf("error lacks line\n  %s\ngot:\n  %s", w, strings.Join(lines, "\n  "))
				}
			}
			if strings.Contains(tt.name, "date") && !strings.Contains(err.Error(), `feeds.yaml:5: alert "r1": since "2018-13"`) {
				t.Errorf("error does not name the bad since: %v", err)
			}
		})
	}
}

func TestParseRulesAlertsNotAList(t *testing.T) {
	t.Parallel()
	_, err := parseFile([]byte("alerts:\n  name: r1\n"), "feeds.yaml", gaz(), env(nil))
	if err == nil || !strings.Contains(err.Error(), "feeds.yaml:2: alerts must be a list of rules") {
		t.Errorf("got %v", err)
	}
}

// The example in feeds.yaml is commented out; uncommented, it must be a
// valid configuration, or it would teach a format that does not work.
func TestFeedsYAMLExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := parseFile(data, "feeds.yaml", gaz(), env(nil))
	if err != nil || len(rules) != 0 {
		t.Fatalf("feeds.yaml as shipped: %d rules, %v; want none, as the example is commented out", len(rules), err)
	}
	f, err := config.Parse(data, "feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.ParseConfig(f.Ingest, "feeds.yaml"); err != nil {
		t.Fatalf("feeds.yaml no longer loads: %v", err)
	}

	_, example, ok := strings.Cut(string(data), "\n# alerts:\n")
	if !ok {
		t.Fatal("feeds.yaml has no commented '# alerts:' section")
	}
	var doc strings.Builder
	doc.WriteString("alerts:\n")
	commented := regexp.MustCompile(`^#( {2,}.*|\s*)$`)
	for _, l := range strings.Split(example, "\n") {
		if m := commented.FindStringSubmatch(l); m != nil && !strings.HasPrefix(strings.TrimSpace(m[1]), "#") {
			doc.WriteString(strings.TrimPrefix(m[1], " ") + "\n")
		}
	}
	vars := map[string]string{"SLACK_WEBHOOK_PATH": "T000/B000/XXXX", "DISCORD_WEBHOOK_PATH": "1/abc", "POLICYWATCH_BOT_TOKEN": "t"}
	rules, err = parseFile([]byte(doc.String()), "feeds.yaml example", gaz(), env(vars))
	if err != nil {
		t.Fatalf("the example in feeds.yaml does not parse:\n%s\n%v", doc.String(), err)
	}
	formats := map[Format]bool{}
	for _, r := range rules {
		formats[r.Webhook.Format] = true
	}
	for _, f := range Formats {
		if !formats[f] {
			t.Errorf("the example shows no %s rule", f)
		}
	}
}

// A broken rule is left out with what is wrong with it; the others are
// returned, so that one bad rule does not stop the rest.
func TestParseRulesSkipsBroken(t *testing.T) {
	t.Parallel()
	const doc = `feeds: []
alerts:
  - name: good
    webhook: {url: https://example.org/good, format: json}
  - name: cron-env
    webhook:
      url: https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}
      format: slack
  - name: typed
    min_confidence: high
    webhook: {url: https://example.org/typed, format: json}
  - name: misspelt
    countrys: [IR]
    webhook: {url: https://example.org/misspelt, format: json}
  - name: bad-filter
    countries: [Narnia]
    webhook: {url: https://example.org/narnia, format: json}
  - webhook: {url: https://example.org/anon, format: json}
  - name: also-good
    webhook: {url: https://example.org/also, format: discord}
`
	rules, err := parseFile([]byte(doc), "feeds.yaml", gaz(), env(nil))
	if got := rules.Names(); !slices.Equal(got, []string{"good", "also-good"}) {
		t.Errorf("rules %v; want the two good ones", got)
	}
	var broken BrokenRules
	if !errors.As(err, &broken) {
		t.Fatalf("error %v (%T); want BrokenRules", err, err)
	}
	want := []struct {
		rule        string
		index, line int
		problem     string
	}{
		{"cron-env", 2, 5, `feeds.yaml:7: alert "cron-env": webhook.url uses environment variable SLACK_WEBHOOK_PATH, which is not set`},
		{"typed", 3, 9, `feeds.yaml:10: alert "typed": min_confidence: "high" is not a number`},
		{"misspelt", 4, 12, `feeds.yaml:13: alert "misspelt": unknown key "countrys"`},
		{"bad-filter", 5, 15, `feeds.yaml:16: alert "bad-filter": countries "Narnia" is not a country code or name policywatch knows`},
		{"", 6, 18, `feeds.yaml:18: alert 6: name is missing`},
	}
	if len(broken) != len(want) {
		t.Fatalf("broken %v; want %d rules", broken, len(want))
	}
	for i, w := range want {
		b := broken[i]
		if b.Rule != w.rule || b.Index != w.index || b.Line != w.line || !strings.HasPrefix(b.Error(), w.problem) {
			t.Errorf("broken[%d] = %q (%d, line %d): %v\nwant %q (%d, line %d): %s", i, b.Rule, b.Index, b.Line, b, w.rule, w.index, w.line, w.problem)
		}
	}
}
