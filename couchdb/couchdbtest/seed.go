package couchdbtest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// NewAccountID returns a random KAZOO account id (32 lowercase hex characters).
func NewAccountID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
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
	c.must(tb, http.MethodPut, dbPath(db), nil, "", http.StatusCreated, http.StatusAccepted)
	tb.Cleanup(func() {
		if status, b, err := c.do(http.MethodDelete, dbPath(db), nil, ""); err != nil || status >= 300 {
			tb.Errorf("couchdbtest: drop %s: %d %v %s", db, status, err, b)
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
	return putDocs(tb, newClient(tb, cfg), directory.AccountDBName(accountID), docs)
}

func putDocs(tb testing.TB, c *client, db string, docs []directory.Doc) []string {
	tb.Helper()
	if len(docs) == 0 {
		return nil
	}
	b := c.must(tb, http.MethodPost, dbPath(db)+"/_bulk_docs", map[string]any{"docs": docs}, "", http.StatusCreated)
	var res []struct {
		ID     string `json:"id"`
		Rev    string `json:"rev"`
		Error  string `json:"error"`
		Reason string `json:"reason"`
	}
	decodeJSON(tb, b, &res)
	if len(res) != len(docs) {
		tb.Fatalf("couchdbtest: _bulk_docs in %s: %d results for %d docs", db, len(res), len(docs))
	}
	revs := make([]string, len(docs))
	for i, r := range res {
		if r.Error != "" {
			tb.Fatalf("couchdbtest: save %s in %s: %s: %s", r.ID, db, r.Error, r.Reason)
		}
		docs[i]["_id"], docs[i]["_rev"] = r.ID, r.Rev
		revs[i] = r.Rev
	}
	return revs
}

// CreateDB creates a fresh database and drops it when the test ends.
func CreateDB(tb testing.TB, cfg couchdb.Config, db string) {
	tb.Helper()
	c := newClient(tb, cfg)
	c.must(tb, http.MethodPut, dbPath(db), nil, "", http.StatusCreated, http.StatusAccepted)
	tb.Cleanup(func() { _, _, _ = c.do(http.MethodDelete, dbPath(db), nil, "") })
}

// EnsureDB creates a database unless it exists (for shared system databases such as
// system_auth and system_config); it is left in place after the test.
func EnsureDB(tb testing.TB, cfg couchdb.Config, db string) {
	tb.Helper()
	newClient(tb, cfg).must(tb, http.MethodPut, dbPath(db), nil, "",
		http.StatusCreated, http.StatusAccepted, http.StatusPreconditionFailed)
}

// PutDBDocs saves docs into any database (created if missing, see EnsureDB), replacing
// docs with the same id, and restores what was there (or deletes the docs) when the
// test ends. Each doc gets its new _rev set in place. Docs need an _id.
func PutDBDocs(tb testing.TB, cfg couchdb.Config, db string, docs ...directory.Doc) []string {
	tb.Helper()
	EnsureDB(tb, cfg, db)
	c := newClient(tb, cfg)
	revs := make([]string, len(docs))
	for i, doc := range docs {
		id := doc.ID()
		if id == "" {
			tb.Fatalf("couchdbtest: PutDBDocs into %s: doc without _id", db)
		}
		old := getDoc(tb, c, db, id)
		if old != nil {
			doc["_rev"] = old["_rev"]
		} else {
			delete(doc, "_rev")
		}
		b := c.must(tb, http.MethodPut, docPath(db, id), doc, "", http.StatusCreated, http.StatusAccepted)
		var r struct{ Rev string }
		decodeJSON(tb, b, &r)
		doc["_rev"], revs[i] = r.Rev, r.Rev
		tb.Cleanup(func() { restoreDoc(tb, c, db, id, old) })
	}
	return revs
}

// PutAttachment stores an attachment on a doc of db (the doc and the database are
// created if missing and then removed again when the test ends) and returns the doc's
// new revision.
func PutAttachment(tb testing.TB, cfg couchdb.Config, db, docID, name, contentType string, data []byte) string {
	tb.Helper()
	c := newClient(tb, cfg)
	if getDoc(tb, c, db, docID) == nil {
		PutDBDocs(tb, cfg, db, directory.Doc{"_id": docID})
	}
	path := docPath(db, docID) + "/" + escapeAttachment(name) + "?rev=" + c.rev(tb, db, docID)
	b := c.must(tb, http.MethodPut, path, data, contentType, http.StatusCreated, http.StatusAccepted)
	var r struct{ Rev string }
	decodeJSON(tb, b, &r)
	return r.Rev
}

func getDoc(tb testing.TB, c *client, db, id string) directory.Doc {
	tb.Helper()
	status, b, err := c.do(http.MethodGet, docPath(db, id), nil, "")
	if err != nil {
		tb.Fatalf("couchdbtest: get %s/%s: %v", db, id, err)
	}
	if status == http.StatusNotFound {
		return nil
	}
	if status != http.StatusOK {
		tb.Fatalf("couchdbtest: get %s/%s: status %d: %s", db, id, status, b)
	}
	d, err := directory.DecodeDoc(b)
	if err != nil {
		tb.Fatalf("couchdbtest: decode %s/%s: %v", db, id, err)
	}
	return d
}

// restoreDoc puts old back (attachments aside) or deletes the doc when old is nil.
func restoreDoc(tb testing.TB, c *client, db, id string, old directory.Doc) {
	rev := c.rev(tb, db, id)
	if old == nil {
		if rev != "" {
			_, _, _ = c.do(http.MethodDelete, docPath(db, id)+"?rev="+rev, nil, "")
		}
		return
	}
	restored := old.Clone()
	if rev == "" {
		delete(restored, "_rev")
	} else {
		restored["_rev"] = rev
	}
	_, _, _ = c.do(http.MethodPut, docPath(db, id), restored, "")
}
