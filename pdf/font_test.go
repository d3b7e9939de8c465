package pdf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/kazoo-directories/kazoo-directories/pdf/fonts"
	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

func TestNewRejectsBadOptions(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := append([]byte{0, 1, 0, 0}, []byte(strings.Repeat("garbage!", 16))...)
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"missing file", Options{FontFiles: []string{filepath.Join(dir, "nope.ttf")}}, "nope.ttf"},
		{"not a font", Options{FontFiles: []string{write("text.ttf", []byte("hello, I am not a font file"))}}, "not a TrueType font"},
		{"collection", Options{FontFiles: []string{write("c.ttc", append([]byte("ttcf"), make([]byte, 40)...))}}, ".ttc"},
		{"cff", Options{FontFiles: []string{write("c.otf", append([]byte("OTTO"), make([]byte, 40)...))}}, "CFF"},
		{"truncated", Options{FontFiles: []string{write("t.ttf", []byte{0, 1, 0, 0})}}, "too short"},
		{"garbage tables", Options{FontFiles: []string{write("g.ttf", garbage)}}, "g.ttf"},
		{"bad locale", Options{Locale: "xx"}, `locale "xx"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(tc.opts)
			if err == nil {
				t.Fatalf("New accepted %+v", tc.opts)
			}
			if r != nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// Faces of a set without files or installed fonts.
const (
	faceGoRegular int8 = iota
	faceGoBold
	faceDejaVu
	faceNanum
	faceDroid
)

func TestFallbackChain(t *testing.T) {
	fs, err := newFontSet(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := newGlyphs(fs)
	for _, tc := range []struct {
		r     rune
		st    style
		face  int8
		label string
	}{
		{'Å', regular, faceGoRegular, "Latin in Go Regular"},
		{'Å', bold, faceGoBold, "Latin in Go Bold"},
		{'Д', regular, faceGoRegular, "Cyrillic in Go Regular"},
		{'Σ', bold, faceGoBold, "Greek in Go Bold"},
		{'ễ', regular, faceDejaVu, "Vietnamese in DejaVu"},
		{'ə', bold, faceDejaVu, "Azerbaijani in DejaVu, bold too"},
		{'ש', regular, faceDejaVu, "Hebrew in DejaVu"},
		{'ع', regular, faceDejaVu, "Arabic in DejaVu"},
		{'\uFEEB', regular, faceDejaVu, "Arabic presentation form in DejaVu"},
		{'王', regular, faceDroid, "Han in Droid Sans Fallback"},
		{'王', bold, faceDroid, "Han in Droid Sans Fallback, bold too"},
		{'カ', regular, faceDroid, "Katakana in Droid Sans Fallback"},
		{'가', regular, faceNanum, "Hangul in NanumSquare, although Droid has this syllable"},
		{'민', regular, faceNanum, "Hangul in NanumSquare"},
		{'ก', regular, noFace, "Thai nowhere"},
		{'\u200d', regular, invisible, "ZWJ is invisible"},
	} {
		if got := g.lookup(tc.st, tc.r).face; got != tc.face {
			t.Errorf("%s: face %d, want %d", tc.label, got, tc.face)
		}
	}
	// NanumSquare draws only Hangul: its Han would mix styles in a Chinese name.
	if got := g.lookup(regular, '金').face; got != faceDroid {
		t.Errorf("金 in face %d, want Droid Sans Fallback", got)
	}
	if !g.used[faceDroid] || !g.used[faceNanum] || !g.used[faceDejaVu] {
		t.Errorf("used faces %v", g.used)
	}
}

func TestClean(t *testing.T) {
	fs, err := newFontSet(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &cleaner{g: newGlyphs(fs)}
	for in, want := range map[string]string{
		"Plain Name":          "Plain Name",
		"  padded\t\tname \n": "padded name",
		"Zoe\u0308":           "Zoë", // NFD to NFC
		"a\x00b":              "a b",
		"ก":                   "\uFFFD",
		"bad\xffbyte":         "bad\uFFFDbyte",
		"zero\u200bwidth":     "zerowidth",
		"":                    "",
	} {
		if got := c.clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	if c.missing != 2 || c.invisible != 1 {
		t.Errorf("counted %d missing, %d invisible; want 2, 1", c.missing, c.invisible)
	}
}

func TestFontFilesComeBeforeEmbedded(t *testing.T) {
	// A copy of the embedded DejaVu Sans as a configured file: it, not the embedded
	// copy, draws Hebrew; Go Regular still draws Latin.
	path := filepath.Join(t.TempDir(), "mine.ttf")
	if err := os.WriteFile(path, fonts.DejaVuSans, 0o644); err != nil {
		t.Fatal(err)
	}
	fs, err := newFontSet([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := newGlyphs(fs)
	for r, want := range map[rune]int8{'A': faceGoRegular, 'ש': 2, 'ễ': 2, '王': faceDroid + 1} {
		if got := g.lookup(regular, r).face; got != want {
			t.Errorf("%q: face %d, want %d", r, got, want)
		}
	}
	if fs.faces[2].source != path {
		t.Errorf("face 2 is %s, want %s", fs.faces[2].source, path)
	}
}

// TestCompiledMetricsMatchGopdf: for every compiled-in font, the metrics read in place
// (sfntMetrics) agree with gopdf's parse, which embeds the font, on every rune of the
// Basic Multilingual Plane and every rune above it that either maps: the same runes
// have a glyph, with the same width. Otherwise a rune could be measured by one table
// and drawn by another.
func TestCompiledMetricsMatchGopdf(t *testing.T) {
	compiled := []struct {
		name string
		data []byte
	}{{"Go Regular", goregular.TTF}, {"Go Bold", gobold.TTF}}
	for _, b := range bundled {
		compiled = append(compiled, struct {
			name string
			data []byte
		}{b.name, b.data})
	}
	for _, c := range compiled {
		ours, err := newSfntMetrics(c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sub := &gopdf.SubsetFontObj{}
		if err := sub.SetTTFData(c.data); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		theirs := gopdfMetrics{sub}
		drawn := map[rune]bool{}
		check := func(r rune) {
			w1, ok1 := ours.width(r)
			w2, ok2 := theirs.width(r)
			if ok1 != ok2 || w1 != w2 {
				t.Errorf("%s: U+%04X: ours (%d, %v), gopdf (%d, %v)", c.name, r, w1, ok1, w2, ok2)
			}
			if ok2 {
				drawn[r] = true
			}
		}
		for r := rune(0); r <= 0xFFFF; r++ {
			check(r)
		}
		// Above the BMP: every rune gopdf maps (its format 12 groups), and every rune
		// sfnt maps (checked against gopdf only then: gopdf scans its groups linearly).
		for _, g := range sub.GetTTFParser().GroupingTables() {
			for r := max(rune(g.StartCharCode), 0x10000); r <= rune(g.EndCharCode); r++ {
				check(r)
			}
		}
		for r := rune(0x10000); r <= unicode.MaxRune; r++ {
			if _, ok := ours.width(r); ok {
				check(r)
			}
		}
		if len(drawn) < 500 {
			t.Errorf("%s: only %d runes with a glyph: the comparison saw nothing", c.name, len(drawn))
		}
		t.Logf("%s: %d runes with a glyph agree", c.name, len(drawn))
	}
}
