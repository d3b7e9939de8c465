package pdf

import (
	"encoding/binary"
	"errors"
	"slices"
)

// gopdf's font subsetting keeps the components of the composite glyphs a document
// uses, but not the components of those components. DejaVu Sans builds many glyphs
// that way (Arabic letters with hamza and the initial and medial forms of beh, teh,
// noon, ...; Vietnamese letters with two accents): drawn from a subset, they lose
// their dots and accents. flattenComposites rewrites such glyphs before gopdf sees
// the font, so every composite refers to simple glyphs only.

// Composite glyph flags (TrueType glyf table).
const (
	argsAreWords    = 0x0001
	argsAreXY       = 0x0002
	roundXYToGrid   = 0x0004
	weHaveScale     = 0x0008
	moreComponents  = 0x0020
	weHaveXYScale   = 0x0040
	weHaveTwoByTwo  = 0x0080
	weHaveInstrs    = 0x0100
	useMyMetrics    = 0x0200
	transformFlags  = weHaveScale | weHaveXYScale | weHaveTwoByTwo
	keptLeafFlags   = transformFlags | roundXYToGrid | 0x0400 | 0x0800 | 0x1000
	maxFlattenDepth = 8
)

// component is one entry of a composite glyph.
type component struct {
	flags     uint16
	glyph     uint16
	dx, dy    int32  // offsets (argsAreXY) or point numbers
	transform []byte // the scale or matrix bytes, as stored
}

// sfntFont gives access to the tables of a TrueType font.
type sfntFont struct {
	data   []byte
	tables map[string][2]uint32 // tag: offset, length
	order  []string
}

func parseSfnt(data []byte) (*sfntFont, error) {
	if len(data) < 12 {
		return nil, errors.New("short")
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*n {
		return nil, errors.New("short table directory")
	}
	f := &sfntFont{data: data, tables: make(map[string][2]uint32, n)}
	for i := range n {
		e := data[12+16*i:]
		tag := string(e[:4])
		off, length := binary.BigEndian.Uint32(e[8:]), binary.BigEndian.Uint32(e[12:])
		if uint64(off)+uint64(length) > uint64(len(data)) {
			return nil, errors.New("table out of bounds")
		}
		f.tables[tag] = [2]uint32{off, length}
		f.order = append(f.order, tag)
	}
	return f, nil
}

func (f *sfntFont) table(tag string) []byte {
	t, ok := f.tables[tag]
	if !ok {
		return nil
	}
	return f.data[t[0] : t[0]+t[1]]
}

// glyphs splits glyf into per-glyph byte slices using loca.
func (f *sfntFont) glyphs() ([][]byte, error) {
	head, maxp, loca, glyf := f.table("head"), f.table("maxp"), f.table("loca"), f.table("glyf")
	if len(head) < 54 || len(maxp) < 6 || glyf == nil {
		return nil, errors.New("missing tables")
	}
	n := int(binary.BigEndian.Uint16(maxp[4:]))
	long := binary.BigEndian.Uint16(head[50:]) == 1
	off := func(i int) int {
		if long {
			return int(binary.BigEndian.Uint32(loca[4*i:]))
		}
		return int(binary.BigEndian.Uint16(loca[2*i:])) * 2
	}
	if (long && len(loca) < 4*(n+1)) || (!long && len(loca) < 2*(n+1)) {
		return nil, errors.New("short loca")
	}
	out := make([][]byte, n)
	for i := range n {
		a, b := off(i), off(i+1)
		if a > b || b > len(glyf) {
			return nil, errors.New("bad loca")
		}
		out[i] = glyf[a:b]
	}
	return out, nil
}

func isComposite(g []byte) bool { return len(g) >= 10 && int16(binary.BigEndian.Uint16(g)) < 0 }

// components parses a composite glyph's entries.
func components(g []byte) ([]component, bool) {
	var out []component
	o := 10
	for {
		if o+4 > len(g) {
			return nil, false
		}
		c := component{flags: binary.BigEndian.Uint16(g[o:]), glyph: binary.BigEndian.Uint16(g[o+2:])}
		o += 4
		if c.flags&argsAreWords != 0 {
			if o+4 > len(g) {
				return nil, false
			}
			c.dx, c.dy = int32(int16(binary.BigEndian.Uint16(g[o:]))), int32(int16(binary.BigEndian.Uint16(g[o+2:])))
			o += 4
		} else {
			if o+2 > len(g) {
				return nil, false
			}
			if c.flags&argsAreXY != 0 {
				c.dx, c.dy = int32(int8(g[o])), int32(int8(g[o+1]))
			} else {
				c.dx, c.dy = int32(g[o]), int32(g[o+1])
			}
			o += 2
		}
		n := 0
		switch {
		case c.flags&weHaveScale != 0:
			n = 2
		case c.flags&weHaveXYScale != 0:
			n = 4
		case c.flags&weHaveTwoByTwo != 0:
			n = 8
		}
		if o+n > len(g) {
			return nil, false
		}
		c.transform = g[o : o+n]
		o += n
		out = append(out, c)
		if c.flags&moreComponents == 0 {
			return out, true
		}
	}
}

// leaves returns the simple glyphs that composite glyph i is made of, with offsets
// added up; ok is false where that cannot be done exactly (point-matched or
// transformed components of nested composites).
func leaves(glyphs [][]byte, i int, depth int) (out []component, ok bool) {
	if depth > maxFlattenDepth {
		return nil, false
	}
	cs, ok := components(glyphs[i])
	if !ok {
		return nil, false
	}
	for _, c := range cs {
		if int(c.glyph) >= len(glyphs) {
			return nil, false
		}
		if !isComposite(glyphs[c.glyph]) {
			c.flags &= keptLeafFlags | argsAreXY
			out = append(out, c)
			continue
		}
		if c.flags&argsAreXY == 0 || c.flags&transformFlags != 0 {
			return nil, false
		}
		sub, ok := leaves(glyphs, int(c.glyph), depth+1)
		if !ok {
			return nil, false
		}
		for _, s := range sub {
			if s.flags&argsAreXY == 0 {
				return nil, false
			}
			s.dx += c.dx
			s.dy += c.dy
			out = append(out, s)
		}
	}
	return out, true
}

// encodeComposite writes a composite glyph with header (bounding box) hdr.
func encodeComposite(hdr []byte, cs []component) []byte {
	b := append([]byte(nil), hdr[:10]...)
	for i, c := range cs {
		flags := c.flags | argsAreWords
		if i < len(cs)-1 {
			flags |= moreComponents
		}
		b = binary.BigEndian.AppendUint16(b, flags)
		b = binary.BigEndian.AppendUint16(b, c.glyph)
		b = binary.BigEndian.AppendUint16(b, uint16(int16(c.dx)))
		b = binary.BigEndian.AppendUint16(b, uint16(int16(c.dy)))
		b = append(b, c.transform...)
	}
	return b
}

// flattenComposites returns data with every composite glyph that has composite
// components rewritten to refer to simple glyphs (glyf and loca rebuilt, loca in the
// long format), or data itself when there is nothing to do or it cannot be parsed.
func flattenComposites(data []byte) []byte {
	f, err := parseSfnt(data)
	if err != nil {
		return data
	}
	glyphs, err := f.glyphs()
	if err != nil {
		return data
	}
	changed := false
	out := slices.Clone(glyphs)
	maxElems := 0
	for i, g := range glyphs {
		if !isComposite(g) {
			continue
		}
		cs, ok := components(g)
		if !ok || !slices.ContainsFunc(cs, func(c component) bool {
			return int(c.glyph) < len(glyphs) && isComposite(glyphs[c.glyph])
		}) {
			maxElems = max(maxElems, len(cs))
			continue
		}
		flat, ok := leaves(glyphs, i, 0)
		if !ok || len(flat) == 0 || len(flat) > 0xFFFF {
			continue
		}
		for _, c := range flat {
			if c.dx != int32(int16(c.dx)) || c.dy != int32(int16(c.dy)) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		out[i] = encodeComposite(g, flat)
		maxElems = max(maxElems, len(flat))
		changed = true
	}
	if !changed {
		return data
	}
	var glyf, loca []byte
	for _, g := range out {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		glyf = append(glyf, g...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
	head := slices.Clone(f.table("head"))
	binary.BigEndian.PutUint16(head[50:], 1) // long loca offsets
	binary.BigEndian.PutUint32(head[8:], 0)  // checksum adjustment, not recomputed
	maxp := slices.Clone(f.table("maxp"))
	if len(maxp) >= 32 {
		binary.BigEndian.PutUint16(maxp[28:], uint16(max(int(binary.BigEndian.Uint16(maxp[28:])), maxElems)))
		binary.BigEndian.PutUint16(maxp[30:], 1) // component depth
	}
	replaced := map[string][]byte{"glyf": glyf, "loca": loca, "head": head, "maxp": maxp}
	return rebuildSfnt(f, replaced)
}

// rebuildSfnt writes a font with f's tables, some replaced.
func rebuildSfnt(f *sfntFont, replaced map[string][]byte) []byte {
	tags := slices.Clone(f.order)
	slices.Sort(tags)
	header := 12 + 16*len(tags)
	b := make([]byte, header, len(f.data)+len(replaced["glyf"]))
	copy(b, f.data[:12])
	for i, tag := range tags {
		t, ok := replaced[tag]
		if !ok {
			t = f.table(tag)
		}
		off := len(b)
		b = append(b, t...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		e := b[12+16*i:]
		copy(e, tag)
		binary.BigEndian.PutUint32(e[4:], checksum(b[off:]))
		binary.BigEndian.PutUint32(e[8:], uint32(off))
		binary.BigEndian.PutUint32(e[12:], uint32(len(t)))
	}
	return b
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i+4 <= len(b); i += 4 {
		sum += binary.BigEndian.Uint32(b[i:])
	}
	return sum
}
