package couchdb

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// KAZOO's system databases and docs read by AuthSource (spec §12.3).
const (
	// SystemAuthDB holds KAZOO's signing keys: doc {kid} (pvt_type system_key) with
	// attachment SystemKeyAttachment.
	SystemAuthDB = "system_auth"
	// SystemKeyAttachment is the attachment holding the RSA private key (PEM).
	SystemKeyAttachment = "private_key.pem"
	// SystemConfigDB holds KAZOO's system configuration, one doc per category.
	SystemConfigDB = "system_config"
	// AuthConfigDoc is the config category of KAZOO's auth (system_key,
	// secret_for_user_signature).
	AuthConfigDoc = "auth"
	// SystemKeyType is the pvt_type of a signing key doc in SystemAuthDB.
	SystemKeyType = "system_key"
	// SystemKeyContentType is the content type KAZOO gives SystemKeyAttachment.
	SystemKeyContentType = "application/x-pem-file"
	// maxKeyBytes bounds a key attachment (a 4096-bit PKCS#1 PEM is about 3.3 KB).
	maxKeyBytes = 64 << 10
)

// AuthSource reads what KAZOO's token verification needs (the auth.Source contract):
// signing keys, the auth config, identity signature secrets and account docs. It never
// writes: no secret is generated, no design doc installed. It is safe for concurrent
// use; caching is the authenticator's job (except Account, see there). Every method
// reports a missing database, doc, attachment or a soft-deleted doc as
// ECodeBadIdentifier, and translates other CouchDB failures as the Store does
// (ECodeUnavailable, ECodeFault), each request bounded by the request timeout.
type AuthSource struct{ s *Store }

// AuthSource returns the store's read-only view for token verification
// (auth.NewJWT(store.AuthSource(), ...)).
func (s *Store) AuthSource() AuthSource { return AuthSource{s: s} }

// SystemKey returns the content of attachment private_key.pem of doc kid in
// system_auth: KAZOO's PEM-encoded RSA private key. One GET; kid is URL-escaped by
// kivik. An empty kid or one starting with "_" (CouchDB's special docs) is
// BadIdentifier without a request; so is an attachment larger than 64 KiB.
func (a AuthSource) SystemKey(ctx context.Context, kid string) ([]byte, error) {
	if !plainDocID(kid) {
		return nil, directory.BadIdentifier(kid)
	}
	ctx, cancel := context.WithTimeout(ctx, a.s.timeout)
	defer cancel()
	op := "get " + SystemAuthDB + "/" + kid + "/" + SystemKeyAttachment
	a.s.request(http.MethodGet, SystemAuthDB, kid, SystemKeyAttachment)
	att, err := a.s.client.DB(SystemAuthDB).GetAttachment(ctx, kid, SystemKeyAttachment)
	if err != nil {
		return nil, translate(err, op, directory.BadIdentifier(kid))
	}
	defer att.Content.Close()
	b, err := io.ReadAll(io.LimitReader(att.Content, maxKeyBytes+1))
	if err != nil {
		return nil, translate(err, op, nil)
	}
	if len(b) > maxKeyBytes {
		return nil, &directory.Error{Code: directory.ECodeBadIdentifier,
			Message: fmt.Sprintf("%s: larger than %d bytes", op, maxKeyBytes)}
	}
	return b, nil
}

// AuthConfig returns secret_for_user_signature of doc auth in system_config, read
// where KAZOO writes it when it generates the secret: under the doc's "default" key
// ({"default":{"secret_for_user_signature":"..."}}). Node- and zone-specific
// overrides are not read. "" when the key is absent or not a string; a missing doc is
// BadIdentifier.
func (a AuthSource) AuthConfig(ctx context.Context) (string, error) {
	doc, err := a.s.getDoc(ctx, a.s.client.DB(SystemConfigDB), AuthConfigDoc, directory.BadIdentifier(AuthConfigDoc))
	if err != nil {
		return "", err
	}
	def, _ := doc["default"].(map[string]any)
	secret, _ := def["secret_for_user_signature"].(string)
	return secret, nil
}

// SystemKeyID returns system_key of doc auth in system_config, read under "default"
// as AuthConfig reads its secret: the kid of the key KAZOO signs new tokens with. A
// missing doc, or a doc without a usable system_key (absent, not a string, or not a
// plain doc id), is BadIdentifier.
func (a AuthSource) SystemKeyID(ctx context.Context) (string, error) {
	doc, err := a.s.getDoc(ctx, a.s.client.DB(SystemConfigDB), AuthConfigDoc, directory.BadIdentifier(AuthConfigDoc))
	if err != nil {
		return "", err
	}
	def, _ := doc["default"].(map[string]any)
	kid, _ := def["system_key"].(string)
	if !plainDocID(kid) {
		return "", directory.BadIdentifier(SystemConfigDB + "/" + AuthConfigDoc + " system_key")
	}
	return kid, nil
}

// SignatureSecret returns pvt_signature_secret of doc docID (a user, device or the
// account doc) in the account database of accountID; "" when the doc has no such
// string. A malformed account id, an empty or "_"-prefixed docID are BadIdentifier
// without a request; a missing database or doc, or a soft-deleted doc
// (pvt_deleted true), are BadIdentifier.
func (a AuthSource) SignatureSecret(ctx context.Context, accountID, docID string) (string, error) {
	if !plainDocID(docID) {
		return "", directory.BadIdentifier(docID)
	}
	db, err := a.s.db(accountID)
	if err != nil {
		return "", err
	}
	doc, err := a.s.getDoc(ctx, db, docID, directory.BadIdentifier(docID))
	if err != nil {
		return "", err
	}
	if softDeleted(doc) {
		return "", directory.BadIdentifier(docID)
	}
	return doc.String("pvt_signature_secret"), nil
}

// Account returns the account doc of accountID like Store.Account (Tree,
// SuperduperAdmin, TrialExpires), but read-only: an account the store has cached is
// returned from that cache; otherwise the doc is read (concurrent reads of one account
// share one request) and neither cached nor given design docs, so verifying a
// reseller's token never writes into the reseller's database. A malformed id, a
// missing (deleted) database or account doc is BadIdentifier(accountID).
func (a AuthSource) Account(ctx context.Context, accountID string) (directory.Account, error) {
	s := a.s
	if acct, ok := s.accounts.get(accountID); ok {
		return acct, nil
	}
	db, err := s.db(accountID)
	if err != nil {
		return directory.Account{}, err
	}
	return shared(ctx, &s.flight, "auth account "+accountID, func(ctx context.Context) (directory.Account, error) {
		doc, err := s.getDoc(ctx, db, accountID, directory.BadIdentifier(accountID))
		if err != nil {
			return directory.Account{}, err
		}
		return accountFromDoc(accountID, doc), nil
	})
}

// SystemConfig returns doc id of system_config as stored (the auth.PolicySource
// contract): crossbar, crossbar.token_restrictions, token_buckets. A missing doc or
// database is BadIdentifier.
func (a AuthSource) SystemConfig(ctx context.Context, id string) ([]byte, error) {
	if !plainDocID(id) {
		return nil, directory.BadIdentifier(id)
	}
	return a.s.getRaw(ctx, a.s.client.DB(SystemConfigDB), id, directory.BadIdentifier(id))
}

// AccountDoc returns doc docID of the account database of accountID as stored (a
// token_restrictions doc, a user doc), soft-deleted or not: crossbar reads both with
// open_cache_doc, which does not skip soft-deleted docs. A malformed account id or doc
// id, a missing database or doc are BadIdentifier.
func (a AuthSource) AccountDoc(ctx context.Context, accountID, docID string) ([]byte, error) {
	if !plainDocID(docID) {
		return nil, directory.BadIdentifier(docID)
	}
	db, err := a.s.db(accountID)
	if err != nil {
		return nil, err
	}
	return a.s.getRaw(ctx, db, docID, directory.BadIdentifier(docID))
}

// plainDocID reports whether id names an ordinary doc (not _design/, _local/,
// _all_docs, ...).
func plainDocID(id string) bool { return id != "" && !strings.HasPrefix(id, "_") }

// softDeleted reports KAZOO's soft delete flag (kz_doc:is_soft_deleted).
func softDeleted(doc directory.Doc) bool {
	v := doc["pvt_deleted"]
	return v == true || v == "true"
}
