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
//
// Cookie authentication's handshake (POST /_session, sent by the client before its
// first authenticated request and again when the cookie expires) is not a request of
// the operation: it is counted apart, in Handshakes, so that counts are the same on a
// server with credentials (Apache CouchDB) and one without (the test server).
type CountingTransport struct {
	// Base carries the requests (nil: http.DefaultTransport).
	Base http.RoundTripper

	mu         sync.Mutex
	reqs       []string
	handshakes int
}

// sessionPath is where cookie authentication logs in.
const sessionPath = "/_session"

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

// RoundTrip records "METHOD /path?query" (a cookie-auth handshake only as counted in
// Handshakes) and passes the request on.
func (t *CountingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && req.URL.Path == sessionPath {
		t.mu.Lock()
		t.handshakes++
		t.mu.Unlock()
	} else {
		line := req.Method + " " + req.URL.EscapedPath()
		if req.URL.RawQuery != "" {
			line += "?" + req.URL.RawQuery
		}
		t.record(line)
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req)
}

// Count returns the number of requests since creation or the last Reset, handshakes
// not included.
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

// Handshakes returns the number of cookie-auth logins (POST /_session) since creation
// or the last Reset: none against a server without credentials.
func (t *CountingTransport) Handshakes() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.handshakes
}

// Reset forgets the recorded requests and handshakes.
func (t *CountingTransport) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reqs = nil
	t.handshakes = 0
}
