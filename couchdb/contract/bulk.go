package contract

import (
	"net/http"
	"sort"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
)

func bulkTests() group {
	return group{name: "Bulk", tests: []test{
		{"Docs", testBulkDocs},
		{"NewEditsFalse", testNewEditsFalse},
		{"RevsDiff", testRevsDiff},
	}}
}

func testBulkDocs(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	rev := put(t, db, "b", doc{"v": 0})
	res, err := db.BulkDocs(ctx(), []any{
		doc{"_id": "a", "v": 1},
		doc{"_id": "b", "v": 2},
		doc{"_id": "c", "_rev": rev},
		doc{"v": 3},
	})
	if err != nil || len(res) != 4 {
		t.Fatalf("BulkDocs: %v %v", res, err)
	}
	if res[0].ID != "a" || res[0].Error != nil || res[0].Rev[:2] != "1-" {
		t.Fatalf("result a: %+v", res[0])
	}
	if res[1].ID != "b" || !isStatus(res[1].Error, http.StatusConflict) {
		t.Fatalf("result b: %+v", res[1])
	}
	// A _rev for a doc that does not exist: Apache CouchDB 3.5 with q=2 answers 409
	// for some ids and stores the doc as the next revision for others (it depends
	// on the shard); a PUT of the same answers 409 everywhere.
	if res[2].ID != "c" || (!isStatus(res[2].Error, http.StatusConflict) && (res[2].Error != nil || res[2].Rev[:2] != "2-")) {
		t.Fatalf("result c: %+v", res[2])
	}
	if res[3].ID == "" || res[3].Error != nil {
		t.Fatalf("result without id: %+v", res[3])
	}
	if got := get(t, db, res[3].ID); got["v"] != 3.0 {
		t.Fatalf("generated-id doc: %v", got)
	}
}

func testNewEditsFalse(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	rev1 := put(t, db, "d", doc{"v": 1})
	rev2 := put(t, db, "d", doc{"_rev": rev1, "v": 2})
	h1 := rev1[2:]
	branch := "2-" + "ffffffffffffffffffffffffffffffff"
	loser := "2-" + "00000000000000000000000000000000"
	for _, r := range []string{branch, loser} {
		_, err := db.Put(ctx(), "d", doc{"_rev": r, "v": r, "_revisions": doc{"start": 2, "ids": []string{r[2:], h1}}},
			kivik.Param("new_edits", false))
		if err != nil {
			t.Fatalf("Put new_edits=false %s: %v", r, err)
		}
	}
	// Storing a known revision again changes nothing.
	if _, err := db.Put(ctx(), "d", doc{"_rev": loser, "v": "again"}, kivik.Param("new_edits", false)); err != nil {
		t.Fatalf("replay: %v", err)
	}
	got := get(t, db, "d", kivik.Param("conflicts", true))
	if got["_rev"] != branch {
		t.Fatalf("winner %v, want %s", got["_rev"], branch)
	}
	conflicts := toStrings(got["_conflicts"])
	want := []string{rev2, loser}
	sort.Sort(sort.Reverse(sort.StringSlice(want)))
	sort.Sort(sort.Reverse(sort.StringSlice(conflicts)))
	equal(t, "_conflicts", conflicts, want)
	if l := get(t, db, "d", kivik.Rev(loser)); l["v"] != loser {
		t.Fatalf("loser body: %v", l)
	}
	// Deleting the winner lets the next live leaf win.
	if _, err := db.Delete(ctx(), "d", branch); err != nil {
		t.Fatal(err)
	}
	if got := get(t, db, "d"); got["_rev"] != rev2 && got["_rev"] != loser {
		t.Fatalf("after deleting the winner: %v", got["_rev"])
	}
	// A brand-new doc through bulk new_edits=false.
	res, err := db.BulkDocs(ctx(), []any{doc{"_id": "n", "_rev": "3-" + h1, "x": 1,
		"_revisions": doc{"start": 3, "ids": []string{h1, h1, h1}}}}, kivik.Param("new_edits", false))
	if err != nil {
		t.Fatalf("BulkDocs new_edits=false: %v", err)
	}
	for _, r := range res {
		if r.Error != nil {
			t.Fatalf("BulkDocs new_edits=false result: %+v", r)
		}
	}
	if got := get(t, db, "n"); got["_rev"] != "3-"+h1 {
		t.Fatalf("replicated doc: %v", got)
	}
}

func testRevsDiff(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	rev1 := put(t, db, "d", doc{"v": 1})
	missing := "2-0123456789abcdef0123456789abcdef"
	rs := db.RevsDiff(ctx(), map[string][]string{"d": {rev1, missing}, "other": {"1-abc"}})
	got := map[string]kivik.RevDiff{}
	for rs.Next() {
		var d kivik.RevDiff
		if err := rs.ScanValue(&d); err != nil {
			t.Fatal(err)
		}
		id, _ := rs.ID()
		got[id] = d
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("RevsDiff: %+v", got)
	}
	equal(t, "missing d", got["d"].Missing, []string{missing})
	equal(t, "possible ancestors d", got["d"].PossibleAncestors, []string{rev1})
	equal(t, "missing other", got["other"].Missing, []string{"1-abc"})
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
