package pdf

import (
	"maps"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

func TestVisual(t *testing.T) {
	for _, tc := range []struct{ logical, visual string }{
		{"Plain Latin", "Plain Latin"},
		{"Ünïcødé 王", "Ünïcødé 王"},
		{"דוד", "דוד"},
		{"דוד כהן", "ןהכ דוד"},
		// Latin paragraph with a Hebrew word and a number after it: the number
		// belongs to the right-to-left run (W7, I1).
		{"abc עברית 123 def", "abc 123 תירבע def"},
		{"abc עברית 123, def", "abc 123 תירבע, def"},
		{"Anna (אנה) Levi", "Anna (הנא) Levi"},
		// Hebrew paragraph: runs in reverse order, Latin and numbers read left to right.
		{"לוי 2 Smith", "Smith 2 יול"},
		{"עברית 123 456 def", "def 456 123 תירבע"},
		{"כהן (Cohen)", "(Cohen) ןהכ"},
		{"(דוד)", "(דוד)"}, // mirrored brackets
		// Points stay after their letter.
		{"שָׁלוֹם", "םוֹלשָׁ"},
		// Arabic-Indic digits are read left to right inside Arabic.
		{"ﻣﺤﻤﺪ ١٢٣", "١٢٣ ﺪﻤﺤﻣ"},
	} {
		if got := visual(tc.logical); got != tc.visual {
			t.Errorf("visual(%q) = %q, want %q", tc.logical, got, tc.visual)
		}
	}
}

func TestShapeArabic(t *testing.T) {
	all := func(rune) bool { return true }
	for _, tc := range []struct{ in, want string }{
		{"Plain", "Plain"},
		{"محمد", "\uFEE3\uFEA4\uFEE4\uFEAA"}, // initial, medial, medial, final
		{"علي", "\uFECB\uFEE0\uFEF2"},        // initial, medial, final
		{"دار", "\uFEA9\uFE8D\uFEAD"},        // dal and alef do not join forwards
		{"لا", "\uFEFB"},                     // lam-alef ligature
		{"سلام", "\uFEB3\uFEFC\uFEE1"},       // lam-alef final after a joining letter
		{"ء", "\uFE80"},                      // hamza alone
		{"مُحَمَّد", "\uFEE3\u064F\uFEA4\u064E\uFEE4\u064E\u0651\uFEAA"},      // marks are transparent
		{"می\u200cخواهم", "\uFEE3\uFBFD\u200c\uFEA7\uFEEE\uFE8D\uFEEB\uFEE2"}, // ZWNJ breaks
		{"ب\u200d", "\uFE91\u200d"},   // ZWJ joins
		{"پدر", "\uFB58\uFEAA\uFEAD"}, // Persian peh
		{"a ب b", "a \uFE8F b"},
	} {
		if got := shapeArabic(tc.in, all); got != tc.want {
			t.Errorf("shapeArabic(%q) = %+q, want %+q", tc.in, got, tc.want)
		}
		if norm.NFKC.String(shapeArabic(tc.in, all)) != norm.NFKC.String(tc.in) {
			t.Errorf("shapeArabic(%q) does not fold back to the letters", tc.in)
		}
	}
	// A form no font has leaves the letter as it was.
	none := func(r rune) bool { return r < 0xFB00 }
	if got := shapeArabic("محمد", none); got != "محمد" {
		t.Errorf("without presentation forms: %+q", got)
	}
	if strings.ContainsRune(shapeArabic("لا", func(r rune) bool { return r != 0xFEFB }), 0xFEFB) {
		t.Error("ligature used although no font has it")
	}
}

// FuzzVisual: any line comes back as a reordering of its runes (brackets may be
// mirrored), without panicking.
func FuzzVisual(f *testing.F) {
	for _, s := range []string{"abc עברית 123 def", "לוי 2 Smith", "(דוד) [x]", "ﻣﺤﻤﺪ ١٢٣", "a\u0301ב\u05b8", "1.2,3 ש $4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		got := visual(s)
		count := func(s string) map[rune]int {
			m := map[rune]int{}
			for _, r := range s {
				if p, _ := bidi.LookupRune(r); p.IsBracket() {
					r = '('
				}
				m[r]++
			}
			return m
		}
		if !maps.Equal(count(got), count(s)) {
			t.Errorf("visual(%q) = %q: not a reordering", s, got)
		}
	})
}
