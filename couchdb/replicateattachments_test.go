package couchdb_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
	kivikcouch "github.com/go-kivik/kivik/v4/couchdb"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// embeddedConfig is an empty embedded store of the test's own.
func embeddedConfig(t testing.TB) couchdb.Config {
	return couchdb.Config{Driver: couchdb.EmbeddedDriver, URL: t.TempDir()}
}

// withKivik runs fn with a kivik client on cfg's store (the compat server or an
// embedded data directory) and closes it.
func withKivik(t *testing.T, cfg couchdb.Config, fn func(c *kivik.Client)) {
	t.Helper()
	var c *kivik.Client
	var err error
	if cfg.Driver == couchdb.EmbeddedDriver {
		c, err = kivik.New(couchdb.EmbeddedDriver, cfg.URL)
	} else {
		c, err = kivik.New("couch", cfg.URL, kivikcouch.OptionNoRequestCompression())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fn(c)
}

// put saves doc (with new_edits=false when it carries _revisions) and returns its rev.
func put(t *testing.T, db *kivik.DB, doc map[string]any) string {
	t.Helper()
	var opts []kivik.Option
	if _, ok := doc["_revisions"]; ok {
		opts = append(opts, kivik.Param("new_edits", false))
	}
	rev, err := db.Put(context.Background(), doc["_id"].(string), doc, opts...)
	if err != nil {
		t.Fatalf("put %s/%v: %v", db.Name(), doc["_id"], err)
	}
	doc["_rev"] = rev
	return rev
}

func putAttachment(t *testing.T, db *kivik.DB, id, rev, name, contentType string, content []byte) string {
	t.Helper()
	rev, err := db.PutAttachment(context.Background(), id, &kivik.Attachment{
		Filename: name, ContentType: contentType, Content: io.NopCloser(strings.NewReader(string(content))),
	}, kivik.Rev(rev))
	if err != nil {
		t.Fatalf("put attachment %s/%s/%s: %v", db.Name(), id, name, err)
	}
	return rev
}

// binary is attachment content with every byte value.
func binary() []byte {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// hash32 is a revision hash of 32 hex digits made of c.
func hash32(c string) string { return strings.Repeat(c, 32) }

// seedWithAttachments creates an account database on cfg holding: vm1 edited once,
// then given two attachments (rev 4); media1 in conflict, both branches with
// attachments of their own; u1 without attachments; gone, deleted; and old, a
// replicated tombstone, with an attachment if tombstoneAtt (the compat server drops
// the attachments of deleted revisions, see its README). It returns the account id.
func seedWithAttachments(t *testing.T, cfg couchdb.Config, tombstoneAtt bool) string {
	t.Helper()
	id := couchdbtest.NewAccountID()
	withKivik(t, cfg, func(c *kivik.Client) {
		ctx := context.Background()
		name := directory.AccountDBName(id)
		if err := c.CreateDB(ctx, name); err != nil {
			t.Fatal(err)
		}
		db := c.DB(name)
		vm := map[string]any{"_id": "vm1", "pvt_type": "vmbox", "name": "Box"}
		put(t, db, vm)
		vm["name"] = "Box 2"
		rev := put(t, db, vm)
		rev = putAttachment(t, db, "vm1", rev, "greeting.wav", "audio/wav", binary())
		putAttachment(t, db, "vm1", rev, "notes.txt", "text/plain", []byte("hello"))

		base := put(t, db, map[string]any{"_id": "media1", "pvt_type": "media"})
		for i, h := range []string{hash32("a"), hash32("b")} {
			put(t, db, map[string]any{
				"_id": "media1", "_rev": "2-" + h, "pvt_type": "media", "branch": i,
				"_revisions":   map[string]any{"start": 2, "ids": []string{h, strings.TrimPrefix(base, "1-")}},
				"_attachments": map[string]any{fmt.Sprintf("p%d.mp3", i): map[string]any{"content_type": "audio/mpeg", "data": base64.StdEncoding.EncodeToString(binary()[i:])}},
			})
		}
		put(t, db, map[string]any{"_id": "u1", "pvt_type": "user", "first_name": "Ann"})
		gone := map[string]any{"_id": "gone", "pvt_type": "user"}
		put(t, db, gone)
		if _, err := db.Delete(ctx, "gone", gone["_rev"].(string)); err != nil {
			t.Fatal(err)
		}
		old := map[string]any{
			"_id": "old", "_rev": "1-" + hash32("c"), "_deleted": true, "pvt_type": "media",
			"_revisions": map[string]any{"start": 1, "ids": []string{hash32("c")}},
		}
		if tombstoneAtt {
			old["_attachments"] = map[string]any{"x.bin": map[string]any{"content_type": "application/octet-stream", "data": base64.StdEncoding.EncodeToString([]byte{0, 1, 2})}}
		}
		put(t, db, old)
	})
	return id
}

// dbState describes every doc of an account database, deleted ones included, leaf
// by leaf: the body as stored with its revision history, every attachment's content
// type, revpos and bytes (read with GetAttachment), as JSON by "id rev".
func dbState(t *testing.T, cfg couchdb.Config, accountID string, ids ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	withKivik(t, cfg, func(c *kivik.Client) {
		ctx := context.Background()
		db := c.DB(directory.AccountDBName(accountID))
		for _, id := range ids {
			ch := db.Changes(ctx, kivik.Params(map[string]any{"style": "all_docs", "filter": "_doc_ids", "doc_ids": []string{id}}))
			var leaves []string
			for ch.Next() {
				leaves = append(leaves, ch.Changes()...)
			}
			if err := ch.Err(); err != nil || len(leaves) == 0 {
				t.Fatalf("leaves of %s: %v %v", id, leaves, err)
			}
			for _, rev := range leaves {
				var doc map[string]any
				if err := db.Get(ctx, id, kivik.Params(map[string]any{"rev": rev, "revs": true})).ScanDoc(&doc); err != nil {
					t.Fatalf("get %s %s: %v", id, rev, err)
				}
				atts, _ := doc["_attachments"].(map[string]any)
				for name, v := range atts {
					meta := v.(map[string]any)
					att, err := db.GetAttachment(ctx, id, name, kivik.Rev(rev))
					if err != nil {
						t.Fatalf("attachment %s %s %s: %v", id, rev, name, err)
					}
					b, _ := io.ReadAll(att.Content)
					att.Content.Close()
					atts[name] = map[string]any{"content_type": meta["content_type"], "revpos": meta["revpos"], "bytes": b}
				}
				j, _ := json.Marshal(doc)
				out[id+" "+rev] = string(j)
			}
		}
	})
	return out
}

// skipPairs is why the tests over explicit store pairs skip on the embedded backend:
// they choose their stores themselves and would run the same again.
const skipPairs = "compat servers of its own, with the embedded store in explicit pairs: the same on every backend, run in the compat pass"

// storePair names a source and a target store for a replication test.
type storePair struct {
	name     string
	from, to func(testing.TB) couchdb.Config
}

// pairs are the replications tested: between two compat servers, and between the
// compat server and the embedded store both ways (and between two embedded stores).
func pairs() []storePair {
	return []storePair{
		{"compat to compat", couchdbtest.FreshServer, couchdbtest.FreshServer},
		{"compat to embedded", couchdbtest.FreshServer, embeddedConfig},
		{"embedded to compat", embeddedConfig, couchdbtest.FreshServer},
		{"embedded to embedded", embeddedConfig, embeddedConfig},
	}
}

var seededIDs = []string{"vm1", "media1", "u1", "gone", "old"}

// TestReplicateAttachments copies documents with attachments between two compat
// servers and between the compat server and the embedded store, both ways: every
// leaf arrives with its revision, history and attachment bytes; a rerun copies
// nothing; a doc edited on both sides since is reported as diverged.
func TestReplicateAttachments(t *testing.T) {
	couchdbtest.SkipEmbedded(t, skipPairs)
	for _, tc := range pairs() {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			from, to := tc.from(t), tc.to(t)
			bothEmbedded := from.Driver == couchdb.EmbeddedDriver && to.Driver == couchdb.EmbeddedDriver
			acct := seedWithAttachments(t, from, bothEmbedded)
			opts := couchdb.ReplicateOptions{AccountIDs: []string{acct}}
			res, err := couchdb.Replicate(ctx, from, to, opts)
			if err != nil || len(res) != 1 {
				t.Fatalf("%+v, %v", res, err)
			}
			// vm1 4, media1 1+2, u1 1, gone 2, old 1 = 10 revisions on leaves' paths;
			// written are the leaves: vm1, media1 ×2, u1, gone, old.
			if r := res[0]; r.Err != nil || !r.Created || r.DocsWritten != 6 || r.DocsRead != 6 || len(r.Diverged) != 0 {
				t.Fatalf("first run: %+v", r)
			}
			want := dbState(t, from, acct, seededIDs...)
			if len(want) != 6 {
				t.Fatalf("source state has %d leaves, want 6: %v", len(want), want)
			}
			sameDocs(t, "copy", dbState(t, to, acct, seededIDs...), want)

			res, err = couchdb.Replicate(ctx, from, to, opts)
			if r := res[0]; err != nil || r.Err != nil || r.Created || r.DocsWritten != 0 || r.DocsRead != 0 {
				t.Errorf("rerun: %+v, %v", r, err)
			}

			// Both sides edit u1 and vm1 from the same revision: the target keeps its
			// own edits next to the source's, in conflict, and says so.
			edit := func(cfg couchdb.Config, v string) {
				withKivik(t, cfg, func(c *kivik.Client) {
					db := c.DB(directory.AccountDBName(acct))
					for _, id := range []string{"u1", "vm1"} {
						var doc map[string]any
						if err := db.Get(ctx, id).ScanDoc(&doc); err != nil {
							t.Fatal(err)
						}
						doc["first_name"] = v
						put(t, db, doc)
					}
				})
			}
			edit(from, "source")
			edit(to, "target")
			res, err = couchdb.Replicate(ctx, from, to, opts)
			if r := res[0]; err != nil || r.Err != nil || r.DocsWritten != 2 || !slices.Equal(r.Diverged, []string{"u1", "vm1"}) {
				t.Errorf("after edits on both sides: %+v, %v", r, err)
			}
			got := dbState(t, to, acct, "u1", "vm1")
			for k, v := range dbState(t, from, acct, "u1", "vm1") {
				if got[k] != v {
					t.Errorf("source leaf %s on the target: %s, want %s", k, got[k], v)
				}
			}
			if len(got) != 4 {
				t.Errorf("target leaves %v, want both branches of u1 and vm1", got)
			}
		})
	}
}

// onReplicatorChanges runs hook once, before the first _changes request of kivik's
// replicator (style=all_docs without include_docs or a filter) goes out.
type onReplicatorChanges struct {
	once sync.Once
	hook func()
}

func (o *onReplicatorChanges) RoundTrip(req *http.Request) (*http.Response, error) {
	q := req.URL.Query()
	if strings.HasSuffix(req.URL.Path, "/_changes") && q.Get("style") == "all_docs" && q.Get("include_docs") == "" && q.Get("filter") == "" {
		o.once.Do(o.hook)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestReplicateDocGainingAttachments: a doc that gets an attachment after Replicate
// listed the docs with attachments makes kivik's replicator fail with 412; that doc
// is then copied with its attachment and the replication goes on.
func TestReplicateDocGainingAttachments(t *testing.T) {
	ctx := context.Background()
	couchdbtest.SkipEmbedded(t, skipPairs)
	from, to := couchdbtest.FreshServer(t), embeddedConfig(t)
	acct := seedWithAttachments(t, from, false)
	var hookErr error
	from.Transport = &onReplicatorChanges{hook: func() {
		withKivik(t, from, func(c *kivik.Client) {
			db := c.DB(directory.AccountDBName(acct))
			var u1 map[string]any
			if hookErr = db.Get(ctx, "u1").ScanDoc(&u1); hookErr != nil {
				return
			}
			u1["_attachments"] = map[string]any{"photo.jpg": map[string]any{"content_type": "image/jpeg", "data": base64.StdEncoding.EncodeToString(binary())}}
			_, hookErr = db.Put(ctx, "u1", u1)
		})
	}}
	res, err := couchdb.Replicate(ctx, from, to, couchdb.ReplicateOptions{AccountIDs: []string{acct}})
	if hookErr != nil {
		t.Fatalf("hook: %v", hookErr)
	}
	if err != nil || len(res) != 1 || res[0].Err != nil || res[0].WriteFailures != 0 {
		t.Fatalf("%+v, %v", res, err)
	}
	want := dbState(t, from, acct, seededIDs...)
	if !strings.Contains(want["u1 "+couchdbtest.GetDoc(t, from, acct, "u1").Rev()], "photo.jpg") {
		t.Fatalf("the hook did not add the attachment: %v", want)
	}
	sameDocs(t, "copy", dbState(t, to, acct, seededIDs...), want)
}
