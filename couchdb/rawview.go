package couchdb

import (
	"bytes"
	"encoding/json"
	"strconv"
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
func decodeJSON(b []byte) (any, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, nil
	}
	switch c := b[0]; {
	case c == '"' && len(b) >= 2 && b[len(b)-1] == '"' && plainString(b[1:len(b)-1]):
		return string(b[1 : len(b)-1]), nil
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
// no quote, no control character and only ASCII (so no invalid UTF-8 to replace).
func plainString(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c == '"' || c < 0x20 || c >= 0x80 {
			return false
		}
	}
	return true
}
