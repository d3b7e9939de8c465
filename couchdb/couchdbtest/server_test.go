package couchdbtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// These tests check the CouchDB behaviours the compat server fixes; they pass against
// Apache CouchDB too (COUCHDB_URL). The embedded store's own behaviour is checked by
// the contract suite (couchdb/contract).

func TestSlashInDatabaseNames(t *testing.T) {
	SkipEmbedded(t, "the HTTP API the compat server fixes")
	cfg := Config(t)
	id := NewAccount(t, cfg)
	c := newHTTPClient(t, cfg)
	var dbs []string
	decodeJSON(t, c.must(t, http.MethodGet, "/_all_dbs", nil, "", http.StatusOK), &dbs)
	if !slices.Contains(dbs, directory.AccountDBName(id)) {
		t.Errorf("_all_dbs lacks %s: %v", directory.AccountDBName(id), dbs)
	}
	var info struct {
		DBName string `json:"db_name"`
	}
	decodeJSON(t, c.must(t, http.MethodGet, dbPath(directory.AccountDBName(id)), nil, "", http.StatusOK), &info)
	if info.DBName != directory.AccountDBName(id) {
		t.Errorf("db_name = %q", info.DBName)
	}
}

func TestUpAndMissingDatabase(t *testing.T) {
	SkipEmbedded(t, "the HTTP API the compat server fixes")
	c := newHTTPClient(t, Config(t))
	c.must(t, http.MethodGet, "/_up", nil, "", http.StatusOK)
	c.must(t, http.MethodDelete, dbPath("no_such_db_"+NewAccountID()), nil, "", http.StatusNotFound)
	c.must(t, http.MethodPut, dbPath("Bad Name"), nil, "", http.StatusBadRequest)
	var root map[string]any
	decodeJSON(t, c.must(t, http.MethodGet, "/", nil, "", http.StatusOK), &root)
	if _, ok := root["couchdb"]; !ok {
		t.Errorf("root lacks couchdb: %v", root)
	}
}

func TestETagIsRevision(t *testing.T) {
	SkipEmbedded(t, "the HTTP API the compat server fixes")
	cfg := Config(t)
	id := NewAccount(t, cfg)
	db := directory.AccountDBName(id)
	c := newHTTPClient(t, cfg)
	rev := c.rev(t, db, id)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, cfg.URL+docPath(db, id), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("ETag"); got != `"`+rev+`"` {
			t.Errorf("%s ETag = %s, want %q", method, got, rev)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, cfg.URL+docPath(db, id)+"?rev="+rev, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if etag := resp.Header.Get("ETag"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(etag, `"2-`) {
		t.Errorf("DELETE: %d ETag %s", resp.StatusCode, etag)
	}
}

func TestJSONWithoutContentType(t *testing.T) {
	SkipEmbedded(t, "the HTTP API the compat server fixes")
	cfg := Config(t)
	db := directory.AccountDBName(NewAccount(t, cfg))
	c := newHTTPClient(t, cfg)
	c.must(t, http.MethodPut, docPath(db, "plain"), []byte(`{"name":"kept"}`), "", http.StatusCreated)
	var d map[string]any
	decodeJSON(t, c.must(t, http.MethodGet, docPath(db, "plain"), nil, "", http.StatusOK), &d)
	if d["name"] != "kept" {
		t.Errorf("doc = %v", d)
	}
}

func TestOpenRevsMultipart(t *testing.T) {
	SkipEmbedded(t, "the HTTP API the compat server fixes")
	cfg := Config(t)
	id := NewAccount(t, cfg)
	db := directory.AccountDBName(id)
	c := newHTTPClient(t, cfg)
	rev := c.rev(t, db, id)
	revs, _ := json.Marshal([]string{rev, "9-missing"})
	req, _ := http.NewRequest(http.MethodGet, cfg.URL+docPath(db, id)+"?open_revs="+string(revs), nil)
	req.Header.Set("Accept", "multipart/mixed, application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "multipart/mixed") {
		t.Fatalf("open_revs: %d %s", resp.StatusCode, ct)
	}
}

func TestNewEditsFalse(t *testing.T) {
	SkipEmbedded(t, "the HTTP API the compat server fixes")
	cfg := Config(t)
	db := directory.AccountDBName(NewAccount(t, cfg))
	c := newHTTPClient(t, cfg)
	b := c.must(t, http.MethodPut, docPath(db, "r")+"?new_edits=false", map[string]any{"_id": "r", "_rev": "3-abc", "x": 1}, "", http.StatusCreated)
	var r struct {
		OK  bool
		ID  string
		Rev string
	}
	decodeJSON(t, b, &r)
	if !r.OK || r.ID != "r" || r.Rev != "3-abc" {
		t.Errorf("new_edits=false answer %s", b)
	}
}

// TestNewEditsFalseKeepsAttachmentRevpos: a replicated revision (new_edits=false)
// with an inline attachment keeps the attachment's revpos, as CouchDB keeps it for
// replicated changes; an interactive edit sets it to the new generation.
func TestNewEditsFalseKeepsAttachmentRevpos(t *testing.T) {
	SkipEmbedded(t, "the HTTP API the compat server fixes")
	cfg := Config(t)
	db := directory.AccountDBName(NewAccount(t, cfg))
	c := newHTTPClient(t, cfg)
	att := func(revpos int) map[string]any {
		return map[string]any{"a.txt": map[string]any{"content_type": "text/plain", "revpos": revpos, "data": "aGVsbG8="}}
	}
	c.must(t, http.MethodPut, docPath(db, "r")+"?new_edits=false", map[string]any{
		"_id": "r", "_rev": "3-" + strings.Repeat("c", 32), "_attachments": att(2),
		"_revisions": map[string]any{"start": 3, "ids": []string{strings.Repeat("c", 32), strings.Repeat("b", 32), strings.Repeat("a", 32)}},
	}, "", http.StatusCreated)
	c.must(t, http.MethodPut, docPath(db, "i"), map[string]any{"_id": "i", "_attachments": att(7)}, "", http.StatusCreated)
	for id, want := range map[string]float64{"r": 2, "i": 1} {
		var d struct {
			Atts map[string]struct {
				RevPos float64 `json:"revpos"`
				Stub   bool    `json:"stub"`
			} `json:"_attachments"`
		}
		decodeJSON(t, c.must(t, http.MethodGet, docPath(db, id), nil, "", http.StatusOK), &d)
		if a := d.Atts["a.txt"]; a.RevPos != want || !a.Stub {
			t.Errorf("%s: attachment %+v, want revpos %v", id, a, want)
		}
		b := c.must(t, http.MethodGet, docPath(db, id)+"/a.txt", nil, "", http.StatusOK)
		if string(b) != "hello" {
			t.Errorf("%s: content %q", id, b)
		}
	}
}

func TestPutDBDocsRestores(t *testing.T) {
	cfg := Config(t)
	db := "system_config"
	id := "couchdbtest_" + NewAccountID()
	PutDBDocs(t, cfg, db, directory.Doc{"_id": id, "v": "original"})
	c := newClient(t, cfg)
	defer c.close()
	t.Run("override", func(t *testing.T) {
		PutDBDocs(t, cfg, db, directory.Doc{"_id": id, "v": "test"})
		if got := c.getDoc(t, db, id); got.String("v") != "test" {
			t.Errorf("v = %q", got.String("v"))
		}
		rev := PutAttachment(t, cfg, db, id, "key.pem", "application/x-pem-file", []byte("PEM"))
		if !strings.HasPrefix(rev, "3-") {
			t.Errorf("attachment rev %s", rev)
		}
	})
	if got := c.getDoc(t, db, id); got.String("v") != "original" || got["_attachments"] != nil {
		t.Errorf("after subtest: %v, want v original restored without the attachment", got)
	}
}

// TestCounting: the counter sees every request of the store, on either backend, in
// the form CouchDB receives it; a store with credentials logs in (POST /_session)
// once, before its first request, and that handshake is counted on its own.
func TestCounting(t *testing.T) {
	cfg := Config(t)
	ct := Counting(&cfg)
	id := NewAccount(t, cfg)
	store := Open(t, cfg)
	ct.Reset()
	if _, err := store.Doc(context.Background(), id, id); err != nil {
		t.Fatal(err)
	}
	want := "GET /" + url.PathEscape(directory.AccountDBName(id)) + "/" + id
	if reqs := ct.Requests(); len(reqs) != 1 || reqs[0] != want || ct.Count() != 1 {
		t.Errorf("requests = %v, want [%s]", reqs, want)
	}
	wantHandshakes := 0
	if hasCredentials(cfg) {
		wantHandshakes = 1
	}
	if n := ct.Handshakes(); n != wantHandshakes {
		t.Errorf("first request of a new store: %d handshakes, want %d", n, wantHandshakes)
	}
	ct.Reset()
	if _, err := store.Doc(context.Background(), id, id); err != nil {
		t.Fatal(err)
	}
	if n := ct.Handshakes(); n != 0 || ct.Count() != 1 {
		t.Errorf("second request: %d handshakes and %v, want none and one request", n, ct.Requests())
	}
	ct.Reset()
	if ct.Count() != 0 || len(ct.Requests()) != 0 || ct.Handshakes() != 0 {
		t.Error("Reset kept requests")
	}
}

// hasCredentials reports whether cfg logs in to its server (cookie auth).
func hasCredentials(cfg couchdb.Config) bool {
	if cfg.Driver == couchdb.EmbeddedDriver {
		return false
	}
	u, err := url.Parse(cfg.URL)
	return cfg.User != "" || (err == nil && u.User != nil && u.User.Username() != "")
}

// TestCountingSeeds: over HTTP the helpers' requests go through the counter too.
func TestCountingSeeds(t *testing.T) {
	SkipEmbedded(t, "HTTP requests to count")
	cfg := Config(t)
	ct := Counting(&cfg)
	NewAccount(t, cfg)
	if n := ct.Count(); n != 2 {
		t.Errorf("NewAccount sent %d requests, want 2: %v", n, ct.Requests())
	}
}

// TestHelpersShareTheEmbeddedStore: on the embedded backend, stores and helpers of
// one test binary use the same data directory at the same time.
func TestHelpersShareTheEmbeddedStore(t *testing.T) {
	cfg := Config(t)
	a, b := Open(t, cfg), Open(t, cfg)
	id := NewAccount(t, cfg, WithName("Shared"))
	for _, s := range []*couchdb.Store{a, b} {
		acct, err := s.Account(context.Background(), id)
		if err != nil || acct.Name != "Shared" {
			t.Errorf("Account = %+v, %v", acct, err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got := GetDoc(t, cfg, id, id); got.String("name") != "Shared" {
		t.Errorf("GetDoc after one store closed: %v", got)
	}
}
