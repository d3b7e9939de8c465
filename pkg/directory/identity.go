package directory

import "context"

// Credentials are what a request presents for authentication.
type Credentials struct {
	// Token is the raw token (X-Auth-Token, auth_token, or Authorization: Bearer).
	Token string
	// AccountID is the X-Auth-Account-ID header ("" when absent); when set it must
	// equal the token's account_id.
	AccountID string
}

// Identity is who an authenticated request acts as.
type Identity struct {
	// AccountID and OwnerID are the effective account and user (after masquerading).
	AccountID string
	OwnerID   string
	// OriginalAccountID and OriginalOwnerID are set only when masquerading.
	OriginalAccountID string
	OriginalOwnerID   string
	// Method is the auth module that issued the token (e.g. "cb_user_auth").
	Method string
	// Token is the token itself (echoed as auth_token in envelopes).
	Token string
}

// Authenticator verifies credentials and decides access to accounts.
//
// Authenticate returns ECodeUnauthorized for any credential that is missing, malformed,
// expired or not signed by a key KAZOO would accept; the error never says which check
// failed. Authorize returns ECodeForbidden when id may not act on target.
type Authenticator interface {
	Authenticate(ctx context.Context, c Credentials) (Identity, error)
	Authorize(ctx context.Context, id Identity, target Account) error
}
