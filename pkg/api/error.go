package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// kazooError is how a Code looks on the wire: HTTP status, the envelope's `message`,
// and the `data` used when the error carries none.
type kazooError struct {
	status  int
	message string
	data    any
}

var noData = directory.Object{}

// wire is the one table from the error vocabulary to KAZOO's statuses and envelopes.
var wire = map[directory.Code]kazooError{
	directory.ECodeBadIdentifier:   {http.StatusNotFound, "bad_identifier", directory.NewObject("message", "bad identifier")},
	directory.ECodeInvalidAccount:  {http.StatusNotFound, "bad identifier", noData},
	directory.ECodeNotFound:        {http.StatusNotFound, "not_found", directory.NewObject("message", "not found")},
	directory.ECodeInvalidMethod:   {http.StatusMethodNotAllowed, "invalid_method", directory.NewObject("message", "method not allowed")},
	directory.ECodeNotAcceptable:   {http.StatusNotAcceptable, "not_acceptable", directory.NewObject("message", "not acceptable")},
	directory.ECodeGone:            {http.StatusGone, "gone", directory.NewObject("message", "API version 1 is not supported. Please upgrade your code to use version 2.")},
	directory.ECodeUnsupportedType: {http.StatusUnsupportedMediaType, "unsupported_media_type", directory.NewObject("message", "unsupported media type")},
	directory.ECodePrecondition:    {http.StatusPreconditionFailed, "precondition_failed", directory.NewObject("message", "precondition failed")},
	directory.ECodeUnauthorized:    {http.StatusUnauthorized, "invalid_credentials", directory.NewObject("message", "invalid credentials")},
	directory.ECodeForbidden:       {http.StatusForbidden, "forbidden", directory.NewObject("message", "forbidden")},
	directory.ECodeTooManyRequests: {http.StatusTooManyRequests, "too_many_requests", directory.NewObject("message", "too many requests")},
	directory.ECodeValidation:      {http.StatusBadRequest, "validation error", noData},
	directory.ECodeInvalidEnvelope: {http.StatusBadRequest, "invalid request envelope", noData},
	directory.ECodeConflict:        {http.StatusConflict, "datastore_conflict", directory.NewObject("message", "conflicting documents")},
	directory.ECodeUnavailable:     {http.StatusServiceUnavailable, "datastore_unreachable", directory.NewObject("message", "datastore timeout")},
	directory.ECodeMissingView:     {http.StatusServiceUnavailable, "datastore missing view", noData},
	directory.ECodeFault:           {http.StatusInternalServerError, "datastore_fault", directory.NewObject("message", "unknown failure")},
	directory.ECodeInternal:        {http.StatusInternalServerError, "internal_error", directory.NewObject("message", "internal error")},
}

// Errors the pipeline raises itself.
var (
	errInvalidMethod = directory.Errorf(directory.ECodeInvalidMethod, "method not allowed")
	errNotFound      = directory.Errorf(directory.ECodeNotFound, "no such route")
	errGone          = directory.Errorf(directory.ECodeGone, "API v1")
)

func errInvalidJSON(msg string) error {
	var v directory.ValidationError
	v.Add("json", "invalid", directory.NewObject("message", msg, "target", "body"))
	return v.Err()
}

func errBodyTooLarge(limit int64) error {
	var v directory.ValidationError
	v.Add("file", "maxSize", directory.NewObject("message", "Payload or Files must not be more than "+strconv.FormatInt(limit, 10)+" bytes", "target", limit))
	return v.Err()
}

func errInvalidEnvelope(data any) error {
	return &directory.Error{Code: directory.ECodeInvalidEnvelope, Message: "envelope data is not an object or a list",
		Data: directory.NewObject("data", directory.NewObject("type", directory.NewObject("message", "Value did not match type(s): object, array", "target", []string{"object", "array"}, "value", data)))}
}

// handleError is Echo's HTTPErrorHandler and the only place errors become a status and
// KAZOO's error envelope (§9.2), and the only place they are logged.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := directory.ErrorCode(err)
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = echoCode(he.Code)
	}
	w, ok := wire[code]
	if !ok {
		w = wire[directory.ECodeInternal]
	}
	data := w.data
	var de *directory.Error
	if errors.As(err, &de) && de.Data != nil {
		data = de.Data
	}
	level := s.log.Debug
	if w.status >= 500 {
		level = s.log.Error
	}
	level("request failed", "request_id", requestIDOf(c), "status", w.status, "code", string(code), "error", err.Error())

	r, _ := c.Get(requestKey).(*request)
	token := "undefined" // crossbar 4.3 stringifies a missing token in error envelopes
	if r != nil && r.token != "" {
		token = r.token
	}
	env := s.baseEnvelope(c)
	env["auth_token"] = token
	env["status"] = "error"
	env["error"] = strconv.Itoa(w.status)
	env["message"] = w.message
	env["data"] = data
	setCORS(c, r)
	if werr := s.writeJSON(c, w.status, env); werr != nil {
		s.log.Error("writing error response", "request_id", requestIDOf(c), "error", werr.Error())
	}
}

// echoCode maps Echo's own errors (router 404/405, bad request bodies) to our codes.
func echoCode(status int) directory.Code {
	switch status {
	case http.StatusNotFound:
		return directory.ECodeNotFound
	case http.StatusMethodNotAllowed:
		return directory.ECodeInvalidMethod
	case http.StatusUnsupportedMediaType:
		return directory.ECodeUnsupportedType
	case http.StatusNotAcceptable:
		return directory.ECodeNotAcceptable
	case http.StatusRequestEntityTooLarge, http.StatusBadRequest:
		return directory.ECodeValidation
	}
	return directory.ECodeInternal
}
