package api_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/metrics"
	"github.com/kazoo-directories/kazoo-directories/pkg/api"
)

// observation is one ObserveRequest call.
type observation struct {
	route, method string
	status        int
}

// recorder is an api.Observer that keeps what it sees.
type recorder struct {
	mu   sync.Mutex
	seen []observation
}

func (r *recorder) ObserveRequest(route, method string, status int, elapsed time.Duration) {
	if elapsed <= 0 {
		status = -status // make a missing latency visible in the comparison
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, observation{route, method, status})
}

func (r *recorder) last() observation {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seen) == 0 {
		return observation{}
	}
	return r.seen[len(r.seen)-1]
}

// TestObserver: every answered request reaches the Observer once, with Echo's route
// pattern (never the raw path), the method as sent and the final status.
func TestObserver(t *testing.T) {
	rec := &recorder{}
	e := newEnv(t, func(c *api.Config) { c.Observer = rec })
	const (
		collection = "/v2/accounts/:account/directories"
		item       = "/v2/accounts/:account/directories/:id"
	)
	tests := []struct {
		method, path, body string
		headers            []string
		want               observation
	}{
		{"GET", "/healthz", "", nil, observation{"/healthz", "GET", 200}},
		{"POST", "/healthz", "", nil, observation{"unmatched", "POST", 404}}, // the catch-all route wins over Echo's 405
		{"GET", e.path(""), "", nil, observation{collection, "GET", 200}},
		{"GET", e.path("/"), "", nil, observation{collection + "/", "GET", 200}},
		{"PUT", e.path(""), `{"data":{"name":"Sales"}}`, nil, observation{collection, "PUT", 201}},
		{"POST", e.path("?verb=PUT"), `{"data":{"name":"Tunnelled"}}`, nil, observation{collection, "POST", 201}},
		{"DELETE", e.path(""), "", nil, observation{collection, "DELETE", 405}},
		{"GET", e.path(""), "", []string{"X-Auth-Token: wrong"}, observation{collection, "GET", 401}},
		{"GET", e.path("/nope"), "", nil, observation{item, "GET", 404}},
		{"GET", "/v1/accounts/x/directories", "", nil, observation{"/v1/*", "GET", 410}},
		{"GET", "/no/such/path", "", nil, observation{"unmatched", "GET", 404}},
		{"GET", "/metrics", "", nil, observation{"unmatched", "GET", 404}},
	}
	for _, tt := range tests {
		res := e.do(tt.method, tt.path, tt.body, tt.headers...)
		if got := rec.last(); got != tt.want || res.Code != tt.want.status {
			t.Errorf("%s %s: observed %+v (response %d), want %+v", tt.method, tt.path, got, res.Code, tt.want)
		}
	}
	if n := len(rec.seen); n != len(tests) {
		t.Errorf("%d observations for %d requests", n, len(tests))
	}
	for _, o := range rec.seen {
		if strings.Contains(o.route, e.acct) {
			t.Errorf("route %q holds the raw path", o.route)
		}
	}
}

// TestMetricsEndpoint: with Config.Metrics set, GET /metrics serves it without
// authentication, and a metrics.Registry as Observer counts requests by route pattern.
func TestMetricsEndpoint(t *testing.T) {
	reg := metrics.New()
	e := newEnv(t, func(c *api.Config) { c.Observer, c.Metrics = reg, reg.Handler() })
	wantStatus(t, e.do("GET", e.path(""), ""), http.StatusOK)
	wantStatus(t, e.do("GET", e.path("/nope"), ""), http.StatusNotFound)
	wantStatus(t, e.do("GET", "/no/such/path", ""), http.StatusNotFound)

	res := e.do("GET", "/metrics", "", "X-Auth-Token:")
	wantStatus(t, res, http.StatusOK)
	out := res.Body.String()
	for _, want := range []string{
		`directoriesd_http_requests_total{method="GET",route="/v2/accounts/:account/directories",status="200"} 1`,
		`directoriesd_http_requests_total{method="GET",route="/v2/accounts/:account/directories/:id",status="404"} 1`,
		`directoriesd_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`directoriesd_http_request_duration_seconds_count{method="GET",route="/v2/accounts/:account/directories"} 1`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(out, e.acct) {
		t.Error("/metrics holds an account id")
	}
}
