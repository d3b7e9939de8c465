package directory

import (
	"encoding/json"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ValidationError collects schema failures in KAZOO's shape (kz_json_schema): a map
// from property path to failed rule to an ordered detail object.
type ValidationError struct {
	fields map[string]Object
	// coerced holds type errors repaired by non-strict coercion; they are reported
	// only when something else fails too (crossbar coerces only when wrong types are
	// the sole failures).
	coerced []func()
	// recheck holds the checks of coerced values, run only when the first pass passed.
	recheck []func()
}

// Add records a failed rule for a property path ("name", "users.0").
func (v *ValidationError) Add(path, rule string, detail Object) {
	if v.fields == nil {
		v.fields = map[string]Object{}
	}
	v.fields[path] = append(v.fields[path], Field{rule, detail})
}

// Empty reports whether nothing failed.
func (v *ValidationError) Empty() bool { return len(v.fields) == 0 }

// Err returns nil when nothing failed, else an *Error with ECodeValidation whose Data
// is KAZOO's validation object, properties in lexical order.
func (v *ValidationError) Err() error {
	if v.Empty() {
		return nil
	}
	paths := make([]string, 0, len(v.fields))
	for p := range v.fields {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	data := make(Object, 0, len(paths))
	for _, p := range paths {
		data = append(data, Field{p, v.fields[p]})
	}
	return &Error{Code: ECodeValidation, Message: "validation failed on " + strings.Join(paths, ", "), Data: data}
}

// The rule details, exactly as KAZOO words them (§9.4).

func requiredError(v *ValidationError, field string) {
	v.Add(field, "required", Object{{"message", "Field is required but missing"}, {"value", field}})
}

func typeError(v *ValidationError, path, typ string, value any) {
	v.Add(path, "type", Object{{"message", "Value did not match type(s): " + typ}, {"target", typ}, {"value", value}})
}

func minLengthError(v *ValidationError, path string, n int, value string) {
	v.Add(path, "minLength", Object{
		{"message", "String must be at least " + strconv.Itoa(n) + " characters"},
		{"target", n}, {"cause", value}, {"value", value},
	})
}

func enumError(v *ValidationError, path string, allowed []string, value any) {
	v.Add(path, "enum", Object{{"message", "Value not found in enumerated list of values"}, {"target", allowed}, {"value", value}})
}

func minimumError(v *ValidationError, path string, n int, value any) {
	v.Add(path, "minimum", Object{{"message", "Value must be at least " + strconv.Itoa(n)}, {"target", n}, {"value", value}})
}

// PatternError returns the validation error KAZOO gives for a value that does not match
// a pattern.
func PatternError(path, pattern string, value any) error {
	var v ValidationError
	v.Add(path, "pattern", Object{{"message", "Failed to match pattern '" + pattern + "'"}, {"target", pattern}, {"value", value}})
	return v.Err()
}

// RequiredError returns the validation error for a missing field.
func RequiredError(field string) error {
	var v ValidationError
	requiredError(&v, field)
	return v.Err()
}

var (
	sortByValues       = []string{"first_name", "last_name"}
	searchFieldsValues = []string{"first_name", "last_name", "both"}
)

// Validate checks a directory's public data against KAZOO's `directories` schema (4.3,
// plus master's enum for search_fields) and returns a copy with the schema defaults
// filled in. Like crossbar's non-strict mode, integer and boolean properties given as
// strings ("3", "true") or as integral floats are coerced. Unknown keys are kept.
// Failure: an *Error with ECodeValidation in KAZOO's shape.
func Validate(data Doc) (Doc, error) {
	out := data.Clone()
	if out == nil {
		out = Doc{}
	}
	var v ValidationError
	if name, ok := out["name"]; !ok {
		requiredError(&v, "name")
	} else if s, isStr := name.(string); !isStr {
		typeError(&v, "name", "string", name)
	} else if utf8.RuneCountInString(s) < 1 {
		minLengthError(&v, "name", 1, s)
	}
	validateBool(&v, out, "confirm_match")
	validateInteger(&v, out, "max_dtmf", 0)
	validateInteger(&v, out, "min_dtmf", 1)
	validateEnum(&v, out, "sort_by", sortByValues)
	validateEnum(&v, out, "search_fields", searchFieldsValues)
	validateStrings(&v, out, "flags")
	validateStrings(&v, out, "users")
	if v.Empty() {
		for _, check := range v.recheck {
			check()
		}
	} else {
		for _, report := range v.coerced {
			report()
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	setDefault(out, "confirm_match", true)
	setDefault(out, "max_dtmf", json.Number("0"))
	setDefault(out, "min_dtmf", json.Number("3"))
	setDefault(out, "sort_by", "last_name")
	setDefault(out, "users", []any{})
	return out, nil
}

func setDefault(d Doc, key string, value any) {
	if _, ok := d[key]; !ok {
		d[key] = value
	}
}

func validateBool(v *ValidationError, d Doc, key string) {
	val, ok := d[key]
	if !ok {
		return
	}
	switch t := val.(type) {
	case bool:
	case string:
		if t == "true" || t == "false" {
			d[key] = t == "true"
			v.coerced = append(v.coerced, func() { typeError(v, key, "boolean", val) })
			return
		}
		typeError(v, key, "boolean", val)
	default:
		typeError(v, key, "boolean", val)
	}
}

// validateInteger checks an integer property with a minimum, coercing "3" and 3.0 to 3.
func validateInteger(v *ValidationError, d Doc, key string, minimum int) {
	val, ok := d[key]
	if !ok {
		return
	}
	n, isInt := asInteger(val)
	if !isInt {
		typeError(v, key, "integer", val)
		return
	}
	num := json.Number(n.String())
	d[key] = num
	check := func() {
		if n.Cmp(big.NewInt(int64(minimum))) < 0 {
			minimumError(v, key, minimum, num)
		}
	}
	if orig, isNum := val.(json.Number); isNum && orig == num {
		check()
		return
	}
	v.coerced = append(v.coerced, func() { typeError(v, key, "integer", val) })
	v.recheck = append(v.recheck, check)
}

// asInteger returns the integer value of a JSON number or numeric string whose value is
// integral.
func asInteger(val any) (*big.Int, bool) {
	var s string
	switch t := val.(type) {
	case json.Number:
		s = t.String()
	case float64:
		s = strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		return big.NewInt(int64(t)), true
	case string:
		s = strings.TrimSpace(t)
	default:
		return nil, false
	}
	if n, ok := new(big.Int).SetString(s, 10); ok {
		return n, true
	}
	if len(s) > 64 {
		return nil, false
	}
	f, ok := new(big.Float).SetString(s)
	if !ok || !f.IsInt() {
		return nil, false
	}
	n, _ := f.Int(nil)
	return n, true
}

func validateEnum(v *ValidationError, d Doc, key string, allowed []string) {
	val, ok := d[key]
	if !ok {
		return
	}
	s, isStr := val.(string)
	if !isStr {
		typeError(v, key, "string", val)
		return
	}
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	enumError(v, key, allowed, val)
}

func validateStrings(v *ValidationError, d Doc, key string) {
	val, ok := d[key]
	if !ok {
		return
	}
	items, isArr := val.([]any)
	if !isArr {
		typeError(v, key, "array", val)
		return
	}
	for i, it := range items {
		if _, isStr := it.(string); !isStr {
			typeError(v, key+"."+strconv.Itoa(i), "string", it)
		}
	}
}
