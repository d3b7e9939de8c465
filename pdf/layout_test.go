package pdf

import (
	"strconv"
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	fs, err := newFontSet(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := newGlyphs(fs)
	lo := &layouter{g: g, c: &cleaner{g: g}, l: &layout{}}
	// pt is the width of s in points plus a little.
	pt := func(s string) float64 { return float64(g.width(regular, s))*bodySize/1000 + 0.5 }
	tests := []struct {
		in        string
		width     float64
		maxLines  int
		want      []string
		truncated bool
	}{
		{"", 60, 4, nil, false},
		{"Short", 60, 4, []string{"Short"}, false},
		{"one two three four", pt("three four"), 4, []string{"one two", "three four"}, false},
		{"Hohenzollern-Sigmaringen", pt("Hohenzollern-"), 4, []string{"Hohenzollern-", "Sigmaringen"}, false},
		{"Supercalifragilisticexpialidocious", 40, 4, nil, false},
		{"aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii", 60, 2, nil, true},
	}
	for _, tc := range tests {
		width := tc.width
		ref := lo.wrap(tc.in, regular, bodySize, tc.width, tc.maxLines)
		lines := lo.l.lines[ref.first : ref.first+ref.n]
		if tc.want != nil && strings.Join(lines, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrap(%q) = %q, want %q", tc.in, lines, tc.want)
		}
		if len(lines) > tc.maxLines {
			t.Errorf("wrap(%q): %d lines, max %d", tc.in, len(lines), tc.maxLines)
		}
		for _, l := range lines {
			if w := float64(g.width(regular, l)) * bodySize / 1000; w > width {
				t.Errorf("wrap(%q): line %q is %.1fpt wide, max %.1f", tc.in, l, w, width)
			}
		}
		joined := strings.Join(lines, "")
		if got := strings.HasSuffix(joined, ellipsis); got != tc.truncated {
			t.Errorf("wrap(%q) truncated = %v, want %v: %q", tc.in, got, tc.truncated, lines)
		}
		if !tc.truncated && strings.ReplaceAll(joined, " ", "") != strings.ReplaceAll(tc.in, " ", "") {
			t.Errorf("wrap(%q) lost text: %q", tc.in, lines)
		}
	}
}

func TestPaginateFitsRows(t *testing.T) {
	fs, err := newFontSet(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := newGlyphs(fs)
	lo := &layouter{g: g, c: &cleaner{g: g}, l: &layout{title: []string{"T"}}}
	for i := range 500 {
		lo.l.rows = append(lo.l.rows, row{height: leading*float64(1+i%7) + 2*padY})
	}
	lo.paginate()
	next := 0
	for n, pg := range lo.l.pages {
		if pg[0] != next || pg[1] <= pg[0] {
			t.Fatalf("page %d covers rows %v, want to start at %d", n, pg, next)
		}
		y := margin + runningH + headerRowH
		if n == 0 {
			y = lo.firstTableTop() + headerRowH
		}
		for _, r := range lo.l.rows[pg[0]:pg[1]] {
			y += r.height
		}
		if y > bodyBottom {
			t.Errorf("page %d overflows: bottom at %.1f > %.1f", n, y, bodyBottom)
		}
		next = pg[1]
	}
	if next != 500 {
		t.Errorf("pages end at row %d, want 500", next)
	}
	if tallest := maxNumberLines*leading + 2*padY; margin+runningH+headerRowH+tallest > bodyBottom {
		t.Errorf("a row of %d lines does not fit on a page", maxNumberLines)
	}
}

func TestRowCapsNumbersAndNames(t *testing.T) {
	fs, err := newFontSet(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := newGlyphs(fs)
	lo := &layouter{g: g, c: &cleaner{g: g}, l: &layout{}}
	var numbers []string
	for i := range 400 {
		numbers = append(numbers, "+4930555"+strings.Repeat("0", 5-len(itoa(i)))+itoa(i))
	}
	var sb strings.Builder
	r := lo.row(member(1, strings.Repeat("Wilhelmina ", 40), strings.Repeat("Hohenzollern", 30), numbers...), &sb)
	want := [numCols]int32{maxNameLines, maxNameLines, maxNumberLines}
	for c, ref := range r.cells {
		if ref.n != want[c] {
			t.Errorf("column %d: %d lines, want %d", c, ref.n, want[c])
		}
		if last := lo.l.lines[ref.first+ref.n-1]; !strings.HasSuffix(last, ellipsis) {
			t.Errorf("column %d: last line %q lacks the ellipsis", c, last)
		}
	}
	if r.height > bodyBottom-(margin+runningH+headerRowH) {
		t.Errorf("row of %.1fpt does not fit on a page", r.height)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
