// Package fonts carries the TrueType fonts the PDF needs when the machine has none,
// taken unchanged from Debian 12's packages (licences next to them):
//
//   - DejaVuSans.ttf (fonts-dejavu-core 2.37-6; Bitstream Vera licence, DejaVu
//     changes public domain): Latin, Greek, Cyrillic, Hebrew, Arabic with its
//     presentation forms.
//   - DroidSansFallbackFull.ttf (fonts-droid-fallback 1:6.0.1r16-1.1; Apache-2.0):
//     Han, Hiragana, Katakana, Bopomofo. It has only 3 of the 11,172 Hangul
//     syllables.
//   - NanumSquareR.ttf (fonts-nanum 20200506-1; SIL OFL 1.1): Hangul.
package fonts

import _ "embed"

// DejaVuSans is DejaVu Sans (regular).
//
//go:embed DejaVuSans.ttf
var DejaVuSans []byte

// DroidSansFallbackFull is Droid Sans Fallback (full).
//
//go:embed DroidSansFallbackFull.ttf
var DroidSansFallbackFull []byte

// NanumSquareR is NanumSquare (regular).
//
//go:embed NanumSquareR.ttf
var NanumSquareR []byte
