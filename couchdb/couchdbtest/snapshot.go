package couchdbtest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
)

// Snapshot returns every database of the server, each with its docs as "id@rev"
// (design docs included, sorted): compare two snapshots to prove that an operation
// wrote nothing.
func Snapshot(tb testing.TB, cfg couchdb.Config) map[string][]string {
	tb.Helper()
	c := newClient(tb, cfg)
	var dbs []string
	decodeJSON(tb, c.must(tb, http.MethodGet, "/_all_dbs", nil, "", http.StatusOK), &dbs)
	out := make(map[string][]string, len(dbs))
	for _, db := range dbs {
		var res struct {
			Rows []struct {
				ID    string `json:"id"`
				Value struct {
					Rev string `json:"rev"`
				} `json:"value"`
			} `json:"rows"`
		}
		decodeJSON(tb, c.must(tb, http.MethodGet, dbPath(db)+"/_all_docs", nil, "", http.StatusOK), &res)
		docs := make([]string, 0, len(res.Rows))
		for _, r := range res.Rows {
			docs = append(docs, r.ID+"@"+r.Value.Rev)
		}
		slices.Sort(docs)
		out[db] = docs
	}
	return out
}
