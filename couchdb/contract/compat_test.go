package contract_test

import (
	"os"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
	kivikcouch "github.com/go-kivik/kivik/v4/couchdb"

	"github.com/kazoo-directories/kazoo-directories/couchdb/contract"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	_ "github.com/kazoo-directories/kazoo-directories/couchdb/embedded"
)

// envRealCouchDB marks that COUCHDB_URL named a server before couchdbtest.Main
// started the compat server (which publishes its own address there).
const envRealCouchDB = "CONTRACT_REAL_COUCHDB"

func TestMain(m *testing.M) {
	if os.Getenv(couchdbtest.EnvURL) != "" {
		_ = os.Setenv(envRealCouchDB, "1")
	}
	os.Exit(couchdbtest.Main(m))
}

// compatQuirks are the contract tests the PouchDB-based compat server fails where
// it differs from Apache CouchDB (see couchdbtest/server/README.md). They run
// against a real CouchDB (COUCHDB_URL).
var compatQuirks = map[string]string{
	"Server/AllDBs":           "compat server: _all_dbs ignores startkey/endkey/limit/skip and is unsorted",
	"Docs/DeleteAndRecreate":  "compat server: DELETE with a stale rev answers 404, CouchDB 409",
	"AllDocs/Ranges":          "compat server: offset ignores the rows before startkey",
	"Views/Options":           "compat server: startkey_docid is ignored",
	"Collation/Specification": "compat server: strings collate by code unit, not ICU",
	"Collation/ASCII":         "compat server: strings collate by code unit, not ICU",
}

// TestCompatServer runs the contract against the compat server (with its known
// differences from Apache CouchDB asserted as such), or against the CouchDB at
// COUCHDB_URL (then nothing is skipped or replaced). The client options are the
// ones couchdb.Open uses.
func TestCompatServer(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "the contract of the compat server; the embedded store's runs in couchdb/embedded on every backend")
	cfg := couchdbtest.Config(t)
	c, err := kivik.New("couch", cfg.URL, kivikcouch.OptionNoRequestCompression())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	target := contract.Target{Client: func(*testing.T) *kivik.Client { return c }}
	if os.Getenv(envRealCouchDB) == "" {
		target.Skip, target.Differences = compatQuirks, contract.TestServerDifferences()
	}
	contract.Run(t, target)
}

func BenchmarkCompatServer(b *testing.B) {
	couchdbtest.SkipEmbedded(b, "the compat server's benchmarks; the embedded store's run in couchdb/embedded")
	cfg := couchdbtest.Config(b)
	c, err := kivik.New("couch", cfg.URL, kivikcouch.OptionNoRequestCompression())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	contract.Bench(b, c)
}

// TestReplicateWithEmbedded replicates between the compat server (or
// COUCHDB_URL) and the embedded store, both ways.
func TestReplicateWithEmbedded(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "replication between a CouchDB server and the embedded store, run in the compat pass")
	cfg := couchdbtest.Config(t)
	couch, err := kivik.New("couch", cfg.URL, kivikcouch.OptionNoRequestCompression())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = couch.Close() })
	emb, err := kivik.New("embedded", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emb.Close() })
	contract.Replicate(t, couch, emb)
}
