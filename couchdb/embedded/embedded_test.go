package embedded_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/couchdb/embedded"
)

var ctx = context.Background()

func newDB(t testing.TB, c *kivik.Client, name string) *kivik.DB {
	t.Helper()
	if err := c.CreateDB(ctx, name); err != nil {
		t.Fatal(err)
	}
	return c.DB(name)
}

// TestSharedDirectory: clients of one process on the same directory (however it is
// spelt) share the open file; it is closed with the last of them.
func TestSharedDirectory(t *testing.T) {
	dir := t.TempDir()
	c1, err := kivik.New("embedded", dir)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := kivik.New("embedded", dir+"/.", embedded.OptionLockTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatalf("second client of this process: %v", err)
	}
	db := newDB(t, c1, "shared")
	if _, err := db.Put(ctx, "a", map[string]any{"n": 1}); err != nil {
		t.Fatal(err)
	}
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.DB("shared").Stats(ctx); kivik.HTTPStatus(err) != http.StatusServiceUnavailable {
		t.Fatalf("use after close: %v", err)
	}
	if rev, err := c2.DB("shared").GetRev(ctx, "a"); err != nil || !strings.HasPrefix(rev, "1-") {
		t.Fatalf("doc through the other client after the first closed: %q %v", rev, err)
	}
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c2.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// The file is closed now: another process can take the directory.
	if out, err := lockChild(dir); err != nil {
		t.Fatalf("another process after the last close: %v\n%s", err, out)
	}
	c3, err := kivik.New("embedded", dir)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	defer c3.Close()
	if _, err := c3.DB("shared").GetRev(ctx, "a"); err != nil {
		t.Fatalf("reopened: %v", err)
	}
}

// envLockDir makes TestLockChild open that data directory and report the error.
const envLockDir = "EMBEDDED_LOCK_DIR"

// TestLockChild is the child of TestLockedDirectory and TestSharedDirectory: it
// opens the directory with a short lock timeout and fails with the error.
func TestLockChild(t *testing.T) {
	dir := os.Getenv(envLockDir)
	if dir == "" {
		t.Skip("child process of TestLockedDirectory only")
	}
	c, err := kivik.New("embedded", dir, embedded.OptionLockTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatalf("locked=%v: %v", errors.Is(err, embedded.ErrLocked), err)
	}
	_ = c.Close()
}

// lockChild runs TestLockChild on dir in a new process.
func lockChild(dir string) (string, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), envLockDir+"="+dir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestLockedDirectory: while this process has the directory open, another process
// cannot open it (ErrLocked, naming the file).
func TestLockedDirectory(t *testing.T) {
	dir := t.TempDir()
	c, err := kivik.New("embedded", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	out, err := lockChild(dir)
	if err == nil || !strings.Contains(out, "locked=true") || !strings.Contains(out, dir) {
		t.Fatalf("second process: %v, want ErrLocked naming the directory:\n%s", err, out)
	}
}

func TestReopenKeepsDataAndViews(t *testing.T) {
	dir := t.TempDir()
	c, err := kivik.New("embedded", dir)
	if err != nil {
		t.Fatal(err)
	}
	db := newDB(t, c, "account/aa/bb/cc")
	if _, err := db.Put(ctx, "_design/d", map[string]any{"views": map[string]any{
		"v": map[string]any{"map": "function(doc){ if (doc.n) emit(doc.n, null); }"}}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"b", "a"} {
		if _, err := db.Put(ctx, id, map[string]any{"n": id}); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.Close()
	c, err = kivik.New("embedded", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	names, err := c.AllDBs(ctx)
	if err != nil || len(names) != 1 || names[0] != "account/aa/bb/cc" {
		t.Fatalf("AllDBs after reopen: %v %v", names, err)
	}
	db = c.DB("account/aa/bb/cc")
	rs := db.Query(ctx, "d", "v")
	var got []string
	for rs.Next() {
		id, _ := rs.ID()
		got = append(got, id)
	}
	if rs.Err() != nil || strings.Join(got, ",") != "a,b" {
		t.Fatalf("view after reopen: %v %v", got, rs.Err())
	}
	// The index is still maintained after reopening.
	if _, err := db.Put(ctx, "c", map[string]any{"n": "0"}); err != nil {
		t.Fatal(err)
	}
	rs = db.Query(ctx, "d", "v", kivik.Param("limit", 1))
	rs.Next()
	if id, _ := rs.ID(); id != "c" {
		t.Fatalf("first row after a new write: %q", id)
	}
	_ = rs.Close()
}

// TestBodyKeepsOrderAndNumbers: CouchDB keeps member order and integers beyond
// 2^53 exactly.
func TestBodyKeepsOrderAndNumbers(t *testing.T) {
	db := newDB(t, openClient(t), "db")
	in := `{"z":1,"a":{"y":2,"b":3},"big":12345678901234567890,"f":1.50}`
	if _, err := db.Put(ctx, "d", json.RawMessage(in)); err != nil {
		t.Fatal(err)
	}
	doc, err := db.Get(ctx, "d").Rev()
	if err != nil {
		t.Fatal(err)
	}
	var raw json.RawMessage
	if err := db.Get(ctx, "d").ScanDoc(&raw); err != nil {
		t.Fatal(err)
	}
	want := `{"_id":"d","_rev":"` + doc + `","z":1,"a":{"y":2,"b":3},"big":12345678901234567890,"f":1.50}`
	if string(raw) != want {
		t.Fatalf("body\n got %s\nwant %s", raw, want)
	}
}

func TestMapTimeout(t *testing.T) {
	c, err := kivik.New("embedded", t.TempDir(), embedded.OptionMapTimeout(50*time.Millisecond),
		embedded.OptionLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	db := newDB(t, c, "db")
	if _, err := db.Put(ctx, "_design/d", map[string]any{"views": map[string]any{
		"v": map[string]any{"map": "function(doc){ while (doc.spin) {} emit(doc._id, null); }"}}}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []map[string]any{{"_id": "a"}, {"_id": "b", "spin": true}, {"_id": "c"}} {
		if _, err := db.Put(ctx, d["_id"].(string), d); err != nil {
			t.Fatal(err)
		}
	}
	rs := db.Query(ctx, "d", "v")
	var got []string
	for rs.Next() {
		id, _ := rs.ID()
		got = append(got, id)
	}
	if strings.Join(got, ",") != "a,c" {
		t.Fatalf("rows %v: the looping doc must be skipped, the others indexed", got)
	}
}

func TestGetAttachmentsIterator(t *testing.T) {
	db := newDB(t, openClient(t), "db")
	if _, err := db.Put(ctx, "k", map[string]any{"_attachments": map[string]any{
		"private_key.pem": map[string]any{"content_type": "application/x-pem-file", "data": "cGVt"}}}); err != nil {
		t.Fatal(err)
	}
	doc := db.Get(ctx, "k", kivik.Param("attachments", true))
	var body map[string]any
	if err := doc.ScanDoc(&body); err != nil {
		t.Fatal(err)
	}
	stub := body["_attachments"].(map[string]any)["private_key.pem"].(map[string]any)
	if stub["follows"] != true {
		t.Fatalf("stub %v", stub)
	}
	atts, err := doc.Attachments()
	if err != nil {
		t.Fatal(err)
	}
	att, err := atts.Next()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(att.Content)
	if att.Filename != "private_key.pem" || string(b) != "pem" {
		t.Fatalf("attachment %q %q", att.Filename, b)
	}
	if _, err := atts.Next(); err != io.EOF {
		t.Fatalf("second Next: %v", err)
	}
}

func TestOpenRevs(t *testing.T) {
	db := newDB(t, openClient(t), "db")
	rev1, _ := db.Put(ctx, "d", map[string]any{"v": 1})
	rev2, _ := db.Put(ctx, "d", map[string]any{"_rev": rev1, "v": 3})
	other := "2-ffffffffffffffffffffffffffffffff"
	if _, err := db.Put(ctx, "d", map[string]any{"_rev": other, "v": 2,
		"_revisions": map[string]any{"start": 2, "ids": []string{other[2:], rev1[2:]}}}, kivik.Param("new_edits", false)); err != nil {
		t.Fatal(err)
	}
	rs := db.OpenRevs(ctx, "d", []string{"all"}, kivik.Param("revs", true))
	var revs []string
	for rs.Next() {
		var d map[string]any
		if err := rs.ScanDoc(&d); err != nil {
			t.Fatal(err)
		}
		revs = append(revs, d["_rev"].(string))
		if d["_revisions"] == nil {
			t.Fatalf("no _revisions: %v", d)
		}
	}
	if len(revs) != 2 || revs[0] != other || revs[1] != rev2 {
		t.Fatalf("open_revs=all: %v", revs)
	}
	rs = db.OpenRevs(ctx, "d", []string{rev1, "9-abc"}, kivik.Param("latest", true))
	var got []string
	for rs.Next() {
		var d map[string]any
		err := rs.ScanDoc(&d)
		r, _ := rs.Rev()
		got = append(got, r+":"+http.StatusText(kivik.HTTPStatus(err)))
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], other+":") || got[1] != "9-abc:Not Found" {
		t.Fatalf("open_revs latest: %v", got)
	}
}

func TestChangesFeeds(t *testing.T) {
	db := newDB(t, openClient(t), "db")
	if _, err := db.Put(ctx, "a", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _ = db.Put(ctx, "b", map[string]any{})
	}()
	lp := db.Changes(ctx, kivik.Param("feed", "longpoll"), kivik.Param("since", "now"), kivik.Param("timeout", 5000))
	var ids []string
	for lp.Next() {
		ids = append(ids, lp.ID())
	}
	if lp.Err() != nil || strings.Join(ids, ",") != "b" {
		t.Fatalf("longpoll: %v %v", ids, lp.Err())
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _ = db.Put(ctx, "c", map[string]any{})
	}()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cont := db.Changes(cctx, kivik.Param("feed", "continuous"))
	ids = nil
	for cont.Next() {
		if ids = append(ids, cont.ID()); len(ids) == 3 {
			break
		}
	}
	_ = cont.Close()
	if strings.Join(ids, ",") != "a,b,c" {
		t.Fatalf("continuous: %v %v", ids, cont.Err())
	}
	timed := db.Changes(ctx, kivik.Param("feed", "continuous"), kivik.Param("since", "now"), kivik.Param("timeout", 50))
	for timed.Next() {
		t.Fatalf("unexpected change %s", timed.ID())
	}
}

func TestUnsupportedLanguage(t *testing.T) {
	db := newDB(t, openClient(t), "db")
	if _, err := db.Put(ctx, "_design/mango", map[string]any{"language": "query",
		"views": map[string]any{"idx": map[string]any{"map": map[string]any{"fields": map[string]any{"a": "asc"}}}}}); err != nil {
		t.Fatalf("query-language design doc: %v", err)
	}
	rs := db.Query(ctx, "mango", "idx")
	rs.Next()
	if kivik.HTTPStatus(rs.Err()) != http.StatusNotImplemented {
		t.Fatalf("query of a Mango index: %v", rs.Err())
	}
	_, err := db.Put(ctx, "_design/js", map[string]any{"views": map[string]any{"v": map[string]any{"map": "function(doc){}", "reduce": "_bogus"}}})
	if kivik.HTTPStatus(err) != http.StatusBadRequest {
		t.Fatalf("unknown built-in reduce: %v", err)
	}
}

// TestDSNMustBeADirectory: an empty DSN or a URL (a CouchDB address given to the
// wrong driver) is refused before anything is created.
func TestDSNMustBeADirectory(t *testing.T) {
	for _, dsn := range []string{"", "http://127.0.0.1:5984"} {
		if c, err := kivik.New("embedded", dsn); err == nil {
			_ = c.Close()
			t.Errorf("kivik.New(%q) succeeded", dsn)
		}
	}
	if _, err := os.Stat("http:"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a directory was created for the URL: %v", err)
	}
}
