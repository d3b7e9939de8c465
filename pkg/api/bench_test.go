package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// seedMembers stores a directory with n member users.
func seedMembers(e *env, dir string, n int) {
	docs := []directory.Doc{sales(dir)}
	for i := 0; i < n; i++ {
		docs = append(docs, user(fmt.Sprintf("user%05d", i), fmt.Sprintf("First%d", i), fmt.Sprintf("Last%d", n-i),
			map[string]any{dir: fmt.Sprintf("cf%05d", i)}))
	}
	e.seed(docs...)
}

// BenchmarkGetDirectory1000Members measures GET /directories/{D} for a directory of
// 1,000 members and reports the CouchDB requests per call (must be 2: the doc and one
// users_listing query).
func BenchmarkGetDirectory1000Members(b *testing.B) {
	e := newEnv(b)
	seedMembers(e, "big", 1000)
	wantStatus(b, e.do("GET", e.path("/big"), ""), http.StatusOK) // warm: account cache, view index
	e.counter.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := e.do("GET", e.path("/big"), "")
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.StopTimer()
	perOp := float64(e.counter.Count()) / float64(b.N)
	b.ReportMetric(perOp, "couchdb-req/op")
	if perOp != 2 {
		b.Errorf("%.2f CouchDB requests per GET, want 2: %v", perOp, e.counter.Requests())
	}
}

// TestGetDirectoryCostsTwoRequests pins the request count outside benchmarks too.
func TestGetDirectoryCostsTwoRequests(t *testing.T) {
	e := newEnv(t)
	seedMembers(e, "big", 120)
	rec := e.do("GET", e.path("/big"), "")
	wantStatus(t, rec, http.StatusOK)
	if n := len(body(t, rec)["data"].(map[string]any)["users"].([]any)); n != 120 {
		t.Errorf("users = %d, want all 120 members", n)
	}
	e.counter.Reset()
	wantStatus(t, e.do("GET", e.path("/big"), ""), http.StatusOK)
	if n := e.counter.Count(); n != 2 {
		t.Errorf("%d CouchDB requests, want 2: %v", n, e.counter.Requests())
	}
}
