package couchdbtest

import (
	"net/http"
	"sync"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
)

// CountingTransport counts and records the requests a store sends, to assert how many
// CouchDB requests an operation costs. On a CouchDB server it is the http.RoundTripper
// that carries them ("METHOD /path?query"); on the embedded store, which has no HTTP,
// it records the store's couchdb.Config.OnRequest calls ("METHOD /path", the request
// CouchDB would have received).
type CountingTransport struct {
	// Base carries the requests (nil: http.DefaultTransport).
	Base http.RoundTripper

	mu   sync.Mutex
	reqs []string
}

// Counting makes cfg's store report its requests to a new CountingTransport and
// returns it: through cfg.Transport over HTTP, through cfg.OnRequest (after any hook
// already there) on the embedded store.
func Counting(cfg *couchdb.Config) *CountingTransport {
	t := &CountingTransport{Base: cfg.Transport}
	if cfg.Driver == couchdb.EmbeddedDriver {
		prev := cfg.OnRequest
		cfg.OnRequest = func(method, path string) {
			if prev != nil {
				prev(method, path)
			}
			t.record(method + " " + path)
		}
		return t
	}
	cfg.Transport = t
	return t
}

func (t *CountingTransport) record(line string) {
	t.mu.Lock()
	t.reqs = append(t.reqs, line)
	t.mu.Unlock()
}

// RoundTrip records "METHOD /path?query" and passes the request on.
func (t *CountingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	line := req.Method + " " + req.URL.EscapedPath()
	if req.URL.RawQuery != "" {
		line += "?" + req.URL.RawQuery
	}
	t.record(line)
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
