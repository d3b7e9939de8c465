package metrics

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// CouchDB operations, the values of the operation label.
const (
	OpUp        = "up"         // /_up
	OpSession   = "session"    // /_session
	OpServer    = "server"     // / (server info)
	OpAllDBs    = "all_dbs"    // /_all_dbs
	OpDBInfo    = "db_info"    // GET or HEAD /{db}
	OpCreateDB  = "create_db"  // PUT /{db}
	OpDeleteDB  = "delete_db"  // DELETE /{db}
	OpGetDoc    = "get_doc"    // GET or HEAD /{db}/{doc}
	OpPutDoc    = "put_doc"    // PUT /{db}/{doc}, POST /{db}
	OpDeleteDoc = "delete_doc" // DELETE /{db}/{doc}
	OpDesignDoc = "design_doc" // /{db}/_design/{ddoc}[/_info], any method
	OpView      = "view"       // /{db}/_design/{ddoc}/_view/{view}
	OpAllDocs   = "all_docs"   // /{db}/_all_docs
	OpBulkDocs  = "bulk_docs"  // /{db}/_bulk_docs
	OpBulkGet   = "bulk_get"   // /{db}/_bulk_get
	OpChanges   = "changes"    // /{db}/_changes
	OpRevsDiff  = "revs_diff"  // /{db}/_revs_diff
	OpLocalDoc  = "local_doc"  // /{db}/_local/{id} (replication checkpoints)
	OpOther     = "other"      // anything else
)

// InstrumentTransport wraps base (http.DefaultTransport when nil) so that every
// CouchDB request is counted and timed under its operation (see Classify). A request
// is an error when the transport fails (timeouts included; a cancelled context is the
// caller giving up, not CouchDB failing, and is not counted) or the response is a
// 5xx. Durations run to the response headers, not to the end of the body.
func (reg *Registry) InstrumentTransport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, reg: reg}
}

type transport struct {
	base http.RoundTripper
	reg  *Registry
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := Classify(req.Method, req.URL.EscapedPath())
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	t.reg.couchRequests.WithLabelValues(op).Inc()
	t.reg.couchDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if (err != nil && !errors.Is(err, context.Canceled)) || (err == nil && resp.StatusCode >= 500) {
		t.reg.couchErrors.WithLabelValues(op).Inc()
	}
	if err == nil && resp.StatusCode == http.StatusAccepted {
		t.reg.couchAccepted.WithLabelValues(op).Inc()
	}
	return resp, err
}

// CountRequest counts one store request under its operation (see Classify), for
// stores without HTTP: the embedded store reports its requests through
// couchdb.Config.OnRequest, whose signature this matches. Neither duration nor
// errors are recorded for them.
func (reg *Registry) CountRequest(method, escapedPath string) {
	reg.couchRequests.WithLabelValues(Classify(method, escapedPath)).Inc()
}

// Classify names the CouchDB operation of a request from its method and escaped path
// (database names and document ids escape their slashes, as kivik sends them). It
// assumes the server at the root of the URL: behind a path prefix, requests are
// classified by the wrong segments (still into the fixed set of operations).
func Classify(method, escapedPath string) string {
	p := strings.Trim(escapedPath, "/")
	if p == "" {
		return OpServer
	}
	seg := strings.Split(p, "/")
	if strings.HasPrefix(seg[0], "_") {
		return serverOp(seg)
	}
	if len(seg) == 1 {
		return dbOp(method)
	}
	switch seg[1] {
	case "_design":
		if len(seg) >= 5 && seg[3] == "_view" {
			return OpView
		}
		if len(seg) == 3 || (len(seg) == 4 && seg[3] == "_info") {
			return OpDesignDoc
		}
		return OpOther
	case "_local":
		if len(seg) == 3 {
			return OpLocalDoc
		}
		return OpOther
	case "_all_docs":
		return OpAllDocs
	case "_bulk_docs":
		return OpBulkDocs
	case "_bulk_get":
		return OpBulkGet
	case "_changes":
		return OpChanges
	case "_revs_diff":
		return OpRevsDiff
	}
	if len(seg) == 2 && !strings.HasPrefix(seg[1], "_") {
		return docOp(method)
	}
	return OpOther
}

func serverOp(seg []string) string {
	if len(seg) != 1 {
		return OpOther
	}
	switch seg[0] {
	case "_up":
		return OpUp
	case "_session":
		return OpSession
	case "_all_dbs":
		return OpAllDBs
	}
	return OpOther
}

func dbOp(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		return OpDBInfo
	case http.MethodPut:
		return OpCreateDB
	case http.MethodDelete:
		return OpDeleteDB
	case http.MethodPost:
		return OpPutDoc
	}
	return OpOther
}

func docOp(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		return OpGetDoc
	case http.MethodPut:
		return OpPutDoc
	case http.MethodDelete:
		return OpDeleteDoc
	}
	return OpOther
}
