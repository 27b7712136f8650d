package event

import (
	"testing"
)

func TestVocabulary(t *testing.T) {
	v, err := LoadVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	all := v.All()
	if len(all) != len(Actions) {
		t.Fatalf("%d wordings for %d actions", len(all), len(Actions))
	}
	colours := map[string]Action{}
	for i, w := range all {
		if w.Action != Actions[i] {
			t.Errorf("wording %d is %q, want %q", i, w.Action, Actions[i])
		}
		if prev, ok := colours[w.Colour]; ok {
			t.Errorf("%s and %s share colour %s", prev, w.Action, w.Colour)
		}
		colours[w.Colour] = w.Action
	}
	if got := v.Of(Restrict).Verb; got != "restricts" {
		t.Errorf("restrict's verb %q", got)
	}
	if got := v.Of("annex"); got.Label != "annex" || got.Verb != "annex" {
		t.Errorf("an unknown action reads %+v, want its bare word", got)
	}
}

func TestActionValid(t *testing.T) {
	for _, a := range Actions {
		if !a.Valid() {
			t.Errorf("%q not valid", a)
		}
	}
	for _, a := range []Action{"", "Block", "blocks", "ban"} {
		if a.Valid() {
			t.Errorf("%q valid", a)
		}
	}
}

func TestID(t *testing.T) {
	a := ID("art", "IR", "telegram", Block)
	if a != ID("art", "IR", "telegram", Block) || len(a) != 24 {
		t.Errorf("id %q not stable or not 24 hex digits", a)
	}
	// The separator keeps shifted boundaries apart.
	if ID("ar", "tIR", "telegram", Block) == a || ID("art", "IR", "telegram", Restrict) == a {
		t.Error("different events share an id")
	}
}

func TestCatalog(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{{"IR", "IR"}, {"ir", "IR"}, {" Iran ", "IR"}, {"European Union", "EU"}} {
		if got, ok := c.LookupCountry(tc.in); !ok || got != tc.want {
			t.Errorf("LookupCountry(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{{"telegram", "telegram"}, {"Twitter", "twitter"}, {"X", "twitter"}} {
		if got, ok := c.LookupService(tc.in); !ok || got != tc.want {
			t.Errorf("LookupService(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	if _, ok := c.LookupCountry("Atlantis"); ok {
		t.Error("Atlantis is a country")
	}
	if c.Country("RU").Name != "Russia" || c.Service("internet") == nil || !c.Service("internet").IsNetwork() {
		t.Error("catalogue lookups by code and slug")
	}
	if codes := c.CountryCodes(); len(codes) < 193 {
		t.Errorf("%d countries, want every UN member", len(codes))
	}
}

func TestFoldSlug(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{"messenger", "messenger"},          // the catalogue's own
		{"facebook-messenger", "messenger"}, // a name it knows, hyphenated
		{"proton-mail", "protonmail"},       // "proton mail"
		{"x", "twitter"},                    // an alias
		{"radio-azattyk", "radio-azattyk"},  // unknown: kept as written
		{"social-media", "social-media"},    // SCHEMA's class slug, not in the list
	} {
		if got := c.FoldSlug(tc.in); got != tc.want {
			t.Errorf("FoldSlug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
