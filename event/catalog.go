package event

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed data/countries.yaml data/services.yaml
var catalogFS embed.FS

// Country is a state that can act, with the names news uses for it.
// Demonyms, capitals and cities are for finding the state in text.
type Country struct {
	Code     string   `yaml:"code"`
	Name     string   `yaml:"name"`
	Aliases  []string `yaml:"aliases"`
	Demonyms []string `yaml:"demonyms"`
	Capitals []string `yaml:"capitals"`
	Cities   []string `yaml:"cities"`
}

// Service is something a state acts on. Fields past Owner are for finding
// the service in text.
type Service struct {
	Slug      string   `yaml:"slug"`
	Name      string   `yaml:"name"`
	Aliases   []string `yaml:"aliases"`
	Kind      string   `yaml:"kind"`
	Owner     string   `yaml:"owner"`
	Ambiguous []string `yaml:"ambiguous"`
	Generic   []string `yaml:"generic"`
	MatchCase *bool    `yaml:"match_case"`
	// LicensedBy are words whose presence anywhere in an article makes
	// its ambiguous names this service: "Musk" for "X".
	LicensedBy []string `yaml:"licensed_by"`
}

// IsNetwork reports whether the service is the network itself, which is
// shut down rather than blocked.
func (s *Service) IsNetwork() bool { return s.Slug == "internet" || s.Slug == "mobile-internet" }

// IsClass reports whether the service is a class of services named by a
// common noun ("VPNs"), not one service: a measure on it reaches the
// members an article lists.
func (s *Service) IsClass() bool {
	return s.MatchCase != nil && !*s.MatchCase && !s.IsNetwork()
}

// Catalog is every country and service events may name, from
// data/countries.yaml and data/services.yaml, and resolves what people
// write for them to codes and slugs.
type Catalog struct {
	countries []Country
	services  []Service
	byCode    map[string]*Country
	bySlug    map[string]*Service
	names     map[string]string // lower-cased country name, alias or code -> code
	svcNames  map[string]string // lower-cased service name, alias or slug -> slug
}

// LoadCatalog reads and checks the embedded country and service lists.
func LoadCatalog() (*Catalog, error) {
	c := &Catalog{
		byCode:   make(map[string]*Country),
		bySlug:   make(map[string]*Service),
		names:    make(map[string]string),
		svcNames: make(map[string]string),
	}
	for _, f := range []struct {
		name string
		v    any
	}{{"data/countries.yaml", &c.countries}, {"data/services.yaml", &c.services}} {
		b, err := catalogFS.ReadFile(f.name)
		if err != nil {
			return nil, err
		}
		// A misspelt key ("alias:") must not silently drop names.
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(f.v); err != nil {
			return nil, fmt.Errorf("event: %s: %w", f.name, err)
		}
	}
	for i := range c.countries {
		k := &c.countries[i]
		if k.Code == "" || k.Name == "" {
			return nil, fmt.Errorf("event: countries.yaml: entry %d has no code or name", i+1)
		}
		if c.byCode[k.Code] != nil {
			return nil, fmt.Errorf("event: countries.yaml: %s is listed twice", k.Code)
		}
		c.byCode[k.Code] = k
		c.names[strings.ToLower(k.Code)] = k.Code
		for _, n := range append([]string{k.Name}, k.Aliases...) {
			c.names[strings.ToLower(n)] = k.Code
		}
	}
	for i := range c.services {
		s := &c.services[i]
		if s.Slug == "" {
			return nil, fmt.Errorf("event: services.yaml: entry %d has no slug", i+1)
		}
		if c.bySlug[s.Slug] != nil {
			return nil, fmt.Errorf("event: services.yaml: %s is listed twice", s.Slug)
		}
		c.bySlug[s.Slug] = s
		c.svcNames[s.Slug] = s.Slug
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			c.svcNames[strings.ToLower(n)] = s.Slug
		}
	}
	for _, s := range c.services {
		if s.Owner != "" && c.bySlug[s.Owner] == nil {
			return nil, fmt.Errorf("event: services.yaml: %s has unknown owner %q", s.Slug, s.Owner)
		}
	}
	return c, nil
}

// Countries returns every country, in the file's order. The caller must
// not change them.
func (c *Catalog) Countries() []Country { return c.countries }

// Services returns every service, in the file's order. The caller must
// not change them.
func (c *Catalog) Services() []Service { return c.services }

// Country returns the country with an ISO code, or nil.
func (c *Catalog) Country(code string) *Country { return c.byCode[code] }

// Service returns the service with a slug, or nil.
func (c *Catalog) Service(slug string) *Service { return c.bySlug[slug] }

// LookupCountry resolves a code or any name of a country, case-insensitively:
// "IR", "ir", "Iran", "Islamic Republic of Iran" all give "IR".
func (c *Catalog) LookupCountry(s string) (string, bool) {
	code, ok := c.names[strings.ToLower(strings.TrimSpace(s))]
	return code, ok
}

// LookupService resolves a slug or any name of a service, case-insensitively.
func (c *Catalog) LookupService(s string) (string, bool) {
	slug, ok := c.svcNames[strings.ToLower(strings.TrimSpace(s))]
	return slug, ok
}

// FoldSlug returns the catalogue's slug for a service slug written
// without the list, as SCHEMA.md folds aliases to one slug:
// "facebook-messenger" and "proton-mail" are names the catalogue knows
// for messenger and protonmail. A slug the catalogue has, or knows by no
// name, is returned as it is.
func (c *Catalog) FoldSlug(slug string) string {
	if c.Service(slug) != nil {
		return slug
	}
	for _, name := range []string{slug, strings.ReplaceAll(slug, "-", " ")} {
		if s, ok := c.LookupService(name); ok {
			return s
		}
	}
	return slug
}

// CountryCodes returns all known country codes, sorted.
func (c *Catalog) CountryCodes() []string {
	out := make([]string, 0, len(c.byCode))
	for code := range c.byCode {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}

// CatalogData returns the embedded catalogue files, countries.yaml and
// services.yaml, under data/: what an extractor version is a hash of,
// since the names it finds in text come from them.
func CatalogData() fs.FS { return catalogFS }
