package event

import (
	"slices"
	"strings"
)

// A spreadsheet that opens a CSV reads a cell beginning with "=", "+", "-"
// or "@" as a formula, and some also after a leading tab or carriage
// return; a formula can fetch a URL carrying the sheet's data or run a
// program ("CSV injection"). Titles, reasons and evidence come from
// feeds anyone can write, so every CSV this program writes passes its
// text cells through CSVText, as OWASP recommends:
// https://owasp.org/www-community/attacks/CSV_Injection

// formulaStart reports whether a spreadsheet may read a cell beginning
// with c as a formula.
func formulaStart(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// CSVText returns s as a text cell that a spreadsheet shows rather than
// evaluates: s with a single quote in front when it begins with a
// character that starts a formula. So that the quote can be taken off
// again without guessing, a cell that is single quotes followed by such
// a character gets one more; CSVUntext undoes either.
//
// Numbers that the program writes itself (confidence, counts) are not
// text and do not go through it, so a negative number would stay a
// number.
func CSVText(s string) string {
	rest := strings.TrimLeft(s, "'")
	if rest != "" && formulaStart(rest[0]) {
		return "'" + s
	}
	return s
}

// CSVUntext returns the text that CSVText made s from.
func CSVUntext(s string) string {
	rest := strings.TrimLeft(s, "'")
	if len(rest) < len(s) && rest != "" && formulaStart(rest[0]) {
		return s[1:]
	}
	return s
}

// CSVTextRow applies CSVText to every cell of row but those at the
// indexes numeric gives, and returns row. Cells are text unless listed,
// so a column added later is neutralised without anyone remembering to.
func CSVTextRow(row []string, numeric ...int) []string {
	for i := range row {
		if !slices.Contains(numeric, i) {
			row[i] = CSVText(row[i])
		}
	}
	return row
}
