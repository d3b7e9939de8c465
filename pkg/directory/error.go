package directory

import (
	"errors"
	"fmt"
)

// Code classifies an error. pkg/api maps every Code to an HTTP status and KAZOO's envelope
// `message` in one place; nothing else should branch on HTTP statuses.
type Code string

// The error vocabulary. The comment gives the HTTP status and KAZOO `message` each maps to.
const (
	ECodeBadIdentifier   Code = "bad_identifier"        // 404 "bad_identifier": missing/deleted/wrong-type doc or account
	ECodeInvalidAccount  Code = "invalid_account"       // 404 "bad identifier": malformed account id
	ECodeNotFound        Code = "not_found"             // 404 "not_found": no such route
	ECodeInvalidMethod   Code = "invalid_method"        // 405 "invalid_method"
	ECodeNotAcceptable   Code = "not_acceptable"        // 406
	ECodeGone            Code = "gone"                  // 410 "gone": API v1
	ECodeUnsupportedType Code = "unsupported_media"     // 415
	ECodePrecondition    Code = "precondition_failed"   // 412
	ECodeUnauthorized    Code = "invalid_credentials"   // 401 "invalid_credentials"
	ECodeForbidden       Code = "forbidden"             // 403 "forbidden"
	ECodeTooManyRequests Code = "too_many_requests"     // 429 "too_many_requests"
	ECodeValidation      Code = "validation"            // 400 "validation error"
	ECodeInvalidEnvelope Code = "invalid_envelope"      // 400 "invalid request envelope"
	ECodeConflict        Code = "datastore_conflict"    // 409 "datastore_conflict"
	ECodeUnavailable     Code = "datastore_unreachable" // 503 "datastore_unreachable"
	ECodeMissingView     Code = "missing_view"          // 503 "datastore missing view"
	ECodeFault           Code = "datastore_fault"       // 500 "datastore_fault"
	ECodeInternal        Code = "internal"              // 500 "internal error"
)

// Error is the one error type of the service. Data is KAZOO's `data` object for the
// error envelope (nil means the default for the code). Err, when set, is the underlying
// cause; it is logged, never shown to clients.
type Error struct {
	Code    Code
	Message string // for logs only
	Data    any
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted log message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the Code of the first *Error in err's chain, ECodeInternal for any
// other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ECodeInternal
}

// BadIdentifier is KAZOO's 404 for a document (or account) id that cannot be loaded.
func BadIdentifier(id string) *Error {
	return &Error{
		Code:    ECodeBadIdentifier,
		Message: "bad identifier " + id,
		Data:    Object{{"cause", id}, {"message", "bad identifier"}},
	}
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return err != nil && ErrorCode(err) == code }
