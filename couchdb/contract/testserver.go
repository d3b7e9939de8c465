package contract

import (
	"net/http"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
)

// TestServerDifferences are the contract tests where the PouchDB-based test server
// (couchdb/couchdbtest/server) behaves unlike Apache CouchDB 3.5, each asserting
// what the test server does instead (see ../shared/spec/apache-couchdb.md). Use
// them as Target.Differences when the target is the test server.
func TestServerDifferences() map[string]Difference {
	return map[string]Difference{
		"Local/WriteWithoutRev": {
			Why: "CouchDB writes a _local doc whatever rev it is given (none: 0-1); the test server keeps a rev check and answers 409",
			Run: func(t *testing.T, c *kivik.Client) {
				db := newDB(t, c)
				put(t, db, "_local/ckpt", doc{"seq": 1})
				_, err := db.Put(ctx(), "_local/ckpt", doc{"seq": 2})
				wantStatus(t, "local without rev", err, http.StatusConflict)
				_, err = db.Put(ctx(), "_local/ckpt", doc{"_rev": "0-7", "seq": 2})
				wantStatus(t, "local with a stale rev", err, http.StatusConflict)
				if got := get(t, db, "_local/ckpt"); got["seq"] != 1.0 || got["_rev"] != "0-1" {
					t.Fatalf("after refused writes: %v", got)
				}
			},
		},
		"Server/InvalidNames": {
			Why: "CouchDB refuses a database name starting with _ (400); the test server creates it",
			Run: func(t *testing.T, c *kivik.Client) {
				for _, name := range []string{"Upper", "1digit", "sp ace", "a.b"} {
					err := c.CreateDB(ctx(), name)
					if err == nil {
						_ = c.DestroyDB(ctx(), name)
					}
					wantStatus(t, "CreateDB("+name+")", err, http.StatusBadRequest)
				}
				name := "_other" + randomHex(8)
				if err := c.CreateDB(ctx(), name); err != nil {
					t.Fatalf("CreateDB(%s): %v, want it created", name, err)
				}
				_ = c.DestroyDB(ctx(), name)
			},
		},
		"Docs/Stats": {
			Why: "CouchDB counts deleted docs in doc_del_count; the test server has no doc_del_count",
			Run: func(t *testing.T, c *kivik.Client) {
				st, err := statsAfterDelete(t, c)
				if err != nil || st.DocCount != 1 || st.DeletedCount != 0 {
					t.Fatalf("Stats: %+v %v, want doc_count 1 and no doc_del_count", st, err)
				}
			},
		},
		"Bulk/RevsDiff": {
			Why: "CouchDB's _revs_diff lists possible_ancestors; the test server's does not",
			Run: func(t *testing.T, c *kivik.Client) {
				db := newDB(t, c)
				put(t, db, "d", doc{"v": 1})
				missing := "2-0123456789abcdef0123456789abcdef"
				rs := db.RevsDiff(ctx(), map[string][]string{"d": {missing}})
				defer rs.Close()
				if !rs.Next() {
					t.Fatalf("RevsDiff: no row (%v)", rs.Err())
				}
				var d kivik.RevDiff
				if err := rs.ScanValue(&d); err != nil {
					t.Fatal(err)
				}
				equal(t, "missing d", d.Missing, []string{missing})
				if len(d.PossibleAncestors) != 0 {
					t.Fatalf("possible_ancestors %v: the test server now lists them; drop this difference", d.PossibleAncestors)
				}
			},
		},
		"Docs/ReservedIDs": {
			Why: "CouchDB answers 400 for an unknown _ member; the test server answers 500",
			Run: func(t *testing.T, c *kivik.Client) {
				db := newDB(t, c)
				_, err := db.Put(ctx(), "_bad", doc{"a": 1})
				wantStatus(t, "Put(_bad)", err, http.StatusBadRequest)
				_, err = db.Put(ctx(), "x", doc{"_foo": 1})
				wantStatus(t, "Put with _foo", err, http.StatusInternalServerError)
				put(t, db, "_design/ok", doc{"language": "javascript"})
			},
		},
		"Views/BrokenMap": {
			Why: "CouchDB refuses a map function that does not compile; the test server stores it and the view is silently empty",
			Run: func(t *testing.T, c *kivik.Client) {
				db := newDB(t, c)
				put(t, db, "a", doc{})
				put(t, db, "_design/broken", doc{"views": doc{"v": doc{"map": "function(doc) { emit(doc._id"}}})
				res, err := tryCollect(db.Query(ctx(), "broken", "v"))
				if err != nil || len(res.rows) != 0 {
					t.Fatalf("broken map on the test server: %v %v, want an empty view", res.rows, err)
				}
			},
		},
	}
}
