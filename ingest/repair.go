package ingest

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/unicode"
)

// prologEncoding finds the encoding attribute of an XML declaration.
var prologEncoding = regexp.MustCompile(`encoding\s*=\s*["']([^"']*)["']`)

// repairFeed returns an XML feed in UTF-8 that an XML decoder will take,
// and says what it had to repair. XML decoders give up on the first byte
// that is not UTF-8 or that XML forbids, which would lose every item of a
// feed for one bad byte in one title. So the body is decoded here by the
// encoding its XML declaration, else its Content-Type header, names,
// unless its bytes plainly belie it; invalid UTF-8 that remains becomes
// U+FFFD; characters XML forbids become spaces; and the declaration is
// made to say UTF-8. JSON feeds, UTF-8 by definition, are left to the
// JSON decoder, which replaces invalid UTF-8 itself.
func repairFeed(body []byte, contentType string) (out []byte, repairs []string) {
	head := bytes.TrimLeft(body, "\ufeff \t\r\n")
	if !bytes.HasPrefix(head, []byte("<")) {
		return body, nil
	}
	var label, where string
	prologEnc := false
	if bytes.HasPrefix(head, []byte("<?xml")) {
		if end := bytes.Index(head, []byte("?>")); end > 0 {
			if m := prologEncoding.FindSubmatch(head[:end]); m != nil {
				label, where, prologEnc = string(m[1]), "in its XML declaration", true
			}
		}
	}
	if label == "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
			label, where = params["charset"], "in its Content-Type header"
		}
	}
	enc, name := charset.Lookup(label)
	if label != "" && enc == nil {
		_, guess := undeclaredEncoding(body)
		repairs = append(repairs, fmt.Sprintf("declared %s, an encoding not known, %s: read as %s", label, where, guess))
		label = ""
	}
	// A document that starts with ASCII "<" is not in UTF-16 whatever it
	// says, and the decoder would make nonsense of it.
	utf8Declared := label == "" || name == "utf-8" || strings.HasPrefix(name, "utf-16")

	switch valid := utf8.Valid(body); {
	case !utf8Declared && valid && hasMultibyte(body):
		// Text in a legacy encoding is very rarely valid UTF-8 by chance;
		// UTF-8 labelled Latin-1 by a template or a server is common.
		repairs = append(repairs, fmt.Sprintf("declared %s %s, but its bytes are UTF-8: read as UTF-8", label, where))
		out = body
	case !utf8Declared:
		out = []byte(toUTF8(body, enc))
	case valid:
		out = body
	default:
		// Legacy text is hardly ever valid UTF-8 by chance, not even a
		// character or two, and UTF-8 damaged in places is still mostly
		// valid: a text whose non-ASCII characters are nearly all invalid
		// is in a legacy encoding, labelled wrong or not at all.
		good, bad := utf8Counts(body)
		if guess, name := undeclaredEncoding(body); bad > 4*good && guess != unicode.UTF8 {
			what := "declares no encoding"
			if label != "" {
				what = fmt.Sprintf("declared %s %s", label, where)
			}
			repairs = append(repairs, fmt.Sprintf("%s, but its bytes are not: read as %s (%d of its %d non-ASCII characters were not UTF-8)",
				what, name, bad, good+bad))
			out = []byte(toUTF8(body, guess))
			break
		}
		var lines []int
		out, lines = replaceInvalidUTF8(body)
		repairs = append(repairs, fmt.Sprintf("replaced %s with U+FFFD (%s)", plural(len(lines), "invalid UTF-8 sequence"), lineList(lines)))
	}
	if prologEnc {
		out = sayUTF8(out)
	}
	if fixed, lines := blankForbidden(out); len(lines) > 0 {
		out = fixed
		repairs = append(repairs, fmt.Sprintf("replaced %s XML forbids with spaces (%s)", plural(len(lines), "character"), lineList(lines)))
	}
	return out, repairs
}

func hasMultibyte(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// utf8Counts counts the non-ASCII characters of b that are valid UTF-8,
// and the bytes that are not.
func utf8Counts(b []byte) (good, bad int) {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			bad++
		case size > 1:
			good++
		}
		b = b[size:]
	}
	return good, bad
}

// replaceInvalidUTF8 replaces each byte that does not start a valid UTF-8
// sequence with U+FFFD, and returns the line of each.
func replaceInvalidUTF8(b []byte) ([]byte, []int) {
	out := make([]byte, 0, len(b)+16)
	var lines []int
	line := 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
			lines = append(lines, line)
		} else {
			out = append(out, b[:size]...)
		}
		if b[0] == '\n' {
			line++
		}
		b = b[size:]
	}
	return out, lines
}

// blankForbidden replaces the characters XML 1.0 does not allow in a
// document (control characters other than tab, newline and carriage
// return; U+FFFE and U+FFFF) with spaces, and returns the line of each.
// They are mostly stray formatting pasted into titles, which a space
// keeps from gluing two words together. b is valid UTF-8.
func blankForbidden(b []byte) ([]byte, []int) {
	var out []byte
	var lines []int
	line := 1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			if out == nil {
				out = append(make([]byte, 0, len(b)), b[:i]...)
			}
			out = append(out, ' ')
			lines = append(lines, line)
		} else if out != nil {
			out = append(out, b[i:i+size]...)
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	if out == nil {
		return b, nil
	}
	return out, lines
}

// sayUTF8 makes the XML declaration of b, which is now UTF-8, say so, so
// that the XML decoder does not decode it a second time.
func sayUTF8(b []byte) []byte {
	start := bytes.Index(b, []byte("<?xml"))
	if start < 0 {
		return b
	}
	end := bytes.Index(b[start:], []byte("?>"))
	if end < 0 {
		return b
	}
	end += start
	loc := prologEncoding.FindSubmatchIndex(b[start:end])
	if loc == nil {
		return b
	}
	from, to := start+loc[2], start+loc[3]
	if strings.EqualFold(string(b[from:to]), "utf-8") {
		return b
	}
	return append(append(append([]byte(nil), b[:from]...), "UTF-8"...), b[to:]...)
}

// lineList names the lines of a feed where repairs were made: a few, and
// how many more.
func lineList(lines []int) string {
	var uniq []string
	last := 0
	for _, l := range lines {
		if l != last {
			uniq = append(uniq, strconv.Itoa(l))
			last = l
		}
	}
	const shown = 5
	switch n := len(uniq); {
	case n == 1:
		return "line " + uniq[0]
	case n <= shown:
		return "lines " + strings.Join(uniq[:n-1], ", ") + " and " + uniq[n-1]
	default:
		return fmt.Sprintf("lines %s and %d more", strings.Join(uniq[:shown], ", "), n-shown)
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
