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

// GetAttachment reads the content of attachment name of doc id in db (the current
// revision). A missing doc or attachment, or any other failure, fails the test.
func GetAttachment(tb testing.TB, cfg couchdb.Config, db, id, name string) []byte {
	tb.Helper()
	c := newClient(tb, cfg)
	defer c.close()
	return c.getAttachment(tb, db, id, name)
}
