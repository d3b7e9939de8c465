package embedded

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/go-kivik/kivik/v4/driver"
)

// params holds the options of one call, as kivik.Param/Params set them. Values are
// read the way CouchDB reads its query string after kivik's CouchDB driver encoded
// them: scalars as text, the key options (startkey, keys, ...) as JSON.
type params map[string]any

func readParams(o driver.Options) params {
	p := params{}
	if o != nil {
		o.Apply(map[string]any(p))
	}
	return p
}

// text returns the option as the query-string text the CouchDB driver would send.
func (p params) text(name string) (string, bool, error) {
	v, ok := p[name]
	if !ok {
		return "", false, nil
	}
	switch t := v.(type) {
	case string:
		return t, true, nil
	case []string:
		if len(t) == 0 {
			return "", false, nil
		}
		return t[len(t)-1], true, nil
	case bool:
		return strconv.FormatBool(t), true, nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprintf("%d", t), true, nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true, nil
	case json.RawMessage:
		return string(t), true, nil
	}
	return "", false, errBadRequest("kivik: invalid type %T for options", v)
}

// bool reads a boolean option; CouchDB accepts only "true" and "false".
func (p params) bool(name string) (bool, error) {
	s, ok, err := p.text(name)
	if err != nil || !ok {
		return false, err
	}
	switch s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errQueryParse("Invalid boolean parameter: %q", s)
}

// boolDefault is bool with a default for an absent option.
func (p params) boolDefault(name string, def bool) (bool, error) {
	if _, ok := p[name]; !ok {
		return def, nil
	}
	return p.bool(name)
}

// int reads a non-negative integer option.
func (p params) int(name string) (int64, bool, error) {
	s, ok, err := p.text(name)
	if err != nil || !ok {
		return 0, ok, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false, errQueryParse("Invalid value for integer: %q", s)
	}
	return n, true, nil
}

// json returns the option as JSON text: a json.RawMessage as given, any other
// value marshalled, as kivik's CouchDB driver does for the key options.
func (p params) json(name string) ([]byte, bool, error) {
	v, ok := p[name]
	if !ok {
		return nil, false, nil
	}
	if raw, isRaw := v.(json.RawMessage); isRaw {
		if !json.Valid(raw) {
			return nil, false, errQueryParse("Invalid JSON for %s", name)
		}
		return raw, true, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false, errBadRequest("%s: %v", name, err)
	}
	return b, true, nil
}

// jsonText parses an option that the CouchDB driver sends as plain query text
// but CouchDB parses as JSON (all_dbs keys, open_revs).
func (p params) jsonText(name string) ([]byte, bool, error) {
	s, ok, err := p.text(name)
	if err != nil || !ok {
		return nil, ok, err
	}
	if !json.Valid([]byte(s)) {
		return nil, false, errQueryParse("Invalid JSON for %s: %q", name, s)
	}
	return []byte(s), true, nil
}

// firstJSON returns the first present option of names as JSON.
func (p params) firstJSON(names ...string) ([]byte, bool, error) {
	for _, n := range names {
		if b, ok, err := p.json(n); ok || err != nil {
			return b, ok, err
		}
	}
	return nil, false, nil
}

// firstText returns the first present option of names as text.
func (p params) firstText(names ...string) (string, bool, error) {
	for _, n := range names {
		if s, ok, err := p.text(n); ok || err != nil {
			return s, ok, err
		}
	}
	return "", false, nil
}
