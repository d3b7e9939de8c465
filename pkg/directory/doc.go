package directory

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// Doc is a JSON object as stored in CouchDB. Numbers are json.Number (decode with
// DecodeDoc) so that integers and unknown keys round-trip exactly.
type Doc map[string]any

// DecodeDoc parses a JSON object, keeping numbers as json.Number.
func DecodeDoc(b []byte) (Doc, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var d Doc
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	return d, nil
}

// ID returns the document's _id.
func (d Doc) ID() string { return d.String("_id") }

// Rev returns the document's _rev.
func (d Doc) Rev() string { return d.String("_rev") }

// String returns the value at key if it is a string, else "".
func (d Doc) String(key string) string {
	s, _ := d[key].(string)
	return s
}

// Bool reports whether the value at key is JSON true.
func (d Doc) Bool(key string) bool {
	b, _ := d[key].(bool)
	return b
}

// SameJSON reports whether a and b are the same JSON object: compared as they
// marshal, so []string and []any of the same strings are equal, with numbers compared
// by value (json.Number "1e2" equals 100). Docs that cannot be marshalled are not the
// same.
func SameJSON(a, b Doc) bool {
	x, errA := asJSONValue(a)
	y, errB := asJSONValue(b)
	return errA == nil && errB == nil && reflect.DeepEqual(x, y)
}

func asJSONValue(d Doc) (any, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var v any
	err = json.Unmarshal(b, &v) // numbers as float64: compared by value
	return v, err
}

// Clone returns a deep copy of d.
func (d Doc) Clone() Doc {
	if d == nil {
		return nil
	}
	return cloneValue(map[string]any(d)).(map[string]any)
}

func cloneValue(v any) any {
	switch t := v.(type) {
	case Doc:
		return Doc(cloneValue(map[string]any(t)).(map[string]any))
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = cloneValue(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = cloneValue(x)
		}
		return s
	default:
		return v
	}
}

// IsPrivateKey reports whether a top-level key is private: KAZOO never shows keys that
// begin with "_" or "pvt_" and never accepts them from clients.
func IsPrivateKey(k string) bool {
	return strings.HasPrefix(k, "_") || strings.HasPrefix(k, "pvt_")
}

// PublicFields returns the client-visible part of a stored doc: every key except
// private ones, plus "id" = _id (kz_doc:public_fields). A stored "_read_only" object
// is passed through.
func (d Doc) PublicFields() Doc {
	out := make(Doc, len(d)+1)
	for k, v := range d {
		if !IsPrivateKey(k) {
			out[k] = v
		}
	}
	if ro, ok := d["_read_only"]; ok {
		out["_read_only"] = ro
	}
	if id := d.ID(); id != "" {
		out["id"] = id
	}
	return out
}

// PrivateFields returns the keys of d that begin with "_" or "pvt_".
func (d Doc) PrivateFields() Doc {
	out := make(Doc)
	for k, v := range d {
		if IsPrivateKey(k) {
			out[k] = v
		}
	}
	return out
}

// WithoutPrivate returns a copy of d's top level without private keys (request data
// is cleaned this way before validation).
func (d Doc) WithoutPrivate() Doc {
	out := make(Doc, len(d))
	for k, v := range d {
		if !IsPrivateKey(k) {
			out[k] = v
		}
	}
	return out
}
