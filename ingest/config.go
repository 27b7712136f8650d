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
type Config struct {
	UserAgent    string        `yaml:"user_agent"`
	Concurrency  int           `yaml:"concurrency"`    // feeds/articles fetched at once
	Timeout      time.Duration `yaml:"timeout"`        // per request
	MaxBodyBytes int64         `yaml:"max_body_bytes"` // cap per response body
	HostDelay    time.Duration `yaml:"host_delay"`     // min gap between two requests to one host
	MaxRetries   int           `yaml:"max_retries"`    // retries of a 429 or 503 that says when to come back
	MaxRetryWait time.Duration `yaml:"max_retry_wait"` // longest Retry-After honoured
	Feeds        []Feed        `yaml:"feeds"`

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
// config), applies defaults and validates it. name is used in error
// messages, normally the file's path.
func ParseConfig(data []byte, name string) (Config, error) {
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
	c.feedLines = feedLines(data)
	c.applyDefaults()
	if err := errors.Join(decodeErr, c.Validate()); err != nil {
		return Config{}, err
	}
	return c, nil
}

// applyDefaults fills the settings left at zero. A negative value is not
// replaced: Validate reports it, as it is more likely a typo than a wish.
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
	if c.HostDelay == 0 {
		c.HostDelay = DefaultHostDelay
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.MaxRetryWait == 0 {
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

// feedLines returns the line of each entry of the top-level feeds list, so
// validation errors can point into the file. It is best effort: a document
// it cannot read yields no lines, and the decode error is reported elsewhere.
func feedLines(data []byte) []int {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "feeds" || root.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		var lines []int
		for _, item := range root.Content[i+1].Content {
			lines = append(lines, item.Line)
		}
		return lines
	}
	return nil
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
