package directory

import "unicode/utf8"

// dialpadKeys maps 'a'..'z' to the phone keypad: abc→2 … pqrs→7, tuv→8, wxyz→9.
const dialpadKeys = "22233344455566677778889999"

// Dialpad converts a name to the digits a caller types for it, exactly as KAZOO's
// cf_util:alpha_to_dialpad: it works on bytes, lower-cases ASCII A-Z, keeps only a-z and
// maps each to its keypad digit. Digits, spaces, punctuation and every non-ASCII byte
// (so every accented or non-Latin letter) are dropped: Dialpad("Ångström") is "647876"
// ("ngstrm"). KAZOO also lower-cases the Latin-1 bytes 0xC0-0xDE first, but the results
// are not a-z and are dropped, so that step is invisible.
func Dialpad(s string) string {
	return string(appendDialpad(make([]byte, 0, len(s)), s, false))
}

// DialpadFolded is Dialpad after folding Latin letters with diacritics to their base
// letters (see foldRune): "Ångström" → "26478766", "Łukasz" → "585279", "ß" → "77".
// The input is read as UTF-8; combining marks, invalid bytes and non-Latin letters are
// dropped. This is not KAZOO behaviour; it is the opt-in `fold=true` of the search.
func DialpadFolded(s string) string {
	return string(appendDialpad(make([]byte, 0, len(s)), s, true))
}

func appendDialpad(dst []byte, s string, fold bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if !fold || c < utf8.RuneSelf {
			i++
			if d := dialpadDigit(c); d != 0 {
				dst = append(dst, d)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		for _, l := range []byte(foldRune(r)) {
			dst = append(dst, dialpadDigit(l))
		}
	}
	return dst
}

// dialpadDigit returns the keypad digit of an ASCII letter, 0 for any other byte.
func dialpadDigit(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	if 'a' <= c && c <= 'z' {
		return dialpadKeys[c-'a']
	}
	return 0
}

// keyHasPrefix reports whether the dialpad key of a followed by that of b (for Dialpad
// the key of a+b, as KAZOO builds it) starts with digits, without building the key.
// Empty digits match nothing, as in KAZOO's IVR.
func keyHasPrefix(a, b, digits string, fold bool) bool {
	if digits == "" {
		return false
	}
	n := matchDialpad(a, digits, 0, fold)
	if n < 0 {
		return false
	}
	return matchDialpad(b, digits, n, fold) == len(digits)
}

// matchDialpad continues matching the dialpad key of s against digits from position
// n. It returns the new position, or -1 at the first digit that differs.
func matchDialpad(s, digits string, n int, fold bool) int {
	for i := 0; i < len(s) && n < len(digits); {
		c := s[i]
		if !fold || c < utf8.RuneSelf {
			i++
			d := dialpadDigit(c)
			if d == 0 {
				continue
			}
			if d != digits[n] {
				return -1
			}
			n++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		f := foldRune(r)
		for j := 0; j < len(f) && n < len(digits); j++ {
			if dialpadDigit(f[j]) != digits[n] {
				return -1
			}
			n++
		}
	}
	return n
}
