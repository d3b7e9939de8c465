package couchdbtest

import (
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// GetDoc reads a doc of the account's database as stored (numbers as json.Number),
// or nil when it does not exist. Any other failure fails the test.
func GetDoc(tb testing.TB, cfg couchdb.Config, accountID, id string) directory.Doc {
	tb.Helper()
	c := newClient(tb, cfg)
	defer c.close()
	return c.getDoc(tb, directory.AccountDBName(accountID), id)
}
