package api_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/metrics"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// TestAcceptedWrites: a write CouchDB answers 202 Accepted (stored without its write
// quorum; the proxy turns CouchDB's 201/200 into the 202 a cluster with nodes down
// sends) is a success for the client, as in KAZOO, with its one notice; it is counted
// in directoriesd_couchdb_accepted_total and logged.
func TestAcceptedWrites(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "202 comes from a CouchDB cluster's HTTP answer")
	const dir = "ac0123456789abcdef0123456789abcd"
	reg := metrics.New()
	var logs couchdbtest.LockedBuffer
	e, proxy, bus := faultEnv(t, func(cfg *couchdb.Config) {
		cfg.Transport = reg.InstrumentTransport(nil)
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	proxy.Inject(couchdbtest.Accepted202, -1, couchdbtest.Writes(directory.AccountDBName(e.acct)))

	wantStatus(t, e.do("PUT", e.path(""), `{"data":{"id":"`+dir+`","name":"Support"}}`), http.StatusCreated)
	wantStatus(t, e.do("PATCH", e.path("/"+dir), `{"data":{"name":"Sales"}}`), http.StatusOK)
	if doc := e.rawDoc(dir); doc.String("name") != "Sales" {
		t.Errorf("stored doc %v, want name Sales", doc)
	}
	wantStatus(t, e.do("DELETE", e.path("/"+dir+"?should_soft_delete=false"), ""), http.StatusOK)
	if doc := e.rawDoc(dir); doc != nil {
		t.Errorf("doc %v still there after an accepted delete", doc)
	}
	if n := len(bus.all()); n != 3 {
		t.Errorf("%d notices, want 3", n)
	}

	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`directoriesd_couchdb_accepted_total{operation="put_doc"} 2`,
		`directoriesd_couchdb_accepted_total{operation="delete_doc"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if n := strings.Count(logs.String(), "202 Accepted"); n != 3 {
		t.Errorf("%d log lines about 202, want 3:\n%s", n, logs.String())
	}
}
