package contract

import (
	"encoding/json"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
)

func allDocsTests() group {
	return group{name: "AllDocs", tests: []test{
		{"Ranges", testAllDocsRanges},
		{"Keys", testAllDocsKeys},
		{"ReversedRange", testAllDocsReversedRange},
	}}
}

// seedAllDocs writes a..e, a design doc, and a deleted doc "c2".
func seedAllDocs(t *testing.T, db *kivik.DB) {
	t.Helper()
	for _, id := range []string{"c", "a", "e", "b", "d"} {
		put(t, db, id, doc{"v": id})
	}
	rev := put(t, db, "c2", doc{})
	if _, err := db.Delete(ctx(), "c2", rev); err != nil {
		t.Fatal(err)
	}
	put(t, db, "_design/x", doc{"language": "javascript"})
}

func allDocs(t *testing.T, db *kivik.DB, opts map[string]any) result {
	t.Helper()
	return collect(t, db.AllDocs(ctx(), kivik.Params(opts)))
}

func testAllDocsRanges(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	seedAllDocs(t, db)
	all := allDocs(t, db, map[string]any{})
	equal(t, "all", all.ids(), []string{"_design/x", "a", "b", "c", "d", "e"})
	if all.totalRows != 6 || all.offset != 0 {
		t.Fatalf("total_rows %d offset %d", all.totalRows, all.offset)
	}
	var v struct {
		Rev string `json:"rev"`
	}
	if err := json.Unmarshal([]byte(all.rows[1].Value), &v); err != nil || v.Rev == "" || all.rows[1].Key != `"a"` {
		t.Fatalf("row: %+v", all.rows[1])
	}
	cases := []struct {
		name string
		opts map[string]any
		want []string
	}{
		{"startkey", map[string]any{"startkey": "b"}, []string{"b", "c", "d", "e"}},
		{"endkey", map[string]any{"startkey": "b", "endkey": "d"}, []string{"b", "c", "d"}},
		{"exclusive", map[string]any{"startkey": "b", "endkey": "d", "inclusive_end": false}, []string{"b", "c"}},
		{"limit skip", map[string]any{"startkey": "a", "limit": 2, "skip": 1}, []string{"b", "c"}},
		{"descending", map[string]any{"descending": true, "startkey": "d", "endkey": "b"}, []string{"d", "c", "b"}},
		{"descending exclusive", map[string]any{"descending": true, "startkey": "d", "endkey": "b", "inclusive_end": false}, []string{"d", "c"}},
		{"descending all", map[string]any{"descending": true, "limit": 3}, []string{"e", "d", "c"}},
		{"key", map[string]any{"key": "c"}, []string{"c"}},
		{"between", map[string]any{"startkey": "bb", "endkey": "cc"}, []string{"c"}},
		{"design range", map[string]any{"startkey": "_design/", "endkey": "_design0"}, []string{"_design/x"}},
	}
	for _, tc := range cases {
		equal(t, tc.name, allDocs(t, db, tc.opts).ids(), tc.want)
	}
	if r := allDocs(t, db, map[string]any{"startkey": "b", "skip": 1}); r.offset != 3 {
		t.Fatalf("offset with startkey b and skip 1: %d, want 3", r.offset)
	}
	docs := allDocs(t, db, map[string]any{"include_docs": true, "key": "b"})
	var d map[string]any
	if err := json.Unmarshal([]byte(docs.rows[0].Doc), &d); err != nil || d["v"] != "b" || d["_id"] != "b" {
		t.Fatalf("include_docs: %+v", docs.rows)
	}
}

// testAllDocsReversedRange: _all_docs with startkey after endkey (not descending)
// matches nothing and answers an empty result, not an error (views answer 400).
func testAllDocsReversedRange(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	seedAllDocs(t, db)
	for _, opts := range []map[string]any{
		{"startkey": "d", "endkey": "b"},
		{"descending": true, "startkey": "b", "endkey": "d"},
	} {
		res, err := tryCollect(db.AllDocs(ctx(), kivik.Params(opts)))
		if err != nil || len(res.rows) != 0 {
			t.Fatalf("reversed range %v: %v %v, want no rows", opts, res.rows, err)
		}
	}
}

func testAllDocsKeys(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	seedAllDocs(t, db)
	res := allDocs(t, db, map[string]any{"keys": []string{"d", "nope", "c2", "a"}, "include_docs": true})
	if len(res.rows) != 4 {
		t.Fatalf("rows: %+v", res.rows)
	}
	d, missing, deleted, a := res.rows[0], res.rows[1], res.rows[2], res.rows[3]
	if d.ID != "d" || a.ID != "a" || d.Doc == "" {
		t.Fatalf("found rows: %+v %+v", d, a)
	}
	if missing.ID != "" || missing.Key != `"nope"` || missing.Doc != "" || missing.Value != "" {
		t.Fatalf("missing row: %+v", missing)
	}
	var v struct {
		Rev     string `json:"rev"`
		Deleted bool   `json:"deleted"`
	}
	if err := json.Unmarshal([]byte(deleted.Value), &v); err != nil || !v.Deleted || v.Rev[:2] != "2-" || deleted.ID != "c2" || deleted.Doc != "null" {
		t.Fatalf("deleted row: %+v", deleted)
	}
	plain := allDocs(t, db, map[string]any{"keys": []string{"e", "b"}})
	equal(t, "keys order", plain.ids(), []string{"e", "b"})
	if plain.rows[0].Doc != "" {
		t.Fatalf("doc without include_docs: %+v", plain.rows[0])
	}
}
