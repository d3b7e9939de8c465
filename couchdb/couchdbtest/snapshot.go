package couchdbtest

import (
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
	defer c.close()
	dbs := c.allDBs(tb)
	out := make(map[string][]string, len(dbs))
	for _, db := range dbs {
		docs := c.docRevs(tb, db)
		slices.Sort(docs)
		out[db] = docs
	}
	return out
}
