package contract

import (
	"encoding/json"
	"net/http"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"

	designdocs "github.com/kazoo-directories/kazoo-directories/design_docs"
)

func viewTests() group {
	return group{name: "Views", tests: []test{
		{"KazooDirectories", testKazooViews},
		{"IncrementalUpdates", testViewUpdates},
		{"DesignDocChange", testDesignChange},
		{"Options", testViewOptions},
		{"Reduce", testReduce},
		{"BrokenMap", testBrokenMap},
		{"ThrowingMap", testThrowingMap},
		{"Missing", func(t *testing.T, c *kivik.Client) {
			db := newDB(t, c)
			_, err := tryCollect(db.Query(ctx(), "nope", "v"))
			wantStatus(t, "missing design doc", err, http.StatusNotFound)
			put(t, db, "_design/d", doc{"views": doc{"v": doc{"map": "function(doc){ emit(doc._id, null); }"}}})
			_, err = tryCollect(db.Query(ctx(), "d", "other"))
			wantStatus(t, "missing view", err, http.StatusNotFound)
		}},
	}}
}

// installKazoo puts the shipped account design docs.
func installKazoo(t *testing.T, db *kivik.DB) {
	t.Helper()
	ddocs, err := designdocs.Account()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ddocs {
		put(t, db, d["_id"].(string), d)
	}
}

// kazooDocs are KAZOO-shaped documents for the directories views.
var kazooDocs = []string{
	`{"_id":"dir1","pvt_type":"directory","name":"Sales","flags":["f1"],"sort_by":"last_name"}`,
	`{"_id":"dir2","pvt_type":"directory","name":"Support"}`,
	`{"_id":"dir3","pvt_type":"directory","name":"Gone","pvt_deleted":true}`,
	`{"_id":"u1","pvt_type":"user","first_name":"Ann","directories":{"dir1":"cf1","dir2":"cf2"}}`,
	`{"_id":"u2","pvt_type":"user","first_name":"Bob","directories":{"dir1":null}}`,
	`{"_id":"u3","pvt_type":"user","first_name":"Cid","directories":{"dir1":"cf3"},"pvt_deleted":true}`,
	`{"_id":"u4","pvt_type":"user","directories":["dir1"]}`,
	`{"_id":"u5","pvt_type":"user","directories":null}`,
	`{"_id":"u6","pvt_type":"user","directories":"dir1"}`,
	`{"_id":"u7","pvt_type":"user"}`,
	`{"_id":"cf9","pvt_type":"callflow","directories":{"dir2":{"nested":true}}}`,
	`{"_id":"a0","pvt_type":"user","directories":{"dir1":7}}`,
}

func seedKazoo(t *testing.T, db *kivik.DB) {
	t.Helper()
	installKazoo(t, db)
	for _, d := range kazooDocs {
		var m map[string]any
		_ = json.Unmarshal([]byte(d), &m)
		put(t, db, m["_id"].(string), json.RawMessage(d))
	}
}

func query(t *testing.T, db *kivik.DB, ddoc, view string, opts map[string]any) result {
	t.Helper()
	return collect(t, db.Query(ctx(), ddoc, view, kivik.Params(opts)))
}

func members(t *testing.T, db *kivik.DB, dir string) result {
	t.Helper()
	return query(t, db, "directories", "users_listing", map[string]any{
		"startkey": []any{dir}, "endkey": []any{dir, map[string]any{}}, "include_docs": true,
	})
}

func testKazooViews(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	seedKazoo(t, db)
	dirs := query(t, db, "directories", "crossbar_listing", map[string]any{})
	equal(t, "crossbar_listing ids", dirs.ids(), []string{"dir1", "dir2"})
	if compact(dirs.rows[0].Value) != `{"id":"dir1","name":"Sales","flags":["f1"]}` ||
		compact(dirs.rows[1].Value) != `{"id":"dir2","name":"Support","flags":[]}` {
		t.Fatalf("crossbar_listing values: %+v", dirs.rows)
	}
	if dirs.totalRows != 2 {
		t.Fatalf("total_rows %d", dirs.totalRows)
	}
	m := members(t, db, "dir1")
	equal(t, "dir1 members", m.ids(), []string{"a0", "u1", "u2"})
	equal(t, "dir1 keys", m.keys(), []string{`["dir1","a0"]`, `["dir1","u1"]`, `["dir1","u2"]`})
	equal(t, "dir1 values", []string{m.rows[0].Value, m.rows[1].Value, m.rows[2].Value}, []string{"7", `"cf1"`, "null"})
	var d map[string]any
	if err := json.Unmarshal([]byte(m.rows[1].Doc), &d); err != nil || d["first_name"] != "Ann" || d["_rev"] == nil {
		t.Fatalf("included doc: %s", m.rows[1].Doc)
	}
	m2 := members(t, db, "dir2")
	equal(t, "dir2 members", m2.ids(), []string{"cf9", "u1"})
	if compact(m2.rows[0].Value) != `{"nested":true}` {
		t.Fatalf("object value: %s", m2.rows[0].Value)
	}
	arr := members(t, db, "0")
	equal(t, "array directories", arr.ids(), []string{"u4"})
	if arr.rows[0].Value != `"dir1"` {
		t.Fatalf("array value %s", arr.rows[0].Value)
	}
	all := query(t, db, "directories", "users_listing", map[string]any{})
	if all.totalRows != 6 || len(all.rows) != 6 {
		t.Fatalf("users_listing: total %d rows %v", all.totalRows, all.keys())
	}
}

func testViewUpdates(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	seedKazoo(t, db)
	u1 := get(t, db, "u1")
	u1["directories"] = map[string]any{"dir2": "cf2"}
	put(t, db, "u1", u1)
	equal(t, "after moving u1", members(t, db, "dir1").ids(), []string{"a0", "u2"})
	u2 := get(t, db, "u2")
	if _, err := db.Delete(ctx(), "u2", u2["_rev"].(string)); err != nil {
		t.Fatal(err)
	}
	equal(t, "after deleting u2", members(t, db, "dir1").ids(), []string{"a0"})
	u3 := get(t, db, "u3")
	delete(u3, "pvt_deleted")
	put(t, db, "u3", u3)
	equal(t, "after restoring u3", members(t, db, "dir1").ids(), []string{"a0", "u3"})
	put(t, db, "u2", doc{"directories": doc{"dir1": "again"}})
	m := members(t, db, "dir1")
	equal(t, "after re-creating u2", m.ids(), []string{"a0", "u2", "u3"})
	dir2 := get(t, db, "dir2")
	dir2["pvt_deleted"] = true
	put(t, db, "dir2", dir2)
	equal(t, "soft-deleted directory", query(t, db, "directories", "crossbar_listing", map[string]any{}).ids(), []string{"dir1"})
}

func testDesignChange(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	put(t, db, "a", doc{"n": 2})
	put(t, db, "b", doc{"n": 1})
	rev := put(t, db, "_design/d", doc{"views": doc{"by_n": doc{"map": "function(doc){ emit(doc.n, null); }"}}})
	equal(t, "by_n", query(t, db, "d", "by_n", map[string]any{}).ids(), []string{"b", "a"})
	rev = put(t, db, "_design/d", doc{"_rev": rev, "views": doc{
		"by_n":  doc{"map": "function(doc){ emit(-doc.n, null); }"},
		"by_id": doc{"map": "function(doc){ emit(doc._id, doc.n); }"},
	}})
	equal(t, "by_n changed", query(t, db, "d", "by_n", map[string]any{}).ids(), []string{"a", "b"})
	equal(t, "by_id added", query(t, db, "d", "by_id", map[string]any{}).ids(), []string{"a", "b"})
	if _, err := db.Delete(ctx(), "_design/d", rev); err != nil {
		t.Fatal(err)
	}
	_, err := tryCollect(db.Query(ctx(), "d", "by_n"))
	wantStatus(t, "deleted design doc", err, http.StatusNotFound)
	put(t, db, "_design/d", doc{"views": doc{"by_n": doc{"map": "function(doc){ emit(doc.n * 10, null); }"}}})
	if k := query(t, db, "d", "by_n", map[string]any{}).keys(); len(k) != 2 || k[0] != "10" {
		t.Fatalf("re-created design doc keys %v", k)
	}
}

func testViewOptions(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	for i, id := range []string{"e", "d", "c", "b", "a"} {
		put(t, db, id, doc{"k": []any{"g", i % 2, id}})
	}
	put(t, db, "_design/d", doc{"views": doc{
		"k":   doc{"map": "function(doc){ emit(doc.k, doc._id); }"},
		"dup": doc{"map": "function(doc){ emit('same', 1); emit('same', 2); }"},
	}})
	q := func(opts map[string]any) []string { return query(t, db, "d", "k", opts).ids() }
	equal(t, "all", q(map[string]any{}), []string{"a", "c", "e", "b", "d"})
	equal(t, "limit skip", q(map[string]any{"limit": 2, "skip": 1}), []string{"c", "e"})
	equal(t, "descending", q(map[string]any{"descending": true}), []string{"d", "b", "e", "c", "a"})
	equal(t, "prefix", q(map[string]any{"startkey": []any{"g", 1}, "endkey": []any{"g", 1, map[string]any{}}}), []string{"b", "d"})
	equal(t, "key", q(map[string]any{"key": []any{"g", 0, "c"}}), []string{"c"})
	equal(t, "keys", q(map[string]any{"keys": []any{[]any{"g", 1, "d"}, []any{"nope"}, []any{"g", 0, "a"}}}), []string{"d", "a"})
	equal(t, "exclusive end", q(map[string]any{"endkey": []any{"g", 0, "e"}, "inclusive_end": false}), []string{"a", "c"})
	equal(t, "descending range", q(map[string]any{"descending": true, "startkey": []any{"g", 1, map[string]any{}}, "endkey": []any{"g", 1}}), []string{"d", "b"})
	equal(t, "startkey_docid", query(t, db, "d", "dup", map[string]any{"startkey": "same", "startkey_docid": "c"}).ids(),
		[]string{"c", "c", "d", "d", "e", "e"})
	r := query(t, db, "d", "k", map[string]any{"startkey": []any{"g", 1}, "limit": 1})
	if r.offset != 3 || r.totalRows != 5 {
		t.Fatalf("offset %d total %d", r.offset, r.totalRows)
	}
	_, err := tryCollect(db.Query(ctx(), "d", "k", kivik.Params(map[string]any{"startkey": []any{"z"}, "endkey": []any{"a"}})))
	wantStatus(t, "reversed range", err, http.StatusBadRequest)
}

func testReduce(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	for i, id := range []string{"a", "b", "c", "d"} {
		put(t, db, id, doc{"g": []any{"x", i % 2}, "n": i + 1})
	}
	put(t, db, "_design/r", doc{"views": doc{
		"count": doc{"map": "function(doc){ emit(doc.g, doc.n); }", "reduce": "_count"},
		"sum":   doc{"map": "function(doc){ emit(doc.g, doc.n); }", "reduce": "_sum"},
	}})
	total := query(t, db, "r", "count", map[string]any{})
	if len(total.rows) != 1 || total.rows[0].Value != "4" || total.rows[0].Key != "null" {
		t.Fatalf("_count: %+v", total.rows)
	}
	sum := query(t, db, "r", "sum", map[string]any{"group": true})
	equal(t, "group keys", sum.keys(), []string{`["x",0]`, `["x",1]`})
	if sum.rows[0].Value != "4" || sum.rows[1].Value != "6" {
		t.Fatalf("_sum grouped: %+v", sum.rows)
	}
	level := query(t, db, "r", "sum", map[string]any{"group_level": 1})
	if len(level.rows) != 1 || compact(level.rows[0].Key) != `["x"]` || level.rows[0].Value != "10" {
		t.Fatalf("group_level 1: %+v", level.rows)
	}
	plain := query(t, db, "r", "count", map[string]any{"reduce": false, "include_docs": true})
	if len(plain.rows) != 4 || plain.rows[0].Doc == "" {
		t.Fatalf("reduce=false: %+v", plain.rows)
	}
	_, err := tryCollect(db.Query(ctx(), "r", "count", kivik.Params(map[string]any{"include_docs": true})))
	wantStatus(t, "include_docs on reduce", err, http.StatusBadRequest)
}

// testBrokenMap: a map function that does not compile must surface as an error
// (CouchDB refuses the design doc), never as an empty view.
func testBrokenMap(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	put(t, db, "a", doc{})
	_, err := db.Put(ctx(), "_design/broken", doc{"views": doc{"v": doc{"map": "function(doc) { emit(doc._id"}}})
	if err != nil {
		wantStatus(t, "broken design doc", err, http.StatusBadRequest)
		return
	}
	if _, err := tryCollect(db.Query(ctx(), "broken", "v")); err == nil {
		t.Fatal("broken map function gave a view without error")
	}
}

// testThrowingMap: a document on which the map throws is left out, the others
// are indexed.
func testThrowingMap(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	put(t, db, "_design/t", doc{"views": doc{"v": doc{"map": "function(doc){ if (doc.bad) { throw new Error('bad doc'); } emit(doc.x.y, null); }"}}})
	put(t, db, "ok1", doc{"x": doc{"y": 1}})
	put(t, db, "bad", doc{"bad": true, "x": doc{"y": 2}})
	put(t, db, "noX", doc{})
	put(t, db, "ok2", doc{"x": doc{"y": 3}})
	equal(t, "rows", query(t, db, "t", "v", map[string]any{}).ids(), []string{"ok1", "ok2"})
}
