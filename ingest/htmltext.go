package ingest

import (
	"regexp"
	"strings"

	nethtml "golang.org/x/net/html"
)

// HTMLText turns the HTML of a feed item's content or summary into plain
// paragraphs separated by blank lines. Unlike a page, a feed's HTML is all
// article, so every block of text counts, except link-only lines such as
// "Continue reading" or "The post … appeared first on …". Text without
// markup is taken as plain text with blank lines between paragraphs.
func HTMLText(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	// The HTML parser passes invalid bytes through; JSON feeds have
	// replaced them already, but a caller's string may still hold them.
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.Contains(s, "<") {
		// The parser's unescaping, not the standard library's: html reads
		// "&#X100000100;" as U+0100, its rune overflowing, where the
		// standard says U+FFFD.
		return plainParagraphs(nethtml.UnescapeString(s))
	}
	root, err := nethtml.Parse(strings.NewReader(s))
	if err != nil {
		return plainParagraphs(s)
	}
	dropJunk(root)
	var w blockWriter
	w.walk(root)
	w.flush()

	var kept, all []string
	for _, p := range w.paras {
		all = append(all, p.text)
		if p.link*2 <= p.runes {
			kept = append(kept, p.text)
		}
	}
	if len(kept) == 0 {
		// A summary that is nothing but a link is still the only text there is.
		kept = all
	}
	return strings.Join(kept, "\n\n")
}

var blankLines = regexp.MustCompile(`\n\s*\n`)

func plainParagraphs(s string) string {
	var out []string
	for _, p := range blankLines.Split(s, -1) {
		if p = clean(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

// blockTags end the paragraph before them and start a new one after them.
var blockTags = map[string]bool{
	"p": true, "div": true, "section": true, "article": true, "main": true, "header": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"ul": true, "ol": true, "li": true, "dl": true, "dt": true, "dd": true,
	"blockquote": true, "pre": true, "table": true, "tr": true, "hr": true,
	"address": true, "details": true, "summary": true,
}

type para struct {
	text        string
	runes, link int
}

// blockWriter accumulates inline text and cuts it into paragraphs at block
// boundaries and line breaks, counting how much of each is link text.
type blockWriter struct {
	buf         strings.Builder
	runes, link int
	paras       []para
}

func (w *blockWriter) walk(n *nethtml.Node) {
	w.walkIn(n, false)
}

func (w *blockWriter) walkIn(n *nethtml.Node, inLink bool) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case nethtml.TextNode:
			w.buf.WriteString(c.Data)
			k := countLetters(c.Data)
			w.runes += k
			if inLink {
				w.link += k
			}
		case nethtml.ElementNode:
			switch {
			case c.Data == "br":
				w.flush()
			case blockTags[c.Data]:
				w.flush()
				w.walkIn(c, inLink)
				w.flush()
			default:
				w.walkIn(c, inLink || c.Data == "a")
			}
		}
	}
}

func (w *blockWriter) flush() {
	if t := clean(w.buf.String()); t != "" {
		w.paras = append(w.paras, para{text: t, runes: w.runes, link: w.link})
	}
	w.buf.Reset()
	w.runes, w.link = 0, 0
}
