package couchdb

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// rawValue is a view key or value decoded in one pass: kivik hands its bytes to
// UnmarshalJSON, which turns the common scalars (a callflow id string, a number,
// true, false, null) into Go values without a second decoder, and falls back to a
// json.Decoder (numbers as json.Number) only for objects, arrays and escaped strings.
// set tells a field that was present (even as null) from an absent one.
type rawValue struct {
	v   any
	set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *rawValue) UnmarshalJSON(b []byte) error {
	v, err := decodeJSON(b)
	r.v, r.set = v, true
	return err
}

// decodeJSON decodes one JSON value with numbers as json.Number; empty input is nil.
// Strings without escapes and arrays of such strings (a callflow's `numbers`) are
// decoded in place; anything else by a json.Decoder.
func decodeJSON(b []byte) (any, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, nil
	}
	switch c := b[0]; {
	case c == '"' && len(b) >= 2 && b[len(b)-1] == '"' && plainString(b[1:len(b)-1]):
		return string(b[1 : len(b)-1]), nil
	case c == '[':
		if v, ok := plainStrings(b); ok {
			return v, nil
		}
	case c == 'n' && string(b) == "null":
		return nil, nil
	case c == 't' && string(b) == "true":
		return true, nil
	case c == 'f' && string(b) == "false":
		return false, nil
	case c == '-' || (c >= '0' && c <= '9'):
		if _, err := strconv.ParseFloat(string(b), 64); err == nil {
			return json.Number(b), nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// plainString reports whether a JSON string body needs no unescaping: no backslash,
// no quote, no control character, and valid UTF-8 (nothing to replace).
func plainString(b []byte) bool {
	ascii := true
	for _, c := range b {
		if c == '\\' || c == '"' || c < 0x20 {
			return false
		}
		ascii = ascii && c < 0x80
	}
	return ascii || utf8.Valid(b)
}

// plainStrings decodes a JSON array whose elements are all plain strings (see
// plainString); ok is false for any other array, left to encoding/json.
func plainStrings(b []byte) (v []any, ok bool) {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	i := 1
	skip := func() {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
	}
	v = []any{}
	skip()
	if i < len(b) && b[i] == ']' {
		return v, i == len(b)-1
	}
	for i < len(b) && b[i] == '"' {
		end := bytes.IndexByte(b[i+1:], '"')
		if end < 0 || !plainString(b[i+1:i+1+end]) {
			return nil, false
		}
		v = append(v, string(b[i+1:i+1+end]))
		i += end + 2
		skip()
		switch {
		case i == len(b)-1 && b[i] == ']':
			return v, true
		case i < len(b) && b[i] == ',':
			i++
			skip()
		default:
			return nil, false
		}
	}
	return nil, false
}
