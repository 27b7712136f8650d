package ingest

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/saintfish/chardet"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

// decodeHTML converts a page to valid UTF-8. The header's charset wins over
// the page's own declaration, as in browsers. A page that declares nothing
// and is not UTF-8 has its encoding guessed from its bytes: regional
// outlets serving windows-1251 or windows-1256 without a word about it are
// common, and the HTML standard's fallback, windows-1252, garbles them.
func decodeHTML(raw []byte, contentType string) string {
	enc, name, certain := charset.DetermineEncoding(raw, contentType)
	switch {
	case certain:
	case name == "windows-1252" && utf8.Valid(raw):
		// DetermineEncoding looks at the first 1024 bytes only: an
		// undeclared page whose non-ASCII text starts later is still
		// UTF-8, and so is a UTF-8 page a template labels Latin-1.
		enc = unicode.UTF8
	case name == "windows-1252" && !metaDeclared(raw),
		name == "utf-8" && !utf8.Valid(raw): // a <meta> the bytes belie
		enc, _ = undeclaredEncoding(raw)
	}
	return toUTF8(raw, enc)
}

// toUTF8 decodes raw, replacing what the encoding cannot map, and drops a
// byte order mark.
func toUTF8(raw []byte, enc encoding.Encoding) string {
	if enc == encoding.Nop || enc == unicode.UTF8 {
		return strings.TrimPrefix(strings.ToValidUTF8(string(raw), "\uFFFD"), "\uFEFF")
	}
	out, err := enc.NewDecoder().Bytes(raw)
	if err != nil || !utf8.Valid(out) {
		return strings.TrimPrefix(strings.ToValidUTF8(string(raw), "\uFFFD"), "\uFEFF")
	}
	return strings.TrimPrefix(string(out), "\uFEFF")
}

// metaDeclared reports whether the first kilobyte of a page names its
// encoding in a <meta> tag. charset.DetermineEncoding answers windows-1252
// both for a page that says so and for one that says nothing; asking it
// again about the same markup with a UTF-8 letter in place of every other
// non-ASCII byte tells them apart by its own rules, as then only a
// declaration can make it answer anything but UTF-8.
func metaDeclared(raw []byte) bool {
	const probe = "é " // not last: a trailing multi-byte rune is taken as cut off
	head := raw[:min(len(raw), 1024-len(probe))]
	b := make([]byte, 0, len(head)+len(probe))
	for _, c := range head {
		if c >= utf8.RuneSelf {
			c = ' '
		}
		b = append(b, c)
	}
	b = append(b, probe...)
	_, name, _ := charset.DetermineEncoding(b, "")
	return name != "utf-8"
}

// undeclaredEncoding is the encoding of text that declares none, and its
// WHATWG name: UTF-8 when it is valid UTF-8, else the best guess of ICU's
// detector among the encodings the web uses, else windows-1252 as the
// HTML standard has it.
func undeclaredEncoding(raw []byte) (encoding.Encoding, string) {
	if utf8.Valid(raw) {
		return unicode.UTF8, "utf-8"
	}
	results, err := chardet.NewHtmlDetector().DetectAll(raw)
	if err != nil {
		return windows1252()
	}
	// The detector runs its recognisers in goroutines and sorts their
	// scores with an unstable sort, so equal scores come back in any order;
	// the same page must decode the same way on every run.
	sort.SliceStable(results, func(i, j int) bool {
		a, b := results[i], results[j]
		if a.Confidence != b.Confidence {
			return a.Confidence > b.Confidence
		}
		if a.Charset != b.Charset {
			return a.Charset < b.Charset
		}
		return a.Language < b.Language
	})
	// ISO-8859 text never holds the C1 control bytes 0x80-0x9F; a text that
	// does is in the Windows code page built on that ISO one (as the
	// WHATWG maps every ISO-8859-1 label to windows-1252), so the ISO
	// guess is wrong, whatever its score: windows-1256 Persian with its
	// پ, گ and ک would read as garbage in ISO-8859-6.
	c1 := hasC1(raw)
	for _, r := range results {
		if r.Confidence < minConfidence {
			break
		}
		if c1 && strings.HasPrefix(r.Charset, "ISO-8859-") {
			continue
		}
		if enc, name := charset.Lookup(r.Charset); enc != nil {
			return enc, name
		}
	}
	return windows1252()
}

// minConfidence is the detector score under which its guess is no better
// than the standard's fallback.
const minConfidence = 10

func windows1252() (encoding.Encoding, string) {
	return charset.Lookup("windows-1252")
}

func hasC1(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 && c <= 0x9f {
			return true
		}
	}
	return false
}
