package pdf

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxExamples bounds the distinct undrawable runes named in the log line.
const maxExamples = 8

// cleaner turns stored text into drawable text: NFC, Arabic letters joined (arabic.go),
// whitespace and control characters
// collapsed to single spaces, trimmed; a rune no font has becomes replacementRune and
// is counted; a default-ignorable rune no font has (zero-width joiner, BOM, variation
// selector) is invisible by definition, so it is left out and counted separately.
// After clean, every rune of the result has a glyph in both styles.
type cleaner struct {
	g         *glyphs
	missing   int
	invisible int
	examples  []rune
}

// clean returns s ready to measure and draw.
func (c *cleaner) clean(s string) string {
	if plainASCII(s) {
		return s
	}
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	s = shapeArabic(s, c.drawable)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				c.note(r, false)
				space = c.write(&b, replacementRune, space)
				continue
			}
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		switch c.g.lookup(regular, r).face {
		case noFace:
			c.note(r, false)
			r = replacementRune
		case invisible:
			c.note(r, true)
			continue
		}
		space = c.write(&b, r, space)
	}
	return b.String()
}

// drawable reports whether a font has r.
func (c *cleaner) drawable(r rune) bool { return c.g.lookup(regular, r).face >= 0 }

// write appends r, preceded by one space when a space is pending.
func (c *cleaner) write(b *strings.Builder, r rune, space bool) bool {
	if space {
		b.WriteByte(' ')
	}
	b.WriteRune(r)
	return false
}

// note counts one rune that could not be drawn.
func (c *cleaner) note(r rune, invisible bool) {
	if invisible {
		c.invisible++
	} else {
		c.missing++
	}
	if len(c.examples) < maxExamples && !slices.Contains(c.examples, r) {
		c.examples = append(c.examples, r)
	}
}

// exampleList formats the noted runes as "U+0E01 U+1F600".
func (c *cleaner) exampleList() string {
	parts := make([]string, len(c.examples))
	for i, r := range c.examples {
		parts[i] = fmt.Sprintf("U+%04X", r)
	}
	return strings.Join(parts, " ")
}

// plainASCII reports whether s is printable ASCII with single inner spaces and no
// leading or trailing space: already clean, and drawable by Go Regular and Go Bold.
func plainASCII(s string) bool {
	prevSpace := true
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x20 || ch > 0x7E {
			return false
		}
		if ch == ' ' {
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		}
		prevSpace = false
	}
	return !prevSpace || len(s) == 0
}
