package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
)

// withStdin runs the command line with stdin as its standard input.
func withStdin(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, strings.NewReader(stdin), &stdout, &stderr, func(string) string { return "" })
	return result{code, stdout.String(), stderr.String()}
}

// extractJSON is extract --format json read back.
type extractJSON struct {
	Source    string        `json:"source"`
	Title     string        `json:"title"`
	Published string        `json:"published"`
	Extractor string        `json:"extractor"`
	Text      string        `json:"text"`
	Events    []event.Event `json:"events"`
	Explain   *explainJSON  `json:"explain"`
}

func decodeExtract(t *testing.T, out string) extractJSON {
	t.Helper()
	var res extractJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("extract --format json: %v\n%s", err, out)
	}
	return res
}

const brazilPage = "../../demo/corpus/articles/br-x-returns.html"

// A saved page gives the events run would store for it, and --explain
// says, for each, which rule decided each field, and why the other cues
// gave no event.
func TestExtractFile(t *testing.T) {
	raw, err := os.ReadFile(brazilPage)
	if err != nil {
		t.Fatal(err)
	}
	page, err := ingest.ReadPage(bytes.NewReader(raw), "")
	if err != nil {
		t.Fatal(err)
	}
	x, err := newExtractor()
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(brazilPage)
	id := ingest.ArticleID("file://" + filepath.ToSlash(abs))
	want := x.Extract(extract.Document{ID: id, Title: page.Title, Text: page.Text, Published: page.Published})
	if len(want) < 2 {
		t.Fatalf("the page gives %d events; the test wants several", len(want))
	}

	out := must(t, "extract", brazilPage)
	for _, s := range []string{"Title:      X is back in Brazil after Musk backs down", "Published:  2024-10-09",
		"Extractor:  " + x.Version(), "BR       twitter  unblock", fmt.Sprintf("%d events.", len(want))} {
		if !strings.Contains(out, s) {
			t.Errorf("extract table lacks %q:\n%s", s, out)
		}
	}
	if strings.Contains(out, "Why ") || strings.Contains(out, "Text:") {
		t.Errorf("extract without --explain or --show-text says why or shows the text:\n%s", out)
	}

	res := decodeExtract(t, must(t, "extract", "--format", "json", "--explain", "--show-text", brazilPage))
	if !reflect.DeepEqual(res.Events, want) {
		t.Errorf("events\n%+v\nwant\n%+v", res.Events, want)
	}
	if res.Title != page.Title || res.Published != "2024-10-09" || res.Text != page.Text || res.Extractor != x.Version() {
		t.Errorf("article %q %q %q, text %d bytes; want the page's", res.Title, res.Published, res.Extractor, len(res.Text))
	}
	if res.Explain == nil || len(res.Explain.Events) != len(want) {
		t.Fatalf("explain %+v: want one explanation per event", res.Explain)
	}
	for i, e := range res.Explain.Events {
		if e.Country != want[i].Country || e.Service != want[i].Service || e.Action != want[i].Action || len(e.Evidence) == 0 {
			t.Errorf("explanation %d is of %s/%s/%s with %d sentences, want %s/%s/%s with its evidence",
				i, e.Country, e.Service, e.Action, len(e.Evidence), want[i].Country, want[i].Service, want[i].Action)
		}
		for field, rule := range map[string]string{"country": e.CountryBy, "service": e.ServiceBy, "action": e.ActionBy,
			"date": e.DateBy, "reason": e.ReasonBy, "confidence": e.Confidence} {
			prefix := field + ": "
			if field == "service" {
				prefix = "targets: " // the rule that found what the action is on
			}
			if !strings.HasPrefix(rule, prefix) {
				t.Errorf("%s/%s/%s: %s rule %q", e.Country, e.Service, e.Action, field, rule)
			}
		}
	}
	reasons := map[string]bool{}
	for _, r := range res.Explain.Rejected {
		reasons[r.Reason] = true
		if r.Sentence == "" {
			t.Errorf("rejection %+v names no sentence", r)
		}
	}
	for _, r := range []string{"negated", "hedged", "duplicate merged"} {
		if !reasons[r] {
			t.Errorf("no cue rejected as %q; rejected: %+v", r, res.Explain.Rejected)
		}
	}

	// The table says the same.
	out = must(t, "extract", "--explain", brazilPage)
	for _, s := range []string{"Why BR twitter unblock:", "  evidence    Brazil's Supreme Court on Tuesday authorised X",
		"  action      cue \"", "  confidence  model keep", "Rejected:", `"come back"  negated`} {
		if !strings.Contains(out, s) {
			t.Errorf("extract --explain lacks %q:\n%s", s, out)
		}
	}

	// jsonl: the events as export writes them.
	lines := strings.Split(strings.TrimSpace(must(t, "extract", "-f", "jsonl", brazilPage)), "\n")
	if len(lines) != len(want) {
		t.Fatalf("jsonl has %d lines, want %d", len(lines), len(want))
	}
	var e event.Event
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil || e.ID != want[0].ID || e.Extractor != x.Version() {
		t.Errorf("jsonl line %s: %v", lines[0], err)
	}
}

// Plain text, from a file or standard input, is paragraphs; --title and
// --published stand in for what it lacks, and relative dates resolve
// against the date given.
func TestExtractPlainText(t *testing.T) {
	text := "Iranian authorities blocked\naccess to Instagram on Wednesday, citing national security.\r\n\r\n" +
		"Officials   said the block would last\nuntil calm returned.\n"
	for _, src := range []string{"file", "-"} {
		t.Run(src, func(t *testing.T) {
			args := []string{"extract", "--title", "Iran blocks Instagram", "--published", "2022-09-23", "--show-text", "--format", "json"}
			stdin := ""
			if src == "file" {
				path := filepath.Join(t.TempDir(), "article.txt")
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, path)
			} else {
				args, stdin = append(args, "-"), text
			}
			r := withStdin(t, stdin, args...)
			if r.code != exitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			res := decodeExtract(t, r.stdout)
			wantText := "Iranian authorities blocked access to Instagram on Wednesday, citing national security.\n\n" +
				"Officials said the block would last until calm returned."
			if res.Text != wantText {
				t.Errorf("text %q, want %q", res.Text, wantText)
			}
			if res.Title != "Iran blocks Instagram" || res.Published != "2022-09-23" {
				t.Errorf("title %q, published %q", res.Title, res.Published)
			}
			if len(res.Events) == 0 {
				t.Fatal("no event")
			}
			e := res.Events[0]
			// Wednesday before Friday 23 September 2022.
			if e.Country != "IR" || e.Service != "instagram" || e.Action != event.Block || e.Date != "2022-09-21" || e.Reason != "national security" {
				t.Errorf("event %s %s %s %s %q, want IR instagram block 2022-09-21 \"national security\"", e.Country, e.Service, e.Action, e.Date, e.Reason)
			}
		})
	}

	// No title and no date: the table says what stands in for them.
	r := withStdin(t, "Russia blocked Telegram on Monday.", "extract", "-")
	if r.code != exitOK || !strings.Contains(r.stdout, "Title:      (none; --title gives one)") ||
		!strings.Contains(r.stdout, "Published:  unknown: dates in the text resolve against today") {
		t.Errorf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A URL is fetched as run fetches a page: the configuration's user agent,
// robots.txt, the page's charset.
func TestExtractURL(t *testing.T) {
	body := `<html><head><meta charset="windows-1251"><title>Русская служба: Russia blocks Telegram</title></head><body><article>
<h1>Russia blocks Telegram</h1>
<p>Russia's communications regulator Roskomnadzor began blocking the messaging app Telegram on Monday, after the company refused to hand over encryption keys to the security services.</p>
<p>Пользователи сообщили о сбоях по всей стране.</p>
</article></body></html>`
	page, err := charmap.Windows1251.NewEncoder().String(body)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	agents := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents[r.URL.Path] = r.UserAgent()
		mu.Unlock()
		switch r.URL.Path {
		case "/robots.txt":
			w.Write([]byte("User-agent: *\nDisallow: /private/\n"))
		case "/news/telegram.html", "/private/telegram.html":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Last-Modified", "Mon, 16 Apr 2018 12:00:00 GMT")
			w.Write([]byte(page))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	config := writeConfig(t, []ingest.Feed{{Name: "Wire", URL: srv.URL + "/feed.xml"}})

	res := decodeExtract(t, must(t, "extract", "--config", config, "--published", "2018-04-18", "--show-text", "-f", "json", srv.URL+"/news/telegram.html"))
	if !strings.Contains(res.Text, "Пользователи сообщили") {
		t.Errorf("the windows-1251 page was not decoded: %q", res.Text)
	}
	if len(res.Events) == 0 || res.Events[0].Country != "RU" || res.Events[0].Service != "telegram" || res.Events[0].Date != "2018-04-16" {
		t.Errorf("events %+v, want RU telegram on Monday 16 April", res.Events)
	}
	if want := ingest.ArticleID(ingest.CanonicalURL(srv.URL + "/news/telegram.html")); len(res.Events) > 0 && res.Events[0].ArticleID != want {
		t.Errorf("article id %s, want %s, the id run gives the page", res.Events[0].ArticleID, want)
	}
	mu.Lock()
	if agents["/robots.txt"] != "policywatch-test" || agents["/news/telegram.html"] != "policywatch-test" {
		t.Errorf("user agents %q, want the configuration's for robots.txt and the page", agents)
	}
	mu.Unlock()

	r := policywatch(t, nil, "extract", "--config", config, srv.URL+"/private/telegram.html")
	if r.code != exitFailure || !strings.Contains(r.stderr, "robots.txt") || !strings.Contains(r.stderr, "/private/telegram.html") {
		t.Errorf("a page robots.txt keeps out: exit %d, %s", r.code, r.stderr)
	}
	r = policywatch(t, nil, "extract", "--config", config, srv.URL+"/gone.html")
	if r.code != exitFailure || !strings.Contains(r.stderr, "404") {
		t.Errorf("a missing page: exit %d, %s", r.code, r.stderr)
	}
}

func TestExtractErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	binary := write("image.bin", []byte{0x89, 'P', 'N', 'G', 0xff, 0xfe, 0x00, 0x01})
	empty := write("empty.html", []byte("<html><body><nav><a href=/>Home</a></nav></body></html>"))
	blank := write("blank.txt", []byte("\n \n"))
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"extract"}, exitUsage, "one URL, file or '-'"},
		{[]string{"extract", "a.html", "b.html"}, exitUsage, "got 2 arguments"},
		{[]string{"extract", "--html", "--text", "a.html"}, exitUsage, "give one"},
		{[]string{"extract", "--explain", "-f", "jsonl", "a.html"}, exitUsage, "--format json or table"},
		{[]string{"extract", "-f", "csv", "a.html"}, exitUsage, "--format \"csv\""},
		{[]string{"extract", "--published", "last week", "a.html"}, exitUsage, "--published \"last week\""},
		{[]string{"extract", "--text", "https://example.org/a"}, exitUsage, "for files"},
		{[]string{"extract", filepath.Join(dir, "missing.html")}, exitFailure, "missing.html: no such file"},
		{[]string{"extract", "ftp://example.org/a"}, exitFailure, "not an http(s) URL"},
		{[]string{"extract", binary}, exitFailure, "image.bin: not UTF-8 text"},
		{[]string{"extract", empty}, exitFailure, "empty.html: no article text found in the HTML; if it is plain text, give --text"},
		{[]string{"extract", blank}, exitFailure, "blank.txt: no text"},
	} {
		r := policywatch(t, nil, tt.args...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%q: exit %d, %q; want exit %d and %q", tt.args, r.code, r.stderr, tt.code, tt.want)
		}
	}
}

func TestLooksLikeHTML(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"<!DOCTYPE html><html><body><p>x</p></body></html>", true},
		{"  \n<html lang=en>", true},
		{"<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>", true},
		{"Saved from the web\n<div class=\"story\"><p>Russia blocked Telegram.</p></div>", true},
		{"<p>Russia blocked Telegram.</p>", true},
		{"Russia blocked Telegram.\n\nIt cited national security.", false},
		{"Ministers said 3 < 4 and <b> is bold in their memo.", false},
		{"Iran's <Telegram> ban, as one reader put it.", false},
	} {
		if got := looksLikeHTML([]byte(tt.in)); got != tt.want {
			t.Errorf("looksLikeHTML(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	out := must(t, "version")
	for _, re := range []string{
		`(?m)^policywatch \S+$`,
		`(?m)^module     github\.com/policywatch/policywatch$`,
		`(?m)^revision   \S.*$`,
		`(?m)^go         ` + regexp.QuoteMeta(runtime.Version()) + `$`,
		`(?m)^extractor  ` + regexp.QuoteMeta(extract.Version()) + `$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("version output does not match %s:\n%s", re, out)
		}
	}
	if flag := must(t, "--version"); flag != out {
		t.Errorf("--version says\n%s\nversion says\n%s", flag, out)
	}
	var b buildInfo
	if err := json.Unmarshal([]byte(must(t, "version", "--json")), &b); err != nil || b.Extractor != extract.Version() || b.Go != runtime.Version() {
		t.Errorf("version --json: %+v, %v", b, err)
	}
	if r := policywatch(t, nil, "version", "extra"); r.code != exitUsage {
		t.Errorf("version extra: exit %d", r.code)
	}
}

// The revision line reads the VCS stamp the go command leaves.
func TestBuildInfoString(t *testing.T) {
	b := buildInfo{Module: "m", Version: "v1.2.0", Revision: "abc123", Time: "2026-12-01T10:00:00Z", Modified: true, Go: "go1.26.8", Extractor: "v1.2.0+data.0123456789ab"}
	want := "policywatch v1.2.0\nmodule     m\nrevision   abc123 (2026-12-01T10:00:00Z), with uncommitted changes\ngo         go1.26.8\nextractor  v1.2.0+data.0123456789ab\n"
	if got := b.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}
