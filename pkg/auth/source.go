package auth

import (
	"context"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// AccountSource loads account docs.
//
// Account returns the account doc stored with _id = accountID in the account's own
// database. A missing (or deleted) account is a *directory.Error with
// ECodeBadIdentifier; an unreachable datastore is ECodeUnavailable.
type AccountSource interface {
	Account(ctx context.Context, accountID string) (directory.Account, error)
}

// Source is what JWT mode reads from KAZOO's databases. Every method reports a
// missing doc, attachment or field as ECodeBadIdentifier (the token is then rejected
// with 401) and an unreachable datastore as ECodeUnavailable (passed through as 503).
// No method ever writes.
type Source interface {
	AccountSource
	// SystemKey returns the PEM content of attachment `private_key.pem` of doc kid in
	// database `system_auth`: KAZOO's RSA private key ("RSA PRIVATE KEY" or "PRIVATE KEY").
	SystemKey(ctx context.Context, kid string) ([]byte, error)
	// AuthConfig returns `secret_for_user_signature` of doc `auth` in database
	// `system_config`, read where KAZOO keeps it (under the doc's "default" key);
	// "" when the doc has no such key.
	AuthConfig(ctx context.Context) (secretForUserSignature string, err error)
	// SignatureSecret returns `pvt_signature_secret` of doc docID in the database of
	// account accountID ("" when the doc has no such key). A soft-deleted doc
	// (pvt_deleted) is missing.
	SignatureSecret(ctx context.Context, accountID, docID string) (string, error)
}
