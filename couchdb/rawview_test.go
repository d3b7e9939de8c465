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
		`[]`, `[ ]`, `["1001", "+15551230001"]`, `[ "a" ,"b" ]`, `["é","日本"]`, `["a\"b"]`, `["a",1]`,
		`[["a"]]`, "\"\xff\"", "[\"\xff\"]", `"Ωmega"`,
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
	for _, bad := range []string{`"unterminated`, `["a",]`, `["a" "b"]`, `["a"`} {
		if _, err := decodeJSON([]byte(bad)); err == nil {
			t.Errorf("malformed %s accepted", bad)
		}
	}
}

// FuzzDecodeJSON: on any input encoding/json accepts, decodeJSON gives its value.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`["1001","+1555"]`, `"é"`, `[]`, `[ "a" , "b" ]`, `{"a":[1]}`, "\"\xff\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		dec := json.NewDecoder(strings.NewReader(in))
		dec.UseNumber()
		var want any
		if dec.Decode(&want) != nil || dec.More() {
			return
		}
		if _, err := dec.Token(); err == nil {
			return // trailing data: not one value
		}
		got, err := decodeJSON([]byte(in))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v, %v; want %#v", in, got, err, want)
		}
	})
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
