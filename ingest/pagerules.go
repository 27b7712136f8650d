package ingest

import (
	_ "embed"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed pagerules.yaml
var pageRulesYAML []byte

// pageRules is pagerules.yaml, read once. It is never modified after start-up.
type pageRules struct {
	DropTags     []string `yaml:"drop_tags"`
	NoiseMarkers []string `yaml:"noise_markers"`
	BodyMarkers  []string `yaml:"body_markers"`
	IgnorePrefix []string `yaml:"ignore_token_prefixes"`

	dropTag map[string]bool
}

var rules = mustPageRules(pageRulesYAML)

// mustPageRules panics on a malformed rules file: it is compiled into the
// binary, so a mistake in it is a build defect, caught by the package tests.
func mustPageRules(data []byte) *pageRules {
	r, err := parsePageRules(data)
	if err != nil {
		panic(err)
	}
	return r
}

func parsePageRules(data []byte) (*pageRules, error) {
	var r pageRules
	if err := yaml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("pagerules.yaml: %w", err)
	}
	if len(r.DropTags) == 0 || len(r.NoiseMarkers) == 0 || len(r.BodyMarkers) == 0 {
		return nil, fmt.Errorf("pagerules.yaml: drop_tags, noise_markers and body_markers must all be non-empty")
	}
	lower := func(xs []string) {
		for i, x := range xs {
			xs[i] = strings.ToLower(strings.TrimSpace(x))
		}
	}
	lower(r.DropTags)
	lower(r.NoiseMarkers)
	lower(r.BodyMarkers)
	lower(r.IgnorePrefix)
	r.dropTag = make(map[string]bool, len(r.DropTags))
	for _, t := range r.DropTags {
		r.dropTag[t] = true
	}
	return &r, nil
}
