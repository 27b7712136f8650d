// Command gen builds the demo corpus — article pages, feeds, gold labels,
// manifest and README — from the article sources in articles/ and the
// outlet templates, so that a page's text, its feed entry and its gold line
// cannot drift apart. Run it from the repository root:
//
//	go run ./demo/gen
//
// The output is committed; the demo package only embeds it.
package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"html"
	htmltemplate "html/template"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"github.com/policywatch/policywatch/event"
)

// Outlet is one fictional news site: its feed and its page template.
type Outlet struct {
	Key             string   `yaml:"key"`
	Name            string   `yaml:"name"`
	Site            string   `yaml:"site"`
	Feed            string   `yaml:"feed"`
	Format          string   `yaml:"format"` // rss, atom or json
	ContentType     string   `yaml:"content_type"`
	PageContentType string   `yaml:"page_content_type"`
	Tags            []string `yaml:"tags"`
	Description     string   `yaml:"description"`
	Template        string   `yaml:"template"`
	Body            string   `yaml:"body"`

	articles []*Article
}

// Event is one gold label, as in SCHEMA.md.
type Event struct {
	Country string `yaml:"country" json:"country"`
	Service string `yaml:"service" json:"service"`
	Action  string `yaml:"action" json:"action"`
	Date    string `yaml:"date" json:"date"`
	Reason  string `yaml:"reason" json:"reason"`
}

// Article is one source file of articles/.
type Article struct {
	ID         string `yaml:"id"`
	Outlet     string `yaml:"outlet"`
	Title      string `yaml:"title"`
	Published  string `yaml:"published"` // RFC 3339, in the outlet's local offset
	Author     string `yaml:"author"`
	Dateline   string `yaml:"dateline"`
	Section    string `yaml:"section"`
	Standfirst string `yaml:"standfirst"`
	Summary    string `yaml:"summary"`
	Image      *struct {
		Alt     string `yaml:"alt"`
		Caption string `yaml:"caption"`
		Credit  string `yaml:"credit"`
	} `yaml:"image"`
	Body string `yaml:"body"`

	Encoding string `yaml:"encoding"`         // utf-8 (default), windows-1251, windows-1254, iso-8859-1
	Declared string `yaml:"charset_declared"` // meta (default), http-equiv or header
	Missing  bool   `yaml:"missing"`          // page absent from the server; text only in the feed

	Kind   string   `yaml:"kind"`  // rewrite or real
	URL    string   `yaml:"url"`   // original URL when the text is real
	Facts  []string `yaml:"facts"` // where the facts were checked
	Note   string   `yaml:"note"`  // labelling notes for the README
	Events []Event  `yaml:"events"`

	published time.Time
	blocks    []block
	outlet    *Outlet
}

// block is one main-text element: a paragraph or an <h2> subheading.
type block struct {
	H2   bool
	Text string // plain text, as in gold
	HTML htmltemplate.HTML
}

func main() {
	src := flag.String("src", "demo/gen", "directory with outlets.yaml, articles/ and templates/")
	out := flag.String("out", "demo/corpus", "corpus directory to write")
	flag.Parse()
	if err := run(*src, *out); err != nil {
		log.Fatal(err)
	}
}

func run(src, out string) error {
	var outlets []*Outlet
	if err := readYAML(filepath.Join(src, "outlets.yaml"), &outlets); err != nil {
		return err
	}
	byKey := map[string]*Outlet{}
	for _, o := range outlets {
		byKey[o.Key] = o
	}
	files, err := filepath.Glob(filepath.Join(src, "articles", "*.yaml"))
	if err != nil {
		return err
	}
	var all []*Article
	for _, f := range files {
		a := new(Article)
		if err := readYAML(f, a); err != nil {
			return err
		}
		if err := a.prepare(byKey); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		all = append(all, a)
	}
	// Newest first, as feeds list them.
	slices.SortFunc(all, func(a, b *Article) int { return b.published.Compare(a.published) })
	for _, a := range all {
		a.outlet.articles = append(a.outlet.articles, a)
	}

	for _, dir := range []string{"articles", "feeds"} {
		if err := os.RemoveAll(filepath.Join(out, dir)); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(out, dir), 0o755); err != nil {
			return err
		}
	}
	for _, a := range all {
		if a.Missing {
			continue
		}
		if err := writePage(src, out, a); err != nil {
			return fmt.Errorf("page %s: %w", a.ID, err)
		}
	}
	for _, o := range outlets {
		if n := len(o.articles); n < 3 || n > 7 {
			return fmt.Errorf("outlet %s has %d articles, want 3 to 7", o.Key, n)
		}
		if err := writeFeed(src, out, o); err != nil {
			return fmt.Errorf("feed %s: %w", o.Key, err)
		}
	}
	if err := writeGold(out, all); err != nil {
		return err
	}
	if err := writeManifest(out, outlets); err != nil {
		return err
	}
	return writeReadme(src, out, outlets, all)
}

func readYAML(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

var (
	linkRE    = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
	countryRE = regexp.MustCompile(`^(?:[A-Z]{2})$`)
	serviceRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	dateRE    = regexp.MustCompile(`^\d{4}(?:-\d{2}(?:-\d{2})?)?$`)
)

func (a *Article) prepare(outlets map[string]*Outlet) error {
	var err error
	if a.published, err = time.Parse(time.RFC3339, a.Published); err != nil {
		return err
	}
	if a.outlet = outlets[a.Outlet]; a.outlet == nil {
		return fmt.Errorf("unknown outlet %q", a.Outlet)
	}
	if a.Encoding == "" {
		a.Encoding = "utf-8"
	}
	if a.Declared == "" {
		a.Declared = "meta"
	}
	if _, err := encodingOf(a.Encoding); err != nil {
		return err
	}
	if a.Kind != "rewrite" && a.Kind != "real" {
		return fmt.Errorf("kind %q: want rewrite or real", a.Kind)
	}
	if a.Standfirst != "" {
		a.blocks = append(a.blocks, renderBlock(a.Standfirst, false))
	}
	for _, para := range strings.Split(strings.TrimSpace(a.Body), "\n\n") {
		para = strings.Join(strings.Fields(para), " ")
		if h, ok := strings.CutPrefix(para, "## "); ok {
			a.blocks = append(a.blocks, renderBlock(h, true))
		} else {
			a.blocks = append(a.blocks, renderBlock(para, false))
		}
	}
	if n := len(strings.Fields(a.text())); n < 250 || n > 600 {
		return fmt.Errorf("text has %d words, want 250 to 600", n)
	}
	seen := map[string]bool{}
	day := a.published.Format("2006-01-02")
	for _, e := range a.Events {
		key := e.Country + "|" + e.Service + "|" + e.Action
		switch {
		case seen[key]:
			return fmt.Errorf("event %s given twice", key)
		case !countryRE.MatchString(e.Country), !serviceRE.MatchString(e.Service),
			!(event.Action(e.Action)).Valid(), !dateRE.MatchString(e.Date):
			return fmt.Errorf("bad event %+v", e)
		case e.Date > day:
			return fmt.Errorf("event %s dated %s, after publication %s", key, e.Date, day)
		case !strings.Contains(a.text(), e.Reason):
			// Reasons are worded as the article words them.
			return fmt.Errorf("event %s: reason %q is not in the text", key, e.Reason)
		}
		seen[key] = true
	}
	return nil
}

func renderBlock(s string, h2 bool) block {
	var text, markup strings.Builder
	rest := s
	for {
		m := linkRE.FindStringSubmatchIndex(rest)
		if m == nil {
			break
		}
		text.WriteString(rest[:m[0]])
		markup.WriteString(html.EscapeString(rest[:m[0]]))
		label, href := rest[m[2]:m[3]], rest[m[4]:m[5]]
		text.WriteString(label)
		fmt.Fprintf(&markup, `<a href="%s">%s</a>`, html.EscapeString(href), html.EscapeString(label))
		rest = rest[m[1]:]
	}
	text.WriteString(rest)
	markup.WriteString(html.EscapeString(rest))
	return block{H2: h2, Text: text.String(), HTML: htmltemplate.HTML(markup.String())}
}

func (a *Article) text() string {
	parts := make([]string, len(a.blocks))
	for i, b := range a.blocks {
		parts[i] = b.Text
	}
	return strings.Join(parts, "\n\n")
}

// contentHTML is the article's main text as feed HTML.
func (a *Article) contentHTML() string {
	var b strings.Builder
	for _, bl := range a.blocks {
		if bl.H2 {
			fmt.Fprintf(&b, "<h2>%s</h2>\n", bl.HTML)
		} else {
			fmt.Fprintf(&b, "<p>%s</p>\n", bl.HTML)
		}
	}
	return b.String()
}

func (a *Article) pagePath() string { return "articles/" + a.ID + ".html" }

func (a *Article) link() string { return "{{BASE}}/" + a.pagePath() }

// contentType is the Content-Type the demo server sends for the page.
func (a *Article) contentType() string {
	switch {
	case a.Encoding == "utf-8":
		return a.outlet.PageContentType
	case a.Declared == "header":
		return "text/html; charset=" + a.Encoding
	default:
		return "text/html"
	}
}

func encodingOf(name string) (encoding.Encoding, error) {
	switch name {
	case "utf-8":
		return nil, nil
	case "windows-1251":
		return charmap.Windows1251, nil
	case "windows-1254":
		return charmap.Windows1254, nil
	case "iso-8859-1":
		return charmap.ISO8859_1, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", name)
}

type related struct{ Title, Href string }

type pageData struct {
	Outlet     *Outlet
	A          *Article
	CharsetTag htmltemplate.HTML
	Standfirst *block
	Blocks     []block
	MidPoint   int // index of the block before which mid-article furniture goes
	Related    []related
	Date       string
	ISO        string
	Year       int
}

func writePage(src, out string, a *Article) error {
	t, err := htmltemplate.ParseFiles(filepath.Join(src, "templates", a.outlet.Template))
	if err != nil {
		return err
	}
	d := pageData{Outlet: a.outlet, A: a, Blocks: a.blocks, Date: a.published.Format("January 2, 2006"),
		ISO: a.published.Format(time.RFC3339), Year: a.published.Year()}
	if a.Standfirst != "" {
		d.Standfirst, d.Blocks = &a.blocks[0], a.blocks[1:]
	}
	d.MidPoint = len(d.Blocks) / 2
	switch {
	case a.Encoding == "utf-8":
		d.CharsetTag = `<meta charset="utf-8">`
	case a.Declared == "meta":
		d.CharsetTag = htmltemplate.HTML(`<meta charset="` + a.Encoding + `">`)
	case a.Declared == "http-equiv":
		d.CharsetTag = htmltemplate.HTML(`<meta http-equiv="Content-Type" content="text/html; charset=` + a.Encoding + `">`)
	case a.Declared != "header":
		return fmt.Errorf("charset_declared %q: want meta, http-equiv or header", a.Declared)
	}
	for _, o := range a.outlet.articles {
		if o != a && len(d.Related) < 3 {
			d.Related = append(d.Related, related{o.Title, "/" + o.pagePath()})
		}
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, d); err != nil {
		return err
	}
	page := buf.Bytes()
	enc, _ := encodingOf(a.Encoding)
	if enc != nil {
		if page, err = enc.NewEncoder().Bytes(page); err != nil {
			return fmt.Errorf("encode as %s: %w", a.Encoding, err)
		}
	}
	return os.WriteFile(filepath.Join(out, a.pagePath()), page, 0o644)
}

func writeFeed(src, out string, o *Outlet) error {
	var data []byte
	switch o.Format {
	case "rss", "atom":
		t, err := template.New(o.Format + ".xml.tmpl").Funcs(template.FuncMap{
			"xml":     xmlEscape,
			"rfc822":  func(t time.Time) string { return t.Format(time.RFC1123Z) },
			"rfc3339": func(t time.Time) string { return t.Format(time.RFC3339) },
		}).ParseFiles(filepath.Join(src, "templates", o.Format+".xml.tmpl"))
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, feedData(o)); err != nil {
			return err
		}
		data = buf.Bytes()
	case "json":
		var err error
		if data, err = jsonFeed(o); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown feed format %q", o.Format)
	}
	return os.WriteFile(filepath.Join(out, o.Feed), data, 0o644)
}

type feedItem struct {
	*Article
	Link, GUID, Content string
	Time                time.Time
}

func feedData(o *Outlet) map[string]any {
	var items []feedItem
	for _, a := range o.articles {
		it := feedItem{Article: a, Link: a.link(), Time: a.published}
		switch o.Key {
		case "globalwire":
			it.GUID = fmt.Sprintf("globalwire:%s:%s", a.published.Format("2006-01-02"), a.ID)
		case "bosphorus":
			// The outlet's canonical address, not the link the demo server
			// rewrites: a GUID must not change between runs, or re-running
			// the demo would store every article again.
			it.GUID = strings.TrimSuffix(o.Site, "/") + "/" + a.pagePath()
		default:
			it.GUID = fmt.Sprintf("tag:%s,%s:/%s", strings.TrimPrefix(strings.TrimPrefix(o.Site, "https://"), "www."), a.published.Format("2006-01-02"), a.ID)
		}
		// A wire feed that carries full text only where the page is gone
		// is what makes the fallback to feed content testable.
		if a.Missing {
			it.Content = a.contentHTML()
		}
		items = append(items, it)
	}
	return map[string]any{"Outlet": o, "Items": items, "Updated": o.articles[0].published}
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

func jsonFeed(o *Outlet) ([]byte, error) {
	type author struct {
		Name string `json:"name"`
	}
	type item struct {
		ID            string   `json:"id"`
		URL           string   `json:"url"`
		Title         string   `json:"title"`
		Summary       string   `json:"summary,omitempty"`
		ContentHTML   string   `json:"content_html"`
		DatePublished string   `json:"date_published"`
		Authors       []author `json:"authors,omitempty"`
		Tags          []string `json:"tags,omitempty"`
	}
	feed := struct {
		Version     string   `json:"version"`
		Title       string   `json:"title"`
		HomePageURL string   `json:"home_page_url"`
		FeedURL     string   `json:"feed_url"`
		Description string   `json:"description"`
		Language    string   `json:"language"`
		Authors     []author `json:"authors"`
		Items       []item   `json:"items"`
	}{
		Version: "https://jsonfeed.org/version/1.1", Title: o.Name, HomePageURL: "{{BASE}}/",
		FeedURL: "{{BASE}}/" + o.Feed, Description: o.Description, Language: "en",
		Authors: []author{{o.Name}},
	}
	for _, it := range feedData(o)["Items"].([]feedItem) {
		content := it.contentHTML()
		if o.Key == "compliance" {
			// An excerpt feed: the standfirst or summary, then a link to the page.
			content = fmt.Sprintf("<p>%s</p>\n<p><a href=\"%s\">Continue reading…</a></p>\n", html.EscapeString(it.Summary), it.Link)
		}
		items := item{ID: it.GUID, URL: it.Link, Title: it.Title, Summary: it.Summary, ContentHTML: content,
			DatePublished: it.Time.Format(time.RFC3339), Tags: []string{it.Section}}
		if it.Author != "" {
			items.Authors = []author{{it.Author}}
		}
		feed.Items = append(feed.Items, items)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(feed); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeGold(out string, all []*Article) error {
	type gold struct {
		ID        string  `json:"id"`
		URL       string  `json:"url"`
		Title     string  `json:"title"`
		Published string  `json:"published"`
		Text      string  `json:"text"`
		Events    []Event `json:"events"`
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// Oldest first: a stable order that reads like a timeline.
	for _, a := range slices.Backward(all) {
		events := a.Events
		if events == nil {
			events = []Event{}
		}
		g := gold{ID: a.ID, URL: a.URL, Title: a.Title, Published: a.published.Format("2006-01-02"), Text: a.text(), Events: events}
		if err := enc.Encode(g); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(out, "gold.jsonl"), buf.Bytes(), 0o644)
}

func writeManifest(out string, outlets []*Outlet) error {
	type feed struct {
		Name        string   `yaml:"name"`
		Path        string   `yaml:"path"`
		Format      string   `yaml:"format"`
		ContentType string   `yaml:"content_type"`
		Tags        []string `yaml:"tags,flow"`
	}
	type page struct {
		Path        string `yaml:"path"`
		ID          string `yaml:"id"`
		Feed        string `yaml:"feed"`
		ContentType string `yaml:"content_type"`
		Charset     string `yaml:"charset"`
		Declared    string `yaml:"charset_declared"`
		Body        string `yaml:"body"`
		Missing     bool   `yaml:"missing"`
	}
	var m struct {
		Feeds []feed `yaml:"feeds"`
		Pages []page `yaml:"pages"`
	}
	for _, o := range outlets {
		m.Feeds = append(m.Feeds, feed{o.Name, o.Feed, o.Format, o.ContentType, o.Tags})
		for _, a := range slices.Backward(o.articles) {
			p := page{Path: a.pagePath(), ID: a.ID, Feed: o.Name, ContentType: a.contentType(),
				Charset: a.Encoding, Declared: a.Declared, Body: o.Body, Missing: a.Missing}
			if a.Missing {
				p.ContentType, p.Charset, p.Declared, p.Body = "", "", "", ""
			}
			m.Pages = append(m.Pages, p)
		}
	}
	var buf bytes.Buffer
	buf.WriteString(`# Generated by "go run ./demo/gen"; edit demo/gen/ instead.
#
# feeds: served at /<path> with {{BASE}} replaced by the server's base URL.
# pages: served at /<path> as raw bytes with content_type. id is the gold id.
#   charset is the page's encoding; charset_declared says where the page
#   declares it: meta (<meta charset>), http-equiv (<meta http-equiv>) or
#   header (only in the Content-Type the server sends).
#   body is the CSS selector of the element holding the main text.
#   missing pages answer 404; their text is only in the feed's content.
`)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "manifest.yaml"), buf.Bytes(), 0o644)
}

func writeReadme(src, out string, outlets []*Outlet, all []*Article) error {
	t, err := template.ParseFiles(filepath.Join(src, "templates", "README.md.tmpl"))
	if err != nil {
		return err
	}
	var n, withEvents int
	var services []string
	for _, a := range all {
		for _, e := range a.Events {
			if !slices.Contains(services, e.Service) {
				services = append(services, e.Service)
			}
		}
		n += len(a.Events)
		if len(a.Events) > 0 {
			withEvents++
		}
	}
	var buf bytes.Buffer
	err = t.Execute(&buf, map[string]any{
		"Outlets": outlets, "Articles": oldestFirst(all), "Count": len(all),
		"Events": n, "WithEvents": withEvents, "Distractors": len(all) - withEvents,
		"Services": slices.Sorted(slices.Values(services)),
	})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "README.md"), buf.Bytes(), 0o644)
}

func oldestFirst(all []*Article) []*Article {
	s := slices.Clone(all)
	slices.Reverse(s)
	return s
}

// Day is the publication date as gold gives it.
func (a *Article) Day() string { return a.published.Format("2006-01-02") }

// OutletName is the name of the outlet that published the article.
func (a *Article) OutletName() string { return a.outlet.Name }
