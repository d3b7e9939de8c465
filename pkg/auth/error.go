package auth

import (
	"fmt"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// unauthorized is the one 401 of the package. Data stays nil so the client sees only
// KAZOO's generic body; the reason is for the operator's log.
func unauthorized(format string, args ...any) *directory.Error {
	return &directory.Error{Code: directory.ECodeUnauthorized, Message: "auth: " + fmt.Sprintf(format, args...)}
}

// forbidden is the 403 of Authorize.
func forbidden(format string, args ...any) *directory.Error {
	return &directory.Error{Code: directory.ECodeForbidden, Message: "auth: " + fmt.Sprintf(format, args...)}
}

// accountExpired is KAZOO's validation error for an account whose trial ended at
// trialExpires (Gregorian seconds): 400 `{"account":{"expired":{"message":"account
// expired","cause":<ts>}}}`.
func accountExpired(accountID string, trialExpires int64) *directory.Error {
	return &directory.Error{
		Code:    directory.ECodeValidation,
		Message: "auth: account " + accountID + " expired",
		Data: directory.Object{{Key: "account", Value: directory.Object{
			{Key: "expired", Value: directory.Object{
				{Key: "message", Value: "account expired"},
				{Key: "cause", Value: trialExpires},
			}},
		}}},
	}
}

// sourceFailure keeps the code of a Source error that is not "missing" (so an outage
// stays a 5xx) and adds what was being read.
func sourceFailure(what string, err error) *directory.Error {
	return &directory.Error{Code: directory.ErrorCode(err), Message: "auth: reading " + what, Err: err}
}

// isMissing reports whether a Source error means "no such doc/attachment".
func isMissing(err error) bool { return directory.IsCode(err, directory.ECodeBadIdentifier) }
