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
	InlineTags   []string `yaml:"inline_tags"`
	TextTags     []string `yaml:"text_tags"`

	dropTag, inline, textTag map[string]bool
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
	if len(r.DropTags) == 0 || len(r.NoiseMarkers) == 0 || len(r.BodyMarkers) == 0 || len(r.InlineTags) == 0 || len(r.TextTags) == 0 {
		return nil, fmt.Errorf("pagerules.yaml: drop_tags, noise_markers, body_markers, inline_tags and text_tags must all be non-empty")
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
	lower(r.InlineTags)
	lower(r.TextTags)
	r.dropTag, r.inline, r.textTag = set(r.DropTags), set(r.InlineTags), set(r.TextTags)
	return &r, nil
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
