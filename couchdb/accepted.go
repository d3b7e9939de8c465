package couchdb

import (
	"context"
	"net/http"
	"sync/atomic"
)

// A CouchDB cluster answers a write 202 Accepted when it stored the doc on fewer nodes
// than its write quorum (w) asks for, e.g. with nodes down. The doc is stored and the
// other nodes receive it by internal replication once they are back: KAZOO treats 202
// as success, and so does the store, logging it (the metrics transport counts it).

type acceptedKey struct{}

// withAcceptedFlag returns ctx carrying a flag the transport sets on a 202 answer.
func withAcceptedFlag(ctx context.Context) (context.Context, *atomic.Bool) {
	flag := new(atomic.Bool)
	return context.WithValue(ctx, acceptedKey{}, flag), flag
}

// acceptedTransport marks the request's flag (see withAcceptedFlag) on 202 Accepted.
type acceptedTransport struct{ base http.RoundTripper }

func (t acceptedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusAccepted {
		if flag, ok := req.Context().Value(acceptedKey{}).(*atomic.Bool); ok {
			flag.Store(true)
		}
	}
	return resp, err
}

// logAccepted logs a write CouchDB accepted without its write quorum.
func (s *Store) logAccepted(flag *atomic.Bool, method, db, id, rev string) {
	if flag.Load() {
		s.log.Warn("couchdb: write stored without its write quorum (202 Accepted); the other nodes catch up by internal replication",
			"method", method, "db", db, "id", id, "rev", rev)
	}
}
