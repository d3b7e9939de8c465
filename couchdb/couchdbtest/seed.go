package couchdbtest

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	designdocs "github.com/kazoo-directories/kazoo-directories/design_docs"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// NewAccountID returns a random KAZOO account id (32 lowercase hex characters).
func NewAccountID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// IndexDesignDoc returns our shipped _design/directories_index, for tests that seed an
// account database as an earlier run of the service left it (KAZOO installs only
// _design/directories).
func IndexDesignDoc(tb testing.TB) directory.Doc {
	tb.Helper()
	docs, err := designdocs.Account()
	if err != nil {
		tb.Fatal(err)
	}
	for _, d := range docs {
		if d["_id"] == "_design/directories_index" {
			return d
		}
	}
	tb.Fatal("no _design/directories_index shipped")
	return nil
}

// AccountOption changes the account doc NewAccount writes.
type AccountOption func(directory.Doc)

// WithName sets the account doc's name.
func WithName(name string) AccountOption { return func(d directory.Doc) { d["name"] = name } }

// WithTree sets pvt_tree, the ancestor account ids from the top down.
func WithTree(ids ...string) AccountOption {
	return func(d directory.Doc) {
		tree := make([]any, len(ids))
		for i, id := range ids {
			tree[i] = id
		}
		d["pvt_tree"] = tree
	}
}

// WithSuperduperAdmin sets pvt_superduper_admin: true.
func WithSuperduperAdmin() AccountOption {
	return func(d directory.Doc) { d["pvt_superduper_admin"] = true }
}

// WithTrialExpires sets pvt_trial_expires (Gregorian seconds).
func WithTrialExpires(gregorianSeconds int64) AccountOption {
	return func(d directory.Doc) { d["pvt_trial_expires"] = gregorianSeconds }
}

// WithFields sets arbitrary top-level fields of the account doc.
func WithFields(fields directory.Doc) AccountOption {
	return func(d directory.Doc) {
		for k, v := range fields {
			d[k] = v
		}
	}
}

// NewAccount creates the database of a fresh random account ("account/xx/yy/rest") with
// its account doc (_id = the account id, pvt_type "account", name "Test <id>",
// pvt_tree [], as changed by opts), drops the database when the test ends, and returns
// the account id. No design doc is installed: the store does that.
func NewAccount(tb testing.TB, cfg couchdb.Config, opts ...AccountOption) string {
	tb.Helper()
	id := NewAccountID()
	db := directory.AccountDBName(id)
	c := newClient(tb, cfg)
	defer c.close()
	c.createDB(tb, db, false)
	tb.Cleanup(func() {
		c := newClient(tb, cfg)
		defer c.close()
		if err := c.dropDB(db); err != nil {
			tb.Errorf("couchdbtest: drop %s: %v", db, err)
		}
	})
	doc := directory.Doc{
		"_id":            id,
		"pvt_type":       "account",
		"name":           "Test " + id[:8],
		"pvt_tree":       []any{},
		"pvt_account_id": id,
		"pvt_account_db": directory.EncodedAccountDBName(id),
	}
	for _, o := range opts {
		o(doc)
	}
	putDocs(tb, c, db, []directory.Doc{doc})
	return id
}

// PutDocs saves docs into the account's database in one _bulk_docs request and
// returns their new revisions. Each doc gets its _id (when the server chose it) and
// its new _rev set in place, so it can be saved again. Any failure fails the test.
func PutDocs(tb testing.TB, cfg couchdb.Config, accountID string, docs ...directory.Doc) []string {
	tb.Helper()
	c := newClient(tb, cfg)
	defer c.close()
	return putDocs(tb, c, directory.AccountDBName(accountID), docs)
}

func putDocs(tb testing.TB, c *client, db string, docs []directory.Doc) []string {
	tb.Helper()
	if len(docs) == 0 {
		return nil
	}
	res := c.bulkDocs(tb, db, docs)
	revs := make([]string, len(docs))
	for i, r := range res {
		docs[i]["_id"], docs[i]["_rev"] = r.ID, r.Rev
		revs[i] = r.Rev
	}
	return revs
}

// CreateDB creates a fresh database and drops it when the test ends.
func CreateDB(tb testing.TB, cfg couchdb.Config, db string) {
	tb.Helper()
	c := newClient(tb, cfg)
	defer c.close()
	c.createDB(tb, db, false)
	tb.Cleanup(func() {
		c := newClient(tb, cfg)
		defer c.close()
		_ = c.dropDB(db)
	})
}

// EnsureDB creates a database unless it exists (for shared system databases such as
// system_auth and system_config); it is left in place after the test.
func EnsureDB(tb testing.TB, cfg couchdb.Config, db string) {
	tb.Helper()
	c := newClient(tb, cfg)
	defer c.close()
	c.createDB(tb, db, true)
}

// PutDBDocs saves docs into any database (created if missing, see EnsureDB), replacing
// docs with the same id, and restores what was there (or deletes the docs) when the
// test ends. Each doc gets its new _rev set in place. Docs need an _id.
func PutDBDocs(tb testing.TB, cfg couchdb.Config, db string, docs ...directory.Doc) []string {
	tb.Helper()
	EnsureDB(tb, cfg, db)
	c := newClient(tb, cfg)
	defer c.close()
	revs := make([]string, len(docs))
	for i, doc := range docs {
		id := doc.ID()
		if id == "" {
			tb.Fatalf("couchdbtest: PutDBDocs into %s: doc without _id", db)
		}
		old := c.getDoc(tb, db, id)
		if old != nil {
			doc["_rev"] = old["_rev"]
		} else {
			delete(doc, "_rev")
		}
		rev := c.mustPut(tb, db, id, doc)
		doc["_rev"], revs[i] = rev, rev
		tb.Cleanup(func() {
			c := newClient(tb, cfg)
			defer c.close()
			restoreDoc(tb, c, db, id, old)
		})
	}
	return revs
}

// PutAttachment stores an attachment on a doc of db (the doc and the database are
// created if missing and then removed again when the test ends) and returns the doc's
// new revision.
func PutAttachment(tb testing.TB, cfg couchdb.Config, db, docID, name, contentType string, data []byte) string {
	tb.Helper()
	c := newClient(tb, cfg)
	defer c.close()
	if c.getDoc(tb, db, docID) == nil {
		PutDBDocs(tb, cfg, db, directory.Doc{"_id": docID})
	}
	return c.putAttachment(tb, db, docID, c.rev(tb, db, docID), name, contentType, data)
}

// restoreDoc puts old back (attachments aside) or deletes the doc when old is nil.
func restoreDoc(tb testing.TB, c *client, db, id string, old directory.Doc) {
	rev := c.rev(tb, db, id)
	if old == nil {
		if rev != "" {
			_ = c.delete(db, id, rev)
		}
		return
	}
	restored := old.Clone()
	if rev == "" {
		delete(restored, "_rev")
	} else {
		restored["_rev"] = rev
	}
	_, _ = c.put(db, id, restored)
}
