package main

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// seedKazooAccount creates an account with a directory saved three times, a member
// and a deleted user, plus the design doc.
func seedKazooAccount(t *testing.T, cfg couchdb.Config) string {
	t.Helper()
	id := couchdbtest.NewAccount(t, cfg)
	dir := directory.Doc{"_id": "d1", "pvt_type": "directory", "name": "Sales"}
	gone := directory.Doc{"_id": "gone", "pvt_type": "user", "first_name": "Old"}
	couchdbtest.PutDocs(t, cfg, id, dir, gone,
		directory.Doc{"_id": "u1", "pvt_type": "user", "first_name": "Ann", "directories": map[string]any{"d1": "cf1"}})
	for _, name := range []string{"Sales 2", "Sales 3"} {
		dir["name"] = name
		couchdbtest.PutDocs(t, cfg, id, dir)
	}
	gone["_deleted"] = true
	couchdbtest.PutDocs(t, cfg, id, gone)
	if code, out, errOut := cli(t, cfg, "views", "install", "--account", id); code != 0 {
		t.Fatalf("views install: %s%s", out, errOut)
	}
	return id
}

func sameDB(t *testing.T, a, b couchdb.Config, accountID string) {
	t.Helper()
	db := directory.AccountDBName(accountID)
	if got, want := couchdbtest.Snapshot(t, b)[db], couchdbtest.Snapshot(t, a)[db]; !reflect.DeepEqual(got, want) {
		t.Errorf("%s differs:\n got %v\nwant %v", db, got, want)
	}
}

// TestReplicateBothWays copies from the configured store a (a CouchDB server named by
// its URL, or the embedded store on the embedded backend) to a CouchDB server b and
// back.
func TestReplicateBothWays(t *testing.T) {
	a, b := couchdbtest.Fresh(t), couchdbtest.FreshServer(t)
	// How --from/--to name a: by its URL, and as the store the environment configures.
	aURL, aConfigured := a.URL, "couchdb"
	if a.Driver == couchdb.EmbeddedDriver {
		aURL, aConfigured = "embedded", "embedded"
	}
	acct1, acct2 := seedKazooAccount(t, a), seedKazooAccount(t, a)

	code, out, errOut := cli(t, a, "replicate", "--from", aURL, "--to", b.URL)
	if code != 0 {
		t.Fatalf("a→b: exit %d\n%s%s", code, out, errOut)
	}
	for _, id := range []string{acct1, acct2} {
		if !strings.Contains(out, directory.AccountDBName(id)+": 6 read, 6 written, database created, ") {
			t.Errorf("no progress line for %s:\n%s", id, out)
		}
		sameDB(t, a, b, id)
	}
	if !strings.HasSuffix(out, "2 databases: 2 copied, 0 failed; 12 documents written\n") {
		t.Errorf("summary:\n%s", out)
	}
	if doc := couchdbtest.GetDoc(t, b, acct1, "d1"); doc.String("name") != "Sales 3" || !strings.HasPrefix(doc.Rev(), "3-") {
		t.Errorf("d1 on b: %v", doc)
	}
	if doc := couchdbtest.GetDoc(t, b, acct1, "gone"); doc != nil {
		t.Errorf("deleted doc live on b: %v", doc)
	}

	// Back again, after an edit on b, to the configured store (a).
	u1 := couchdbtest.GetDoc(t, b, acct1, "u1")
	u1["first_name"] = "Anna"
	couchdbtest.PutDocs(t, b, acct1, u1)
	code, out, errOut = cli(t, a, "replicate", "--from", b.URL, "--to", aConfigured, "--account", acct1)
	if code != 0 {
		t.Fatalf("b→a: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, directory.AccountDBName(acct1)+": 1 read, 1 written, ") || strings.Contains(out, "created") {
		t.Errorf("b→a:\n%s", out)
	}
	sameDB(t, a, b, acct1)
	if got := couchdbtest.GetDoc(t, a, acct1, "u1"); got.Rev() != u1.Rev() || got.String("first_name") != "Anna" {
		t.Errorf("u1 on a: %v, want rev %s", got, u1.Rev())
	}

	missing := couchdbtest.NewAccountID()
	code, out, _ = cli(t, a, "replicate", "--from", aConfigured, "--to", b.URL, "--account", missing, "--account", acct2)
	if code != 1 || !strings.Contains(out, directory.AccountDBName(missing)+": failed: no such database on the source") ||
		!strings.Contains(out, directory.AccountDBName(acct2)+": 0 read, 0 written, ") {
		t.Errorf("missing account: exit %d\n%s", code, out)
	}
}

func TestReplicateUsage(t *testing.T) {
	cfg := couchdbtest.Config(t)
	for _, args := range [][]string{
		{"replicate"},
		{"replicate", "--from", cfg.URL},
		{"replicate", "--from", cfg.URL, "--to", cfg.URL},
		{"replicate", "--from", "couchdb", "--to", cfg.URL},
		{"replicate", "--from", "ftp://x", "--to", cfg.URL},
		{"replicate", "--from", "embedded", "--to", cfg.URL, "--account", "nope"},
	} {
		if code, _, errOut := cli(t, cfg, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errOut)
		}
	}
	if code, _, errOut := cliEnv(t, map[string]string{}, "replicate", "--from", "couchdb", "--to", cfg.URL); code != 2 || !strings.Contains(errOut, "COUCHDB_URL is not set") {
		t.Errorf("couchdb without COUCHDB_URL: exit %d %s", code, errOut)
	}
}

// verifyNow authenticates tok against cfg's store as the service does and closes the
// store at once.
func verifyNow(t *testing.T, cfg couchdb.Config, tok string) (directory.Identity, error) {
	t.Helper()
	s, err := couchdb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return auth.NewJWT(s.AuthSource(), auth.Options{}).Authenticate(context.Background(), directory.Credentials{Token: tok})
}

// TestReplicateSystemAndAttachments is a site seeding the embedded store from its
// KAZOO CouchDB with --system and moving on to another CouchDB: the token KAZOO
// issued verifies on each copy; a doc with an attachment keeps its revision and
// bytes; a rerun copies nothing; an embedded store set up with init keeps its own
// auth config and reports it diverged.
func TestReplicateSystemAndAttachments(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "KAZOO's CouchDB and another CouchDB of its own, with the embedded store in DATA_DIR: the same on every backend, run in the compat pass")
	kazoo, next := couchdbtest.FreshServer(t), couchdbtest.FreshServer(t)
	acct, tok := initStore(t, kazoo)
	db := directory.AccountDBName(acct)
	audio := []byte("ID3\x00\x01\x02\xff\xfe binary prompt")
	rev := couchdbtest.PutAttachment(t, kazoo, db, "media1", "prompt.mp3", "audio/mpeg", audio)
	dataDir := t.TempDir()
	emb := couchdb.Config{Driver: couchdb.EmbeddedDriver, URL: dataDir}
	replicate := func(dataDir string, args ...string) (int, string, string) {
		t.Helper()
		return cliEnv(t, map[string]string{"COUCHDB_URL": kazoo.URL, "DATA_DIR": dataDir, "LOG_LEVEL": "warn"},
			append([]string{"replicate", "--system"}, args...)...)
	}

	code, out, errOut := replicate(dataDir, "--from", "couchdb", "--to", "embedded")
	if code != 0 {
		t.Fatalf("kazoo → embedded: exit %d\n%s%s", code, out, errOut)
	}
	for _, line := range []string{
		"system_config: 1 read, 1 written, database created, ",
		"system_auth: 1 read, 1 written, database created, ",
		db + ": 4 read, 4 written, database created, ",
	} {
		if !strings.Contains(out, "\n"+line) && !strings.HasPrefix(out, line) {
			t.Errorf("no line %q:\n%s", line, out)
		}
	}
	if !strings.HasSuffix(out, "3 databases: 3 copied, 0 failed; 6 documents written\n") {
		t.Errorf("summary:\n%s", out)
	}
	if id, err := verifyNow(t, emb, tok); err != nil || id.AccountID != acct {
		t.Errorf("KAZOO's token on the embedded store: %+v, %v", id, err)
	}

	code, out, _ = replicate(dataDir, "--from", "couchdb", "--to", "embedded")
	if code != 0 || strings.Count(out, " 0 read, 0 written, ") != 3 {
		t.Errorf("rerun: exit %d\n%s", code, out)
	}

	code, out, errOut = replicate(dataDir, "--from", "embedded", "--to", next.URL)
	if code != 0 {
		t.Fatalf("embedded → next: exit %d\n%s%s", code, out, errOut)
	}
	if doc := couchdbtest.GetDoc(t, next, acct, "media1"); doc.Rev() != rev {
		t.Errorf("media1 on next: %v, want rev %s", doc, rev)
	}
	if got := couchdbtest.GetAttachment(t, next, db, "media1", "prompt.mp3"); string(got) != string(audio) {
		t.Errorf("attachment on next: %q, want %q", got, audio)
	}
	if id, err := verifyNow(t, next, tok); err != nil || id.AccountID != acct {
		t.Errorf("KAZOO's token on next: %+v, %v", id, err)
	}

	// A store set up on its own has an auth config of its own: kept, in conflict.
	own := t.TempDir()
	if code, out, errOut := cliEnv(t, map[string]string{"DATA_DIR": own, "LOG_LEVEL": "warn"}, "init", "--account-name", "Own"); code != 0 {
		t.Fatalf("init: %s%s", out, errOut)
	}
	for run := range 2 {
		code, out, errOut = replicate(own, "--from", "couchdb", "--to", "embedded")
		written := []string{"1 read, 1 written", "0 read, 0 written"}[run]
		if code != 1 || !strings.Contains(out, "system_config: "+written+", ") ||
			!strings.Contains(out, "; 1 diverged, kept in conflict on the target: auth\n") ||
			!strings.HasSuffix(out, "; 1 diverged\n") || !strings.Contains(errOut, "1 document diverged: ") {
			t.Errorf("run %d into an initialised store: exit %d\n%s%s", run, code, out, errOut)
		}
	}
}
