package couchdbtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	kivik "github.com/go-kivik/kivik/v4"
	kivikcouch "github.com/go-kivik/kivik/v4/couchdb"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// seedTimeout bounds each seeding request.
const seedTimeout = time.Minute

// client is a kivik client for seeding and inspecting, independent of the store under
// test: over HTTP (cfg.Transport, basic authentication with cfg's credentials) for
// the "couch" driver, a handle of its own on the data directory for "embedded".
type client struct {
	k *kivik.Client
}

// newClient opens a client on cfg's server; close it with close.
func newClient(tb testing.TB, cfg couchdb.Config) *client {
	tb.Helper()
	driver, dsn, opts := cfg.Driver, cfg.URL, []kivik.Option(nil)
	if driver == "" || driver == "couch" {
		driver = "couch"
		u, err := url.Parse(cfg.URL)
		if err != nil {
			tb.Fatalf("couchdbtest: URL: %v", err)
		}
		user, pass := "", ""
		if u.User != nil {
			user = u.User.Username()
			pass, _ = u.User.Password()
			u.User = nil
		}
		if cfg.User != "" {
			user, pass = cfg.User, cfg.Password
		}
		dsn = u.String()
		opts = append(opts,
			kivikcouch.OptionHTTPClient(&http.Client{Transport: cfg.Transport, Timeout: seedTimeout}),
			kivikcouch.OptionNoRequestCompression())
		if user != "" {
			opts = append(opts, kivikcouch.BasicAuth(user, pass))
		}
	}
	k, err := kivik.New(driver, dsn, opts...)
	if err != nil {
		tb.Fatalf("couchdbtest: open %s client: %v", driver, err)
	}
	return &client{k: k}
}

func (c *client) close() { _ = c.k.Close() }

func seedContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), seedTimeout)
}

// createDB creates db; an existing one is an error unless existsOK.
func (c *client) createDB(tb testing.TB, db string, existsOK bool) {
	tb.Helper()
	ctx, cancel := seedContext()
	defer cancel()
	err := c.k.CreateDB(ctx, db)
	if err != nil && !(existsOK && kivik.HTTPStatus(err) == http.StatusPreconditionFailed) {
		tb.Fatalf("couchdbtest: create database %s: %v", db, err)
	}
}

// dropDB deletes db.
func (c *client) dropDB(db string) error {
	ctx, cancel := seedContext()
	defer cancel()
	return c.k.DestroyDB(ctx, db)
}

// getDoc reads a doc as stored (numbers as json.Number), or nil when it does not
// exist (or was deleted).
func (c *client) getDoc(tb testing.TB, db, id string) directory.Doc {
	tb.Helper()
	ctx, cancel := seedContext()
	defer cancel()
	var raw json.RawMessage
	err := c.k.DB(db).Get(ctx, id).ScanDoc(&raw)
	if kivik.HTTPStatus(err) == http.StatusNotFound {
		return nil
	}
	if err != nil {
		tb.Fatalf("couchdbtest: get %s/%s: %v", db, id, err)
	}
	d, err := directory.DecodeDoc(raw)
	if err != nil {
		tb.Fatalf("couchdbtest: decode %s/%s: %v", db, id, err)
	}
	return d
}

// rev returns the current revision of a doc ("" when it does not exist).
func (c *client) rev(tb testing.TB, db, id string) string {
	tb.Helper()
	if d := c.getDoc(tb, db, id); d != nil {
		return d.Rev()
	}
	return ""
}

// put saves doc under id and returns the new revision.
func (c *client) put(db, id string, doc directory.Doc) (string, error) {
	ctx, cancel := seedContext()
	defer cancel()
	return c.k.DB(db).Put(ctx, id, map[string]any(doc))
}

// mustPut is put that fails the test on error.
func (c *client) mustPut(tb testing.TB, db, id string, doc directory.Doc) string {
	tb.Helper()
	rev, err := c.put(db, id, doc)
	if err != nil {
		tb.Fatalf("couchdbtest: put %s/%s: %v", db, id, err)
	}
	return rev
}

// delete deletes the doc at rev.
func (c *client) delete(db, id, rev string) error {
	ctx, cancel := seedContext()
	defer cancel()
	_, err := c.k.DB(db).Delete(ctx, id, rev)
	return err
}

// putAttachment stores an attachment on the doc at rev and returns the new revision.
func (c *client) putAttachment(tb testing.TB, db, id, rev, name, contentType string, data []byte) string {
	tb.Helper()
	ctx, cancel := seedContext()
	defer cancel()
	newRev, err := c.k.DB(db).PutAttachment(ctx, id, &kivik.Attachment{
		Filename:    name,
		ContentType: contentType,
		Content:     io.NopCloser(bytes.NewReader(data)),
	}, kivik.Rev(rev))
	if err != nil {
		tb.Fatalf("couchdbtest: put attachment %s/%s/%s: %v", db, id, name, err)
	}
	return newRev
}

// getAttachment reads the content of an attachment of the doc's current revision.
func (c *client) getAttachment(tb testing.TB, db, id, name string) []byte {
	tb.Helper()
	ctx, cancel := seedContext()
	defer cancel()
	att, err := c.k.DB(db).GetAttachment(ctx, id, name)
	if err != nil {
		tb.Fatalf("couchdbtest: get attachment %s/%s/%s: %v", db, id, name, err)
	}
	defer att.Content.Close()
	b, err := io.ReadAll(att.Content)
	if err != nil {
		tb.Fatalf("couchdbtest: read attachment %s/%s/%s: %v", db, id, name, err)
	}
	return b
}

// bulkDocs saves docs in one _bulk_docs request; a document-level failure fails the
// test.
func (c *client) bulkDocs(tb testing.TB, db string, docs []directory.Doc) []kivik.BulkResult {
	tb.Helper()
	ctx, cancel := seedContext()
	defer cancel()
	in := make([]any, len(docs))
	for i, d := range docs {
		in[i] = map[string]any(d)
	}
	res, err := c.k.DB(db).BulkDocs(ctx, in)
	if err != nil {
		tb.Fatalf("couchdbtest: _bulk_docs in %s: %v", db, err)
	}
	if len(res) != len(docs) {
		tb.Fatalf("couchdbtest: _bulk_docs in %s: %d results for %d docs", db, len(res), len(docs))
	}
	for _, r := range res {
		if r.Error != nil {
			tb.Fatalf("couchdbtest: save %s in %s: %v", r.ID, db, r.Error)
		}
	}
	return res
}

// allDBs lists every database.
func (c *client) allDBs(tb testing.TB) []string {
	tb.Helper()
	ctx, cancel := seedContext()
	defer cancel()
	dbs, err := c.k.AllDBs(ctx)
	if err != nil {
		tb.Fatalf("couchdbtest: _all_dbs: %v", err)
	}
	return dbs
}

// docRevs lists the docs of db (design docs included) as "id@rev", in _all_docs order.
func (c *client) docRevs(tb testing.TB, db string) []string {
	tb.Helper()
	ctx, cancel := seedContext()
	defer cancel()
	rs := c.k.DB(db).AllDocs(ctx)
	defer rs.Close()
	var out []string
	for rs.Next() {
		id, _ := rs.ID()
		var v struct {
			Rev string `json:"rev"`
		}
		if err := rs.ScanValue(&v); err != nil {
			tb.Fatalf("couchdbtest: _all_docs of %s: %v", db, err)
		}
		out = append(out, id+"@"+v.Rev)
	}
	if err := rs.Err(); err != nil {
		tb.Fatalf("couchdbtest: _all_docs of %s: %v", db, err)
	}
	return out
}
