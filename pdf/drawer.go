package pdf

import (
	"context"
	"strconv"
	"unicode/utf8"

	"github.com/signintech/gopdf"
)

// colour is 0xRRGGBB.
type colour uint32

const (
	black      colour = 0x000000
	grey       colour = 0x6E6E6E
	headerFill colour = 0xE0E4EA
	zebraFill  colour = 0xF5F6F8
	ruleColour colour = 0xC8CCD2
)

func (c colour) rgb() (r, g, b uint8) { return uint8(c >> 16), uint8(c >> 8), uint8(c) }

// drawer puts a layout on gopdf pages, switching fonts and colours only on change.
//
// Text is drawn in gopdf's default "gray" mode, which writes no colour into each text
// object: text takes the current fill colour, which the drawer tracks itself (fill).
type drawer struct {
	gp   *gopdf.GoPdf
	fs   *fontSet
	g    *glyphs
	l    *layout
	face int8
	size float64
	fill colour
}

// draw renders l into a new gopdf document. Only the faces the text uses are embedded.
func draw(ctx context.Context, fs *fontSet, g *glyphs, l *layout, info gopdf.PdfInfo) (*gopdf.GoPdf, error) {
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	gp.SetInfo(info)
	gp.SetNoCompression()
	for i, f := range fs.faces {
		if !g.used[i] {
			continue
		}
		if err := fs.embed(f); err != nil {
			return nil, err
		}
		if err := gp.AddTTFFontFromFontContainer(f.family, fs.container); err != nil {
			return nil, err
		}
	}
	d := &drawer{gp: gp, fs: fs, g: g, l: l, face: -1}
	for n, pg := range l.pages {
		if err := d.page(ctx, n, pg); err != nil {
			return nil, err
		}
	}
	return gp, nil
}

// page draws page n (0-based) with rows pg[0]..pg[1].
func (d *drawer) page(ctx context.Context, n int, pg [2]int) error {
	d.gp.AddPage()
	d.fill = black // each page's content stream starts with black fill
	d.gp.SetLineWidth(0.5)
	d.gp.SetStrokeColor(ruleColour.rgb())
	y, err := d.pageHeader(n)
	if err != nil {
		return err
	}
	if y, err = d.tableHeader(y); err != nil {
		return err
	}
	if pg[0] == pg[1] {
		if err := d.text(margin+padX, y+padY, noMembersText, regular, bodySize, grey); err != nil {
			return err
		}
	}
	for i := pg[0]; i < pg[1]; i++ {
		if i%ctxCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if y, err = d.row(y, i); err != nil {
			return err
		}
	}
	if pg[0] < pg[1] {
		d.gp.Line(margin, y, margin+contentW, y)
	}
	return d.footer(n)
}

// pageHeader draws the title block on page 1 and the running header elsewhere, and
// returns where the table starts.
func (d *drawer) pageHeader(n int) (float64, error) {
	if n > 0 {
		err := d.text(margin, margin, d.l.running, bold, runningSize, grey)
		return margin + runningH, err
	}
	colour := black
	if d.l.titleMute {
		colour = grey
	}
	y := margin
	for _, line := range d.l.title {
		if err := d.text(margin, y, line, bold, titleSize, colour); err != nil {
			return 0, err
		}
		y += titleLeading
	}
	if err := d.text(margin, y, d.l.meta, regular, metaSize, grey); err != nil {
		return 0, err
	}
	return y + leading + firstGapH, nil
}

// tableHeader draws the column titles at y and returns the y below them.
func (d *drawer) tableHeader(y float64) (float64, error) {
	d.paint(margin, y, contentW, headerRowH, headerFill)
	for c := range numCols {
		if err := d.text(colX(c)+padX, y+padY, colTitle(c), bold, bodySize, black); err != nil {
			return 0, err
		}
	}
	d.gp.Line(margin, y+headerRowH, margin+contentW, y+headerRowH)
	return y + headerRowH, nil
}

// row draws row i at y and returns the y below it.
func (d *drawer) row(y float64, i int) (float64, error) {
	r := &d.l.rows[i]
	if i%2 == 1 {
		d.paint(margin, y, contentW, r.height, zebraFill)
	}
	for c, ref := range r.cells {
		colour := black
		if r.muted[c] {
			colour = grey
		}
		for k := range ref.n {
			line := d.l.lines[ref.first+k]
			if err := d.text(colX(c)+padX, y+padY+float64(k)*leading, line, regular, bodySize, colour); err != nil {
				return 0, err
			}
		}
	}
	return y + r.height, nil
}

// footer draws the generation date and "Page N of M".
func (d *drawer) footer(n int) error {
	if err := d.text(margin, footerBase-footerSize, d.l.generated, regular, footerSize, grey); err != nil {
		return err
	}
	label := "Page " + strconv.Itoa(n+1) + " of " + strconv.Itoa(len(d.l.pages))
	w := float64(d.g.width(regular, label)) * footerSize / 1000
	return d.text(margin+contentW-w, footerBase-footerSize, label, regular, footerSize, grey)
}

// paint fills a rectangle.
func (d *drawer) paint(x, y, w, h float64, c colour) {
	d.setFill(c)
	d.gp.RectFromUpperLeftWithStyle(x, y, w, h, "F")
}

// setFill sets the fill (and so the text) colour when it changes.
func (d *drawer) setFill(c colour) {
	if c != d.fill {
		d.gp.SetFillColor(c.rgb())
		d.fill = c
	}
}

// text draws one cleaned line with its top at y, one gopdf text object per run of
// runes that share a face.
func (d *drawer) text(x, top float64, s string, st style, size float64, c colour) error {
	if s == "" {
		return nil
	}
	d.setFill(c)
	baseline := top + (leading*size/bodySize+size*0.7)/2
	// gopdf's Text advances x by the run's width, so only the first run is placed.
	d.gp.SetXY(x, baseline)
	runStart := 0
	runFace := d.g.lookup(st, firstRune(s)).face
	for i, r := range s {
		if f := d.g.lookup(st, r).face; f != runFace {
			if err := d.run(s[runStart:i], runFace, size); err != nil {
				return err
			}
			runStart, runFace = i, f
		}
	}
	return d.run(s[runStart:], runFace, size)
}

// run draws s in one face at the current position.
func (d *drawer) run(s string, f int8, size float64) error {
	if f < 0 { // cannot happen for cleaned text; never draw with a wrong font
		return nil
	}
	if f != d.face || size != d.size {
		if err := d.gp.SetFont(d.fs.faces[f].family, "", size); err != nil {
			return err
		}
		d.face, d.size = f, size
	}
	return d.gp.Text(s)
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}
