package contract

import (
	"encoding/json"
	"sort"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
)

func replicationTests() group {
	return group{name: "Replication", tests: []test{
		{"Replicate", testReplicate},
	}}
}

// snapshot returns every document (with its revision history and conflicts) as
// JSON, by id.
func snapshot(t *testing.T, db *kivik.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	res := collect(t, db.AllDocs(ctx()))
	for _, id := range res.ids() {
		d := get(t, db, id, kivik.Params(map[string]any{"revs": true, "conflicts": true}))
		if cs, ok := d["_conflicts"].([]any); ok {
			sort.Slice(cs, func(i, j int) bool { return cs[i].(string) < cs[j].(string) })
		}
		b, _ := json.Marshal(d)
		out[id] = string(b)
	}
	return out
}

func testReplicate(t *testing.T, c *kivik.Client) {
	replicateBetween(t, newDB(t, c), newDB(t, c))
}

// Replicate checks kivik.Replicate from a database on source to one on target
// and back (documents with their revision histories, conflicts, deletions and
// design docs), for backends that differ.
func Replicate(t *testing.T, source, target *kivik.Client) {
	t.Run("Forward", func(t *testing.T) { replicateBetween(t, newDB(t, source), newDB(t, target)) })
	t.Run("Backward", func(t *testing.T) { replicateBetween(t, newDB(t, target), newDB(t, source)) })
}

func replicateBetween(t *testing.T, src, dst *kivik.DB) {
	seedKazoo(t, src)
	u1 := get(t, src, "u1")
	u1["first_name"] = "Anna"
	put(t, src, "u1", u1)
	u2 := get(t, src, "u2")
	if _, err := src.Delete(ctx(), "u2", u2["_rev"].(string)); err != nil {
		t.Fatal(err)
	}
	conflict := "2-ffffffffffffffffffffffffffffffff"
	d1 := get(t, src, "dir1")
	_, err := src.Put(ctx(), "dir1", doc{"_rev": conflict, "pvt_type": "directory", "name": "Branch",
		"_revisions": doc{"start": 2, "ids": []string{conflict[2:], d1["_rev"].(string)[2:]}}}, kivik.Param("new_edits", false))
	if err != nil {
		t.Fatal(err)
	}
	put(t, dst, "u7", doc{"local": "target only"})
	res, err := kivik.Replicate(ctx(), dst, src)
	if err != nil {
		t.Fatalf("Replicate: %v (%+v)", err, res)
	}
	want, got := snapshot(t, src), snapshot(t, dst)
	delete(want, "u7")
	delete(got, "u7")
	if len(got) != len(want) {
		t.Fatalf("replicated %d docs, want %d", len(got), len(want))
	}
	for id, w := range want {
		if got[id] != w {
			t.Fatalf("doc %s:\n got %s\nwant %s", id, got[id], w)
		}
	}
	wantStatus(t, "deleted doc on target", dst.Get(ctx(), "u2").Err(), 404)
	equal(t, "view on target", members(t, dst, "dir1").ids(), []string{"a0", "u1"})
	// A second run copies nothing new.
	res, err = kivik.Replicate(ctx(), dst, src)
	if err != nil || res.DocsWritten != 0 {
		t.Fatalf("second Replicate: %+v %v", res, err)
	}
}
