package ingest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The pages in testdata/pages are modelled on real outlets' markup; each
// .txt beside them holds, written by hand, the paragraphs a reader would
// call the article.
var pageCases = []struct {
	file        string
	contentType string // as the server would send it
	title       string
	published   time.Time
	absent      []string // furniture text that must not leak into Text
}{
	{
		file:        "bbc.html",
		contentType: "text/html; charset=utf-8",
		title:       "Russia slows down YouTube as pressure on Google grows",
		published:   time.Date(2024, 7, 25, 14, 32, 11, 0, time.UTC),
		absent: []string{
			"Skip to content", "Sport", "Vitaly Shevchenko", "Share", "Getty Images",
			"YouTube is one of the last", "More on this story", "Russia blocks Facebook",
			"Related topics", "Most read", "Copyright 2024 BBC", "__INITIAL_DATA__",
		},
	},
	{
		file:        "guardian.html",
		contentType: "text/html; charset=UTF-8",
		title:       "Iran restricts WhatsApp and Instagram as protests spread",
		published:   time.Date(2022, 9, 21, 17, 42, 51, 0, time.UTC),
		absent: []string{
			"Support us", "Opinion", "Patrick Wintour", "Wed 21 Sep 2022", "Share on Facebook",
			"Photograph: AP", "Mahsa Amini: protests spread", "Explore more on these topics",
			"Reuse this content", "Most viewed", "First Edition", "window.guardian",
		},
	},
	{
		file:        "wordpress.html",
		contentType: "text/html; charset=UTF-8",
		title:       "Turkey blocks access to Wikipedia again after court ruling - Turkish Minute",
		published:   time.Date(2024, 3, 4, 9, 15, 27, 0, time.UTC),
		absent: []string{
			"News and analysis on Turkey", "Human Rights", "Posted on", "Advertisement",
			"Share this", "Click to share", "Related", "Posted in", "Journalist detained",
			"third time they block it", "Leave a Reply", "Recent Posts", "Proudly powered",
			"--wp--preset",
		},
	},
	{
		file:        "substack.html",
		contentType: "text/html; charset=utf-8",
		title:       "Kazakhstan's internet kill switch, explained",
		published:   time.Date(2024, 1, 12, 15, 1, 44, 0, time.UTC), // from JSON-LD only
		absent: []string{
			"Sign in", "Aigerim Toleukhanova", "Jan 12, 2024", "Thanks for reading",
			"Type your email", "Subscribe to Steppe Wire", "Discussion about this post",
			"Great explainer", "_preloads",
		},
	},
	{
		// The charset is only in <meta http-equiv>; the server sends none.
		file:        "regional-windows1251.html",
		contentType: "text/html",
		title:       "Роскомнадзор начал блокировать VPN-сервисы",
		absent: []string{
			"Главная", "Рубрики", "12.03.2024", "Читайте также", "Поделиться",
			"Опять всё заблокируют", "Популярное", "При перепечатке", "_top100q",
		},
	},
	{
		// The charset is only in the Content-Type header.
		file:        "regional-windows1254.html",
		contentType: "text/html; charset=windows-1254",
		title:       "Instagram'a erişim engeli getirildi",
		published:   time.Date(2024, 8, 2, 10, 45, 0, 0, time.FixedZone("", 3*3600)),
		absent: []string{
			"Gündem", "Kaynak: DHA", "WhatsApp", "googletag", "İLGİLİ HABER",
			"Erişim engeli", "Henüz yorum", "Tüm hakları",
		},
	},
	{
		file:        "persian-windows1256.html",
		contentType: "text/html",
		title:       "دسترسي به تلگرام در ايران محدود شد",
		published:   time.Date(2018, 4, 30, 9, 30, 0, 0, time.FixedZone("", 4*3600+1800)),
		absent:      []string{"صفحه اول", "ارديبهشت", "مطالب مرتبط", "فيلترينگ", "تمامي حقوق"},
	},
}

func TestReadPage(t *testing.T) {
	for _, tc := range pageCases {
		t.Run(tc.file, func(t *testing.T) {
			raw := readTestdata(t, "pages", tc.file)
			want := strings.TrimSpace(string(readTestdata(t, "pages", strings.TrimSuffix(tc.file, ".html")+".txt")))

			page, err := ReadPage(bytes.NewReader(raw), tc.contentType)
			if err != nil {
				t.Fatalf("ReadPage: %v", err)
			}
			if page.Text != want {
				t.Errorf("text differs\n got: %q\nwant: %q", paragraphs(page.Text), paragraphs(want))
			}
			if page.Title != tc.title {
				t.Errorf("title = %q, want %q", page.Title, tc.title)
			}
			if !page.Published.Equal(tc.published) {
				t.Errorf("published = %v, want %v", page.Published, tc.published)
			}
			for _, s := range tc.absent {
				if strings.Contains(page.Text, s) {
					t.Errorf("text contains page furniture %q", s)
				}
			}
		})
	}
}

// paragraphs splits a text for readable failure messages.
func paragraphs(s string) []string { return strings.Split(s, "\n\n") }

func TestReadPageCharsetHeaderWinsOverMeta(t *testing.T) {
	// A page declaring windows-1251 in a meta tag but served as KOI8-R must
	// be read as KOI8-R, as browsers do.
	page := "<html><head><meta charset=\"windows-1251\"></head><body><article><p>\xed\xcf\xd3\xcb\xd7\xc1 \xc2\xcc\xcf\xcb\xc9\xd2\xd5\xc5\xd4 \xd3\xc1\xca\xd4.</p></article></body></html>"
	got, err := ReadPage(strings.NewReader(page), "text/html; charset=koi8-r")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Москва блокирует сайт."; got.Text != want {
		t.Errorf("text = %q, want %q", got.Text, want)
	}
}

func TestReadPageUndeclaredUTF8AfterFirstKilobyte(t *testing.T) {
	// No charset anywhere and nothing but ASCII in the first kilobyte: the
	// HTML sniffing rules would guess windows-1252, which garbles UTF-8.
	head := "<html><head><title>t</title><!--" + strings.Repeat(" padding", 200) + "--></head>"
	page := head + "<body><article><p>Türkiye’de erişim engeli.</p></article></body></html>"
	got, err := ReadPage(strings.NewReader(page), "")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Türkiye’de erişim engeli."; got.Text != want {
		t.Errorf("text = %q, want %q", got.Text, want)
	}
}

func TestReadPageChoosesContainer(t *testing.T) {
	tests := []struct {
		name string
		html string
		want string
	}{
		{
			name: "articleBody wins over a larger article",
			html: `<article><p>` + strings.Repeat("Teaser text that is long. ", 20) + `</p>
				<div itemprop="articleBody"><p>The story itself.</p></div></article>`,
			want: "The story itself.",
		},
		{
			name: "richest of several articles",
			html: `<article class="card"><p>A short teaser.</p></article>
				<article><p>The main story has much more text than any teaser on the page.</p><p>And a second paragraph.</p></article>`,
			want: "The main story has much more text than any teaser on the page.\n\nAnd a second paragraph.",
		},
		{
			name: "a long comment's <article> is not the story",
			html: `<article class="post"><p>The story, short.</p></article>
				<div id="comments" class="comments-area"><article class="comment-body"><p>` + strings.Repeat("A long angry comment. ", 20) + `</p></article></div>`,
			want: "The story, short.",
		},
		{
			name: "teaser articles do not pass for the story",
			html: `<article><p>Teaser one.</p></article>
				<div class="entry-content"><p>` + strings.Repeat("The real story is here. ", 10) + `</p></div>`,
			want: strings.TrimSpace(strings.Repeat("The real story is here. ", 10)),
		},
		{
			name: "readability fallback picks the densest block",
			html: `<div id="nav"><p>Home</p></div><div id="x"><div><p>First paragraph of the story.</p><p>Second paragraph of the story.</p></div></div>
				<div id="y"><p>Short.</p></div>`,
			want: "First paragraph of the story.\n\nSecond paragraph of the story.",
		},
		{
			name: "comments are not the densest block",
			html: `<div class="post"><p>The story, short.</p></div>
				<div class="comment-list"><p>` + strings.Repeat("A long angry comment. ", 20) + `</p></div>`,
			want: "The story, short.",
		},
		{
			name: "ASP.NET form around the page is kept",
			html: `<form id="aspnetForm" action="./haber.aspx"><div class="news"><p>` + strings.Repeat("Text of the news item. ", 12) + `</p></div></form>`,
			want: strings.TrimSpace(strings.Repeat("Text of the news item. ", 12)),
		},
		{
			name: "newsletter form in the article is dropped",
			html: `<article><p>The story.</p><form action="/subscribe"><p>Get our emails</p><input type="email"></form><p>More story.</p></article>`,
			want: "The story.\n\nMore story.",
		},
		{
			name: "headings and list items in order, link lines dropped",
			html: `<main><h1>Title</h1><p>Lead.</p><h2>Background</h2><p>Body with <a href="/x">a link</a> inside.</p>
				<ul><li>First point</li><li><a href="/y">A related story</a></li></ul>
				<p><a href="/z">Continue reading</a></p><h3>See also</h3></main>`,
			want: "Lead.\n\nBackground\n\nBody with a link inside.\n\nFirst point",
		},
		{
			name: "a story of bare text and <br>s in one <div>",
			html: `<div class="sidebar"><p>Short.</p></div><div class="content">The minister ordered the block on Monday, officials said.<br><br>
				Operators complied within hours, <a href="/x">according to</a> monitors.<br>
				Access returned on Friday.<br><br><br>The ban may be challenged in court.</div>`,
			want: "The minister ordered the block on Monday, officials said.\n\n" +
				"Operators complied within hours, according to monitors. Access returned on Friday.\n\n" +
				"The ban may be challenged in court.",
		},
		{
			name: "paragraphs as <div>s of bare text, labels among them left out",
			html: `<article><div class="kicker">South Asia</div><div class="date">Jan 12, 2024</div>
				<div class="para">The regulator blocked the app on Monday.</div>
				<div class="para"><span>You should not believe them.</span></div><div class="count">42</div>
				<div class="para">It gave no reason for the order, which took effect at midnight across the country.</div></article>`,
			want: "The regulator blocked the app on Monday.\n\nYou should not believe them.\n\n" +
				"It gave no reason for the order, which took effect at midnight across the country.",
		},
		{
			name: "text between the <p>s of a story is kept in order",
			html: `<article><p>First paragraph of the story.</p>Loose text the editor left between paragraphs, long enough to be prose.<p>Last paragraph.</p></article>`,
			want: "First paragraph of the story.\n\nLoose text the editor left between paragraphs, long enough to be prose.\n\nLast paragraph.",
		},
		{
			name: "a furniture marker on a wrapper around the story is a layout name",
			html: `<div class="m-advertisement-off-canvas--pusher"><div class="ad-slot"><p>Buy now and save.</p></div>
				<section itemprop="articleBody"><p>The story inside the wrapper.</p></section></div>`,
			want: "The story inside the wrapper.",
		},
		{
			name: "teaser cards made of one link are not prose",
			html: `<article><p>The story, which is long enough to be the story on this page.</p>
				<div class="more"><a class="card" href="/a"><h3>Another story</h3><p>Its summary, which reads like prose.</p></a></div></article>`,
			want: "The story, which is long enough to be the story on this page.",
		},
		{
			name: "bylines and dates in the article's header are left out, its standfirst kept",
			html: `<article><header><h1>Headline</h1><h2 class="subtitle">The standfirst says what happened, in one sentence.</h2>
				<ul class="authors"><li>Jane Doe</li></ul><ul class="dates"><li>Published 18 November 2019</li></ul></header>
				<p>The story.</p></article>`,
			want: "The standfirst says what happened, in one sentence.\n\nThe story.",
		},
		{
			name: "a sentence is kept even when a hover card of links outweighs it",
			html: `<article><p>A man pleaded guilty to threatening Rep. <span class="card"><a href="/p/omar">Ilhan Omar</a>
				<a href="/1">Omar asks court to apply compassion in sentencing</a> <a href="/2">Progressives oppose spending stopgap measure over surveillance</a></span>
				(D-Minn.), the U.S. Attorney's Office announced on Monday.</p><p><a href="/more">Read more</a> here</p></article>`,
			want: "A man pleaded guilty to threatening Rep. Ilhan Omar Omar asks court to apply compassion in sentencing " +
				"Progressives oppose spending stopgap measure over surveillance (D-Minn.), the U.S. Attorney's Office announced on Monday.",
		},
		{
			name: "entities decoded and white space collapsed",
			html: "<article><p>AT&amp;T&nbsp;and\n\t  Verizon &#8220;comply&#8221;<br>today.</p></article>",
			want: "AT&T and Verizon “comply” today.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := ReadPage(strings.NewReader("<html><body>"+tc.html+"</body></html>"), "text/html; charset=utf-8")
			if err != nil {
				t.Fatal(err)
			}
			if page.Text != tc.want {
				t.Errorf("text = %q, want %q", page.Text, tc.want)
			}
		})
	}
}

func TestReadPageTitleFallbacks(t *testing.T) {
	tests := []struct{ html, want string }{
		{`<head><meta property="og:title" content=" OG  title "><title>T</title></head><body><h1>H</h1></body>`, "OG title"},
		{`<head><title>T</title></head><body><h1>The <em>H1</em></h1></body>`, "The H1"},
		{`<head><title> Only   the title </title></head><body></body>`, "Only the title"},
	}
	for _, tc := range tests {
		page, err := ReadPage(strings.NewReader(tc.html), "text/html")
		if err != nil {
			t.Fatal(err)
		}
		if page.Title != tc.want {
			t.Errorf("title of %s = %q, want %q", tc.html, page.Title, tc.want)
		}
	}
}

func TestHTMLText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "  ", ""},
		{"plain text keeps its paragraphs", "Mobile data was cut.\n\nThe ministry cited &quot;hateful messages&quot;.", "Mobile data was cut.\n\nThe ministry cited \"hateful messages\"."},
		{"paragraphs", "<p>One.</p><p>Two &amp; three.</p>", "One.\n\nTwo & three."},
		{"loose text and breaks", "Intro line<br/><br/>Second line <b>bold</b><div>Block</div>", "Intro line\n\nSecond line bold\n\nBlock"},
		{"figure and script dropped", `<figure><img src="x"><figcaption>Caption</figcaption></figure><p>Text.</p><script>var x;</script>`, "Text."},
		{"link-only lines dropped", `<p>The order was issued on Friday.</p><p><a href="/more">Continue reading…</a></p>`, "The order was issued on Friday."},
		{"wordpress footer dropped", `<p>Body.</p><p>The post <a href="/p">MeitY orders blocking of 119 apps under Section 69A of the IT Act</a> appeared first on <a href="/">MediaNama</a>.</p>`, "Body."},
		{"a summary that is only a link is kept", `<a href="/story">Iran blocks Telegram</a>`, "Iran blocks Telegram"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HTMLText(tc.in); got != tc.want {
				t.Errorf("HTMLText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPageRulesParse(t *testing.T) {
	if _, err := parsePageRules([]byte("drop_tags: [script]\n")); err == nil {
		t.Error("rules without markers accepted")
	}
	r, err := parsePageRules(pageRulesYAML)
	if err != nil {
		t.Fatal(err)
	}
	if !r.dropTag["script"] || !r.dropTag["nav"] {
		t.Errorf("shipped rules do not drop script and nav: %v", r.DropTags)
	}
	if !r.inline["span"] || r.inline["div"] || !r.textTag["p"] {
		t.Errorf("shipped rules misread inline and text tags: %v, %v", r.InlineTags, r.TextTags)
	}
}

func readTestdata(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func BenchmarkReadPage(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "pages", "wordpress.html"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ReadPage(bytes.NewReader(raw), "text/html; charset=utf-8"); err != nil {
			b.Fatal(err)
		}
	}
}
