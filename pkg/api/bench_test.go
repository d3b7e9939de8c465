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

// benchRequest sends the request b.N times through the whole stack, once first to warm
// the caches (account, design doc check, view index), failing on any other status than
// want. It reports and returns the CouchDB requests per call (on the embedded store:
// the requests CouchDB would have received).
func benchRequest(b *testing.B, e *env, method, target, body string, want int) float64 {
	b.Helper()
	wantStatus(b, e.do(method, target, body), want)
	e.counter.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rec := e.do(method, target, body); rec.Code != want {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	b.StopTimer()
	perOp := float64(e.counter.Count()) / float64(b.N)
	b.ReportMetric(perOp, "couchdb-req/op")
	return perOp
}

// BenchmarkGetDirectory1000Members measures GET /directories/{D} for a directory of
// 1,000 members and reports the CouchDB requests per call (must be 2: the doc and one
// users_listing query).
func BenchmarkGetDirectory1000Members(b *testing.B) {
	e := newEnv(b)
	seedMembers(e, "big", 1000)
	if perOp := benchRequest(b, e, "GET", e.path("/big"), "", http.StatusOK); perOp != 2 {
		b.Errorf("%.2f CouchDB requests per GET, want 2: %v", perOp, e.counter.Requests())
	}
}

// BenchmarkCreateDirectory measures PUT /directories, a new directory (with a new id)
// each time, and reports the CouchDB requests per call (must be 1: the doc's write;
// the account is cached).
func BenchmarkCreateDirectory(b *testing.B) {
	e := newEnv(b)
	body := `{"data":{"name":"Sales","confirm_match":true,"sort_by":"last_name"}}`
	if perOp := benchRequest(b, e, "PUT", e.path(""), body, http.StatusCreated); perOp != 1 {
		b.Errorf("%.2f CouchDB requests per PUT, want 1: %v", perOp, e.counter.Requests())
	}
}

// BenchmarkList1000Directories measures GET /directories?paginate=false over 1,000
// directories and reports the CouchDB requests per call (must be 1: one
// crossbar_listing query).
func BenchmarkList1000Directories(b *testing.B) {
	e := newEnv(b)
	docs := make([]directory.Doc, 1000)
	for i := range docs {
		docs[i] = sales(fmt.Sprintf("dir%05d", i))
		docs[i]["name"] = fmt.Sprintf("Directory %04d", i)
	}
	e.seed(docs...)
	rec := e.do("GET", e.path("?paginate=false"), "")
	wantStatus(b, rec, http.StatusOK)
	if n := len(body(b, rec)["data"].([]any)); n != 1000 {
		b.Fatalf("listing has %d directories, want 1000", n)
	}
	if perOp := benchRequest(b, e, "GET", e.path("?paginate=false"), "", http.StatusOK); perOp != 1 {
		b.Errorf("%.2f CouchDB requests per listing, want 1: %v", perOp, e.counter.Requests())
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
