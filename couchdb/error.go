package couchdb

import (
	"context"
	"errors"
	"net"
	"net/http"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// translate turns an error of a CouchDB call into the service's *directory.Error; it
// is the only place that looks at CouchDB statuses. notFound is the error a 404 becomes
// (nil: a 404 is a fault). op names the call for logs. Classification is by HTTP status
// (kivik.HTTPStatus) and Go error types, never by message text:
//
//   - 404: notFound
//   - 409: ECodeConflict
//   - timeouts, cancellations, network errors, 502/503/504: ECodeUnavailable
//   - anything else (401/403 are our misconfiguration, 400, 500, ...): ECodeFault
//
// The cause is kept in Err, for logs only.
func translate(err error, op string, notFound *directory.Error) error {
	if err == nil {
		return nil
	}
	var de *directory.Error
	if errors.As(err, &de) {
		return err
	}
	status := kivik.HTTPStatus(err)
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &directory.Error{Code: directory.ECodeUnavailable, Message: op + ": timed out or cancelled", Err: err}
	case status == http.StatusNotFound && notFound != nil:
		nf := *notFound
		nf.Err = err
		return &nf
	case status == http.StatusConflict:
		return &directory.Error{Code: directory.ECodeConflict, Message: op + ": conflict", Err: err}
	case status == http.StatusBadGateway, status == http.StatusServiceUnavailable,
		status == http.StatusGatewayTimeout, errors.As(err, &netErr):
		return &directory.Error{Code: directory.ECodeUnavailable, Message: op + ": CouchDB unreachable", Err: err}
	default:
		return &directory.Error{Code: directory.ECodeFault, Message: op + ": CouchDB error", Err: err}
	}
}

// missingView is the 404 of a view query.
func missingView(view string) *directory.Error {
	return directory.Errorf(directory.ECodeMissingView, "missing view %s", view)
}
