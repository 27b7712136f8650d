package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Page is what ReadPage finds in an article page.
type Page struct {
	Title     string
	Published time.Time // zero when the page gives none
	Text      string    // main text, paragraphs separated by blank lines
}

// ReadPage decodes an HTML page to UTF-8 (charset from the Content-Type
// header, a BOM or a <meta> tag) and extracts its title, publication time
// and main text. A page with no recognisable text gives an empty Text and
// no error; the caller decides what that means.
func ReadPage(r io.Reader, contentType string) (Page, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return Page{}, fmt.Errorf("read page: %w", err)
	}
	root, err := html.Parse(strings.NewReader(decodeHTML(raw, contentType)))
	if err != nil {
		return Page{}, fmt.Errorf("parse page: %w", err)
	}
	doc := goquery.NewDocumentFromNode(root)
	page := Page{Title: pageTitle(doc), Published: metaPublished(doc)}

	dropJunk(root)
	wrapLooseText(root)
	c := chooseContainer(root)
	if page.Published.IsZero() {
		// The article's own <time> usually sits in its byline, which is
		// pruned below; look before pruning, and in the article first.
		page.Published = firstTime(c)
		if page.Published.IsZero() {
			page.Published = firstTime(root)
		}
	}
	pruneNoise(c)
	page.Text = strings.Join(pageParagraphs(c), "\n\n")
	return page, nil
}

func pageTitle(doc *goquery.Document) string {
	if t := clean(doc.Find(`meta[property="og:title"], meta[name="og:title"]`).First().AttrOr("content", "")); t != "" {
		return t
	}
	if t := clean(doc.Find("h1").First().Text()); t != "" {
		return t
	}
	return clean(doc.Find("title").First().Text())
}

// metaPublished reads the publication time a page declares for machines:
// Open Graph and schema.org meta tags, else JSON-LD.
func metaPublished(doc *goquery.Document) time.Time {
	var t time.Time
	doc.Find(`meta[property="article:published_time"], meta[name="article:published_time"], meta[itemprop="datePublished"]`).
		EachWithBreak(func(_ int, s *goquery.Selection) bool {
			t = parseTime(s.AttrOr("content", ""))
			return t.IsZero()
		})
	if !t.IsZero() {
		return t
	}
	doc.Find(`script[type="application/ld+json"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		var v any
		if json.Unmarshal([]byte(s.Text()), &v) == nil {
			t = parseTime(jsonString(v, "datePublished"))
		}
		return t.IsZero()
	})
	return t
}

// jsonString finds the first string value of key anywhere in v, which is
// how JSON-LD nests it (@graph lists, arrays of items).
func jsonString(v any, key string) string {
	switch v := v.(type) {
	case map[string]any:
		if s, ok := v[key].(string); ok {
			return s
		}
		for _, k := range slices.Sorted(maps.Keys(v)) { // deterministic
			if s := jsonString(v[k], key); s != "" {
				return s
			}
		}
	case []any:
		for _, x := range v {
			if s := jsonString(x, key); s != "" {
				return s
			}
		}
	}
	return ""
}

func firstTime(n *html.Node) time.Time {
	var t time.Time
	goquery.NewDocumentFromNode(n).Find("time[datetime]").
		EachWithBreak(func(_ int, s *goquery.Selection) bool {
			t = parseTime(s.AttrOr("datetime", ""))
			return t.IsZero()
		})
	return t
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// dropJunk removes elements that never hold article prose, and page
// headers: a <header> is kept only inside an article, where it holds the
// headline and standfirst.
func dropJunk(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode && isJunk(c) {
			n.RemoveChild(c)
		} else {
			dropJunk(c)
		}
		c = next
	}
}

func isJunk(n *html.Node) bool {
	switch {
	case n.Data == "form":
		// ASP.NET pages wrap the whole body in one form.
		return proseRunes(n) < 200
	case rules.dropTag[n.Data]:
		return true
	case n.Data == "header":
		return !inArticle(n)
	}
	return false
}

func inArticle(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && (p.Data == "article" || p.Data == "main" || attr(p, "role") == "main" || isArticleBody(p)) {
			return true
		}
	}
	return false
}

func isArticleBody(n *html.Node) bool {
	return strings.EqualFold(attr(n, "itemprop"), "articleBody")
}

// isNoisy reports whether an element's class, id or data-component names
// page furniture. Structural elements are never noise, whatever classes a
// CMS gives them: Substack's story is an <article class="newsletter-post">.
func isNoisy(n *html.Node) bool {
	if n.Type != html.ElementNode || isArticleBody(n) {
		return false
	}
	switch n.Data {
	case "html", "body", "main", "article":
		return false
	}
	if !hasNoiseMarker(n) {
		return false
	}
	// A marker on an element around the page's main content names a
	// layout, not furniture: "m-advertisement-off-canvas--pusher" wraps a
	// whole page, "content-with-sidebar" a story.
	return findFirst(n, func(c *html.Node) bool {
		return c != n && (c.Data == "main" || attr(c, "role") == "main" || isArticleBody(c))
	}) == nil
}

func hasNoiseMarker(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key != "class" && a.Key != "id" && a.Key != "data-component" {
			continue
		}
	tokens:
		for _, tok := range strings.Fields(strings.ToLower(a.Val)) {
			for _, p := range rules.IgnorePrefix {
				if strings.HasPrefix(tok, p) {
					continue tokens
				}
			}
			for _, m := range rules.NoiseMarkers {
				if strings.Contains(tok, m) {
					return true
				}
			}
		}
	}
	return false
}

func hasBodyMarker(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key != "class" && a.Key != "id" {
			continue
		}
		v := strings.ToLower(a.Val)
		for _, m := range rules.BodyMarkers {
			if strings.Contains(v, m) {
				return true
			}
		}
	}
	return false
}

// chooseContainer picks the element holding the article: the one the page
// marks as the article body, else the richest <article>, else <main>, else
// an element a CMS names as the body, else the element whose own
// paragraphs hold the most text. <article> and CMS names are trusted only
// when they hold a fair share of the page's prose, so a list of teasers
// does not pass for the story.
func chooseContainer(root *html.Node) *html.Node {
	body := findFirst(root, func(n *html.Node) bool { return n.Data == "body" })
	if body == nil {
		body = root
	}
	total := proseRunes(body)
	fair := func(score int) bool { return score > 0 && score*10 >= total*3 }

	if c, score := richest(root, isArticleBody); score > 0 {
		return c
	}
	if c, score := richest(root, func(n *html.Node) bool { return n.Data == "article" }); fair(score) {
		return c
	}
	if c, score := richest(root, func(n *html.Node) bool { return n.Data == "main" || attr(n, "role") == "main" }); score > 0 {
		return c
	}
	if c, score := richest(root, hasBodyMarker); fair(score) {
		return c
	}
	if c := densest(body); c != nil {
		return c
	}
	return body
}

// richest returns the element matching match that holds the most prose.
func richest(root *html.Node, match func(*html.Node) bool) (*html.Node, int) {
	var best *html.Node
	bestScore := 0
	walkElements(root, func(n *html.Node) bool {
		if isNoisy(n) {
			return false // a comment's <article>, a promo card
		}
		if match(n) {
			if s := proseRunes(n); s > bestScore {
				best, bestScore = n, s
			}
		}
		return true
	})
	return best, bestScore
}

// densest is the readability fallback: the element whose direct <p>
// children hold the most text, outside any page furniture.
func densest(body *html.Node) *html.Node {
	var best *html.Node
	bestScore := 0
	walkElements(body, func(n *html.Node) bool {
		if isNoisy(n) {
			return false
		}
		score := 0
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "p" {
				score += ownProse(c)
			}
		}
		if score > bestScore {
			best, bestScore = n, score
		}
		return true
	})
	return best
}

// proseRunes counts the non-link letters of the paragraphs under n,
// leaving out those inside page furniture.
func proseRunes(n *html.Node) int {
	total := 0
	walkElements(n, func(c *html.Node) bool {
		if c != n && isNoisy(c) {
			return false
		}
		if c.Data == "p" {
			total += ownProse(c)
			return false
		}
		return true
	})
	return total
}

func ownProse(p *html.Node) int {
	text, runes, link := inlineText(children(p)...)
	if isLoose(p) && !proseLike(text) || inLink(p) {
		return 0
	}
	return runes - link
}

// wrapLooseText gives the text that sits directly in a block element,
// beside or instead of <p>s, paragraphs of its own, as Readability does:
// many sites write a story as text and <br>s inside one <div>, or as
// <div>s of bare text. Two <br>s in a row end a paragraph. It reports
// whether n is or holds a block element, so a <span> or <a> wrapped
// around <div>s is itself treated as a block, and whether n holds any
// text; both are found bottom-up in one pass, so a page of deeply nested
// elements costs no more than a flat one.
func wrapLooseText(n *html.Node) (block, hasText bool) {
	switch n.Type {
	case html.TextNode:
		return false, strings.TrimSpace(n.Data) != ""
	case html.ElementNode, html.DocumentNode:
	default:
		return false, false
	}
	var runs [][]*html.Node
	var run []*html.Node
	runText := false
	end := func() {
		if runText {
			runs = append(runs, run)
		}
		run, runText = nil, false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b, t := wrapLooseText(c)
		hasText = hasText || t
		switch {
		case c.Type == html.ElementNode && (b || !rules.inline[c.Data]):
			block = true
			end()
		case c.Type == html.ElementNode && c.Data == "br" && nextIsBr(c):
			end()
		case c.Type == html.TextNode || c.Type == html.ElementNode:
			run = append(run, c)
			runText = runText || t
		}
	}
	end()
	if n.Type != html.ElementNode {
		return true, hasText
	}
	if !block && rules.inline[n.Data] {
		return false, hasText
	}
	if rules.textTag[n.Data] {
		return true, hasText
	}
	for _, run := range runs {
		p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P, Attr: []html.Attribute{looseMark}}
		n.InsertBefore(p, run[0])
		for _, c := range run {
			n.RemoveChild(c)
			p.AppendChild(c)
		}
	}
	return true, hasText
}

// looseMark marks the paragraphs wrapLooseText makes. The parser never
// gives an attribute this namespace, so a page cannot forge it.
var looseMark = html.Attribute{Namespace: "policywatch", Key: "loose"}

func isLoose(p *html.Node) bool {
	return len(p.Attr) == 1 && p.Attr[0] == looseMark
}

// proseLike reports whether a paragraph gathered from loose text reads as
// prose rather than a label: a section name, a date, a share count.
// Real paragraphs outside <p> are long, or whole sentences.
func proseLike(text string) bool {
	if countLetters(text) >= 50 {
		return true
	}
	words := strings.Fields(text)
	if len(words) < 5 {
		return false
	}
	last := []rune(words[len(words)-1])
	switch last[len(last)-1] {
	case '.', '!', '?', '…', '"', '”', '»', '。', '！', '？':
		return true
	}
	return false
}

// nextIsBr reports whether the next sibling of br, past white space, is
// another <br>.
func nextIsBr(br *html.Node) bool {
	for c := br.NextSibling; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "":
			continue
		case c.Type == html.ElementNode && c.Data == "br":
			return true
		}
		return false
	}
	return false
}

// linkLine reports whether a paragraph is mostly links and has too little
// text of its own to be a sentence: a paragraph whose hover card of links
// to a politician's other stories outweighs it is still prose.
func linkLine(runes, link int) bool {
	return link*2 > runes && runes-link < 80
}

// inLink reports whether n sits inside a link: a teaser card whose
// headline and summary are one <a>.
func inLink(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "a" {
			return true
		}
	}
	return false
}

// inHeader reports whether n sits in an article's <header> (those of the
// page are dropped already), where the standfirst is prose but the rest
// is bylines, dates and kickers.
func inHeader(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "header" {
			return true
		}
	}
	return false
}

// pruneNoise removes page furniture inside the container.
func pruneNoise(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if isNoisy(c) {
			n.RemoveChild(c)
		} else {
			pruneNoise(c)
		}
		c = next
	}
}

// paraTags are the elements whose text is kept as paragraphs; headings
// among them are marked so a heading with nothing after it can be dropped.
var paraTags = map[string]bool{"p": true, "h2": true, "h3": true, "h4": true, "blockquote": true, "li": true}

type block struct {
	text    string
	heading bool
}

func pageParagraphs(container *html.Node) []string {
	var blocks []block
	add := func(n *html.Node, text string, runes, link int) {
		if text == "" || linkLine(runes, link) || inLink(n) {
			return // empty, or a line of links: "Read more", related stories
		}
		if inHeader(n) && !proseLike(text) {
			return // a byline or a date beside the headline
		}
		blocks = append(blocks, block{text: text, heading: n.Data[0] == 'h'})
	}
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		switch {
		case n.Data == "h1":
			// The headline is the title, not the text.
		case !paraTags[n.Data]:
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode {
					visit(c)
				}
			}
		case hasParaDescendant(n):
			// A quote or list item made of paragraphs: keep those, and the
			// loose text between them (a quote's <cite>) as its own.
			var loose []*html.Node
			flush := func() {
				if len(loose) > 0 {
					text, runes, link := inlineText(loose...)
					add(n, text, runes, link)
					loose = nil
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && (paraTags[c.Data] || hasParaDescendant(c)) {
					flush()
					visit(c)
					continue
				}
				loose = append(loose, c)
			}
			flush()
		default:
			text, runes, link := inlineText(children(n)...)
			if isLoose(n) && !proseLike(text) {
				return
			}
			add(n, text, runes, link)
		}
	}
	visit(container)

	// A heading is kept only when prose follows it: "More on this story"
	// over a list of links is furniture.
	var out []string
	for i, b := range blocks {
		if b.heading && (i+1 == len(blocks) || blocks[i+1].heading) {
			continue
		}
		out = append(out, b.text)
	}
	return out
}

func hasParaDescendant(n *html.Node) bool {
	return findFirst(n, func(c *html.Node) bool { return c != n && paraTags[c.Data] }) != nil
}

func children(n *html.Node) []*html.Node {
	var cs []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		cs = append(cs, c)
	}
	return cs
}

// inlineText is the whitespace-collapsed text of nodes, with the count of
// its non-space letters and of those inside links.
func inlineText(nodes ...*html.Node) (text string, runes, linkRunes int) {
	var b strings.Builder
	var walk func(n *html.Node, inLink bool)
	walk = func(n *html.Node, inLink bool) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			k := countLetters(n.Data)
			runes += k
			if inLink {
				linkRunes += k
			}
		case html.ElementNode:
			if n.Data == "br" {
				b.WriteByte(' ')
				return
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c, inLink || n.Data == "a")
			}
		}
	}
	for _, n := range nodes {
		walk(n, false)
	}
	return clean(b.String()), runes, linkRunes
}

func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// clean collapses runs of white space (including no-break spaces) to one
// space and trims the ends.
func clean(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// walkElements calls fn for n and each element below it in document order;
// fn returns false to skip an element's children.
func walkElements(n *html.Node, fn func(*html.Node) bool) {
	if n.Type == html.ElementNode && !fn(n) {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walkElements(c, fn)
	}
}

func findFirst(n *html.Node, match func(*html.Node) bool) *html.Node {
	var found *html.Node
	walkElements(n, func(c *html.Node) bool {
		if found != nil {
			return false
		}
		if match(c) {
			found = c
			return false
		}
		return true
	})
	return found
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
