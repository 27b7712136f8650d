package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/policywatch/policywatch/config"
	"github.com/policywatch/policywatch/event"
	"github.com/policywatch/policywatch/extract"
	"github.com/policywatch/policywatch/ingest"
)

type extractOptions struct {
	html, text bool
	title      string
	published  string
	showText   bool
	format     string
	explain    bool
	config     string
}

// maxInput caps what extract reads from a file or standard input, as the
// fetcher caps a page: no article is this long, and a wrong file (a disk
// image, a video) should fail, not fill the memory.
const maxInput = 32 << 20

func (a *app) extractCmd() *cobra.Command {
	var o extractOptions
	cmd := &cobra.Command{
		Use:   "extract URL|FILE|-",
		Short: "Extract the events of one article, from the web, a file or standard input, and say why",
		Long: `Extract runs the extractor on one article and prints its title, publication
date and events. It stores nothing.

The article is a URL, fetched as 'run' fetches article pages (the user agent,
politeness, robots.txt and limits of the configuration, when there is one;
legacy charsets decoded); a file, HTML or plain text (told apart by its first
bytes; --html or --text to say which); or '-' for standard input. Plain text
has paragraphs separated by blank lines and no title: give the headline with
--title, since extraction reads it. Relative dates in the text ("on Monday")
resolve against the publication date: the page's, else --published, else
today. --title and --published also replace what a page says.

--show-text prints the main text as extraction read it: for a page, whether
the right paragraphs were kept.

--explain shows, for each event, its evidence sentences and the cue, rule or
model that decided its country, service, action, date, reason and
confidence; then every action cue that gave no event, and why not
("negated", "hedged", "model: not an event", ...).

--format json prints one object with the article, the events and, with
--explain, the explanation; jsonl prints the events, one a line, as export
does.`,
		Example: `  policywatch extract https://www.example.com/news/iran-blocks-telegram
  policywatch extract --explain saved-page.html
  policywatch extract --title "Iran blocks Telegram" --published 2018-04-30 --text article.txt
  pbpaste | policywatch extract --title "Russia throttles Twitter" -
  policywatch extract --format json --explain page.html | jq '.explain.rejected'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("extract takes one URL, file or '-', got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(o.format, "table", "json", "jsonl"); err != nil {
				return err
			}
			if o.html && o.text {
				return usagef("--html and --text say opposite things; give one")
			}
			if o.explain && o.format == "jsonl" {
				return usagef("--explain cannot go with --format jsonl, whose lines are events; use --format json or table")
			}
			var published time.Time
			if o.published != "" {
				t, err := parsePublished(o.published)
				if err != nil {
					return err
				}
				published = t
			}
			art, err := a.readArticle(cmd, args[0], o)
			if err != nil {
				return err
			}
			if o.title != "" {
				art.Title = o.title
			}
			if !published.IsZero() {
				art.Published = published
			}
			x, err := newExtractor()
			if err != nil {
				return err
			}
			doc := extract.Document{ID: art.ID, URL: art.URL, Title: art.Title, Text: art.Text, Published: art.Published}
			res := extractResult{Source: args[0], Title: art.Title, Extractor: x.Version(), Events: []event.Event{}}
			if !art.Published.IsZero() {
				res.Published = art.Published.UTC().Format(time.DateOnly)
			}
			if o.showText {
				res.Text = art.Text
			}
			var tr *extract.Trace
			if o.explain {
				res.Events, tr = x.Explain(doc)
				res.Explain = explanation(res.Events, tr)
			} else {
				res.Events = x.Extract(doc)
			}
			if res.Events == nil {
				res.Events = []event.Event{}
			}
			switch o.format {
			case "json":
				return writeJSON(a.stdout, res)
			case "jsonl":
				ew := event.NewJSONLWriter(a.stdout)
				for _, e := range res.Events {
					if err := ew.Write(event.Record{Event: e}); err != nil {
						return err
					}
				}
				return ew.Flush()
			}
			return writeExtractTable(a.stdout, res, time.Now())
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.html, "html", false, "the file is HTML (a saved page)")
	f.BoolVar(&o.text, "text", false, "the file is plain text, paragraphs separated by blank lines")
	f.StringVar(&o.title, "title", "", "the article's headline (plain text has none)")
	f.StringVar(&o.published, "published", "", "publication date, 2018-04-30 or RFC 3339; relative dates in the text resolve against it")
	f.BoolVar(&o.showText, "show-text", false, "print the main text extraction read")
	f.StringVarP(&o.format, "format", "f", "table", "output: table, json or jsonl")
	f.BoolVar(&o.explain, "explain", false, "say which cue, rule or model decided each field, and why other cues gave no event")
	f.StringVarP(&o.config, "config", "c", "feeds.yaml", "fetch settings for a URL (YAML); the defaults when the file is missing")
	return cmd
}

// parsePublished reads --published.
func parsePublished(s string) (time.Time, error) {
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("--published %q: want a date such as 2018-04-30, or an RFC 3339 time", s)
}

// readArticle gets the article named by src: a URL, a file or "-".
func (a *app) readArticle(cmd *cobra.Command, src string, o extractOptions) (ingest.Article, error) {
	if isURL(src) {
		if o.html || o.text {
			return ingest.Article{}, usagef("--html and --text are for files; a URL is fetched as an HTML page")
		}
		return a.fetchArticle(cmd, src, o.config)
	}
	var raw []byte
	var err error
	name := src
	key := "stdin:"
	if src == "-" {
		name = "standard input"
		raw, err = readCapped(a.stdin)
	} else {
		abs, aerr := filepath.Abs(src)
		if aerr != nil {
			abs = src
		}
		key = "file://" + filepath.ToSlash(abs)
		var f *os.File
		if f, err = os.Open(src); err == nil {
			raw, err = readCapped(f)
			f.Close()
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) && strings.Contains(src, "://"):
		return ingest.Article{}, fmt.Errorf("%s: not a file, and not an http(s) URL", src)
	case errors.Is(err, fs.ErrNotExist):
		return ingest.Article{}, fmt.Errorf("%s: no such file; give a file, an http(s) URL or - for standard input", src)
	default:
		return ingest.Article{}, fmt.Errorf("read %s: %w", name, err)
	}
	art := ingest.Article{ID: ingest.ArticleID(key), Key: key}
	if o.html || (!o.text && looksLikeHTML(raw)) {
		page, err := ingest.ReadPage(bytes.NewReader(raw), "")
		if err != nil {
			return art, fmt.Errorf("%s: %w", name, err)
		}
		if page.Text == "" {
			return art, fmt.Errorf("%s: no article text found in the HTML; if it is plain text, give --text", name)
		}
		art.Title, art.Published, art.Text = page.Title, page.Published, page.Text
		return art, nil
	}
	if !utf8.Valid(raw) {
		return art, fmt.Errorf("%s: not UTF-8 text; convert it (iconv -t UTF-8), or give --html if it is a page, whose charset is read from it", name)
	}
	art.Text = plainText(string(raw))
	if art.Text == "" {
		return art, fmt.Errorf("%s: no text", name)
	}
	return art, nil
}

// fetchArticle fetches a page as run does, with the configuration's fetch
// settings when there is one.
func (a *app) fetchArticle(cmd *cobra.Command, link, configPath string) (ingest.Article, error) {
	var cfg ingest.Config
	file, err := config.Load(configPath)
	switch {
	case err == nil:
		if cfg, err = ingest.ParseConfig(file.Ingest, file.Name); err != nil {
			return ingest.Article{}, err
		}
	case errors.Is(err, fs.ErrNotExist) && !cmd.Flags().Changed("config"):
		// No configuration: the defaults, which are polite too.
	default:
		return ingest.Article{}, err
	}
	log, err := a.logger(true)
	if err != nil {
		return ingest.Article{}, err
	}
	art, pageErr, err := ingest.NewFetcher(cfg, log).FetchArticle(cmd.Context(), ingest.Item{Link: link})
	if err != nil {
		if pageErr != nil {
			return art, pageErr
		}
		return art, err
	}
	return art, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func readCapped(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxInput {
		return nil, fmt.Errorf("more than %d MB: not an article", maxInput>>20)
	}
	return raw, nil
}

// htmlTag finds markup that plain text does not hold: an opening tag of
// the elements an article page is made of.
var htmlTag = regexp.MustCompile(`(?i)<(!doctype\s+html|html|head|body|article|main|div|p|h1|h2|section|span|br)[\s/>]`)

// looksLikeHTML tells a saved page from plain text by its first bytes,
// as a browser sniffs a file served without a type, or by the tags of a
// page anywhere in its first kilobytes.
func looksLikeHTML(raw []byte) bool {
	if mt, _, err := mime.ParseMediaType(http.DetectContentType(raw)); err == nil && mt == "text/html" {
		return true
	}
	return htmlTag.Match(raw[:min(len(raw), 8<<10)])
}

var blankLine = regexp.MustCompile(`\r?\n[ \t]*\r?\n`)

// plainText reads plain text as extraction wants it: paragraphs, split at
// blank lines, each on one line with its spaces collapsed, so that
// hard-wrapped text reads as the sentences it holds.
func plainText(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	var out []string
	for _, p := range blankLine.Split(s, -1) {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

// extractResult is what extract prints; --format json prints it whole.
type extractResult struct {
	Source    string        `json:"source"`
	Title     string        `json:"title"`
	Published string        `json:"published,omitempty"`
	Extractor string        `json:"extractor"`
	Text      string        `json:"text,omitempty"`
	Events    []event.Event `json:"events"`
	Explain   *explainJSON  `json:"explain,omitempty"`
}

// explainJSON is an extract.Trace with the names of the JSON output.
type explainJSON struct {
	Events   []eventWhy     `json:"events"`
	Rejected []rejectionWhy `json:"rejected"`
}

type eventWhy struct {
	Country    string       `json:"country"`
	Service    string       `json:"service"`
	Action     event.Action `json:"action"`
	Evidence   []string     `json:"evidence"`
	CountryBy  string       `json:"country_rule"`
	ServiceBy  string       `json:"service_rule"`
	ActionBy   string       `json:"action_rule"`
	DateBy     string       `json:"date_rule"`
	ReasonBy   string       `json:"reason_rule"`
	Confidence string       `json:"confidence_rule"`
}

type rejectionWhy struct {
	Cue      string `json:"cue"`
	Reason   string `json:"reason"`
	Detail   string `json:"detail,omitempty"`
	Sentence string `json:"sentence"`
}

// explanation lays a trace out in the order of the events it explains.
func explanation(events []event.Event, tr *extract.Trace) *explainJSON {
	out := &explainJSON{Events: []eventWhy{}, Rejected: []rejectionWhy{}}
	byKey := map[string]extract.EventTrace{}
	for _, e := range tr.Events {
		byKey[e.Country+"/"+e.Service+"/"+string(e.Action)] = e
	}
	for _, e := range events {
		t, ok := byKey[e.Country+"/"+e.Service+"/"+string(e.Action)]
		if !ok {
			continue
		}
		out.Events = append(out.Events, eventWhy{
			Country: t.Country, Service: t.Service, Action: t.Action, Evidence: t.Evidence,
			CountryBy: t.CountryRule, ServiceBy: t.ServiceRule, ActionBy: t.ActionRule,
			DateBy: t.DateRule, ReasonBy: t.ReasonRule, Confidence: t.ConfidenceRule,
		})
	}
	for _, r := range tr.Rejected {
		out.Rejected = append(out.Rejected, rejectionWhy{Cue: r.Cue, Reason: r.Reason, Detail: r.Detail, Sentence: r.Sentence})
	}
	return out
}

// writeExtractTable prints the article, its events and, if asked, why.
func writeExtractTable(w io.Writer, res extractResult, now time.Time) error {
	title := res.Title
	if title == "" {
		title = "(none; --title gives one)"
	}
	published := res.Published
	if published == "" {
		published = "unknown: dates in the text resolve against today, " + now.UTC().Format(time.DateOnly) + " (--published gives one)"
	}
	fmt.Fprintf(w, "Title:      %s\nPublished:  %s\nExtractor:  %s\n", title, published, res.Extractor)
	if res.Text != "" {
		fmt.Fprintln(w, "\nText:")
		for _, p := range strings.Split(res.Text, "\n\n") {
			fmt.Fprintf(w, "  %s\n\n", p)
		}
	} else {
		fmt.Fprintln(w)
	}
	if len(res.Events) == 0 {
		fmt.Fprintln(w, "No events.")
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DATE\tCOUNTRY\tSERVICE\tACTION\tCONF\tREASON")
		for _, e := range res.Events {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\t%s\n", e.Date, e.Country, e.Service, e.Action, e.Confidence, cut(e.Reason, 60))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%s.\n", describeCount(len(res.Events)))
	}
	if res.Explain == nil {
		return nil
	}
	for _, e := range res.Explain.Events {
		fmt.Fprintf(w, "\nWhy %s %s %s:\n", e.Country, e.Service, e.Action)
		for _, s := range e.Evidence {
			fmt.Fprintf(w, "  evidence    %s\n", s)
		}
		for _, r := range []struct{ field, rule string }{
			{"country", e.CountryBy}, {"service", e.ServiceBy}, {"action", e.ActionBy},
			{"date", e.DateBy}, {"reason", e.ReasonBy}, {"confidence", e.Confidence},
		} {
			fmt.Fprintf(w, "  %-10s  %s\n", r.field, strings.TrimPrefix(r.rule, r.field+": "))
		}
	}
	if len(res.Explain.Rejected) == 0 {
		_, err := fmt.Fprintln(w, "\nNo cue was rejected.")
		return err
	}
	fmt.Fprintln(w, "\nRejected:")
	for _, r := range res.Explain.Rejected {
		cue := r.Cue
		if cue == "" {
			cue = "-"
		}
		fmt.Fprintf(w, "  %q  %s", cue, r.Reason)
		if r.Detail != "" {
			fmt.Fprintf(w, " (%s)", r.Detail)
		}
		fmt.Fprintf(w, "\n      %s\n", r.Sentence)
	}
	return nil
}
