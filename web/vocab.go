package web

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/store"
)

// vocab names countries, services and actions for people: the page and
// the feed say "Iran restricts Telegram", the API keeps codes and slugs.
type vocab struct {
	gaz     *event.Catalog
	words   *event.Vocabulary
	actions []event.Wording // in the order of event.Actions
}

func loadVocab(gaz *event.Catalog) (*vocab, error) {
	words, err := event.LoadVocabulary()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return &vocab{gaz: gaz, words: words, actions: words.All()}, nil
}

// country is a country's name, or its code when the gazetteer has none.
func (v *vocab) country(code string) string {
	if c := v.gaz.Country(code); c != nil {
		return c.Name
	}
	return code
}

// service is a service's name, or its slug. The network services are
// named in lower case ("internet") and read as common nouns.
func (v *vocab) service(slug string) string {
	if s := v.gaz.Service(slug); s != nil && s.Name != "" {
		return s.Name
	}
	return slug
}

func (v *vocab) label(a event.Action) string {
	return v.words.Of(a).Label
}

// headline is a story as one line: "Iran restricts Telegram", "Iran
// shuts down the internet".
func (v *vocab) headline(country, service string, a event.Action) string {
	verb := v.words.Of(a).Verb
	name := v.service(service)
	// The gazetteer names common nouns ("internet") in lower case.
	if r, _ := utf8.DecodeRuneInString(name); unicode.IsLower(r) && v.gaz.Service(service) != nil {
		name = "the " + name
	}
	return strings.Join([]string{v.country(country), verb, name}, " ")
}

// describe says what a filter selects, for titles: "Iran, Russia;
// Telegram; block; since 2018". It is empty for no filter.
func (v *vocab) describe(f store.Filter) string {
	var parts []string
	names := func(vs []string, name func(string) string) {
		if len(vs) == 0 {
			return
		}
		out := make([]string, len(vs))
		for i, s := range vs {
			out[i] = name(s)
		}
		parts = append(parts, strings.Join(out, ", "))
	}
	names(f.Countries, v.country)
	names(f.Services, v.service)
	names(f.Actions, func(a string) string { return strings.ToLower(v.label(event.Action(a))) })
	names(f.Feeds, func(s string) string { return s })
	if f.Since != "" {
		parts = append(parts, "since "+f.Since)
	}
	if f.Until != "" {
		parts = append(parts, "until "+f.Until)
	}
	if f.Text != "" {
		parts = append(parts, fmt.Sprintf("%q", f.Text))
	}
	return strings.Join(parts, "; ")
}
