package embedded

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// member is one member of a JSON object whose member order matters: CouchDB
// collates objects member by member in the order they were written.
type member struct {
	Key   string
	Value any
}

// object is a decoded JSON object that keeps member order.
type object []member

// decodeOrdered decodes JSON into nil, bool, float64, string, []any and object.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readOrdered(dec)
	if err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errBadRequest("invalid JSON: trailing data")
	}
	return v, nil
}

func readOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, errBadRequest("invalid JSON: %v", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := readOrdered(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		case '{':
			obj := object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, errBadRequest("invalid JSON: %v", err)
				}
				v, err := readOrdered(dec)
				if err != nil {
					return nil, err
				}
				obj = append(obj, member{Key: k.(string), Value: v})
			}
			_, err := dec.Token()
			return obj, err
		}
		return nil, errBadRequest("invalid JSON")
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return nil, errBadRequest("invalid number %s", t)
		}
		return f, nil
	default:
		return t, nil // nil, bool, string
	}
}
