package directory

import (
	"reflect"
	"testing"
)

func TestEncodeStartKeyMatchesKAZOO(t *testing.T) {
	// §10.2's worked example.
	got := EncodeStartKey("77dfb38ff2353624e35bf4df91acda94")
	want := "g20AAAAgNzdkZmIzOGZmMjM1MzYyNGUzNWJmNGRmOTFhY2RhOTQ"
	if got != want {
		t.Fatalf("EncodeStartKey = %q, want %q", got, want)
	}
}

func TestDecodeStartKey(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"g20AAAAgNzdkZmIzOGZmMjM1MzYyNGUzNWJmNGRmOTFhY2RhOTQ", "77dfb38ff2353624e35bf4df91acda94"},
		{EncodeStartKey([]any{"d", "u"}), []any{"d", "u"}},
		{"77dfb38ff2353624e35bf4df91acda94", "77dfb38ff2353624e35bf4df91acda94"},
		{"", ""},
		{"%%%", "%%%"},
		{"g2wAAAAB", "g2wAAAAB"},         // truncated list
		{"g20AAAD_YWJj", "g20AAAD_YWJj"}, // length beyond the data
		{"g2gCZAACb2tkAAJubw", "g2gCZAACb2tkAAJubw"}, // a tuple: never decoded
	}
	for _, tt := range tests {
		if got := DecodeStartKey(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DecodeStartKey(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func FuzzDecodeStartKey(f *testing.F) {
	f.Add("g20AAAAgNzdkZmIzOGZmMjM1MzYyNGUzNWJmNGRmOTFhY2RhOTQ")
	f.Add(EncodeStartKey([]any{"a", []any{"b"}}))
	f.Fuzz(func(t *testing.T, s string) {
		k := DecodeStartKey(s)
		if k == nil {
			t.Fatalf("nil key for %q", s)
		}
		if str, ok := k.(string); ok && str != s {
			if EncodeStartKey(str) == "" {
				t.Fatal("empty encoding")
			}
		}
	})
}
