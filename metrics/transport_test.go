package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/metrics"
)

func TestClassify(t *testing.T) {
	const db = "/account%2F12%2F34%2F56789012345678901234567890"
	tests := []struct {
		method, path, want string
	}{
		{"HEAD", "/_up", metrics.OpUp},
		{"GET", "/_up", metrics.OpUp},
		{"POST", "/_session", metrics.OpSession},
		{"DELETE", "/_session", metrics.OpSession},
		{"GET", "/", metrics.OpServer},
		{"GET", "", metrics.OpServer},
		{"GET", "/_all_dbs", metrics.OpAllDBs},
		{"GET", "/_node/_local/_config", metrics.OpOther},
		{"POST", "/_cluster_setup", metrics.OpOther},
		{"HEAD", db, metrics.OpDBInfo},
		{"GET", db + "/", metrics.OpDBInfo},
		{"PUT", db, metrics.OpCreateDB},
		{"DELETE", db, metrics.OpDeleteDB},
		{"POST", db, metrics.OpPutDoc},
		{"COPY", db, metrics.OpOther},
		{"GET", db + "/0123456789abcdef0123456789abcdef", metrics.OpGetDoc},
		{"HEAD", db + "/0123456789abcdef0123456789abcdef", metrics.OpGetDoc},
		{"GET", db + "/a%2Fb%20c", metrics.OpGetDoc},
		{"PUT", db + "/0123456789abcdef0123456789abcdef", metrics.OpPutDoc},
		{"DELETE", db + "/0123456789abcdef0123456789abcdef", metrics.OpDeleteDoc},
		{"COPY", db + "/x", metrics.OpOther},
		{"GET", db + "/x/attachment.pdf", metrics.OpOther},
		{"GET", db + "/_design/directories", metrics.OpDesignDoc},
		{"PUT", db + "/_design/directories", metrics.OpDesignDoc},
		{"GET", db + "/_design/directories/_info", metrics.OpDesignDoc},
		{"GET", db + "/_design/directories/_view/crossbar_listing", metrics.OpView},
		{"POST", db + "/_design/directories/_view/users_listing", metrics.OpView},
		{"GET", db + "/_design/directories/_show/x", metrics.OpOther},
		{"GET", db + "/_design", metrics.OpOther},
		{"GET", db + "/_all_docs", metrics.OpAllDocs},
		{"POST", db + "/_all_docs", metrics.OpAllDocs},
		{"POST", db + "/_bulk_docs", metrics.OpBulkDocs},
		{"POST", db + "/_bulk_get", metrics.OpBulkGet},
		{"GET", db + "/_changes", metrics.OpChanges},
		{"POST", db + "/_revs_diff", metrics.OpRevsDiff},
		{"PUT", db + "/_local/checkpoint", metrics.OpLocalDoc},
		{"POST", db + "/_find", metrics.OpOther},
		{"POST", db + "/_ensure_full_commit", metrics.OpOther},
		{"GET", "/system_auth/_design/auth/_view/keys", metrics.OpView},
	}
	for _, tt := range tests {
		if got := metrics.Classify(tt.method, tt.path); got != tt.want {
			t.Errorf("Classify(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestInstrumentTransport(t *testing.T) {
	couch := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/broken"):
			w.WriteHeader(http.StatusServiceUnavailable)
		case strings.HasSuffix(r.URL.Path, "/missing"):
			w.WriteHeader(http.StatusNotFound)
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	defer couch.Close()
	reg := metrics.New()
	client := &http.Client{Transport: reg.InstrumentTransport(nil)}
	const db = "/account%2Fsecret-db"
	get := func(ctx context.Context, method, path string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, couch.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	ctx := context.Background()
	get(ctx, "GET", db+"/doc1")
	get(ctx, "GET", db+"/missing") // a 404 is an answer, not an error
	get(ctx, "GET", db+"/broken")  // a 5xx is an error
	get(ctx, "HEAD", "/_up")
	get(ctx, "POST", db+"/_design/directories/_view/users_listing")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	get(cancelled, "GET", db+"/doc2") // the caller gave up: counted, not an error

	failing := metrics.New()
	down := errors.New("connection refused")
	rt := failing.InstrumentTransport(roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, down }))
	req, _ := http.NewRequest("PUT", "http://couch.invalid"+db+"/doc1", nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, down) {
		t.Fatalf("RoundTrip error = %v, want the base transport's", err)
	}

	out := scrape(t, reg)
	wantLines(t, out,
		`directoriesd_couchdb_requests_total{operation="get_doc"} 4`,
		`directoriesd_couchdb_errors_total{operation="get_doc"} 1`,
		`directoriesd_couchdb_requests_total{operation="up"} 1`,
		`directoriesd_couchdb_requests_total{operation="view"} 1`,
		`directoriesd_couchdb_request_duration_seconds_count{operation="view"} 1`,
	)
	if strings.Contains(out, "secret-db") || strings.Contains(out, "doc1") {
		t.Error("a database name or document id leaked into a label")
	}
	if strings.Contains(out, `directoriesd_couchdb_errors_total{operation="up"}`) {
		t.Error("a 200 counted as an error")
	}
	wantLines(t, scrape(t, failing),
		`directoriesd_couchdb_requests_total{operation="put_doc"} 1`,
		`directoriesd_couchdb_errors_total{operation="put_doc"} 1`,
	)
}

// TestCountRequest: requests reported without HTTP (the embedded store) are counted
// under their operation, with no duration or error series.
func TestCountRequest(t *testing.T) {
	reg := metrics.New()
	reg.CountRequest("GET", "/account%2Faa%2Fbb%2Fcc/doc1")
	reg.CountRequest("GET", "/account%2Faa%2Fbb%2Fcc/_design/directories/_view/users_listing")
	reg.CountRequest("PUT", "/account%2Faa%2Fbb%2Fcc/doc1")
	out := scrape(t, reg)
	wantLines(t, out,
		`directoriesd_couchdb_requests_total{operation="get_doc"} 1`,
		`directoriesd_couchdb_requests_total{operation="view"} 1`,
		`directoriesd_couchdb_requests_total{operation="put_doc"} 1`,
	)
	if strings.Contains(out, "directoriesd_couchdb_request_duration_seconds_count") || strings.Contains(out, "directoriesd_couchdb_errors_total{") {
		t.Errorf("duration or errors recorded:\n%s", out)
	}
}
