package pdf

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
)

// visual returns one line (logical order, cleaned, Arabic already joined) in the
// order its glyphs are drawn from left to right: the Unicode bidirectional algorithm
// (golang.org/x/text/unicode/bidi resolves the levels) with rule L2 applied here,
// brackets mirrored in right-to-left runs (L4), and combining marks kept after their
// base so they are drawn over it. The paragraph direction is the first strong
// character's (P2, P3): a Hebrew name is right-aligned in reading but, like every
// cell, drawn from the cell's left edge. Lines with no right-to-left letter come back
// unchanged.
func visual(s string) string {
	rtl, ok := paragraphRTL(s)
	if !ok {
		return s
	}
	var p bidi.Paragraph
	opts := []bidi.Option(nil)
	if rtl {
		opts = append(opts, bidi.DefaultDirection(bidi.RightToLeft))
	}
	if _, err := p.SetString(s, opts...); err != nil {
		return s
	}
	ord, err := p.Order()
	if err != nil {
		return s
	}
	// Levels per rune. x/text reports runs by direction only, so levels are rebuilt:
	// without explicit embeddings (the cleaner drops them) an RTL paragraph has R at
	// 1 and L or numbers at 2; an LTR paragraph has L at 0, R at 1, and numbers whose
	// preceding strong letter is right-to-left at 2 (rules W2, W7, I1), which x/text
	// merges with the level-0 run after them.
	runes := make([]rune, 0, len(s))
	levels := make([]int8, 0, len(s))
	prevRTL := false
	for i := range ord.NumRuns() {
		run := ord.Run(i)
		rs := []rune(run.String())
		dirRTL := run.Direction() == bidi.RightToLeft
		lv := int8(0)
		switch {
		case dirRTL:
			lv = 1
		case rtl:
			lv = 2
		}
		start := len(levels)
		for range rs {
			levels = append(levels, lv)
		}
		runes = append(runes, rs...)
		if !rtl && !dirRTL && prevRTL {
			for k := numberPrefix(rs); k > 0; k-- {
				levels[start+k-1] = 2
			}
		}
		prevRTL = dirRTL
	}
	return string(reorder(runes, levels))
}

// numberPrefix is the length of the number (digits with separators inside it) that
// rs starts with.
func numberPrefix(rs []rune) int {
	n := 0
	for i, r := range rs {
		switch bidiClass(r) {
		case bidi.EN, bidi.AN:
			n = i + 1
		case bidi.ES, bidi.ET, bidi.CS, bidi.NSM:
		default:
			return n
		}
	}
	return n
}

// cluster is a base character with the combining marks after it.
type cluster struct {
	runes []rune
	level int8
}

// reorder applies L2 (and L4) to runes at levels, cluster by cluster.
func reorder(runes []rune, levels []int8) []rune {
	var cs []cluster
	maxLevel, minOdd := int8(0), int8(127)
	for i, r := range runes {
		if len(cs) > 0 && unicode.In(r, unicode.Mn, unicode.Me) {
			cs[len(cs)-1].runes = append(cs[len(cs)-1].runes, r)
			continue
		}
		lv := levels[i]
		cs = append(cs, cluster{runes: runes[i : i+1 : i+1], level: lv})
		maxLevel = max(maxLevel, lv)
		if lv%2 == 1 {
			minOdd = min(minOdd, lv)
		}
	}
	// From the highest level down to the lowest odd one, reverse every maximal
	// sequence at that level or higher.
	for lv := maxLevel; lv >= minOdd && lv > 0; lv-- {
		for i := 0; i < len(cs); {
			if cs[i].level < lv {
				i++
				continue
			}
			j := i
			for j < len(cs) && cs[j].level >= lv {
				j++
			}
			for a, b := i, j-1; a < b; a, b = a+1, b-1 {
				cs[a], cs[b] = cs[b], cs[a]
			}
			i = j
		}
	}
	out := make([]rune, 0, len(runes))
	for _, c := range cs {
		if c.level%2 == 1 && len(c.runes) == 1 {
			if props, _ := bidi.LookupRune(c.runes[0]); props.IsBracket() {
				r, _ := utf8.DecodeRuneInString(bidi.ReverseString(string(c.runes[0])))
				out = append(out, r)
				continue
			}
		}
		out = append(out, c.runes...)
	}
	return out
}

// paragraphRTL reports whether s has a right-to-left letter (ok) and, if so, whether
// its first strong character is right-to-left.
func paragraphRTL(s string) (rtl, ok bool) {
	strong := false // a left-to-right letter came first
	for _, r := range s {
		c := bidiClass(r)
		switch {
		case c == bidi.R || c == bidi.AL:
			return !strong, true
		case c == bidi.L:
			strong = true
		}
	}
	return false, false
}

func bidiClass(r rune) bidi.Class {
	if r < 0x80 {
		switch {
		case r >= '0' && r <= '9':
			return bidi.EN
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
			return bidi.L
		}
	}
	p, _ := bidi.LookupRune(r)
	return p.Class()
}
