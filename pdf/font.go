package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sync"
	"unicode"

	"github.com/kazoo-directories/kazoo-directories/pdf/fonts"
	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// style selects the regular or the bold font chain.
type style uint8

const (
	regular style = iota
	bold
	numStyles
)

// face is one TrueType font of the set. Its metrics (which runes it draws, how wide)
// are read at New; gopdf parses it into fontSet.container only when a render first
// uses it (embed), so the compiled-in fallback fonts cost no memory until a name
// needs them.
type face struct {
	family  string // PDF family name
	source  string // file path or the name of an embedded font, for messages
	metrics fontMetrics
	only    []*unicode.RangeTable // when set, the face draws only runes of these scripts
	data    []byte                // the TrueType data, until embedded

	once     sync.Once
	embedErr error
}

// glyph says how one rune is drawn in one style: by which face (an index into
// fontSet.faces) and how wide it is in 1/1000 em.
type glyph struct {
	face  int8
	width uint16
}

// Special glyph.face values.
const (
	noFace    = -1 // no configured font has the rune: draw replacementRune
	invisible = -2 // invisible format character (ZWJ, BOM, ...): draw nothing
)

// replacementRune is drawn for runes no font has. Go Regular has it.
const replacementRune = '\uFFFD'

// latinTable covers ASCII, Latin-1 and Latin Extended-A/B without a map lookup.
const latinTable = 0x250

// fontSet holds every font and the per-style fallback chains.
type fontSet struct {
	container *gopdf.FontContainer
	faces     []*face
	chains    [numStyles][]int8
	latin     [numStyles][latinTable]glyph
}

// bundled are the fonts compiled into the binary (package fonts), tried after the Go
// fonts and the configured files. NanumSquare draws only Hangul: Droid Sans Fallback
// has 3 of the 11,172 syllables, and NanumSquare's Han would mix two styles in one
// Chinese name.
var bundled = []struct {
	name string
	data []byte
	only []*unicode.RangeTable
}{
	{"DejaVu Sans (embedded)", fonts.DejaVuSans, nil},
	{"NanumSquare (embedded)", fonts.NanumSquareR, []*unicode.RangeTable{unicode.Hangul}},
	{"Droid Sans Fallback (embedded)", fonts.DroidSansFallbackFull, nil},
}

// newFontSet reads the Go fonts, parses every extra TTF in order, reads the bundled
// fonts, and then adds installed fonts found in dirs for scripts none of those covers.
func newFontSet(files, dirs []string) (*fontSet, error) {
	fs := &fontSet{container: &gopdf.FontContainer{}}
	if err := fs.addCompiled("Go Regular", goregular.TTF, nil); err != nil {
		return nil, err
	}
	if err := fs.addCompiled("Go Bold", gobold.TTF, nil); err != nil {
		return nil, err
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("pdf: font file: %w", err)
		}
		if err := fs.add(path, data, nil); err != nil {
			return nil, err
		}
	}
	for _, b := range bundled {
		if err := fs.addCompiled(b.name, b.data, b.only); err != nil {
			return nil, err
		}
	}
	fs.buildChains()
	if fs.discover(dirs) {
		fs.buildChains()
	}
	return fs, nil
}

// buildChains sets the per-style fallback chains over all faces and the Latin table.
func (fs *fontSet) buildChains() {
	// Bold falls back to regular Go before the other fonts, so bold covers at least
	// what regular covers: text is cleaned once, for both styles.
	fs.chains[regular] = []int8{0}
	fs.chains[bold] = []int8{1, 0}
	for i := 2; i < len(fs.faces); i++ {
		fs.chains[regular] = append(fs.chains[regular], int8(i))
		fs.chains[bold] = append(fs.chains[bold], int8(i))
	}
	for s := range numStyles {
		for r := range rune(latinTable) {
			fs.latin[s][r] = fs.find(s, r)
		}
	}
}

// add parses a font given at run time (a configured or an installed file) with gopdf,
// whose cmap is then the one that decides coverage, and embeds it at once, so New
// rejects what gopdf cannot embed. gopdf can panic on malformed data: that is an
// error too.
func (fs *fontSet) add(source string, data []byte, only []*unicode.RangeTable) (err error) {
	if len(fs.faces) >= maxFaces {
		return fmt.Errorf("pdf: font file %q: too many font files", source)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("pdf: font file %q: malformed TrueType data (%v)", source, p)
		}
	}()
	if err := checkTrueType(data); err != nil {
		return fmt.Errorf("pdf: font file %q: %w", source, err)
	}
	m := &gopdf.SubsetFontObj{}
	if err := m.SetTTFData(data); err != nil {
		return fmt.Errorf("pdf: font file %q: %w", source, err)
	}
	f := &face{family: fs.nextFamily(), source: source, metrics: gopdfMetrics{m}, only: only, data: data}
	if err := fs.embed(f); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	fs.faces = append(fs.faces, f)
	return nil
}

// addCompiled reads the metrics of a font compiled into the binary from its cmap and
// hmtx tables (TestCompiledMetricsMatchGopdf: the same as gopdf's); gopdf parses it
// on first use.
func (fs *fontSet) addCompiled(source string, data []byte, only []*unicode.RangeTable) error {
	m, err := newSfntMetrics(data)
	if err != nil {
		return fmt.Errorf("pdf: font %q: %w", source, err)
	}
	fs.faces = append(fs.faces, &face{family: fs.nextFamily(), source: source, metrics: m, only: only, data: data})
	return nil
}

func (fs *fontSet) nextFamily() string { return fmt.Sprintf("F%d", len(fs.faces)) }

// embed parses f into the container, once; renders call it for the faces they use.
func (fs *fontSet) embed(f *face) error {
	f.once.Do(func() {
		defer func() {
			if p := recover(); p != nil {
				f.embedErr = fmt.Errorf("font %q: malformed TrueType data (%v)", f.source, p)
			}
		}()
		if err := fs.container.AddTTFFontData(f.family, flattenComposites(f.data)); err != nil {
			f.embedErr = fmt.Errorf("font %q: %w", f.source, err)
		}
		f.data = nil
	})
	return f.embedErr
}

// maxFaces bounds the fonts of one set (face indexes are int8).
const maxFaces = 100

// checkTrueType rejects what gopdf cannot embed with a clearer message than its own.
func checkTrueType(data []byte) error {
	switch {
	case len(data) < 12:
		return errors.New("not a font file (too short)")
	case bytes.HasPrefix(data, []byte("ttcf")):
		return errors.New("TrueType collections (.ttc) are not supported; extract one font to a .ttf")
	case bytes.HasPrefix(data, []byte("OTTO")):
		return errors.New("OpenType fonts with CFF outlines are not supported; use a TrueType (glyf) font")
	case !bytes.HasPrefix(data, []byte{0, 1, 0, 0}):
		return errors.New("not a TrueType font")
	}
	return nil
}

// find looks r up along the style's chain.
func (fs *fontSet) find(s style, r rune) glyph {
	if ignorable(r) {
		return glyph{face: invisible}
	}
	for _, i := range fs.chains[s] {
		if only := fs.faces[i].only; only != nil && !unicode.IsOneOf(only, r) {
			continue
		}
		if w, ok := fs.faces[i].metrics.width(r); ok {
			return glyph{face: i, width: w}
		}
	}
	return glyph{face: noFace}
}

// ignorable reports whether r is an invisible format character or a variation
// selector: never drawn, even where a font has a glyph for it (DejaVu Sans draws the
// zero-width joiner as a box). The joiners still steer Arabic joining (arabic.go)
// before they are left out. The Cf characters that are visible signs (Arabic number
// signs and the like) are not ignorable.
func ignorable(r rune) bool {
	switch {
	case r < 0xAD:
		return false
	case r >= 0x0600 && r <= 0x0605, r == 0x06DD, r == 0x070F, r == 0x0890, r == 0x0891,
		r == 0x08E2, r == 0x110BD, r == 0x110CD:
		return false
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r)
}

// glyphs is a per-render cache in front of fontSet.find; it also records which faces
// the document uses, so unused fallback fonts are not embedded.
type glyphs struct {
	fs   *fontSet
	m    [numStyles]map[rune]glyph
	used []bool
}

func newGlyphs(fs *fontSet) *glyphs {
	g := &glyphs{fs: fs, used: make([]bool, len(fs.faces))}
	for s := range numStyles {
		g.m[s] = make(map[rune]glyph)
	}
	g.used[0], g.used[1] = true, true
	return g
}

// lookup returns how r is drawn in style s.
func (g *glyphs) lookup(s style, r rune) glyph {
	var gl glyph
	if r >= 0 && r < latinTable {
		gl = g.fs.latin[s][r]
	} else {
		var ok bool
		if gl, ok = g.m[s][r]; !ok {
			gl = g.fs.find(s, r)
			g.m[s][r] = gl
		}
	}
	if gl.face >= 0 {
		g.used[gl.face] = true
	}
	return gl
}

// width measures s (already cleaned) in style st, in 1/1000 em.
func (g *glyphs) width(st style, s string) int {
	w := 0
	for _, r := range s {
		w += int(g.lookup(st, r).width)
	}
	return w
}
