package couchdb

import (
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func TestNormalizeJS(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"function(doc) { emit(doc._id, null); }", "function (doc){\n\temit( doc._id , null );\n}", true},
		{"function(doc) {  if (x) return;  emit(1); }", "function(doc) {\n  if (x) return;\n  emit(1);\n}", true},
		{"return doc", "returndoc", false},
		{"var a = 1", "var a = 2", false},
		{"  x  ", "x", true},
	} {
		if got := normalizeJS(tc.a) == normalizeJS(tc.b); got != tc.same {
			t.Errorf("normalizeJS(%q) == normalizeJS(%q): %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

func TestDesignEqual(t *testing.T) {
	want := directory.Doc{
		"_id": "_design/x", "language": "javascript", "kazoo": map[string]any{},
		"views": map[string]any{"v": map[string]any{"map": "function(doc) { emit(doc._id); }"}},
	}
	view := func(m any, extra ...string) directory.Doc {
		views := map[string]any{"v": map[string]any{"map": m}}
		for _, e := range extra {
			views[e] = map[string]any{"map": "function(doc) {}"}
		}
		return directory.Doc{"_id": "_design/x", "_rev": "3-a", "views": views}
	}
	for name, tc := range map[string]struct {
		cur  directory.Doc
		same bool
	}{
		"identical":      {want.Clone(), true},
		"spacing":        {view("function (doc) {\n  emit(doc._id);\n}"), true},
		"array of lines": {view([]any{"function(doc) {", "  emit(doc._id);", "}"}), true},
		"extra view":     {view("function(doc) { emit(doc._id); }", "other"), true},
		"other code":     {view("function(doc) { emit(doc.name); }"), false},
		"reduce added": {directory.Doc{"views": map[string]any{"v": map[string]any{
			"map": "function(doc) { emit(doc._id); }", "reduce": "_count"}}}, false},
		"view missing":   {directory.Doc{"views": map[string]any{}}, false},
		"no views":       {directory.Doc{}, false},
		"other language": {func() directory.Doc { d := want.Clone(); d["language"] = "erlang"; return d }(), false},
	} {
		if got := designEqual(tc.cur, want); got != tc.same {
			t.Errorf("%s: designEqual = %v, want %v", name, got, tc.same)
		}
	}

	merged := mergeDesign(view("old", "other"), want)
	if merged.Rev() != "3-a" || merged["kazoo"] == nil {
		t.Errorf("merged = %v", merged)
	}
	views := merged["views"].(map[string]any)
	if _, ok := views["other"]; !ok || views["v"].(map[string]any)["map"] != "function(doc) { emit(doc._id); }" {
		t.Errorf("merged views = %v", views)
	}
	if m := mergeDesign(nil, want); m.Rev() != "" || !designEqual(m, want) {
		t.Errorf("mergeDesign(nil) = %v", m)
	}
}
