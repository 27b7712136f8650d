package extract

import (
	"bufio"
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/event"
)

// The gazetteer files are data, but wrong data gives wrong events: these
// tests hold them to the invariants the extractor relies on, decoding them
// into the loader's own types.

type (
	testCountry = event.Country
	testActor   = Actor
	testService = event.Service
)

// terms lists every word sequence that names the country.
func countryTerms(c event.Country) []string {
	var out []string
	out = append(out, c.Name)
	for _, l := range [][]string{c.Aliases, c.Demonyms, c.Capitals, c.Cities} {
		out = append(out, l...)
	}
	return out
}

func serviceNames(s event.Service) []string { return append([]string{s.Name}, s.Aliases...) }

// decodeStrict reads a YAML list and fails on fields the structs do not
// know, so a misspelt key ("alias:") cannot silently drop names.
func decodeStrict[T any](t *testing.T, path string) []T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var out []T
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

func loadTestData(t *testing.T) ([]testCountry, []testActor, []testService) {
	t.Helper()
	return decodeStrict[testCountry](t, "../event/data/countries.yaml"),
		decodeStrict[testActor](t, "data/actors.yaml"),
		decodeStrict[testService](t, "../event/data/services.yaml")
}

func readUNMembers(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/un_members.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var codes []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		codes = append(codes, strings.Fields(line)[0])
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return codes
}

var (
	codeRe = regexp.MustCompile(`^[A-Z]{2}$`)
	slugRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// checkName reports names that cannot match anything: empty, padded, or
// with doubled spaces that the tokenizer would never produce.
func checkName(t *testing.T, where, n string) {
	t.Helper()
	if n == "" || n != strings.TrimSpace(n) || strings.Contains(n, "  ") {
		t.Errorf("%s: malformed name %q", where, n)
	}
	// Text is folded to ASCII quotes before matching, so a curly quote in a
	// name would never match.
	if strings.ContainsAny(n, "\u2018\u2019\u201c\u201d\u2013") {
		t.Errorf("%s: name %q has a typographic quote or dash; write it in ASCII", where, n)
	}
}

func TestCountriesData(t *testing.T) {
	countries, _, _ := loadTestData(t)

	byCode := make(map[string]testCountry)
	for _, c := range countries {
		if !codeRe.MatchString(c.Code) {
			t.Errorf("country %q: code %q is not two upper-case letters", c.Name, c.Code)
		}
		if _, dup := byCode[c.Code]; dup {
			t.Errorf("country code %s appears twice", c.Code)
		}
		byCode[c.Code] = c
		if c.Name == "" {
			t.Errorf("country %s has no name", c.Code)
		}
		if len(c.Capitals) == 0 {
			t.Errorf("country %s (%s) has no capital", c.Code, c.Name)
		}
		for _, n := range countryTerms(c) {
			checkName(t, "country "+c.Code, n)
		}
	}

	un := readUNMembers(t)
	if len(un) != 193 {
		t.Fatalf("testdata/un_members.txt lists %d codes, want 193", len(un))
	}
	seen := make(map[string]bool)
	for _, code := range un {
		if seen[code] {
			t.Errorf("un_members.txt lists %s twice", code)
		}
		seen[code] = true
		if _, ok := byCode[code]; !ok {
			t.Errorf("UN member %s missing from countries.yaml", code)
		}
	}
	for _, code := range []string{"PS", "VA", "TW", "HK", "MO", "XK", "EH", "EU"} {
		if _, ok := byCode[code]; !ok {
			t.Errorf("%s missing from countries.yaml", code)
		}
	}
	if want := 193 + 8; len(countries) != want {
		t.Errorf("countries.yaml has %d entries, want %d (UN members, observers, EU)", len(countries), want)
	}

	// A term names one state: two states behind one word would make the
	// extractor guess.
	owner := make(map[string]string)
	for _, c := range countries {
		for _, n := range countryTerms(c) {
			if prev, ok := owner[n]; ok && prev != c.Code {
				t.Errorf("country term %q maps to both %s and %s", n, prev, c.Code)
			}
			owner[n] = c.Code
		}
	}

	// Country names are also looked up case-insensitively (flags, query
	// arguments), and against codes.
	folded := make(map[string]string)
	for _, c := range countries {
		folded[strings.ToLower(c.Code)] = c.Code
	}
	for _, c := range countries {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			k := strings.ToLower(n)
			if prev, ok := folded[k]; ok && prev != c.Code {
				t.Errorf("country name %q folds to %q, which is %s's", n, k, prev)
			}
			folded[k] = c.Code
		}
	}
}

func TestCountriesDataNames(t *testing.T) {
	countries, _, _ := loadTestData(t)
	byCode := make(map[string]testCountry)
	for _, c := range countries {
		byCode[c.Code] = c
	}
	has := func(code, term string) bool {
		for _, n := range countryTerms(byCode[code]) {
			if n == term {
				return true
			}
		}
		return false
	}
	// The spellings news uses that the brief names: a regression here
	// loses real events.
	tests := []struct {
		code  string
		terms []string
	}{
		{"GB", []string{"UK", "U.K.", "Britain", "British", "Britons", "London", "Downing Street", "Whitehall", "Northern Ireland"}},
		{"US", []string{"United States", "U.S.", "US", "USA", "America", "American", "Washington", "White House"}},
		{"KR", []string{"South Korea", "Republic of Korea", "South Korean", "Seoul"}},
		{"KP", []string{"North Korea", "DPRK", "North Korean", "Pyongyang"}},
		{"CD", []string{"DRC", "DR Congo", "Democratic Republic of Congo", "Democratic Republic of the Congo", "Congolese", "Kinshasa"}},
		{"CG", []string{"Republic of Congo", "Congo-Brazzaville", "Brazzaville"}},
		{"CI", []string{"Ivory Coast", "Côte d'Ivoire", "Cote d'Ivoire", "Ivorian"}},
		{"TR", []string{"Turkey", "Türkiye", "Turkiye", "Turkish", "Turks", "Ankara", "Istanbul"}},
		{"MM", []string{"Myanmar", "Burma", "Burmese"}},
		{"CZ", []string{"Czechia", "Czech Republic"}},
		{"AE", []string{"UAE", "United Arab Emirates", "the Emirates", "Emirati"}},
		{"RU", []string{"Russia", "Russian Federation", "Russian", "Russians", "Moscow", "Kremlin", "St Petersburg", "St. Petersburg", "Saint Petersburg"}},
		{"IR", []string{"Iran", "Iranian", "Iranians", "Tehran"}},
		{"PK", []string{"Pakistani", "Pakistanis", "Islamabad", "Karachi"}},
		{"PH", []string{"Filipino", "Philippine", "Manila"}},
		{"IN", []string{"New Delhi", "Delhi", "Indian", "Kashmir", "Meghalaya", "Karnataka", "West Bengal"}},
		{"CN", []string{"China", "Chinese", "Beijing", "Zhongnanhai"}},
		{"EU", []string{"European Union", "EU", "Brussels"}},
		{"NG", []string{"Niger Delta", "Nigerian"}},
		{"NE", []string{"Niger", "Nigerien"}},
		{"ID", []string{"Papua"}},
		{"PG", []string{"Papua New Guinea"}},
		{"SD", []string{"Sudan", "Sudanese"}},
		{"SS", []string{"South Sudan", "South Sudanese"}},
	}
	for _, tt := range tests {
		for _, term := range tt.terms {
			if !has(tt.code, term) {
				t.Errorf("%s lacks %q", tt.code, term)
			}
		}
	}
}

var actorKinds = map[string]bool{
	"regulator": true, "agency": true, "ministry": true, "court": true, "legislature": true,
	"security": true, "government": true, "leader": true, "party": true,
}

func TestActorsData(t *testing.T) {
	countries, actors, _ := loadTestData(t)
	codes := make(map[string]bool)
	countryTerm := make(map[string]string)
	for _, c := range countries {
		codes[c.Code] = true
		for _, n := range countryTerms(c) {
			countryTerm[n] = c.Code
		}
	}
	if len(actors) < 250 {
		t.Errorf("actors.yaml has %d entries, want at least 250", len(actors))
	}
	owner := make(map[string]string)
	for _, a := range actors {
		if a.Name == "" {
			t.Errorf("actor with no name (aliases %v)", a.Aliases)
			continue
		}
		if !codes[a.Country] {
			t.Errorf("actor %q: unknown country %q", a.Name, a.Country)
		}
		if !actorKinds[a.Kind] {
			t.Errorf("actor %q: kind %q not in the allowed set", a.Name, a.Kind)
		}
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			checkName(t, "actor "+a.Name, n)
			if prev, ok := owner[n]; ok {
				// One entry per name keeps the kind unambiguous, and two
				// states behind one name would be a wrong event waiting.
				t.Errorf("actor name %q appears twice (%s and %s)", n, prev, a.Country)
			}
			owner[n] = a.Country
			if c, ok := countryTerm[n]; ok && c != a.Country {
				t.Errorf("actor name %q (%s) is also a name of country %s", n, a.Country, c)
			}
		}
	}
	// Bare generic names that every state has must not be tied to one.
	for _, generic := range []string{"Supreme Court", "High Court", "Parliament", "Ministry of Justice", "Senate", "National Assembly", "Constitutional Court", "Interior Ministry", "Ministry of Interior", "Police"} {
		if c, ok := owner[generic]; ok {
			t.Errorf("generic name %q is tied to %s", generic, c)
		}
	}
}

func TestActorsDataKnown(t *testing.T) {
	_, actors, _ := loadTestData(t)
	country := make(map[string]string)
	for _, a := range actors {
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			country[n] = a.Country
		}
	}
	// Mappings the brief names; SCHEMA.md's own examples among them.
	tests := map[string]string{
		"Roskomnadzor": "RU", "RKN": "RU", "FSB": "RU", "State Duma": "RU", "Federation Council": "RU", "Putin": "RU",
		"PTA": "PK", "FIA": "PK", "PEMRA": "PK",
		"BTRC": "BD",
		"BTK":  "TR", "RTÜK": "TR", "Erdoğan": "TR", "Erdogan": "TR",
		"Supreme Council of Cyberspace": "IR", "IRGC": "IR", "Revolutionary Guards": "IR", "Judiciary of Iran": "IR", "Khamenei": "IR", "Iranian Ministry of Communications": "IR",
		"CAC": "CN", "Cyberspace Administration of China": "CN", "MIIT": "CN", "Great Firewall": "CN", "Xi Jinping": "CN", "Xi": "CN",
		"MeitY": "IN", "DoT": "IN", "Department of Telecommunications": "IN", "Modi": "IN",
		"Kominfo": "ID", "Komdigi": "ID",
		"NCC": "NG", "UCC": "UG", "Communications Authority of Kenya": "KE", "Ethio Telecom": "ET",
		"Ofcom": "GB", "ICO": "GB",
		"FCC": "US", "FTC": "US", "Department of Justice": "US", "Congress": "US", "Trump": "US",
		"European Commission": "EU", "European Parliament": "EU", "EU Commission": "EU",
		"CNIL": "FR", "Arcom": "FR", "ARCEP": "FR",
		"Garante": "IT", "Italian data protection authority": "IT", "AGCOM": "IT", "AGCM": "IT",
		"Irish Data Protection Commission": "IE", "DPC": "IE",
		"Bundeskartellamt": "DE", "BfDI": "DE", "AEPD": "ES",
		"KFTC": "KR", "Korea Communications Commission": "KR",
		"ACMA": "AU", "eSafety Commissioner": "AU", "CRTC": "CA",
		"Anatel": "BR", "STF": "BR", "TSE": "BR", "Alexandre de Moraes": "BR", "Lula": "BR",
		"CONATEL": "VE", "NTC": "PH", "NBTC": "TH", "MCMC": "MY", "IMDA": "SG", "MIC": "VN",
		"NTRA": "EG", "TDRA": "AE", "ARTP": "SN", "POTRAZ": "ZW", "ICASA": "ZA",
		"Taliban": "AF", "Min Aung Hlaing": "MM", "Lukashenko": "BY", "Zelensky": "UA",
	}
	for name, want := range tests {
		if got, ok := country[name]; !ok {
			t.Errorf("actor %q missing", name)
		} else if got != want {
			t.Errorf("actor %q maps to %s, want %s", name, got, want)
		}
	}
}

// commonNounServices are the entries whose names are common nouns
// ("internet", "mobile data", "VPN"), matched regardless of case.
var commonNounServices = map[string]bool{"internet": true, "mobile-internet": true, "vpn": true}

var serviceKinds = map[string]bool{
	"messenger": true, "social": true, "video": true, "streaming": true, "search": true,
	"appstore": true, "cloud": true, "cdn": true, "vpn": true, "email": true,
	"encyclopedia": true, "ai": true, "ecommerce": true, "payment": true, "dating": true,
	"gaming": true, "news": true, "network": true, "company": true, "other": true,
}

func TestServicesData(t *testing.T) {
	countries, actors, services := loadTestData(t)
	if len(services) < 80 {
		t.Errorf("services.yaml has %d entries, want at least 80", len(services))
	}
	slugs := make(map[string]bool)
	for _, s := range services {
		if !slugRe.MatchString(s.Slug) {
			t.Errorf("service slug %q is not lower-case words joined by hyphens", s.Slug)
		}
		if slugs[s.Slug] {
			t.Errorf("service slug %q appears twice", s.Slug)
		}
		slugs[s.Slug] = true
	}

	otherNames := make(map[string]string)
	for _, c := range countries {
		for _, n := range countryTerms(c) {
			otherNames[n] = "country " + c.Code
		}
	}
	for _, a := range actors {
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			otherNames[n] = "actor " + a.Name
		}
	}

	exact := make(map[string]string)  // case-sensitive names of match_case services
	folded := make(map[string]string) // lower-cased names of every service
	for _, s := range services {
		if s.Name == "" {
			t.Errorf("service %s has no name", s.Slug)
		}
		if !serviceKinds[s.Kind] {
			t.Errorf("service %s: kind %q not in the allowed set", s.Slug, s.Kind)
		}
		if s.Owner != "" {
			if !slugs[s.Owner] {
				t.Errorf("service %s: owner %q is not a service", s.Slug, s.Owner)
			}
			if s.Owner == s.Slug {
				t.Errorf("service %s owns itself", s.Slug)
			}
		}
		if s.MatchCase == nil {
			t.Errorf("service %s: match_case not set", s.Slug)
		} else if common := commonNounServices[s.Slug]; *s.MatchCase == common {
			t.Errorf("service %s: match_case %v, want %v (false only where the names are common nouns)", s.Slug, *s.MatchCase, !common)
		}
		names := make(map[string]bool)
		for _, n := range serviceNames(s) {
			checkName(t, "service "+s.Slug, n)
			names[n] = true
			if prev, ok := exact[n]; ok && prev != s.Slug {
				t.Errorf("service name %q maps to both %s and %s", n, prev, s.Slug)
			}
			exact[n] = s.Slug
			k := strings.ToLower(n)
			if prev, ok := folded[k]; ok && prev != s.Slug {
				t.Errorf("service name %q folds to %q, which is %s's", n, k, prev)
			}
			folded[k] = s.Slug
			if who, ok := otherNames[n]; ok {
				t.Errorf("service name %q (%s) is also the name of %s", n, s.Slug, who)
			}
		}
		for _, a := range s.Ambiguous {
			if !names[a] {
				t.Errorf("service %s: ambiguous %q is not among its name and aliases", s.Slug, a)
			}
		}
		for _, g := range s.Generic {
			if g == "" || g != strings.ToLower(g) || g != strings.TrimSpace(g) {
				t.Errorf("service %s: generic %q is not a trimmed lower-case noun", s.Slug, g)
			}
		}
	}

	// Generic nouns and the names of common-noun services are both matched
	// on lower-cased text; one string in both would be read two ways.
	// (A proper name such as "App Store" is matched as written and wins
	// over the generic "app store" only where it is capitalised.)
	for _, s := range services {
		for _, g := range s.Generic {
			if slug, ok := folded[g]; ok && commonNounServices[slug] {
				t.Errorf("generic %q of %s is also a name of %s", g, s.Slug, slug)
			}
		}
	}
}

func TestServicesDataKnown(t *testing.T) {
	_, _, services := loadTestData(t)
	bySlug := make(map[string]testService)
	slugOf := make(map[string]string)
	for _, s := range services {
		bySlug[s.Slug] = s
		for _, n := range serviceNames(s) {
			slugOf[n] = s.Slug
		}
	}
	for _, slug := range []string{
		"telegram", "whatsapp", "signal", "viber", "wechat", "line", "imo", "skype", "discord",
		"facebook", "messenger", "instagram", "threads", "twitter", "tiktok", "douyin", "snapchat",
		"youtube", "twitch", "vimeo", "dailymotion", "netflix", "spotify", "soundcloud", "clubhouse",
		"linkedin", "reddit", "pinterest", "tumblr", "quora", "medium", "wikipedia", "github", "gitlab",
		"google", "bing", "yandex", "duckduckgo", "baidu", "gmail", "google-play", "app-store",
		"google-drive", "google-maps", "blogger", "meta", "apple", "microsoft", "amazon", "aws", "azure",
		"google-cloud", "cloudflare", "akamai", "digitalocean", "hetzner", "ovh", "tor", "vpn",
		"nordvpn", "expressvpn", "protonvpn", "psiphon", "lantern", "protonmail", "chatgpt", "openai",
		"deepseek", "grok", "vkontakte", "odnoklassniki", "mail-ru", "rutube", "zoom",
		"microsoft-teams", "tinder", "grindr", "bumble", "onlyfans", "pornhub", "roblox", "pubg",
		"fortnite", "free-fire", "bigo-live", "likee", "shein", "temu", "paypal", "binance",
		"coinbase", "kick", "rumble", "truth-social", "gab", "parler", "mastodon", "bluesky", "imgur",
		"archive", "dropbox", "zello", "bridgefy", "firechat", "capcut", "helo", "shareit",
		"camscanner", "ucbrowser", "alipay", "weibo", "qq", "youku", "bilibili", "kakaotalk", "naver",
		"internet", "mobile-internet",
	} {
		if _, ok := bySlug[slug]; !ok {
			t.Errorf("service %s missing", slug)
		}
	}

	// SCHEMA.md folds these names to one slug.
	for name, want := range map[string]string{
		"X": "twitter", "Twitter": "twitter", "AWS": "aws", "Amazon Web Services": "aws",
		"VK": "vkontakte", "Sina Weibo": "weibo", "Play Store": "google-play", "Proton Mail": "protonmail",
		"PUBG Mobile": "pubg", "Garena Free Fire": "free-fire", "Wayback Machine": "archive",
		"UC Browser": "ucbrowser", "Alphabet": "google",
	} {
		if got := slugOf[name]; got != want {
			t.Errorf("service name %q gives %q, want %q", name, got, want)
		}
	}

	for slug, owner := range map[string]string{
		"youtube": "google", "whatsapp": "meta", "instagram": "meta", "aws": "amazon", "twitch": "amazon",
		"linkedin": "microsoft", "bing": "microsoft", "gmail": "google", "google-play": "google",
		"app-store": "apple", "wechat": "tencent", "tiktok": "bytedance", "chatgpt": "openai",
	} {
		if got := bySlug[slug].Owner; got != owner {
			t.Errorf("owner of %s = %q, want %q", slug, got, owner)
		}
	}

	for slug, amb := range map[string]string{
		"twitter": "X", "signal": "Signal", "line": "Line", "threads": "Threads", "snapchat": "Snap",
		"zoom": "Zoom", "meta": "Meta", "apple": "Apple", "amazon": "Amazon", "discord": "Discord",
		"tor": "Tor", "clubhouse": "Clubhouse", "proton": "Proton", "medium": "Medium",
	} {
		found := false
		for _, a := range bySlug[slug].Ambiguous {
			found = found || a == amb
		}
		if !found {
			t.Errorf("%s: %q should be ambiguous", slug, amb)
		}
	}

	for name, want := range map[string]string{
		"internet access": "internet", "broadband": "internet", "the internet": "internet",
		"mobile data": "mobile-internet", "4G": "mobile-internet", "mobile networks": "mobile-internet",
	} {
		if got := slugOf[name]; got != want {
			t.Errorf("%q gives %q, want %q", name, got, want)
		}
	}
}
