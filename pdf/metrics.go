package pdf

import (
	"fmt"
	"sync"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// fontMetrics tells whether a font has a glyph for a rune and how wide it is, in 1/1000
// em, as gopdf measures it.
type fontMetrics interface {
	width(r rune) (w uint16, ok bool)
}

// gopdfMetrics are gopdf's own, from its parse of the font.
type gopdfMetrics struct{ *gopdf.SubsetFontObj }

func (m gopdfMetrics) width(r rune) (uint16, bool) {
	gi, err := m.CharCodeToGlyphIndex(r)
	if err != nil || gi == 0 {
		return 0, false
	}
	return uint16(min(m.GlyphIndexToPdfWidth(gi), 0xFFFF)), true
}

// sfntMetrics read the cmap and hmtx tables in place (golang.org/x/image/font/sfnt),
// building no per-glyph tables.
type sfntMetrics struct {
	f       *sfnt.Font
	upm     int
	buffers sync.Pool // *sfnt.Buffer: a Font is safe for concurrent use, a Buffer is not
}

func newSfntMetrics(data []byte) (*sfntMetrics, error) {
	f, err := sfnt.Parse(data)
	if err != nil {
		return nil, err
	}
	upm := int(f.UnitsPerEm())
	if upm <= 0 {
		return nil, fmt.Errorf("units per em %d", upm)
	}
	return &sfntMetrics{f: f, upm: upm, buffers: sync.Pool{New: func() any { return new(sfnt.Buffer) }}}, nil
}

func (m *sfntMetrics) width(r rune) (uint16, bool) {
	b := m.buffers.Get().(*sfnt.Buffer)
	defer m.buffers.Put(b)
	gi, err := m.f.GlyphIndex(b, r)
	if err != nil || gi == 0 {
		return 0, false
	}
	// At ppem = units per em (as a raw 26.6 value) the advance comes back unscaled, in
	// font units; gopdf then truncates units × 1000 / units per em.
	adv, err := m.f.GlyphAdvance(b, gi, fixed.Int26_6(m.upm), font.HintingNone)
	if err != nil {
		return 0, false
	}
	return uint16(min(int(adv)*1000/m.upm, 0xFFFF)), true
}
