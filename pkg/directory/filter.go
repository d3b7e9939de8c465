package directory

import (
	"encoding/json"
	"math/big"
	"net/url"
	"sort"
	"strings"
)

// Filters are crossbar's generic query-string filters (crossbar_filter, §10.3). Every
// filter must pass; a filter that cannot be evaluated excludes the doc.
type Filters []filter

type filter struct {
	name  string // "filter_x", "has_key", ...
	value string
}

var filterNames = []string{"has_key", "key_missing", "has_value", "value_missing",
	"created_from", "created_to", "modified_from", "modified_to"}

// ParseFilters picks the filter parameters out of a query string, in a stable order.
func ParseFilters(q url.Values) Filters {
	var fs Filters
	for name, values := range q {
		if !isFilterName(name) || len(values) == 0 {
			continue
		}
		fs = append(fs, filter{name, values[0]})
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].name < fs[j].name })
	return fs
}

func isFilterName(name string) bool {
	if strings.HasPrefix(name, "filter_") && len(name) > len("filter_") {
		return true
	}
	for _, n := range filterNames {
		if n == name {
			return true
		}
	}
	return false
}

// Active reports whether any filter was given (the view is then read with its docs).
func (fs Filters) Active() bool { return len(fs) > 0 }

// Match reports whether doc passes every filter.
func (fs Filters) Match(doc Doc) bool {
	for _, f := range fs {
		if !f.match(doc) {
			return false
		}
	}
	return true
}

func (f filter) match(doc Doc) bool {
	switch f.name {
	case "has_key":
		_, ok := valueAt(doc, f.value)
		return ok
	case "key_missing":
		_, ok := valueAt(doc, f.value)
		return !ok
	case "has_value":
		return hasValue(doc, f.value)
	case "value_missing":
		return !hasValue(doc, f.value)
	case "created_from":
		return compareTime(doc, "pvt_created", f.value, func(c int) bool { return c >= 0 })
	case "created_to":
		return compareTime(doc, "pvt_created", f.value, func(c int) bool { return c <= 0 })
	case "modified_from":
		return compareTime(doc, "pvt_modified", f.value, func(c int) bool { return c >= 0 })
	case "modified_to":
		return compareTime(doc, "pvt_modified", f.value, func(c int) bool { return c <= 0 })
	}
	if path, ok := strings.CutPrefix(f.name, "filter_not_"); ok {
		eq, valid := filterEquals(doc, path, f.value)
		return valid && !eq
	}
	path := strings.TrimPrefix(f.name, "filter_")
	eq, valid := filterEquals(doc, path, f.value)
	return valid && eq
}

// filterEquals compares the doc's value at path, as text ("" when missing), with want,
// or, when want is a JSON list, tests membership. valid is false when the doc's value
// has no text form (an object or a list): crossbar's filter throws and excludes the doc.
func filterEquals(doc Doc, path, want string) (eq, valid bool) {
	v, _ := valueAt(doc, path)
	got, ok := textOf(v)
	if !ok {
		return false, false
	}
	if got == want {
		return true, true
	}
	var list []any
	if json.Unmarshal([]byte(want), &list) == nil {
		for _, e := range list {
			if s, isStr := e.(string); isStr && s == got {
				return true, true
			}
		}
	}
	return false, true
}

// textOf renders a scalar the way kz_json:get_binary_value does.
func textOf(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", true
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		if t {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

func hasValue(doc Doc, path string) bool {
	v, ok := valueAt(doc, path)
	if !ok {
		return false
	}
	switch t := v.(type) {
	case nil:
		return false
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	case map[string]any:
		return len(t) > 0
	case Doc:
		return len(t) > 0
	}
	return true
}

func compareTime(doc Doc, key, bound string, ok func(int) bool) bool {
	b, valid := new(big.Int).SetString(bound, 10)
	if !valid {
		return false
	}
	n, isInt := asInteger(doc[key])
	if !isInt {
		return false
	}
	return ok(n.Cmp(b))
}

// valueAt returns the value at a dotted path ("a.b.c") and whether it exists.
func valueAt(doc Doc, path string) (any, bool) {
	var cur any = map[string]any(doc)
	for _, seg := range strings.Split(path, ".") {
		var m map[string]any
		switch t := cur.(type) {
		case map[string]any:
			m = t
		case Doc:
			m = t
		default:
			return nil, false
		}
		v, ok := m[seg]
		if !ok {
			return nil, false
		}
		cur = v
	}
	return cur, true
}
