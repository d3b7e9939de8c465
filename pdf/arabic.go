package pdf

import (
	"strings"
	"unicode"
)

// Arabic joining, done with the presentation forms of Unicode's Arabic Presentation
// Forms-A and -B blocks (which DejaVu Sans has) instead of OpenType shaping, which
// gopdf does not do. Each letter takes its isolated, final, initial or medial form
// from its neighbours (marks are transparent; ZWJ joins, ZWNJ and anything else
// breaks); lam followed by alef becomes the lam-alef ligature. A form no font has
// leaves the letter as it was. Letters outside the table (rare extensions) stay
// unjoined.

// arabicForms holds a letter's presentation forms: isolated, final, initial, medial.
// Right-joining letters (alef, dal, reh, waw, ...) have no initial or medial form.
type arabicForms [4]rune

const (
	formIsolated = iota
	formFinal
	formInitial
	formMedial
)

// dual returns the forms of a dual-joining letter whose forms are consecutive from
// isolated.
func dual(isolated rune) arabicForms {
	return arabicForms{isolated, isolated + 1, isolated + 2, isolated + 3}
}

// right returns the forms of a right-joining letter.
func right(isolated rune) arabicForms { return arabicForms{isolated, isolated + 1, 0, 0} }

var arabicTable = map[rune]arabicForms{
	0x0621: {0xFE80, 0, 0, 0}, // hamza: joins nothing
	0x0622: right(0xFE81), 0x0623: right(0xFE83), 0x0624: right(0xFE85), 0x0625: right(0xFE87),
	0x0626: dual(0xFE89), 0x0627: right(0xFE8D), 0x0628: dual(0xFE8F), 0x0629: right(0xFE93),
	0x062A: dual(0xFE95), 0x062B: dual(0xFE99), 0x062C: dual(0xFE9D), 0x062D: dual(0xFEA1),
	0x062E: dual(0xFEA5), 0x062F: right(0xFEA9), 0x0630: right(0xFEAB), 0x0631: right(0xFEAD),
	0x0632: right(0xFEAF), 0x0633: dual(0xFEB1), 0x0634: dual(0xFEB5), 0x0635: dual(0xFEB9),
	0x0636: dual(0xFEBD), 0x0637: dual(0xFEC1), 0x0638: dual(0xFEC5), 0x0639: dual(0xFEC9),
	0x063A: dual(0xFECD), 0x0641: dual(0xFED1), 0x0642: dual(0xFED5), 0x0643: dual(0xFED9),
	0x0644: dual(0xFEDD), 0x0645: dual(0xFEE1), 0x0646: dual(0xFEE5), 0x0647: dual(0xFEE9),
	0x0648: right(0xFEED), 0x0649: right(0xFEEF), 0x064A: dual(0xFEF1),
	// Persian and Urdu letters, in Presentation Forms-A.
	0x067E: dual(0xFB56), 0x0686: dual(0xFB7A), 0x0698: right(0xFB8A), 0x06A9: dual(0xFB8E),
	0x06AF: dual(0xFB92), 0x06CC: dual(0xFBFC),
}

// lamAlef maps the alef after a lam to the ligature's isolated form (final is +1).
var lamAlef = map[rune]rune{0x0622: 0xFEF5, 0x0623: 0xFEF7, 0x0625: 0xFEF9, 0x0627: 0xFEFB}

const (
	lam          = 0x0644
	tatweel      = 0x0640
	zwj          = 0x200D
	arabicFirst  = 0x0600
	arabicLast   = 0x06FF
	joinsNothing = 0
)

// joinsBefore reports whether r connects to the letter before it (to its right):
// every letter of the table but hamza, tatweel and ZWJ.
func joinsBefore(r rune) bool {
	if r == tatweel || r == zwj {
		return true
	}
	f, ok := arabicTable[r]
	return ok && f[formFinal] != joinsNothing
}

// joinsAfter reports whether r connects to the letter after it (to its left): the
// dual-joining letters, tatweel and ZWJ.
func joinsAfter(r rune) bool {
	if r == tatweel || r == zwj {
		return true
	}
	f, ok := arabicTable[r]
	return ok && f[formInitial] != joinsNothing
}

// transparent reports whether r is skipped when looking for a letter's neighbours:
// combining marks (harakat, shadda, superscript alef).
func transparent(r rune) bool { return unicode.Is(unicode.Mn, r) }

// hasArabic reports whether s has a letter of the Arabic block.
func hasArabic(s string) bool {
	for _, r := range s {
		if r >= arabicFirst && r <= arabicLast {
			return true
		}
	}
	return false
}

// shapeArabic returns s (in logical order) with its Arabic letters in joined forms
// that drawable accepts.
func shapeArabic(s string, drawable func(rune) bool) string {
	if !hasArabic(s) {
		return s
	}
	in := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	// prev is the nearest non-transparent rune before i, next after i.
	neighbour := func(i, step int) rune {
		for j := i + step; j >= 0 && j < len(in); j += step {
			if !transparent(in[j]) {
				return in[j]
			}
		}
		return 0
	}
	for i := 0; i < len(in); i++ {
		r := in[i]
		forms, ok := arabicTable[r]
		if !ok {
			b.WriteRune(r)
			continue
		}
		joinPrev := joinsAfter(neighbour(i, -1))
		if r == lam && i+1 < len(in) {
			if lig, ok := lamAlef[in[i+1]]; ok {
				if joinPrev {
					lig++
				}
				if drawable(lig) {
					b.WriteRune(lig)
					i++
					continue
				}
			}
		}
		joinNext := forms[formInitial] != joinsNothing && joinsBefore(neighbour(i, 1))
		form := formIsolated
		switch {
		case joinPrev && joinNext:
			form = formMedial
		case joinPrev && forms[formFinal] != joinsNothing:
			form = formFinal
		case joinNext:
			form = formInitial
		}
		if f := forms[form]; f != 0 && drawable(f) {
			r = f
		}
		b.WriteRune(r)
	}
	return b.String()
}
