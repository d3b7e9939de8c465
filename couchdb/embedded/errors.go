package embedded

import (
	"fmt"
	"net/http"
)

// Error is a CouchDB-style error: the HTTP status CouchDB would answer, with its
// "error" name and "reason" text. kivik.HTTPStatus reads the status through
// HTTPStatus, so callers classify errors exactly as they do with the CouchDB driver.
type Error struct {
	Status int
	Name   string
	Reason string
}

// Error returns "name: reason" like CouchDB's JSON error body.
func (e *Error) Error() string {
	if e.Reason == "" {
		return e.Name
	}
	return e.Name + ": " + e.Reason
}

// HTTPStatus returns the HTTP status code CouchDB would answer.
func (e *Error) HTTPStatus() int { return e.Status }

func newError(status int, name, format string, args ...any) *Error {
	return &Error{Status: status, Name: name, Reason: fmt.Sprintf(format, args...)}
}

func errBadRequest(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, "bad_request", format, args...)
}

func errQueryParse(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, "query_parse_error", format, args...)
}

func errMissingArg(name string) *Error {
	return newError(http.StatusBadRequest, "bad_request", "kivik: %s required", name)
}

func errNotFound(reason string) *Error {
	return newError(http.StatusNotFound, "not_found", "%s", reason)
}

var (
	errDocMissing  = errNotFound("missing")
	errDocDeleted  = errNotFound("deleted")
	errDBMissing   = errNotFound("Database does not exist.")
	errConflict    = newError(http.StatusConflict, "conflict", "Document update conflict.")
	errFileExists  = newError(http.StatusPreconditionFailed, "file_exists", "The database could not be created, the file already exists.")
	errClosed      = newError(http.StatusServiceUnavailable, "closed", "the embedded store is closed")
	errMissingStub = newError(http.StatusPreconditionFailed, "missing_stub", "an attachment stub refers to an attachment the parent revision does not have")
)
