package couchdbtest

import (
	"net/http"
	"sync"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
)

// CountingTransport is an http.RoundTripper that counts and records the requests it
// carries, to assert how many CouchDB requests an operation costs.
type CountingTransport struct {
	// Base carries the requests (nil: http.DefaultTransport).
	Base http.RoundTripper

	mu   sync.Mutex
	reqs []string
}

// Counting makes cfg's store send its requests through a new CountingTransport and
// returns it.
func Counting(cfg *couchdb.Config) *CountingTransport {
	t := &CountingTransport{Base: cfg.Transport}
	cfg.Transport = t
	return t
}

// RoundTrip records "METHOD /path?query" and passes the request on.
func (t *CountingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	line := req.Method + " " + req.URL.EscapedPath()
	if req.URL.RawQuery != "" {
		line += "?" + req.URL.RawQuery
	}
	t.reqs = append(t.reqs, line)
	t.mu.Unlock()
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req)
}

// Count returns the number of requests since creation or the last Reset.
func (t *CountingTransport) Count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.reqs)
}

// Requests returns the recorded requests in order.
func (t *CountingTransport) Requests() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.reqs...)
}

// Reset forgets the recorded requests.
func (t *CountingTransport) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reqs = nil
}
