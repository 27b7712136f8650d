// Package config reads feeds.yaml once and hands each package the part it
// owns: ingest the fetching settings and the feeds, alert the alert rules.
//
// Each part is the file itself with every line of the other parts blanked,
// so a package decodes its part strictly (unknown keys are errors) and its
// messages name the file's own line numbers.
package config

import (
	"bytes"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

// alertsKey is the top-level key whose section belongs to package alert;
// every other key belongs to package ingest, which rejects those it does
// not know.
const alertsKey = "alerts"

// File is feeds.yaml split into the sections its packages read.
type File struct {
	Name string // the path, for messages
	// Ingest is the document without its alerts section.
	Ingest []byte
	// Alerts is the document with only its alerts section, or nothing
	// but blank lines when the file has none.
	Alerts []byte
}

// Load reads and splits a configuration file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return Parse(data, path)
}

// Parse splits a configuration; name is used in messages. A document
// that is not YAML, or not a mapping at the top, is an error here;
// everything else is for the packages to judge.
func Parse(data []byte, name string) (*File, error) {
	f := &File{Name: name, Ingest: data, Alerts: blank(data, 0, lineCount(data))}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return f, nil // empty, or only comments
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the configuration must be a mapping of keys (feeds, alerts, ...)", name, root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != alertsKey {
			continue
		}
		from := root.Content[i].Line - 1
		to := lineCount(data)
		if i+2 < len(root.Content) {
			to = root.Content[i+2].Line - 1
		}
		f.Ingest = blank(data, from, to)
		f.Alerts = keep(data, from, to)
	}
	return f, nil
}

// lines splits data after each newline, keeping them.
func lines(data []byte) [][]byte { return bytes.SplitAfter(data, []byte("\n")) }

func lineCount(data []byte) int { return len(lines(data)) }

// blank returns data with lines [from, to) emptied, newlines kept.
func blank(data []byte, from, to int) []byte {
	return rebuild(data, func(i int) bool { return i < from || i >= to })
}

// keep returns data with only lines [from, to), the others emptied.
func keep(data []byte, from, to int) []byte {
	return rebuild(data, func(i int) bool { return i >= from && i < to })
}

func rebuild(data []byte, kept func(int) bool) []byte {
	var b bytes.Buffer
	for i, l := range lines(data) {
		if kept(i) {
			b.Write(l)
		} else if bytes.HasSuffix(l, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}
