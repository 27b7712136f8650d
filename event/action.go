package event

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Action is what a state does to a service. The vocabulary is closed.
type Action string

// The action vocabulary of SCHEMA.md. data/actions.yaml words each one
// for people; a test checks the two agree.
const (
	Block    Action = "block"
	Restrict Action = "restrict"
	Throttle Action = "throttle"
	Shutdown Action = "shutdown"
	Unblock  Action = "unblock"
	Fine     Action = "fine"
	Order    Action = "order"
	Threaten Action = "threaten"
)

// Actions lists the vocabulary in a stable order, for flag help,
// validation and every list a person reads.
var Actions = []Action{Block, Restrict, Throttle, Shutdown, Unblock, Fine, Order, Threaten}

// Valid reports whether a is in the vocabulary.
func (a Action) Valid() bool { return slices.Contains(Actions, a) }

//go:embed data/actions.yaml
var actionsYAML []byte

// Wording is how one action reads to people, from data/actions.yaml.
type Wording struct {
	Action      Action `yaml:"action"`
	Label       string `yaml:"label"`       // "Restrict"
	Verb        string `yaml:"verb"`        // "restricts"
	Emoji       string `yaml:"emoji"`       // leads an alert's line
	Colour      string `yaml:"colour"`      // "#e69f00"
	Text        string `yaml:"text"`        // "light" or "dark": a label on Colour
	Description string `yaml:"description"` // what the action covers
}

// Vocabulary is the wording of every action, in the order of Actions.
type Vocabulary struct {
	list   []Wording
	byName map[Action]Wording
}

var hexColour = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// LoadVocabulary reads data/actions.yaml and checks it words every action
// of Actions, in that order, and nothing else.
func LoadVocabulary() (*Vocabulary, error) {
	dec := yaml.NewDecoder(bytes.NewReader(actionsYAML))
	dec.KnownFields(true)
	var list []Wording
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("event: actions.yaml: %w", err)
	}
	if len(list) != len(Actions) {
		return nil, fmt.Errorf("event: actions.yaml: %d actions, want the %d of the vocabulary", len(list), len(Actions))
	}
	v := &Vocabulary{list: list, byName: make(map[Action]Wording, len(list))}
	for i, w := range list {
		switch {
		case w.Action != Actions[i]:
			return nil, fmt.Errorf("event: actions.yaml: entry %d is %q, want %q", i+1, w.Action, Actions[i])
		case w.Label == "" || w.Verb == "" || w.Emoji == "" || w.Description == "":
			return nil, fmt.Errorf("event: actions.yaml: %s: label, verb, emoji and description are all required", w.Action)
		case !hexColour.MatchString(w.Colour):
			return nil, fmt.Errorf("event: actions.yaml: %s: colour %q is not #rrggbb in lower case", w.Action, w.Colour)
		case w.Text != "light" && w.Text != "dark":
			return nil, fmt.Errorf("event: actions.yaml: %s: text %q is not light or dark", w.Action, w.Text)
		}
		v.byName[w.Action] = w
	}
	return v, nil
}

// All returns the wording of every action, in the order of Actions.
func (v *Vocabulary) All() []Wording { return slices.Clone(v.list) }

// Of returns the wording of a, or one made of the bare word for an
// action outside the vocabulary (a record from a newer version).
func (v *Vocabulary) Of(a Action) Wording {
	if w, ok := v.byName[a]; ok {
		return w
	}
	return Wording{Action: a, Label: string(a), Verb: string(a), Emoji: "•", Colour: "#777777", Text: "light"}
}
