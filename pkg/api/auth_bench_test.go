package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
)

// getRequests is the CouchDB cost of GET /directories/{D} with the member query: the
// directory doc and one users_listing query.
const getRequests = 2

// benchGet seeds a directory of 100 members in the env's account and GETs path with
// token, reporting CouchDB requests per GET once every cache is warm.
func benchGet(b *testing.B, e *env, path, token string) {
	couchdbtest.SetTokenCost(b, e.cfg, e.acct, 0) // a load test, as KAZOO's own set token_costs to 0
	seedMembers(e, "big", 100)
	wantStatus(b, e.do("GET", path, "", "X-Auth-Token: "+token), http.StatusOK) // warm every cache
	e.counter.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rec := e.do("GET", path, "", "X-Auth-Token: "+token); rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	b.StopTimer()
	perOp := float64(e.counter.Count()) / float64(b.N)
	b.ReportMetric(perOp, "couchdb-req/op")
	if perOp > getRequests {
		b.Errorf("%.2f CouchDB requests per GET, want at most %d: %v", perOp, getRequests, e.counter.Requests())
	}
}

// BenchmarkGetUnauthenticatedBaseline is the GET without any authentication cost: the
// test authenticator answers from memory.
func BenchmarkGetUnauthenticatedBaseline(b *testing.B) {
	e := newEnv(b)
	benchGet(b, e, e.path("/big"), e.token)
}

// BenchmarkGetAuthenticated is the same GET with a KAZOO user token verified by the real
// authenticator (key, auth config, identity secret, account docs from CouchDB). Once
// the caches are warm it must cost no more CouchDB requests than the baseline.
func BenchmarkGetAuthenticated(b *testing.B) {
	var k *kazoo
	e := newEnvWith(b, withKazooAuth(&k, time.Minute))
	benchGet(b, e, e.path("/big"), k.token(k.user(e.acct)))
}

// BenchmarkGetAuthenticatedReseller reads a child account's directory with its
// reseller's token, so authorization also needs the reseller's account doc.
func BenchmarkGetAuthenticatedReseller(b *testing.B) {
	var k *kazoo
	e := newEnvWith(b, withKazooAuth(&k, time.Minute))
	reseller := k.user(couchdbtest.NewAccount(b, e.cfg, couchdbtest.WithName("Reseller")))
	child := couchdbtest.NewAccount(b, e.cfg, couchdbtest.WithTree(reseller.account))
	e.acct = child
	benchGet(b, e, e.path("/big"), k.token(reseller))
}

// TestAuthenticatedGetCostsNoExtraRequests pins the warm cost outside benchmarks, and
// the cost of a new user's first request once the key and auth config are cached: one
// read of the user's doc.
func TestAuthenticatedGetCostsNoExtraRequests(t *testing.T) {
	var k *kazoo
	e := newEnvWith(t, withKazooAuth(&k, time.Minute))
	seedMembers(e, "big", 10)
	tok := k.token(k.user(e.acct))
	wantStatus(t, e.do("GET", e.path("/big"), "", "X-Auth-Token: "+tok), http.StatusOK) // account, design docs
	cold := k.token(k.user(e.acct))
	e.counter.Reset()
	wantStatus(t, e.do("GET", e.path("/big"), "", "X-Auth-Token: "+cold), http.StatusOK)
	// A new user's token: its identity doc is read (key and config are cached).
	if n := e.counter.Count(); n != getRequests+1 {
		t.Errorf("first GET with a new user's token cost %d requests, want %d: %v", n, getRequests+1, e.counter.Requests())
	}
	for range 3 {
		e.counter.Reset()
		wantStatus(t, e.do("GET", e.path("/big"), "", "X-Auth-Token: "+cold), http.StatusOK)
		if n := e.counter.Count(); n != getRequests {
			t.Errorf("warm authenticated GET cost %d requests, want %d: %v", n, getRequests, e.counter.Requests())
		}
	}
}
