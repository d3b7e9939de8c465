package contract

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
)

// pem is a stand-in for KAZOO's private_key.pem attachment in system_auth.
const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"

func attachmentTests() group {
	return group{name: "Attachments", tests: []test{
		{"Inline", testInlineAttachment},
		{"PutGetDelete", testPutAttachment},
	}}
}

func testInlineAttachment(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	rev1 := put(t, db, "key1", doc{
		"pvt_type": "system_key",
		"_attachments": doc{"private_key.pem": doc{
			"content_type": "application/x-pem-file",
			"data":         base64.StdEncoding.EncodeToString([]byte(pem)),
		}},
	})
	got := get(t, db, "key1")
	stub, _ := got["_attachments"].(map[string]any)["private_key.pem"].(map[string]any)
	if stub["stub"] != true || stub["content_type"] != "application/x-pem-file" ||
		stub["length"] != float64(len(pem)) || !strings.HasPrefix(stub["digest"].(string), "md5-") || stub["data"] != nil {
		t.Fatalf("stub: %v", stub)
	}
	att, err := db.GetAttachment(ctx(), "key1", "private_key.pem")
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, att.Content); string(b) != pem || !strings.HasPrefix(att.ContentType, "application/x-pem-file") {
		t.Fatalf("attachment %q %q", att.ContentType, b)
	}
	_ = att.Content.Close()
	// An update that keeps the stub keeps the attachment.
	got["note"] = "x"
	rev2 := put(t, db, "key1", got)
	att, err = db.GetAttachment(ctx(), "key1", "private_key.pem")
	if err != nil || string(readAll(t, att.Content)) != pem {
		t.Fatalf("after stub update: %v", err)
	}
	// An update without _attachments drops it.
	put(t, db, "key1", doc{"_rev": rev2})
	_, err = db.GetAttachment(ctx(), "key1", "private_key.pem")
	wantStatus(t, "attachment after drop", err, http.StatusNotFound)
	// A stub the parent revision lacks is refused.
	_, err = db.Put(ctx(), "key2", doc{"_attachments": doc{"x": doc{"stub": true}}})
	if err == nil {
		t.Fatal("stub without parent accepted")
	}
	_ = rev1
}

func testPutAttachment(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	content := []byte("hello attachment")
	rev1, err := db.PutAttachment(ctx(), "new", &kivik.Attachment{
		Filename: "a.txt", ContentType: "text/plain", Content: io.NopCloser(bytes.NewReader(content)),
	})
	if err != nil || rev1[:2] != "1-" {
		t.Fatalf("PutAttachment on a new doc: %q %v", rev1, err)
	}
	rev0 := put(t, db, "d", doc{"a": 1})
	_, err = db.PutAttachment(ctx(), "d", &kivik.Attachment{
		Filename: "b.bin", ContentType: "application/octet-stream", Content: io.NopCloser(bytes.NewReader(content)),
	})
	wantStatus(t, "PutAttachment without rev", err, http.StatusConflict)
	rev2, err := db.PutAttachment(ctx(), "d", &kivik.Attachment{
		Filename: "b.bin", ContentType: "application/octet-stream", Content: io.NopCloser(bytes.NewReader(content)),
	}, kivik.Rev(rev0))
	if err != nil || rev2[:2] != "2-" {
		t.Fatalf("PutAttachment: %q %v", rev2, err)
	}
	if got := get(t, db, "d"); got["a"] != 1.0 || got["_attachments"] == nil {
		t.Fatalf("doc after PutAttachment: %v", got)
	}
	att, err := db.GetAttachment(ctx(), "d", "b.bin")
	if err != nil || !bytes.Equal(readAll(t, att.Content), content) || att.Size != int64(len(content)) {
		t.Fatalf("GetAttachment: %+v %v", att, err)
	}
	_, err = db.GetAttachment(ctx(), "d", "nope")
	wantStatus(t, "missing attachment", err, http.StatusNotFound)
	rev3, err := db.DeleteAttachment(ctx(), "d", rev2, "b.bin")
	if err != nil || rev3[:2] != "3-" {
		t.Fatalf("DeleteAttachment: %q %v", rev3, err)
	}
	_, err = db.GetAttachment(ctx(), "d", "b.bin")
	wantStatus(t, "deleted attachment", err, http.StatusNotFound)
}

func localTests() group {
	return group{name: "Local", tests: []test{
		{"CRUD", testLocalCRUD},
		{"WriteWithoutRev", testLocalWriteWithoutRev},
	}}
}

func testLocalCRUD(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	rev, err := db.Put(ctx(), "_local/ckpt", doc{"seq": 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, db, "_local/ckpt"); got["seq"] != 1.0 || got["_rev"] != rev || rev != "0-1" {
		t.Fatalf("Get local: %v (rev %q)", got, rev)
	}
	rev2 := put(t, db, "_local/ckpt", doc{"_rev": rev, "seq": 2})
	if rev2 != "0-2" {
		t.Fatalf("rev after an update: %q, want 0-2", rev2)
	}
	res := collect(t, db.AllDocs(ctx()))
	if len(res.rows) != 0 {
		t.Fatalf("local doc in _all_docs: %v", res.rows)
	}
	ch := db.Changes(ctx())
	for ch.Next() {
		t.Fatalf("local doc in _changes: %s", ch.ID())
	}
	if _, err := db.Delete(ctx(), "_local/ckpt", rev2); err != nil {
		t.Fatalf("Delete local: %v", err)
	}
	wantStatus(t, "Get deleted local", db.Get(ctx(), "_local/ckpt").Err(), http.StatusNotFound)
	_, err = db.Delete(ctx(), "_local/ckpt", rev2)
	wantStatus(t, "Delete missing local", err, http.StatusNotFound)
}

// testLocalWriteWithoutRev: _local docs have no revision tree: CouchDB writes
// whatever revision it is given plus one (no rev: 0-1) and never answers 409.
func testLocalWriteWithoutRev(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	put(t, db, "_local/ckpt", doc{"seq": 1})
	put(t, db, "_local/ckpt", doc{"_rev": "0-1", "seq": 2})
	rev, err := db.Put(ctx(), "_local/ckpt", doc{"seq": 3})
	if err != nil || rev != "0-1" {
		t.Fatalf("Put local without rev over 0-2: %q %v, want 0-1", rev, err)
	}
	if got := get(t, db, "_local/ckpt"); got["seq"] != 3.0 || got["_rev"] != "0-1" {
		t.Fatalf("after a write without rev: %v", got)
	}
	rev, err = db.Put(ctx(), "_local/ckpt", doc{"_rev": "0-7", "seq": 4})
	if err != nil || rev != "0-8" {
		t.Fatalf("Put local with a stale rev: %q %v, want 0-8", rev, err)
	}
	if _, err := db.Delete(ctx(), "_local/ckpt", "0-3"); err != nil {
		t.Fatalf("Delete local with a stale rev: %v", err)
	}
	wantStatus(t, "Get deleted local", db.Get(ctx(), "_local/ckpt").Err(), http.StatusNotFound)
}
