package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults for the settings a configuration leaves out.
const (
	DefaultUserAgent    = "policywatch/0.1 (+https://github.com/policywatch/policywatch)"
	DefaultConcurrency  = 4
	DefaultTimeout      = 20 * time.Second
	DefaultMaxBodyBytes = 5 << 20
	DefaultHostDelay    = time.Second
	DefaultMaxRetries   = 2
	DefaultMaxRetryWait = 2 * time.Minute
)

// Config is the fetching part of feeds.yaml: how to fetch, and what.
//
// In a file, a setting left out takes its default and a zero written is
// meant. In code, a zero UserAgent, Concurrency, Timeout or MaxBodyBytes,
// which could not work, takes its default, while a zero HostDelay,
// MaxRetries or MaxRetryWait means no delay, no retries and no waiting.
type Config struct {
	UserAgent    string        `yaml:"user_agent"`
	Concurrency  int           `yaml:"concurrency"`    // feeds/articles fetched at once
	Timeout      time.Duration `yaml:"timeout"`        // per request
	MaxBodyBytes int64         `yaml:"max_body_bytes"` // cap per response body
	HostDelay    time.Duration `yaml:"host_delay"`     // min gap between two requests to one host
	MaxRetries   int           `yaml:"max_retries"`    // retries of a 429 or 503 that says when to come back
	MaxRetryWait time.Duration `yaml:"max_retry_wait"` // longest Retry-After honoured
	// AllowPrivate lists the hosts the Fetcher may connect to although
	// their addresses are loopback, private, link-local or otherwise
	// inside the network (internalnets.yaml), which it refuses by
	// default: host names (whatever they resolve to), IP addresses and
	// CIDR prefixes.
	AllowPrivate []string `yaml:"allow_private"`
	Feeds        []Feed   `yaml:"feeds"`

	// Where the configuration came from, so Validate can point at the
	// file and the line of a bad feed. Zero for a Config built in code.
	source    string
	feedLines []int
}

// configFile is ingest's part of feeds.yaml: package config hands it the
// file without the sections other packages own, so every key here is
// either known or an error.
type configFile struct {
	Config `yaml:",inline"`
}

// ParseConfig decodes ingest's part of a YAML configuration (see package
// config), gives the settings it leaves out their defaults and validates
// it. name is used in error messages, normally the file's path.
func ParseConfig(data []byte, name string) (Config, error) {
	l := readLayout(data)
	data = l.zeroDurations(data)
	var file configFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var decodeErr error
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		// A type error (unknown key, bad duration) leaves the rest decoded:
		// validate that too, so one run reports every problem.
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return Config{}, yamlError(name, err)
		}
		decodeErr = yamlError(name, err)
	}
	c := file.Config
	c.source = name
	c.feedLines = l.feedLines
	c.defaultsFor(func(key string) bool { return !l.keys[key] })
	if err := errors.Join(decodeErr, c.Validate()); err != nil {
		return Config{}, err
	}
	return c, nil
}

// applyDefaults fills the settings of a Config built in code that cannot
// be zero. A negative value is not replaced: Validate reports it, as it is
// more likely a typo than a wish.
func (c *Config) applyDefaults() {
	if strings.TrimSpace(c.UserAgent) == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
}

// defaultsFor gives each setting for which absent reports true its
// default. A file's zero is kept: "host_delay: 0s" means no delay, and a
// zero that cannot work, like "timeout: 0s", is for Validate to report.
func (c *Config) defaultsFor(absent func(key string) bool) {
	if absent("user_agent") {
		c.UserAgent = DefaultUserAgent
	}
	if absent("concurrency") {
		c.Concurrency = DefaultConcurrency
	}
	if absent("timeout") {
		c.Timeout = DefaultTimeout
	}
	if absent("max_body_bytes") {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if absent("host_delay") {
		c.HostDelay = DefaultHostDelay
	}
	if absent("max_retries") {
		c.MaxRetries = DefaultMaxRetries
	}
	if absent("max_retry_wait") {
		c.MaxRetryWait = DefaultMaxRetryWait
	}
}

// Validate reports every problem of the configuration at once, each naming
// the file (and line) when the configuration was read from one.
func (c *Config) Validate() error {
	var errs []error
	report := func(line int, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		switch {
		case c.source != "" && line > 0:
			msg = fmt.Sprintf("%s:%d: %s", c.source, line, msg)
		case c.source != "":
			msg = c.source + ": " + msg
		}
		errs = append(errs, errors.New(msg))
	}

	if strings.TrimSpace(c.UserAgent) == "" {
		report(0, "user_agent must not be empty: sites are told who is fetching")
	}
	if c.Concurrency < 1 {
		report(0, "concurrency %d must be at least 1", c.Concurrency)
	}
	if c.Timeout <= 0 {
		report(0, "timeout %s must be positive", c.Timeout)
	}
	if c.MaxBodyBytes <= 0 {
		report(0, "max_body_bytes %d must be positive", c.MaxBodyBytes)
	}
	if c.HostDelay < 0 {
		report(0, "host_delay %s must not be negative", c.HostDelay)
	}
	if c.MaxRetries < 0 {
		report(0, "max_retries %d must not be negative", c.MaxRetries)
	}
	if c.MaxRetryWait < 0 {
		report(0, "max_retry_wait %s must not be negative", c.MaxRetryWait)
	}
	for _, a := range c.AllowPrivate {
		if _, kind := parseAllowed(a); kind == allowBad {
			report(0, "allow_private: %q is neither a host name, an IP address nor a CIDR prefix (a host is listed without scheme or port)", a)
		}
	}
	if len(c.Feeds) == 0 {
		report(0, "no feeds configured")
	}

	names := make(map[string]int) // lower-cased name -> feed number
	urls := make(map[string]int)  // canonical URL -> feed number
	for i, f := range c.Feeds {
		n := i + 1
		line := 0
		if i < len(c.feedLines) {
			line = c.feedLines[i]
		}
		what := fmt.Sprintf("feed %d (%q)", n, f.Name)
		name := strings.TrimSpace(f.Name)
		if name == "" {
			what = fmt.Sprintf("feed %d", n)
			report(line, "%s: empty name", what)
		} else if prev, ok := names[strings.ToLower(name)]; ok {
			report(line, "%s: duplicate name, also feed %d", what, prev)
		} else {
			names[strings.ToLower(name)] = n
		}
		if !isHTTPURL(f.URL) {
			report(line, "%s: url %q is not an absolute http(s) URL", what, f.URL)
		} else if prev, ok := urls[CanonicalURL(f.URL)]; ok {
			report(line, "%s: duplicate url %q, also feed %d", what, f.URL, prev)
		} else {
			urls[CanonicalURL(f.URL)] = n
		}
		for _, tag := range f.Tags {
			if strings.TrimSpace(tag) == "" {
				report(line, "%s: empty tag", what)
			}
		}
	}
	return errors.Join(errs...)
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && s == strings.TrimSpace(s)
}

// layout is what the decoder into Config cannot tell: which top-level keys
// the file holds, the line of each entry of its feeds list, so validation
// errors can point into the file, and where it writes a duration as a
// bare 0. It is best effort: a document it cannot read yields nothing,
// and the decode error is reported elsewhere.
type layout struct {
	keys      map[string]bool
	feedLines []int
	zeros     []*yaml.Node // "host_delay: 0" and the like
}

func readLayout(data []byte) layout {
	l := layout{keys: make(map[string]bool)}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return l
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return l
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		l.keys[key] = true
		switch key {
		case "feeds":
			if val.Kind == yaml.SequenceNode {
				for _, item := range val.Content {
					l.feedLines = append(l.feedLines, item.Line)
				}
			}
		case "timeout", "host_delay", "max_retry_wait":
			if val.Kind == yaml.ScalarNode && val.Tag == "!!int" && val.Value == "0" {
				l.zeros = append(l.zeros, val)
			}
		}
	}
	return l
}

// zeroDurations returns data with each duration written as a bare 0 given
// a unit. Any other number without one stays an error, as 20 could be
// seconds or minutes, but 0 is 0 in every unit: "max_retry_wait: 0" means
// what it says. The lines stay where they were, for error messages.
func (l layout) zeroDurations(data []byte) []byte {
	if len(l.zeros) == 0 {
		return data
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	for _, n := range l.zeros {
		if n.Line < 1 || n.Line > len(lines) {
			continue
		}
		line, at := lines[n.Line-1], n.Column-1 // the column counts runes
		if at < 0 || at >= len(line) || !isASCII(line[:at+1]) || line[at] != '0' {
			continue // not where the parser said: leave the error to the decoder
		}
		lines[n.Line-1] = append(append(append([]byte(nil), line[:at+1]...), 's'), line[at+1:]...)
	}
	return bytes.Join(lines, nil)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

var (
	yamlLineRe    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	yamlUnknownRe = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// yamlError rewrites the decoder's messages into "file:line: problem" form,
// one per problem, and names unknown keys as such rather than by Go type.
func yamlError(name string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	errs := make([]error, 0, len(msgs))
	for _, m := range msgs {
		where := name
		if sub := yamlLineRe.FindStringSubmatch(m); sub != nil {
			where, m = name+":"+sub[1], sub[2]
		}
		switch sub := yamlUnknownRe.FindStringSubmatch(m); {
		case sub != nil:
			m = fmt.Sprintf("unknown key %q", sub[1])
		case strings.HasSuffix(m, "into time.Duration"):
			m += ` (durations need a unit, like "20s")`
		default:
			m = strings.ReplaceAll(m, "ingest.configFile", "a configuration")
		}
		errs = append(errs, fmt.Errorf("%s: %s", where, m))
	}
	return errors.Join(errs...)
}
