package couchdb

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestDecodeJSON checks the scalar fast paths against encoding/json with UseNumber.
func TestDecodeJSON(t *testing.T) {
	for _, in := range []string{
		`"cf1"`, `""`, `"a\"b"`, `"\u00e9"`, `"é"`, `"tab\tx"`, `42`, `-1.5e3`, `0`, `true`, `false`,
		`null`, ` "padded" `, `{"a":1}`, `[1,"x",null]`, `["D","u1"]`, `1e999`,
	} {
		got, err := decodeJSON([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		want := withNumbers(t, in)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", in, got, want)
		}
	}
	if v, err := decodeJSON(nil); v != nil || err != nil {
		t.Errorf("empty: %v %v", v, err)
	}
	if _, err := decodeJSON([]byte(`"unterminated`)); err == nil {
		t.Error("malformed string accepted")
	}
}

func withNumbers(t *testing.T, in string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(in))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
