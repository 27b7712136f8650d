package config

import (
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestParseSplits(t *testing.T) {
	const doc = `# policywatch
user_agent: test
feeds:
  - name: A
    url: https://a.example/feed
alerts:
  - name: r1
    webhook: {url: "https://hooks.example/x"}
host_delay: 2s
`
	f, err := Parse([]byte(doc), "feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(f.Ingest), "alerts") || strings.Contains(string(f.Ingest), "hooks.example") {
		t.Errorf("ingest sees the alerts:\n%s", f.Ingest)
	}
	if !strings.Contains(string(f.Ingest), "host_delay: 2s") || !strings.Contains(string(f.Ingest), "user_agent") {
		t.Errorf("ingest lost its keys:\n%s", f.Ingest)
	}
	if strings.Contains(string(f.Alerts), "feeds") || strings.Contains(string(f.Alerts), "host_delay") {
		t.Errorf("alert sees other keys:\n%s", f.Alerts)
	}
	// Lines stay where they were in the file, so messages point into it.
	for _, part := range [][]byte{f.Ingest, f.Alerts} {
		if got, want := strings.Count(string(part), "\n"), strings.Count(doc, "\n"); got != want {
			t.Errorf("%d lines, want %d", got, want)
		}
	}
	var n yaml.Node
	if err := yaml.Unmarshal(f.Alerts, &n); err != nil {
		t.Fatal(err)
	}
	if key := n.Content[0].Content[0]; key.Value != "alerts" || key.Line != 6 {
		t.Errorf("alerts key %q on line %d, want line 6", key.Value, key.Line)
	}
}

func TestParseWithoutAlerts(t *testing.T) {
	f, err := Parse([]byte("feeds: []\n"), "feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(f.Ingest) != "feeds: []\n" || strings.TrimSpace(string(f.Alerts)) != "" {
		t.Errorf("ingest %q alerts %q", f.Ingest, f.Alerts)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"- a\n- b\n", "feeds.yaml:1: the configuration must be a mapping"},
		{"feeds: [\n", "feeds.yaml: yaml:"},
	} {
		if _, err := Parse([]byte(tc.doc), "feeds.yaml"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.doc, err, tc.want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

// The shipped feeds.yaml splits, and every line is in exactly one part.
func TestShippedFile(t *testing.T) {
	f, err := Load("../feeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in, al := strings.Split(string(f.Ingest), "\n"), strings.Split(string(f.Alerts), "\n")
	if len(in) != len(al) {
		t.Fatalf("%d and %d lines", len(in), len(al))
	}
	for i := range in {
		if in[i] != "" && al[i] != "" {
			t.Errorf("line %d in both parts: %q", i+1, in[i])
		}
	}
}
