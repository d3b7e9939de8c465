package designdocs

import (
	"encoding/json"
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

// TestMembersIndexFollowsUsersListing: directories_index/members emits the rows of
// directories/users_listing (same keys, the row value as `callflow`) with the member's
// names and revision, so that a printout read from it lists exactly the members a
// directory GET lists.
func TestMembersIndexFollowsUsersListing(t *testing.T) {
	listing := compileMap(t, views(t)["directories/users_listing"])
	index := compileMap(t, views(t)["directories_index/members"])
	for _, doc := range []string{
		`{"_id":"u1","_rev":"1-a","pvt_type":"user","first_name":"Ann","last_name":"Lee","directories":{"D1":"cf1","D2":"cf2"}}`,
		`{"_id":"dev","_rev":"2-b","pvt_type":"device","directories":{"D":7}}`,
		`{"_id":"u2","_rev":"1-c","first_name":5,"last_name":null,"directories":{"D":{"_id":"u1"}}}`,
		`{"_id":"u3","_rev":"1-d","directories":{"D":null}}`,
		`{"_id":"u4","_rev":"1-e","directories":["a","b"]}`,
		`{"_id":"u5","_rev":"1-f","directories":{"D":"cf"},"pvt_deleted":true}`,
		`{"_id":"u6","_rev":"1-g","directories":null}`,
		`{"_id":"u7","_rev":"1-h","directories":"D"}`,
		`{"_id":"u8","_rev":"1-i","first_name":"x"}`,
	} {
		var want []string
		for _, row := range listing.run(t, doc) {
			var kv [2]any
			if err := json.Unmarshal([]byte(row), &kv); err != nil {
				t.Fatal(err)
			}
			var d map[string]any
			_ = json.Unmarshal([]byte(doc), &d)
			v := map[string]any{"callflow": kv[1], "rev": d["_rev"]}
			for _, f := range []string{"first_name", "last_name"} {
				if x, ok := d[f]; ok {
					v[f] = x
				}
			}
			b, _ := json.Marshal([]any{kv[0], v})
			want = append(want, string(b))
		}
		var got []string
		for _, row := range index.run(t, doc) {
			var kv [2]any
			if err := json.Unmarshal([]byte(row), &kv); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(kv) // same key order as want
			got = append(got, string(b))
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("map(%s)\n got %v\nwant %v", doc, got, want)
		}
	}
}

func TestNumbersIndex(t *testing.T) {
	m := compileMap(t, views(t)["directories_index/numbers"])
	for _, tc := range []struct{ doc, want string }{
		{`{"_id":"cf1","_rev":"3-a","pvt_type":"callflow","numbers":["1001","+15551230001"],"flow":{}}`,
			`["cf1",{"numbers":["1001","+15551230001"],"rev":"3-a"}]`},
		{`{"_id":"cf2","_rev":"1-b","pvt_type":"callflow","numbers":[],"pvt_deleted":true}`, `["cf2",{"numbers":[],"rev":"1-b"}]`},
		{`{"_id":"x","_rev":"1-c","numbers":null}`, `["x",{"numbers":null,"rev":"1-c"}]`},
		{`{"_id":"cf3","_rev":"1-d","pvt_type":"callflow","patterns":["^1"]}`, ``},
	} {
		if got := strings.Join(m.run(t, tc.doc), "\n"); got != tc.want {
			t.Errorf("map(%s) = %s, want %s", tc.doc, got, tc.want)
		}
	}
}
