package couchdbtest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
)

// Fault is what a FaultProxy does to the answer of a request it selected.
type Fault int

const (
	// DropReply forwards the request, lets CouchDB answer in full (so a write is
	// stored), then closes the client's connection without a reply: the lost reply of
	// a node killed mid-request or a reset connection.
	DropReply Fault = iota + 1
	// DropRequest closes the client's connection without forwarding the request: a
	// write that was lost before CouchDB saw it.
	DropRequest
	// Resend forwards the request twice and answers with the second reply, as nginx's
	// proxy_next_upstream resends a PUT or DELETE to another node when the first one
	// failed after receiving it.
	Resend
	// Accepted202 turns a 201 Created or 200 OK into 202 Accepted, the answer of a
	// CouchDB cluster that stored a write without reaching its write quorum (the test
	// server never answers 202).
	Accepted202
	// Timeout500 forwards the request (so a write is stored) and answers CouchDB's 500
	// `{"error":"timeout"}`, a cluster's answer when nodes did not reply in time
	// (chttpd), whatever some of them stored.
	Timeout500
	// Forbidden403 answers, without forwarding, Apache CouchDB's refusal of a design
	// doc write by a user who is a database member but not an admin (the test server
	// enforces no such rights).
	Forbidden403
)

// FaultProxy is an HTTP proxy in front of a real CouchDB server that injects faults
// into the answers of the requests a rule selects; every other request passes
// untouched. It is for the failures a real server cannot produce on demand; the
// requests themselves always reach the server.
type FaultProxy struct {
	srv      *httptest.Server
	upstream *url.URL

	mu    sync.Mutex
	rules []*faultRule
	seen  []string // "METHOD /path" of every request, in order
}

type faultRule struct {
	match func(*http.Request) bool
	fault Fault
	left  int // faults still to inject (<0: always)
}

// NewFaultProxy starts a proxy in front of cfg's CouchDB server, points cfg at it
// (credentials kept) and stops it when the test ends. It skips the test on the
// embedded backend, which has no HTTP to lose.
func NewFaultProxy(tb testing.TB, cfg *couchdb.Config) *FaultProxy {
	tb.Helper()
	SkipEmbedded(tb, "a proxy between the store and CouchDB loses or rewrites HTTP replies")
	front, err := url.Parse(cfg.URL)
	if err != nil {
		tb.Fatalf("couchdbtest: fault proxy: %v", err)
	}
	up := *front
	up.User = nil
	p := &FaultProxy{upstream: &up}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(p.srv.Close)
	addr, _ := url.Parse(p.srv.URL)
	front.Host = addr.Host
	front.Scheme = addr.Scheme
	cfg.URL = front.String()
	return p
}

// Inject makes the proxy apply fault to the next n requests match selects (n < 0:
// every one), in addition to the rules already set.
func (p *FaultProxy) Inject(fault Fault, n int, match func(*http.Request) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, &faultRule{match: match, fault: fault, left: n})
}

// Clear removes every rule.
func (p *FaultProxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
}

// Requests returns "METHOD /path" of every request the proxy received, in order.
func (p *FaultProxy) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// Writes selects the writes (PUT, POST, DELETE) of ordinary documents in the
// database db, the requests whose replies a killed node loses; design docs and other
// "_" paths are left alone.
func Writes(db string) func(*http.Request) bool {
	prefix := "/" + url.PathEscape(db)
	return func(r *http.Request) bool {
		path := r.URL.EscapedPath()
		if path != prefix && (!strings.HasPrefix(path, prefix+"/") || strings.HasPrefix(path, prefix+"/_")) {
			return false
		}
		return r.Method == http.MethodPut || r.Method == http.MethodPost || r.Method == http.MethodDelete
	}
}

// fault returns the fault for r (0: none), using up one injection of its rule.
func (p *FaultProxy) fault(r *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, r.Method+" "+r.URL.EscapedPath())
	for _, rule := range p.rules {
		if rule.left != 0 && rule.match(r) {
			if rule.left > 0 {
				rule.left--
			}
			return rule.fault
		}
	}
	return 0
}

func (p *FaultProxy) serve(w http.ResponseWriter, r *http.Request) {
	fault := p.fault(r)
	if fault == Forbidden403 {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"error":"forbidden","reason":"You are not a db or server admin."}`+"\n")
		return
	}
	if fault == DropRequest {
		_, _ = io.Copy(io.Discard, r.Body)
		closeWithoutReply(w)
		return
	}
	reqBody, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	resp, body, err := p.forward(r, reqBody)
	if err == nil && fault == Resend {
		resp, body, err = p.forward(r, reqBody)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	switch {
	case fault == DropReply:
		closeWithoutReply(w)
		return
	case fault == Accepted202 && (resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK):
		resp.StatusCode = http.StatusAccepted
	case fault == Timeout500:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":"timeout","reason":"The request could not be processed in a reasonable amount of time."}`+"\n")
		return
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// forward sends r with body to the upstream server and reads the whole reply (so
// CouchDB has finished the request).
func (p *FaultProxy) forward(r *http.Request, body []byte) (*http.Response, []byte, error) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme = p.upstream.Scheme
	out.URL.Host = p.upstream.Host
	out.Host = p.upstream.Host
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// closeWithoutReply resets the client's connection before any byte of the reply.
func closeWithoutReply(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server closes the connection
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // RST, as a killed node's kernel sends
	}
	_ = conn.Close()
}
