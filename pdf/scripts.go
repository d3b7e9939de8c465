package pdf

import (
	"sync"
	"unicode"
)

// script is a writing system the font report names and font discovery looks for.
type script struct {
	name    string
	table   *unicode.RangeTable
	samples []rune // letters of the script's main block
}

// reportedScripts are the scripts of people's names, in the order the log lists them.
var reportedScripts = []string{
	"Latin", "Greek", "Cyrillic", "Armenian", "Georgian", "Hebrew", "Arabic", "Syriac",
	"Thaana", "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu",
	"Kannada", "Malayalam", "Sinhala", "Thai", "Lao", "Tibetan", "Myanmar", "Khmer",
	"Mongolian", "Ethiopic", "Cherokee", "Tifinagh", "Han", "Hiragana", "Katakana",
	"Bopomofo", "Hangul", "Yi",
}

// coveredShare is the share of a script's samples a font must draw to count as
// covering it.
const coveredShare = 0.75

// minShare is the share of a script's samples a font must draw in the chain to be
// reported as drawing that script.
const minShare = 0.2

// numSamples is how many letters of a script are tested, spread over its first
// sampledLetters letters (its main block: extensions come later in code order) or
// over mainBlock where the first letters are not the ones names use.
const (
	numSamples     = 24
	sampledLetters = 256
)

var mainBlock = map[string][2]rune{
	"Han":    {0x4E00, 0x9FFF}, // not the radicals and Extension A first in order
	"Hangul": {0xAC00, 0xD7A3}, // syllables, not the conjoining jamo
	"Arabic": {0x0620, 0x064A}, // not the letters of Arabic-script languages' extensions
}

var scriptsOnce = sync.OnceValue(func() []script {
	out := make([]script, 0, len(reportedScripts))
	for _, name := range reportedScripts {
		t := unicode.Scripts[name]
		var letters []rune
		lo, hi := rune(0), rune(0xFFFF)
		if b, ok := mainBlock[name]; ok {
			lo, hi = b[0], b[1]
		}
	ranges:
		for _, r16 := range t.R16 {
			for r := rune(r16.Lo); r <= rune(r16.Hi); r += rune(r16.Stride) {
				if r >= lo && r <= hi && unicode.IsLetter(r) {
					letters = append(letters, r)
					if len(letters) == sampledLetters {
						break ranges
					}
				}
			}
		}
		s := script{name: name, table: t}
		for i := range numSamples {
			if len(letters) > 0 {
				s.samples = append(s.samples, letters[i*len(letters)/numSamples])
			}
		}
		out = append(out, s)
	}
	return out
})

// covers reports whether has draws enough of s's samples.
func (s *script) covers(has func(rune) bool) bool {
	n := 0
	for _, r := range s.samples {
		if has(r) {
			n++
		}
	}
	return len(s.samples) > 0 && float64(n) >= coveredShare*float64(len(s.samples))
}

// FontCoverage is one font of a Renderer and the scripts it draws.
type FontCoverage struct {
	Font    string   // file path, or the name of an embedded font
	Scripts []string // the scripts this font draws most of (regular style)
}

// coverage tells, for the regular chain, which faces draw a good part (minShare) of
// each reported script's samples, and which scripts the faces together do not cover.
func (fs *fontSet) coverage() (fonts []FontCoverage, uncovered []string) {
	byFace := make([][]string, len(fs.faces))
	for _, s := range scriptsOnce() {
		count := make([]int, len(fs.faces))
		found := 0
		for _, r := range s.samples {
			if g := fs.find(regular, r); g.face >= 0 {
				count[g.face]++
				found++
			}
		}
		if len(s.samples) == 0 || float64(found) < coveredShare*float64(len(s.samples)) {
			uncovered = append(uncovered, s.name)
			continue
		}
		for i, c := range count {
			if float64(c) >= minShare*float64(len(s.samples)) {
				byFace[i] = append(byFace[i], s.name)
			}
		}
	}
	for i, f := range fs.faces {
		if i == 1 { // Go Bold: the bold twin of Go Regular
			continue
		}
		fonts = append(fonts, FontCoverage{Font: f.source, Scripts: byFace[i]})
	}
	return fonts, uncovered
}
