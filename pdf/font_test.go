package pdf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

func TestFallbackChain(t *testing.T) {
	fs, err := newFontSet([]string{needCJKFont(t)})
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
		{'Å', regular, 0, "Latin in Go Regular"},
		{'Å', bold, 1, "Latin in Go Bold"},
		{'Д', regular, 0, "Cyrillic in Go Regular"},
		{'Σ', bold, 1, "Greek in Go Bold"},
		{'王', regular, 2, "Han in the fallback"},
		{'王', bold, 2, "Han in the fallback, bold too"},
		{'ก', regular, noFace, "Thai nowhere"},
		{'\u200d', regular, invisible, "ZWJ is invisible"},
	} {
		if got := g.lookup(tc.st, tc.r).face; got != tc.face {
			t.Errorf("%s: face %d, want %d", tc.label, got, tc.face)
		}
	}
	if !g.used[2] {
		t.Error("fallback face not marked used")
	}
}

func TestClean(t *testing.T) {
	fs, err := newFontSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &cleaner{g: newGlyphs(fs)}
	for in, want := range map[string]string{
		"Plain Name":          "Plain Name",
		"  padded\t\tname \n": "padded name",
		"Zoe\u0308":           "Zoë", // NFD to NFC
		"a\x00b":              "a b",
		"王":                   "\uFFFD",
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

// dejaVu is a second fallback (Vietnamese, Azerbaijani, ...) present wherever
// fontconfig is; optional, so its absence only skips.
const dejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

func TestFallbackFontsTriedInOrder(t *testing.T) {
	cjk := needCJKFont(t)
	if _, err := os.Stat(dejaVu); err != nil {
		t.Skipf("optional second fallback missing: %v", err)
	}
	fs, err := newFontSet([]string{cjk, dejaVu})
	if err != nil {
		t.Fatal(err)
	}
	g := newGlyphs(fs)
	for r, want := range map[rune]int8{'A': 0, '王': 2, 'ễ': 3, 'ə': 3, 'ก': noFace} {
		if got := g.lookup(regular, r).face; got != want {
			t.Errorf("%q: face %d, want %d", r, got, want)
		}
	}
	// DejaVu has Latin too, but Go Regular comes first.
	if used := g.used; !used[2] || !used[3] {
		t.Errorf("used faces %v", used)
	}

	r, err := New(Options{FontFiles: []string{cjk, dejaVu}})
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, render(t, r, printout("Chi nhánh Hà Nội", "", member(1, "Văn Ễ", "Nguyễn", "1"), member(2, "Əli", "Məmmədov", "2"))))
	for _, want := range []string{"Chi nhánh Hà Nội", "Nguyễn", "Văn Ễ", "Məmmədov", "Əli"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q missing from:\n%s", want, text)
		}
	}
}
