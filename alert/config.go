package alert

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/http/httpguts"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// Format is the shape of the JSON a webhook is sent.
type Format string

const (
	// Slack is a Slack incoming-webhook message: text and blocks.
	// Mattermost accepts it too.
	Slack Format = "slack"
	// Discord is a Discord webhook message: content and an embed.
	Discord Format = "discord"
	// JSON is the rule name, the story and its events, for programs.
	JSON Format = "json"
)

// Formats lists the payload formats in the order help text names them.
var Formats = []Format{Slack, Discord, JSON}

// Webhook is where a rule posts.
type Webhook struct {
	URL    string
	Format Format
	// Headers are sent with every post, e.g. an Authorization token for
	// a JSON endpoint.
	Headers map[string]string
}

// Rule is one alert rule: which stories, and where to post them.
type Rule struct {
	Name string
	// Filter selects stories as query --stories does; country names and
	// service aliases are already resolved to codes and slugs.
	Filter store.Filter
	// NewStoriesOnly posts only stories a run made; when false, a story
	// that gained a report in the run is posted too, unless the rule
	// posted it before.
	NewStoriesOnly bool
	Webhook        Webhook
}

// Rules are the alert rules of a configuration, in file order.
type Rules []Rule

// Find returns the rule with the given name.
func (rs Rules) Find(name string) (Rule, bool) {
	i := slices.IndexFunc(rs, func(r Rule) bool { return r.Name == name })
	if i < 0 {
		return Rule{}, false
	}
	return rs[i], true
}

// Names lists the rule names in file order.
func (rs Rules) Names() []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

// ruleYAML is one entry of the alerts list as written.
type ruleYAML struct {
	Name           string      `yaml:"name"`
	Countries      stringList  `yaml:"countries"`
	Services       stringList  `yaml:"services"`
	Actions        stringList  `yaml:"actions"`
	Since          string      `yaml:"since"`
	Until          string      `yaml:"until"`
	Text           string      `yaml:"text"`
	MinConfidence  float64     `yaml:"min_confidence"`
	Feeds          stringList  `yaml:"feeds"`
	NewStoriesOnly *bool       `yaml:"new_stories_only"`
	Webhook        webhookYAML `yaml:"webhook"`
}

type webhookYAML struct {
	URL     string            `yaml:"url"`
	Format  string            `yaml:"format"`
	Headers map[string]string `yaml:"headers"`
}

// stringList accepts a list or, for one value, a plain string:
// "countries: Iran" means what "countries: [Iran]" does.
type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = stringList{n.Value}
		return nil
	}
	return n.Decode((*[]string)(l))
}

// configFile is alert's part of feeds.yaml: package config hands it the
// file with only the alerts section.
type configFile struct {
	Alerts []ruleYAML `yaml:"alerts"`
}

// ParseRules reads alert's part of a configuration (see package config),
// the alerts section, and validates every rule, reporting all problems at
// once, each naming the file (name), the line, the rule and the field. A
// file without alerts has no rules.
//
// A rule with a problem is left out and the others are returned, with a
// BrokenRules error listing what was left out: one broken rule, say one
// whose webhook reads an environment variable that cron does not set,
// must not keep the rest from posting, nor the batch from running. Any
// other error means the section as a whole could not be read, and no rule
// is returned.
//
// Countries are resolved by code or name and services by slug or alias
// through gaz (nil loads the embedded one). In webhook.url and header
// values, ${NAME} is replaced by the environment variable NAME, read with
// getenv (nil: os.Getenv), so that tokens need not be written in the file.
func ParseRules(data []byte, name string, gaz *event.Catalog, getenv func(string) string) (Rules, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if gaz == nil {
		var err error
		if gaz, err = event.LoadCatalog(); err != nil {
			return nil, err
		}
	}
	loc := locate(data)
	if loc.notList > 0 {
		return nil, fmt.Errorf("%s:%d: alerts must be a list of rules, each with a name and a webhook", name, loc.notList)
	}

	var file configFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	bad := map[int][]error{} // rule index -> what the decoder found wrong
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		// The rest is decoded: validate it too, so that one run of the
		// command shows every problem.
		var unplaced []error
		for _, m := range te.Errors {
			i, err := loc.typeError(name, m)
			if i < 0 {
				unplaced = append(unplaced, err)
				continue
			}
			bad[i] = append(bad[i], err)
		}
		if len(unplaced) > 0 {
			// Not within a rule: which rules it spoils is not known.
			return nil, errors.Join(unplaced...)
		}
	}

	v := validator{file: name, gaz: gaz, getenv: getenv, loc: loc, seen: map[string]int{}}
	var rules Rules
	var broken BrokenRules
	for i := range file.Alerts {
		r, rerrs := v.rule(i, &file.Alerts[i])
		if errs := append(bad[i], rerrs...); len(errs) > 0 {
			broken = append(broken, RuleError{Rule: r.Name, Index: i + 1, Line: loc.ruleLine(i), Problems: errs})
			continue
		}
		rules = append(rules, r)
	}
	// A rule the decoder could not even list is broken all the same.
	for _, i := range slices.Sorted(maps.Keys(bad)) {
		if i >= len(file.Alerts) {
			broken = append(broken, RuleError{Rule: loc.ruleName(i), Index: i + 1, Line: loc.ruleLine(i), Problems: bad[i]})
		}
	}
	if len(broken) > 0 {
		return rules, broken
	}
	return rules, nil
}

// RuleError is a rule of the configuration that cannot be used.
type RuleError struct {
	Rule  string // its name; empty when it has none
	Index int    // its place in the alerts list, from 1
	Line  int    // the line it starts on; 0 when not known
	// Problems each name the file, line, rule and field.
	Problems []error
}

func (e RuleError) Error() string { return errors.Join(e.Problems...).Error() }

// BrokenRules are the rules ParseRules left out, in file order.
type BrokenRules []RuleError

func (b BrokenRules) Error() string {
	msgs := make([]string, len(b))
	for i, e := range b {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

var (
	ruleNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	envRefRe   = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
)

// validator checks rules one by one, remembering names for duplicates.
type validator struct {
	file   string
	gaz    *event.Catalog
	getenv func(string) string
	loc    locations
	seen   map[string]int // name -> line of its first rule
}

func (v *validator) rule(i int, y *ruleYAML) (Rule, []error) {
	var errs []error
	line := v.loc.ruleLine(i)
	what := fmt.Sprintf("alert %d", i+1)
	if n := strings.TrimSpace(y.Name); n != "" {
		what = fmt.Sprintf("alert %q", n)
	}
	report := func(field, format string, args ...any) {
		if v.loc.isBad(i, field) {
			return // the decoder said what is wrong with it
		}
		l := v.loc.fieldLine(i, field)
		if l == 0 {
			l = line
		}
		prefix := v.file
		if l > 0 {
			prefix = fmt.Sprintf("%s:%d", v.file, l)
		}
		msg := fmt.Sprintf(format, args...)
		if field != "" {
			msg = field + " " + msg
		}
		errs = append(errs, fmt.Errorf("%s: %s: %s", prefix, what, msg))
	}

	r := Rule{Name: strings.TrimSpace(y.Name), NewStoriesOnly: y.NewStoriesOnly == nil || *y.NewStoriesOnly}
	switch {
	case r.Name == "":
		report("name", "is missing; every rule needs a name, used by 'policywatch alerts test NAME'")
	case !ruleNameRe.MatchString(r.Name):
		report("name", "%q: use up to 64 letters, digits, '.', '_' and '-', starting with a letter or digit", r.Name)
	default:
		if prev, ok := v.seen[r.Name]; ok {
			report("name", "is a duplicate: a rule above (line %d) has the same name, and the store tells rules apart by name", prev)
		} else {
			v.seen[r.Name] = line
		}
	}

	// The filter means what the query flags mean; only the words for its
	// fields are this file's.
	keys := map[string]string{
		"country": "countries", "service": "services", "action": "actions",
		"since": "since", "until": "until", "min_confidence": "min_confidence",
	}
	for _, fd := range y.Feeds {
		if strings.TrimSpace(fd) == "" {
			report("feeds", "holds an empty feed name")
		}
	}
	f, err := store.Spec{
		Countries: y.Countries, Services: y.Services, Actions: y.Actions, Feeds: y.Feeds,
		Since: y.Since, Until: y.Until, Text: y.Text, MinConfidence: y.MinConfidence,
	}.Resolve(v.gaz)
	for _, fe := range store.FieldErrors(err) {
		report(keys[fe.Field], "%q %s", fe.Value, fe.Msg)
	}
	r.Filter = f

	wh := &r.Webhook
	wh.Format = Format(strings.ToLower(strings.TrimSpace(y.Webhook.Format)))
	switch {
	case y.Webhook.Format == "" && y.Webhook.URL == "":
		report("webhook", "is missing; give webhook.url and webhook.format (%s)", formatList())
	case wh.Format == "":
		report("webhook.format", "is missing; want one of %s", formatList())
	case !slices.Contains(Formats, wh.Format):
		report("webhook.format", "%q is not one of %s", y.Webhook.Format, formatList())
	}
	if y.Webhook.URL != "" || y.Webhook.Format != "" {
		u, err := v.expand(y.Webhook.URL)
		switch {
		case err != nil:
			report("webhook.url", "%v", err)
		case strings.TrimSpace(u) == "":
			report("webhook.url", "is missing")
		case !isHTTPURL(u):
			report("webhook.url", "%q is not an absolute http(s) URL", y.Webhook.URL)
		}
		wh.URL = u
	}
	for _, k := range slices.Sorted(maps.Keys(y.Webhook.Headers)) {
		val := y.Webhook.Headers[k]
		field := "webhook.headers." + k
		switch {
		case !httpguts.ValidHeaderFieldName(k):
			report(field, "is not a valid header name")
			continue
		case slices.Contains([]string{"content-type", "content-length", "host"}, strings.ToLower(k)):
			report(field, "is set by policywatch and cannot be changed")
			continue
		}
		ev, err := v.expand(val)
		if err != nil {
			report(field, "%v", err)
			continue
		}
		if !httpguts.ValidHeaderFieldValue(ev) {
			report(field, "has a value that is not a valid header value")
			continue
		}
		if wh.Headers == nil {
			wh.Headers = map[string]string{}
		}
		wh.Headers[k] = ev
	}
	return r, errs
}

// expand replaces ${NAME} with the environment variable NAME; one that
// is unset or empty is an error, as posting to half a URL would be.
func (v *validator) expand(s string) (string, error) {
	var missing []string
	out := envRefRe.ReplaceAllStringFunc(s, func(ref string) string {
		name := envRefRe.FindStringSubmatch(ref)[1]
		val := v.getenv(name)
		if val == "" {
			missing = append(missing, name)
		}
		return val
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("uses environment variable %s, which is not set", strings.Join(missing, ", "))
	}
	return out, nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && s == strings.TrimSpace(s)
}

func formatList() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}
