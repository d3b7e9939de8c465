package designdocs

import (
	"sort"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// The compat test server hides a broken map function (an empty view), so every map
// function shipped here is compiled and run with a JavaScript engine, in sloppy mode
// like CouchDB's couchjs.

// mapFunc is one compiled map function; emit serialises rows with the engine's
// JSON.stringify, which (like CouchDB) drops undefined object members.
type mapFunc struct {
	vm *goja.Runtime
	fn goja.Callable
}

func compileMap(t *testing.T, src string) *mapFunc {
	t.Helper()
	m := &mapFunc{vm: goja.New()}
	if _, err := m.vm.RunString(`var __rows = [];
function emit(k, v) { __rows.push(JSON.stringify([k, v === undefined ? null : v])); }`); err != nil {
		t.Fatal(err)
	}
	v, err := m.vm.RunString("(" + src + ")")
	if err != nil {
		t.Fatalf("compile %q: %v", src, err)
	}
	fn, ok := goja.AssertFunction(v)
	if !ok {
		t.Fatalf("map is not a function: %q", src)
	}
	m.fn = fn
	return m
}

// run calls the map function on a doc and returns the emitted rows as JSON texts.
func (m *mapFunc) run(t *testing.T, docJSON string) []string {
	t.Helper()
	if _, err := m.vm.RunString("__rows = []"); err != nil {
		t.Fatal(err)
	}
	doc, err := m.vm.RunString("(" + docJSON + ")")
	if err != nil {
		t.Fatalf("doc %s: %v", docJSON, err)
	}
	if _, err := m.fn(goja.Undefined(), doc); err != nil {
		t.Fatalf("map(%s): %v", docJSON, err)
	}
	var rows []string
	if err := m.vm.ExportTo(m.vm.Get("__rows"), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestEveryMapFunctionCompiles(t *testing.T) {
	docs, err := Account()
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no design docs")
	}
	for _, d := range docs {
		if id, _ := d["_id"].(string); !strings.HasPrefix(id, "_design/") {
			t.Errorf("design doc id %q", id)
		}
		if lang, _ := d["language"].(string); lang != "javascript" {
			t.Errorf("%v: language %q", d["_id"], lang)
		}
		views, _ := d["views"].(map[string]any)
		if len(views) == 0 {
			t.Errorf("%v: no views", d["_id"])
		}
		for name, v := range views {
			src, _ := v.(map[string]any)["map"].(string)
			if src == "" {
				t.Errorf("%v/%s: no map", d["_id"], name)
				continue
			}
			m := compileMap(t, src)
			m.run(t, `{"_id":"x"}`) // must not throw on a bare doc
		}
	}
}

func views(t *testing.T) map[string]string {
	t.Helper()
	docs, err := Account()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range docs {
		for name, v := range d["views"].(map[string]any) {
			out[strings.TrimPrefix(d["_id"].(string), "_design/")+"/"+name] = v.(map[string]any)["map"].(string)
		}
	}
	return out
}

func TestCrossbarListing(t *testing.T) {
	m := compileMap(t, views(t)["directories/crossbar_listing"])
	for _, tc := range []struct{ doc, want string }{
		{`{"_id":"d1","pvt_type":"directory","name":"Sales","flags":["a"],"min_dtmf":3}`,
			`["d1",{"id":"d1","name":"Sales","flags":["a"]}]`},
		{`{"_id":"d2","pvt_type":"directory"}`, `["d2",{"id":"d2","flags":[]}]`},
		{`{"_id":"d3","pvt_type":"directory","name":"x","flags":null}`, `["d3",{"id":"d3","name":"x","flags":[]}]`},
		{`{"_id":"d4","pvt_type":"directory","name":"x","pvt_deleted":true}`, ``},
		{`{"_id":"d5","pvt_type":"directory","name":"x","pvt_deleted":false}`, `["d5",{"id":"d5","name":"x","flags":[]}]`},
		{`{"_id":"u1","pvt_type":"user","name":"x"}`, ``},
		{`{"_id":"n1","name":"x"}`, ``},
	} {
		if got := strings.Join(m.run(t, tc.doc), "\n"); got != tc.want {
			t.Errorf("map(%s)\n got %s\nwant %s", tc.doc, got, tc.want)
		}
	}
}

func TestUsersListing(t *testing.T) {
	m := compileMap(t, views(t)["directories/users_listing"])
	for _, tc := range []struct {
		doc  string
		want []string
	}{
		{`{"_id":"u1","pvt_type":"user","directories":{"D1":"cf1","D2":"cf2"}}`,
			[]string{`[["D1","u1"],"cf1"]`, `[["D2","u1"],"cf2"]`}},
		{`{"_id":"dev","pvt_type":"device","directories":{"D":7}}`, []string{`[["D","dev"],7]`}},
		{`{"_id":"u2","directories":{"D":{"x":1}}}`, []string{`[["D","u2"],{"x":1}]`}},
		{`{"_id":"u3","directories":{"D":null}}`, []string{`[["D","u3"],null]`}},
		{`{"_id":"u4","directories":["a","b"]}`, []string{`[["0","u4"],"a"]`, `[["1","u4"],"b"]`}},
		{`{"_id":"u5","directories":{"D":"cf"},"pvt_deleted":true}`, nil},
		{`{"_id":"u6","directories":null}`, nil},
		{`{"_id":"u7","directories":"D"}`, nil},
		{`{"_id":"u8"}`, nil},
	} {
		got := m.run(t, tc.doc)
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("map(%s)\n got %v\nwant %v", tc.doc, got, tc.want)
		}
	}
}
