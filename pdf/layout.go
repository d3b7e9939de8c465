package pdf

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Page geometry in points: A4 portrait (gopdf.PageSizeA4).
const (
	pageW    = 595.0
	pageH    = 842.0
	margin   = 40.0
	contentW = pageW - 2*margin

	titleSize    = 16.0
	titleLeading = 20.0
	metaSize     = 9.0
	runningSize  = 10.0
	bodySize     = 9.0
	leading      = 11.5
	padX         = 4.0
	padY         = 3.5
	footerSize   = 8.0

	maxTitleLines  = 2
	maxNameLines   = 4
	maxNumberLines = 40 // a row always fits on one page

	headerRowH = leading + 2*padY
	// bodyBottom is the lowest y a table row may reach; the footer sits below it.
	bodyBottom   = pageH - margin - 12
	footerBase   = pageH - margin + 8
	runningH     = 22.0
	firstGapH    = 12.0
	ctxCheckRows = 256
)

// Columns of the member table.
const (
	colLast = iota
	colFirst
	colNumbers
	numCols
)

// Column widths in points.
const (
	lastW    = 165.0
	firstW   = 150.0
	numbersW = contentW - lastW - firstW
)

// colX is the left edge of column c.
func colX(c int) float64 {
	switch c {
	case colLast:
		return margin
	case colFirst:
		return margin + lastW
	default:
		return margin + lastW + firstW
	}
}

// colW is the width of column c.
func colW(c int) float64 {
	switch c {
	case colLast:
		return lastW
	case colFirst:
		return firstW
	default:
		return numbersW
	}
}

// colTitle is the header of column c (the KAZOO template's).
func colTitle(c int) string {
	switch c {
	case colLast:
		return "Last Name"
	case colFirst:
		return "First Name"
	default:
		return "Numbers"
	}
}

// Placeholders shown (greyed) instead of missing data.
const (
	noNameText      = "(no name)"
	userDeletedText = "(user deleted)"
	noDirNameText   = "(unnamed directory)"
	noMembersText   = "(no members)"
	ellipsis        = "…"
)

// cellRef points at a cell's lines in layout.lines.
type cellRef struct{ first, n int32 }

// row is one laid-out table row.
type row struct {
	cells  [numCols]cellRef
	muted  [numCols]bool
	height float64
}

// layout is the whole document, measured and paginated, ready to draw.
type layout struct {
	lines     []string
	title     []string
	titleMute bool
	running   string
	meta      string
	generated string
	rows      []row
	pages     [][2]int // row index ranges
}

// layouter measures text with the render's glyph cache.
type layouter struct {
	g *glyphs
	c *cleaner
	l *layout
}

// buildLayout cleans, wraps and paginates everything p prints; entries are already sorted.
func buildLayout(ctx context.Context, g *glyphs, c *cleaner, p directory.Printout, entries []directory.Entry) (*layout, error) {
	lo := &layouter{g: g, c: c, l: &layout{
		lines: make([]string, 0, len(entries)*3),
		rows:  make([]row, 0, len(entries)),
	}}
	lo.header(p, len(entries))
	var numbers strings.Builder
	for i, e := range entries {
		if i%ctxCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		lo.l.rows = append(lo.l.rows, lo.row(e, &numbers))
	}
	lo.paginate()
	lo.l.toVisual()
	return lo.l, nil
}

// toVisual puts every line in drawing order (bidi.go); wrapping and truncation work
// on logical order before.
func (l *layout) toVisual() {
	for i, s := range l.lines {
		l.lines[i] = visual(s)
	}
	for i, s := range l.title {
		l.title[i] = visual(s)
	}
	l.running, l.meta = visual(l.running), visual(l.meta)
}

// header lays out the title block, the running header and the footer text.
func (lo *layouter) header(p directory.Printout, members int) {
	name := lo.c.clean(p.Name())
	if name == "" {
		name, lo.l.titleMute = noDirNameText, true
	}
	lo.l.title = lo.wrapped(name, bold, titleSize, contentW, maxTitleLines)
	lo.l.running = lo.fit(name, bold, runningSize, contentW)
	count := strconv.Itoa(members) + " members"
	if members == 1 {
		count = "1 member"
	}
	if account := lo.c.clean(p.AccountName); account != "" {
		count = account + " · " + count
	}
	lo.l.meta = lo.fit(count, regular, metaSize, contentW)
	if !p.Generated.IsZero() {
		lo.l.generated = "Generated " + p.Generated.UTC().Format("2006-01-02 15:04 UTC")
	}
}

// row lays out one entry.
func (lo *layouter) row(e directory.Entry, numbers *strings.Builder) row {
	var r row
	last, first := lo.c.clean(e.LastName), lo.c.clean(e.FirstName)
	switch {
	case e.UserMissing:
		last, first = userDeletedText, lo.c.clean(e.UserID)
		r.muted[colLast], r.muted[colFirst] = true, true
	case last == "" && first == "":
		last, r.muted[colLast] = noNameText, true
	}
	numbers.Reset()
	for _, n := range e.Numbers {
		if n = lo.c.clean(n); n == "" {
			continue
		}
		if numbers.Len() > 0 {
			numbers.WriteString(", ")
		}
		numbers.WriteString(n)
	}
	r.cells[colLast] = lo.wrap(last, regular, bodySize, colW(colLast)-2*padX, maxNameLines)
	r.cells[colFirst] = lo.wrap(first, regular, bodySize, colW(colFirst)-2*padX, maxNameLines)
	r.cells[colNumbers] = lo.wrap(numbers.String(), regular, bodySize, colW(colNumbers)-2*padX, maxNumberLines)
	n := int32(1)
	for _, c := range r.cells {
		n = max(n, c.n)
	}
	r.height = float64(n)*leading + 2*padY
	return r
}

// paginate splits the rows into pages.
func (lo *layouter) paginate() {
	top := lo.firstTableTop() + headerRowH
	y, start := top, 0
	for i, r := range lo.l.rows {
		if y+r.height > bodyBottom && i > start {
			lo.l.pages = append(lo.l.pages, [2]int{start, i})
			start, y = i, margin+runningH+headerRowH
		}
		y += r.height
	}
	lo.l.pages = append(lo.l.pages, [2]int{start, len(lo.l.rows)})
}

// firstTableTop is where the table header starts on page 1.
func (lo *layouter) firstTableTop() float64 {
	return margin + float64(len(lo.l.title))*titleLeading + leading + firstGapH
}

// wrapped wraps s and returns its lines as a slice of their own.
func (lo *layouter) wrapped(s string, st style, size, maxW float64, maxLines int) []string {
	ref := lo.wrap(s, st, size, maxW, maxLines)
	out := append([]string(nil), lo.l.lines[ref.first:ref.first+ref.n]...)
	lo.l.lines = lo.l.lines[:ref.first]
	return out
}

// fit returns s on one line, truncated with an ellipsis when wider than maxW.
func (lo *layouter) fit(s string, st style, size, maxW float64) string {
	if lo.g.width(st, s) <= units(maxW, size) {
		return s
	}
	return lo.ellipsize(s, st, units(maxW, size))
}

// units converts a width in points at size to 1/1000 em.
func units(w, size float64) int { return int(w * 1000 / size) }

// wrap breaks s (cleaned) into lines no wider than maxW at font size: at spaces, after
// hyphens, or inside a word wider than a line. When more than maxLines would be
// needed, the last line ends with an ellipsis. Lines are appended to l.lines.
func (lo *layouter) wrap(s string, st style, size, maxW float64, maxLines int) cellRef {
	ref := cellRef{first: int32(len(lo.l.lines))}
	limit := units(maxW, size)
	start, w := 0, 0
	brkEnd, brkNext := -1, -1 // the last break opportunity in the current line
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		rw := int(lo.g.lookup(st, r).width)
		if w+rw <= limit || i == start {
			switch {
			case r == ' ':
				brkEnd, brkNext = i, i+n
			case (r == '-' || r == '\u2010') && i > start:
				brkEnd, brkNext = i+n, i+n
			}
			w += rw
			i += n
			continue
		}
		if int(ref.n) == maxLines-1 {
			lo.l.lines = append(lo.l.lines, lo.ellipsize(s[start:], st, limit))
			ref.n++
			return ref
		}
		lineStart, end := start, i
		switch {
		case r == ' ':
			start, i, w = i+n, i+n, 0
		case brkEnd > start:
			end, start = brkEnd, brkNext
			w = lo.g.width(st, s[start:i])
		default:
			start, w = i, 0
		}
		brkEnd, brkNext = -1, -1
		lo.l.lines = append(lo.l.lines, s[lineStart:end])
		ref.n++
	}
	if start < len(s) {
		lo.l.lines = append(lo.l.lines, s[start:])
		ref.n++
	}
	return ref
}

// ellipsize returns the longest prefix of s that fits in limit (1/1000 em) together
// with an ellipsis, trailing spaces and commas removed, followed by the ellipsis.
func (lo *layouter) ellipsize(s string, st style, limit int) string {
	w := lo.g.width(st, ellipsis)
	cut := 0
	for i, r := range s {
		w += int(lo.g.lookup(st, r).width)
		if w > limit {
			break
		}
		cut = i + utf8.RuneLen(r)
	}
	return strings.TrimRight(s[:cut], " ,") + ellipsis
}
