package directory

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDialpad(t *testing.T) {
	tests := []struct{ in, want string }{
		// cf_util_test:alpha_to_dialpad_test (KAZOO upstream).
		{"abc", "222"},
		{"behknqux", "23456789"},
		{"BeHkNqUx", "23456789"},
		{"1BeH@k(N$q-u+x=", "23456789"},
		// cf_util_test:alpha_to_dialpad_nonascii_test: every non-ASCII byte is dropped.
		{"teÕst", "8378"},
		{"testÕÀ«©§two", "8378896"},
		{"Ì¸ûî", ""},
		// The whole alphabet, both cases.
		{"abcdefghijklmnopqrstuvwxyz", "22233344455566677778889999"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999"},
		{"", ""},
		{"0123456789 .-'_*#", ""},
		{"Mary-Jane O'Neil", "6279526366345"},
		{"Ångström", "647876"}, // "ngstrm": unreachable by its initial in KAZOO
		{"Łukasz", "85279"},
		{"Müller", "65537"},
		{"Иван", ""},
		{"A\u030Angstro\u0308m", "26478766"}, // decomposed: the combining marks drop
		{"\xff\xfe\x80Bob\xc3", "262"},       // invalid UTF-8 is just bytes
		{"\xc0\xd6\xd8\xde", ""},             // Latin-1 upper case: lower-cased, then dropped
	}
	for _, tt := range tests {
		if got := Dialpad(tt.in); got != tt.want {
			t.Errorf("Dialpad(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDialpadEveryByte checks each byte on its own against the keypad written out
// letter by letter.
func TestDialpadEveryByte(t *testing.T) {
	keypad := map[byte]string{}
	for digit, letters := range map[string]string{
		"2": "abc", "3": "def", "4": "ghi", "5": "jkl", "6": "mno", "7": "pqrs", "8": "tuv", "9": "wxyz",
	} {
		for _, l := range []byte(letters) {
			keypad[l] = digit
			keypad[l-'a'+'A'] = digit
		}
	}
	for b := 0; b < 256; b++ {
		if got, want := Dialpad(string([]byte{byte(b)})), keypad[byte(b)]; got != want {
			t.Errorf("Dialpad(%#x) = %q, want %q", b, got, want)
		}
	}
}

func TestDialpadFolded(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Ångström", "26478766"}, // angstrom
		{"Łukasz", "585279"},     // lukasz
		{"Dvořák", "386725"},     // dvorak
		{"Müller", "685537"},     // muller
		{"Straße", "7872773"},    // strasse
		{"ß", "77"},
		{"Æsa", "2372"},        // aesa
		{"Øystein", "6978346"}, // oystein
		{"Œuvre", "638873"},    // oeuvre
		{"Þór", "8467"},        // thor
		{"Ĳsbrand", "45727263"},
		{"Ștefan", "783326"},
		{"Zoë", "963"},
		{"A\u030Angstro\u0308m", "26478766"}, // decomposed input folds too
		{"Иван Petrov", "738768"},            // non-Latin letters still drop
		{"李 Li", "54"},
		{"×÷", ""},
		{"\xff\xfeBob\xc3", "262"}, // invalid UTF-8 drops, ASCII stays
		{"behknqux BEHKNQUX 1@(", "2345678923456789"},
	}
	for _, tt := range tests {
		if got := DialpadFolded(tt.in); got != tt.want {
			t.Errorf("DialpadFolded(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFoldCoverage: every letter of Latin-1 Supplement and Latin Extended-A folds to
// one or two ASCII letters; the two symbols in that range fold to nothing.
func TestFoldCoverage(t *testing.T) {
	for r := rune(0xC0); r <= 0x17F; r++ {
		f := foldRune(r)
		if r == '×' || r == '÷' {
			if f != "" {
				t.Errorf("foldRune(%c) = %q, want \"\"", r, f)
			}
			continue
		}
		if len(f) < 1 || len(f) > 2 || strings.Trim(f, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Errorf("foldRune(%U %c) = %q, want 1-2 letters a-z", r, r, f)
		}
	}
	for _, r := range []rune{'a', 'Z', '0', 0x80, 0xBF, 0x180, 'Ǎ', 'Д', utf8.RuneError} {
		if f := foldRune(r); f != "" {
			t.Errorf("foldRune(%U) = %q, want \"\"", r, f)
		}
	}
}

func TestKeyHasPrefix(t *testing.T) {
	tests := []struct {
		a, b, digits string
		fold, want   bool
	}{
		{"Rob", "Lech", "762", false, true},
		{"Rob", "Lech", "7625", false, true},    // typing on into the second name
		{"Rob", "Lech", "7625324", false, true}, // the whole key
		{"Rob", "Lech", "76253240", false, false},
		{"Rob", "Lech", "", false, false}, // empty digits match nothing
		{"Robert", "Sosin", "7625", false, false},
		{"", "Lech", "53", false, true},
		{"Empty", "158", "36789", false, true},
		{"158", "Empty", "3", false, true},
		{"Ångström", "X", "2", false, false},
		{"Ångström", "X", "2", true, true},
		{"Ångström", "X", "6478", false, true},
		{"Ø", "ß", "677", true, true},
		{"Æ", "", "23", true, true},
		{"Æ", "", "24", true, false},
	}
	for _, tt := range tests {
		if got := keyHasPrefix(tt.a, tt.b, tt.digits, tt.fold); got != tt.want {
			t.Errorf("keyHasPrefix(%q, %q, %q, %v) = %v, want %v", tt.a, tt.b, tt.digits, tt.fold, got, tt.want)
		}
	}
}

// FuzzDialpad checks that conversion never panics, yields only keypad digits, agrees
// with the allocation-free matcher, and that folding changes nothing for ASCII.
func FuzzDialpad(f *testing.F) {
	for _, s := range []string{"", "abc", "1BeH@k(N$q-u+x=", "Ångström", "\xff\xc3", "ß Œ Ĳ", "Ìûî"} {
		f.Add(s, s, "2")
	}
	f.Fuzz(func(t *testing.T, a, b, digits string) {
		for _, fold := range []bool{false, true} {
			dial := Dialpad
			if fold {
				dial = DialpadFolded
			}
			key := dial(a) + dial(b)
			if strings.Trim(key, "23456789") != "" || len(key) > len(a)+len(b) {
				t.Fatalf("dial(%q, fold=%v) = %q", a+b, fold, key)
			}
			if !fold && Dialpad(a+b) != key {
				t.Fatalf("Dialpad(%q) != Dialpad(%q) + Dialpad(%q)", a+b, a, b)
			}
			want := digits != "" && strings.HasPrefix(key, digits)
			if got := keyHasPrefix(a, b, digits, fold); got != want {
				t.Fatalf("keyHasPrefix(%q, %q, %q, %v) = %v, key %q", a, b, digits, fold, got, key)
			}
		}
		if isASCII(a) && DialpadFolded(a) != Dialpad(a) {
			t.Fatalf("folding changed ASCII %q", a)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
