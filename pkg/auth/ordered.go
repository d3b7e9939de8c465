package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// decodeOrdered decodes JSON keeping the key order of every object: objects become
// directory.Object (a duplicate key keeps its first value for get, as kz_json does),
// arrays []any, numbers json.Number. Token restrictions need the order: the first
// path pattern in document order wins.
func decodeOrdered(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := orderedValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

func orderedValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := t.(json.Delim)
	if !ok {
		return t, nil
	}
	switch d {
	case '{':
		obj := directory.Object{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := orderedValue(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, directory.Field{Key: k.(string), Value: v})
		}
		_, err := dec.Token() // '}'
		return obj, err
	case '[':
		arr := []any{}
		for dec.More() {
			v, err := orderedValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token() // ']'
		return arr, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

// get returns the first value of key in v when v is an object; a JSON null counts as
// undefined (kz_json).
func get(v any, key string) (any, bool) {
	obj, ok := v.(directory.Object)
	if !ok {
		return nil, false
	}
	for _, f := range obj {
		if f.Key == key {
			return f.Value, f.Value != nil
		}
	}
	return nil, false
}

// getPath follows keys through nested objects.
func getPath(v any, keys ...string) (any, bool) {
	for _, k := range keys {
		var ok bool
		if v, ok = get(v, k); !ok {
			return nil, false
		}
	}
	return v, true
}

// firstDefined is kz_json:get_first_defined over key paths.
func firstDefined(v any, paths ...[]string) (any, bool) {
	for _, p := range paths {
		if x, ok := getPath(v, p...); ok {
			return x, true
		}
	}
	return nil, false
}

// toInteger is kz_term:to_integer for JSON values: numbers are rounded, numeric
// strings parsed; anything else is not an integer.
func toInteger(v any) (int64, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<62 {
		return 0, false
	}
	return int64(math.Round(f)), true
}

// stringOf returns v when it is a string.
func stringOf(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}
