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
	}
}
