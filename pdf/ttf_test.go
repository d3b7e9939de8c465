package pdf

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"strconv"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pdf/fonts"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// nestedComposites counts composite glyphs of font data with a composite component.
func nestedComposites(t *testing.T, data []byte) int {
	t.Helper()
	f, err := parseSfnt(data)
	if err != nil {
		t.Fatal(err)
	}
	glyphs, err := f.glyphs()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range glyphs {
		if !isComposite(g) {
			continue
		}
		cs, ok := components(g)
		if !ok {
			t.Fatal("unparsable composite")
		}
		for _, c := range cs {
			if isComposite(glyphs[c.glyph]) {
				n++
				break
			}
		}
	}
	return n
}

func TestFlattenCompositesKeepsOutlines(t *testing.T) {
	if n := nestedComposites(t, fonts.DejaVuSans); n < 600 {
		t.Fatalf("DejaVu Sans has %d nested composites; the test expects its 659", n)
	}
	flat := flattenComposites(fonts.DejaVuSans)
	if n := nestedComposites(t, flat); n != 0 {
		t.Errorf("%d nested composites left", n)
	}
	before, err := sfnt.Parse(fonts.DejaVuSans)
	if err != nil {
		t.Fatal(err)
	}
	after, err := sfnt.Parse(flat)
	if err != nil {
		t.Fatalf("flattened font does not parse: %v", err)
	}
	var b1, b2 sfnt.Buffer
	ppem := fixed.I(1000)
	for i := range before.NumGlyphs() {
		s1, err1 := before.LoadGlyph(&b1, sfnt.GlyphIndex(i), ppem, nil)
		s2, err2 := after.LoadGlyph(&b2, sfnt.GlyphIndex(i), ppem, nil)
		if (err1 == nil) != (err2 == nil) || len(s1) != len(s2) {
			t.Fatalf("glyph %d: %d segments (%v) before, %d (%v) after", i, len(s1), err1, len(s2), err2)
		}
		for k := range s1 {
			if s1[k] != s2[k] {
				t.Fatalf("glyph %d segment %d: %v before, %v after", i, k, s1[k], s2[k])
			}
		}
	}
	// Fonts without nested composites are passed through as they are.
	if got := flattenComposites(fonts.DroidSansFallbackFull); &got[0] != &fonts.DroidSansFallbackFull[0] {
		t.Error("Droid Sans Fallback was rewritten although it has no nested composites")
	}
	if got := flattenComposites([]byte("junk")); string(got) != "junk" {
		t.Error("junk not passed through")
	}
}

// TestEmbeddedSubsetsAreComplete renders letters drawn from nested composites (beh
// initial, alef with hamza, Vietnamese with two accents) and checks, in the font
// subsets embedded in the PDF, that every component of every composite glyph kept
// has an outline: without flattening, gopdf drops the dots and accents.
func TestEmbeddedSubsetsAreComplete(t *testing.T) {
	r := newTestRenderer(t, "", nil)
	pdf := render(t, r, printout("X", "", member(1, "أحمد", "بنت"), member(2, "Nguyễn", "Ệ ấ ỗ"), member(3, "小明", "王"), member(4, "민준", "김")))
	ref := regexp.MustCompile(`/FontFile2 (\d+) 0 R`)
	subsets := ref.FindAllSubmatch(pdf, -1)
	if len(subsets) < 4 {
		t.Fatalf("%d embedded fonts, want the Go, DejaVu, Nanum and Droid subsets", len(subsets))
	}
	composites := 0
	for _, m := range subsets {
		n, _ := strconv.Atoi(string(m[1]))
		start := bytes.Index(pdf, []byte("\n"+strconv.Itoa(n)+" 0 obj"))
		s := bytes.Index(pdf[start:], []byte("stream\n"))
		e := bytes.Index(pdf[start:], []byte("endstream"))
		if start < 0 || s < 0 || e < s {
			t.Fatalf("font object %d not found", n)
		}
		zr, err := zlib.NewReader(bytes.NewReader(pdf[start+s+len("stream\n") : start+e]))
		if err != nil {
			t.Fatal(err)
		}
		font, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parseSfnt(font)
		if err != nil {
			t.Fatal(err)
		}
		glyphs, err := f.glyphs()
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range glyphs {
			if !isComposite(g) {
				continue
			}
			composites++
			cs, _ := components(g)
			for _, c := range cs {
				if len(glyphs[c.glyph]) == 0 {
					t.Errorf("font object %d: glyph %d lacks its component %d", n, i, c.glyph)
				}
			}
		}
	}
	if composites == 0 {
		t.Error("no composite glyph embedded: the test checks nothing")
	}
}
