package couchdb

import (
	"strings"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// designEqual reports whether the stored design doc cur behaves like want: the same
// language and, for every view of want, the same map and reduce code up to whitespace
// (normalizeJS). Views that only cur has are ignored, and so are non-code keys
// (_rev, kazoo), so that KAZOO's own copy of the same views — one-line or joined from
// an array of lines — never causes a rewrite.
func designEqual(cur, want directory.Doc) bool {
	if language(cur) != language(want) {
		return false
	}
	curViews, _ := cur["views"].(map[string]any)
	wantViews, _ := want["views"].(map[string]any)
	for name, w := range wantViews {
		c, ok := curViews[name].(map[string]any)
		if !ok {
			return false
		}
		wv, _ := w.(map[string]any)
		for _, fn := range []string{"map", "reduce"} {
			if normalizeJS(code(c[fn])) != normalizeJS(code(wv[fn])) {
				return false
			}
		}
	}
	return true
}

// mergeDesign returns the doc to write: want's keys and views over the stored copy cur
// (nil when there is none), keeping cur's _rev and the views only cur has.
func mergeDesign(cur, want directory.Doc) directory.Doc {
	out := want.Clone()
	if cur == nil {
		return out
	}
	out["_rev"] = cur["_rev"]
	views := make(map[string]any)
	if cv, ok := cur["views"].(map[string]any); ok {
		for k, v := range cv {
			views[k] = v
		}
	}
	if wv, ok := out["views"].(map[string]any); ok {
		for k, v := range wv {
			views[k] = v
		}
	}
	out["views"] = views
	return out
}

func language(d directory.Doc) string {
	if l := d.String("language"); l != "" {
		return l
	}
	return "javascript"
}

// code returns JavaScript source stored as a string or, as KAZOO's master sources
// have it, as an array of lines (KAZOO concatenates them without separators).
func code(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		var b strings.Builder
		for _, l := range t {
			s, _ := l.(string)
			b.WriteString(s)
		}
		return b.String()
	default:
		return ""
	}
}

// normalizeJS drops whitespace except where it separates two identifier characters,
// where it becomes one space: "function (doc) {\n  emit(...)" and "function(doc){emit(...)"
// compare equal, while "return doc" keeps its space.
func normalizeJS(src string) string {
	var b strings.Builder
	pendingSpace := false
	var last byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			pendingSpace = b.Len() > 0
			continue
		}
		if pendingSpace && isIdentChar(last) && isIdentChar(c) {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteByte(c)
		last = c
	}
	return b.String()
}

func isIdentChar(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
