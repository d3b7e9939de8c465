package directory

import (
	"bytes"
	"encoding/json"
)

// Field is one key of an Object.
type Field struct {
	Key   string
	Value any
}

// Object is a JSON object whose keys marshal in the order given. KAZOO's error bodies
// have a fixed key order (jiffy keeps proplist order); Object reproduces it byte for byte.
type Object []Field

// MarshalJSON writes the fields in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := marshalNoEscape(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalNoEscape marshals v without escaping <, > and & (KAZOO does not escape them).
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// NewObject builds an Object from alternating keys and values:
// NewObject("message", "bad identifier", "cause", id). Keys must be strings.
func NewObject(kv ...any) Object {
	if len(kv)%2 != 0 {
		panic("directory.NewObject: odd number of arguments")
	}
	o := make(Object, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		o = append(o, Field{Key: kv[i].(string), Value: kv[i+1]})
	}
	return o
}
