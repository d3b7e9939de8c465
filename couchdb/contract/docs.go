package contract

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
)

var revPattern = regexp.MustCompile(`^[0-9]+-[0-9a-f]{32}$`)

func docTests() group {
	return group{name: "Docs", tests: []test{
		{"MVCC", testMVCC},
		{"DeleteAndRecreate", testDeleteRecreate},
		{"CreateDoc", func(t *testing.T, c *kivik.Client) {
			db := newDB(t, c)
			id, rev, err := db.CreateDoc(ctx(), doc{"a": 1})
			if err != nil || id == "" || !revPattern.MatchString(rev) {
				t.Fatalf("CreateDoc: %q %q %v", id, rev, err)
			}
			if got := get(t, db, id); got["a"] != 1.0 {
				t.Fatalf("Get: %v", got)
			}
		}},
		{"BodyRoundTrip", testBodyRoundTrip},
		{"ReservedIDs", func(t *testing.T, c *kivik.Client) {
			db := newDB(t, c)
			wantStatus(t, "Put(_bad)", refusedPut(db, "_bad", doc{"a": 1}), http.StatusBadRequest)
			wantStatus(t, "Put with _foo", refusedPut(db, "x", doc{"_foo": 1}), http.StatusBadRequest)
			put(t, db, "_design/ok", doc{"language": "javascript"})
		}},
		{"GetOptions", testGetOptions},
		{"SlashIDs", func(t *testing.T, c *kivik.Client) {
			db := newDB(t, c)
			put(t, db, "a/b c", doc{"v": 1})
			if got := get(t, db, "a/b c"); got["_id"] != "a/b c" {
				t.Fatalf("Get: %v", got)
			}
		}},
		{"Stats", func(t *testing.T, c *kivik.Client) {
			st, err := statsAfterDelete(t, c)
			if err != nil || st.DocCount != 1 || st.DeletedCount != 1 {
				t.Fatalf("Stats: %+v %v", st, err)
			}
		}},
	}}
}

func testMVCC(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	rev1 := put(t, db, "d", doc{"n": 1})
	if !revPattern.MatchString(rev1) || rev1[:2] != "1-" {
		t.Fatalf("first rev %q", rev1)
	}
	_, err := db.Put(ctx(), "d", doc{"n": 2})
	wantStatus(t, "update without _rev", err, http.StatusConflict)
	rev2 := put(t, db, "d", doc{"_rev": rev1, "n": 2})
	if rev2[:2] != "2-" {
		t.Fatalf("second rev %q", rev2)
	}
	_, err = db.Put(ctx(), "d", doc{"_rev": rev1, "n": 3})
	wantStatus(t, "stale _rev", err, http.StatusConflict)
	_, err = db.Put(ctx(), "new", doc{"_rev": "1-0123456789abcdef0123456789abcdef"})
	wantStatus(t, "_rev on a new doc", err, http.StatusConflict)
	rev3 := put(t, db, "d", doc{"n": 3}, kivik.Rev(rev2))
	if rev3[:2] != "3-" {
		t.Fatalf("rev via option %q", rev3)
	}
	got := get(t, db, "d")
	if got["_id"] != "d" || got["_rev"] != rev3 || got["n"] != 3.0 {
		t.Fatalf("Get: %v", got)
	}
	if r, err := db.GetRev(ctx(), "d"); err != nil || r != rev3 {
		t.Fatalf("GetRev: %q %v", r, err)
	}
	if r, _ := db.Get(ctx(), "d").Rev(); r != rev3 {
		t.Fatalf("Document.Rev: %q", r)
	}
	old := get(t, db, "d", kivik.Rev(rev3))
	if old["n"] != 3.0 {
		t.Fatalf("Get rev: %v", old)
	}
	wantStatus(t, "Get missing", db.Get(ctx(), "nope").Err(), http.StatusNotFound)
	_, err = db.GetRev(ctx(), "nope")
	wantStatus(t, "GetRev missing", err, http.StatusNotFound)
	wantStatus(t, "Get unknown rev", db.Get(ctx(), "d", kivik.Rev("9-0123456789abcdef0123456789abcdef")).Err(), http.StatusNotFound)
}

func testDeleteRecreate(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	rev1 := put(t, db, "d", doc{"n": 1})
	_, err := db.Delete(ctx(), "d", "")
	wantStatus(t, "Delete without rev", err, http.StatusBadRequest)
	_, err = db.Delete(ctx(), "d", "1-0123456789abcdef0123456789abcdef")
	wantStatus(t, "Delete stale rev", err, http.StatusConflict)
	rev2, err := db.Delete(ctx(), "d", rev1)
	if err != nil || rev2[:2] != "2-" {
		t.Fatalf("Delete: %q %v", rev2, err)
	}
	wantStatus(t, "Get deleted", db.Get(ctx(), "d").Err(), http.StatusNotFound)
	_, err = db.GetRev(ctx(), "d")
	wantStatus(t, "GetRev deleted", err, http.StatusNotFound)
	tomb := get(t, db, "d", kivik.Rev(rev2))
	if tomb["_deleted"] != true {
		t.Fatalf("tombstone: %v", tomb)
	}
	_, err = db.Delete(ctx(), "d", rev2)
	wantStatus(t, "Delete deleted", err, http.StatusNotFound)
	_, err = db.Delete(ctx(), "missing", rev1)
	wantStatus(t, "Delete missing", err, http.StatusNotFound)
	rev3 := put(t, db, "d", doc{"n": 3})
	if rev3[:2] != "3-" {
		t.Fatalf("re-create rev %q, want generation 3", rev3)
	}
	if got := get(t, db, "d"); got["n"] != 3.0 {
		t.Fatalf("re-created: %v", got)
	}
	_, err = db.Put(ctx(), "d", doc{"n": 4})
	wantStatus(t, "re-create twice", err, http.StatusConflict)
}

func testBodyRoundTrip(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	in := `{"s":"é \" \\ \u0001 <>&","n":-1.5e3,"i":42,"t":true,"f":false,"z":null,"a":[1,"x",{"k":[]}],"o":{"p":{"q":"r"}},"directories":{"d1":"cf1"}}`
	put(t, db, "d", json.RawMessage(in))
	var got, want map[string]any
	if err := db.Get(ctx(), "d").ScanDoc(&got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(in), &want)
	delete(got, "_id")
	delete(got, "_rev")
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("round trip:\n got %s\nwant %s", g, w)
	}
}

func testGetOptions(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	rev1 := put(t, db, "d", doc{"n": 1})
	rev2 := put(t, db, "d", doc{"_rev": rev1, "n": 2})
	got := get(t, db, "d", kivik.Param("revs", true))
	revs, _ := got["_revisions"].(map[string]any)
	ids, _ := revs["ids"].([]any)
	if revs["start"] != 2.0 || len(ids) != 2 || "2-"+ids[0].(string) != rev2 || "1-"+ids[1].(string) != rev1 {
		t.Fatalf("_revisions: %v", got["_revisions"])
	}
	if _, ok := get(t, db, "d", kivik.Param("conflicts", true))["_conflicts"]; ok {
		t.Fatal("_conflicts on a doc without conflicts")
	}
}

// statsAfterDelete stores two docs in a new database, deletes one and returns the
// database's stats.
func statsAfterDelete(t *testing.T, c *kivik.Client) (*kivik.DBStats, error) {
	t.Helper()
	db := newDB(t, c)
	put(t, db, "a", doc{})
	rev := put(t, db, "b", doc{})
	if _, err := db.Delete(ctx(), "b", rev); err != nil {
		t.Fatal(err)
	}
	return db.Stats(ctx())
}
