package alert

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// locations are where each rule and each of its keys sit in the file, so
// that an error points at the line to fix. Finding them is best effort: a
// document that does not parse yields none, and the decoder reports why.
type locations struct {
	notList int // line of an alerts value that is not a list; 0 if it is one
	rules   []ruleLocation
}

type ruleLocation struct {
	line   int
	name   string
	fields map[string]int // key path ("webhook.format") -> line
	lines  []keyLine      // the same, in file order
	// bad are the keys whose values the decoder could not read.
	bad map[string]bool
}

type keyLine struct {
	line int
	path string
}

func locate(data []byte) locations {
	var loc locations
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return loc
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "alerts" {
			continue
		}
		list := root.Content[i+1]
		switch {
		case list.Kind == yaml.ScalarNode && list.Tag == "!!null":
			return loc // "alerts:" with nothing under it: no rules
		case list.Kind != yaml.SequenceNode:
			loc.notList = list.Line
			return loc
		}
		for _, item := range list.Content {
			rl := ruleLocation{line: item.Line, fields: map[string]int{}, bad: map[string]bool{}}
			rl.walk(item, "")
			loc.rules = append(loc.rules, rl)
		}
	}
	return loc
}

func (rl *ruleLocation) walk(n *yaml.Node, prefix string) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := prefix + k.Value
		if prefix == "" && k.Value == "name" && v.Kind == yaml.ScalarNode {
			rl.name = strings.TrimSpace(v.Value)
		}
		if _, ok := rl.fields[path]; !ok {
			rl.fields[path] = k.Line
			rl.lines = append(rl.lines, keyLine{k.Line, path})
		}
		rl.walk(v, path+".")
	}
}

func (l locations) ruleLine(i int) int {
	if i < len(l.rules) {
		return l.rules[i].line
	}
	return 0
}

func (l locations) ruleName(i int) string {
	if i < len(l.rules) {
		return l.rules[i].name
	}
	return ""
}

// isBad reports whether the decoder failed on the key (or a key above
// it) of rule i.
func (l locations) isBad(i int, path string) bool {
	if i >= len(l.rules) {
		return false
	}
	for p := path; p != ""; {
		if l.rules[i].bad[p] {
			return true
		}
		j := strings.LastIndexByte(p, '.')
		if j < 0 {
			break
		}
		p = p[:j]
	}
	return false
}

// fieldLine is the line of a key of rule i, or 0.
func (l locations) fieldLine(i int, path string) int {
	if i < len(l.rules) {
		return l.rules[i].fields[path]
	}
	return 0
}

// at finds the rule holding a line and the last key at or before it.
func (l locations) at(line int) (rule *ruleLocation, path string) {
	for i := range l.rules {
		if l.rules[i].line <= line {
			rule = &l.rules[i]
		}
	}
	if rule == nil {
		return nil, ""
	}
	// The first key on the line: "countries: {a: b}" is about countries.
	for _, kl := range rule.lines {
		if kl.line == line {
			return rule, kl.path
		}
		if kl.line < line {
			path = kl.path
		}
	}
	return rule, path
}

var (
	yamlLineRe      = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	yamlUnknownRe   = regexp.MustCompile(`^field (\S+) not found in type .+$`)
	yamlUnmarshalRe = regexp.MustCompile("^cannot unmarshal !!(\\w+) (?:`(.*)` )?into (.+)$")
)

// typeError rewrites one of the decoder's messages into "file:line: alert
// "name": field problem" form, and notes the field as bad so that
// validation does not report it a second time, as missing. It returns
// the index of the rule the message is about, or -1 when it is about
// none.
func (l locations) typeError(file, msg string) (int, error) {
	sub := yamlLineRe.FindStringSubmatch(msg)
	if sub == nil {
		return -1, fmt.Errorf("%s: %s", file, msg)
	}
	line, _ := strconv.Atoi(sub[1])
	msg = sub[2]
	where := fmt.Sprintf("%s:%d", file, line)
	rule, path := l.at(line)
	if rule == nil {
		return -1, fmt.Errorf("%s: %s", where, msg)
	}
	i := slices.IndexFunc(l.rules, func(r ruleLocation) bool { return r.line == rule.line })
	what := fmt.Sprintf("alert %d", i+1)
	if rule.name != "" {
		what = fmt.Sprintf("alert %q", rule.name)
	}
	if m := yamlUnknownRe.FindStringSubmatch(msg); m != nil {
		key := m[1]
		if path != "" && (path == key || strings.HasSuffix(path, "."+key)) {
			key = path
		}
		return i, fmt.Errorf("%s: %s: unknown key %q", where, what, key)
	}
	if path != "" {
		rule.bad[path] = true
	}
	if m := yamlUnmarshalRe.FindStringSubmatch(msg); m != nil {
		got := m[2]
		if got == "" {
			got = map[string]string{"seq": "a list", "map": "a mapping"}[m[1]]
		} else {
			got = strconv.Quote(got)
		}
		want, ok := map[string]string{
			"float64":           "a number",
			"bool":              "true or false",
			"string":            "a string",
			"[]string":          "a list of strings",
			"map[string]string": "a mapping of header names to values",
		}[m[3]]
		if !ok {
			want = "a mapping" // a struct: the rule or its webhook
		}
		switch {
		case got != "" && path != "":
			return i, fmt.Errorf("%s: %s: %s: %s is not %s", where, what, path, got, want)
		case got != "":
			return i, fmt.Errorf("%s: %s: %s is not a rule: want a mapping with a name and a webhook", where, what, got)
		}
	}
	return i, fmt.Errorf("%s: %s: %s", where, what, msg)
}
