package couchdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Setup is what Bootstrap writes into an empty store, in KAZOO's formats: the first
// signing key, the auth config naming it, and one account.
type Setup struct {
	// KeyID is the signing key's id: its doc in system_auth and system_key in
	// system_config/auth (KAZOO: 32 random hex chars).
	KeyID string
	// PrivateKeyPEM is the RSA private key as KAZOO stores it in attachment
	// private_key.pem (PKCS#1 "RSA PRIVATE KEY", see auth.PrivateKeyPEM).
	PrivateKeyPEM []byte
	// SecretForUserSignature goes to system_config/auth under "default".
	SecretForUserSignature string
	// AccountID is the new account's id (32 lowercase hex chars).
	AccountID string
	// AccountName is the account doc's name (required); Realm its realm ("": none).
	AccountName, Realm string
	// SignatureSecret is the account doc's pvt_signature_secret, the identity secret
	// of api tokens ("": none; KAZOO creates one when it first signs a token).
	SignatureSecret string
	// Now stamps pvt_created and pvt_modified (zero: the store's clock).
	Now time.Time
}

// Bootstrap sets up an empty store as KAZOO would have it, then installs the design
// docs into the new account's database. It writes, in this order and each with
// create-only semantics (no _rev, so nothing that exists is ever overwritten):
//
//  1. system_config/auth: {"default":{"system_key":KeyID,"secret_for_user_signature":...}}
//  2. system_auth/{KeyID} (pvt_type system_key) with attachment private_key.pem
//  3. the database account/xx/yy/rest and its account doc (_id = AccountID,
//     pvt_type account, name, realm, pvt_tree [], pvt_account_id, pvt_account_db
//     encoded, pvt_created/pvt_modified in Gregorian seconds, pvt_signature_secret)
//
// Before writing it checks that system_config/auth does not exist and that
// system_auth holds no doc of pvt_type system_key; otherwise it writes nothing and
// returns ECodeConflict naming what exists. Creating system_config/auth is the commit
// point: a concurrent Bootstrap (or KAZOO generating its key) that got there first
// also yields ECodeConflict with nothing written. A failure after that point leaves
// what was written in place and says so. An invalid Setup is ECodeValidation; other
// failures are ECodeUnavailable or ECodeFault.
func (s *Store) Bootstrap(ctx context.Context, setup Setup) error {
	if err := setup.check(); err != nil {
		return err
	}
	if setup.Now.IsZero() {
		setup.Now = s.now()
	}
	if err := s.checkEmpty(ctx); err != nil {
		return err
	}
	for _, db := range []string{SystemConfigDB, SystemAuthDB} {
		if err := s.ensureDB(ctx, db); err != nil {
			return err
		}
	}
	_, err := s.createDoc(ctx, SystemConfigDB, setup.authConfigDoc())
	if directory.IsCode(err, directory.ECodeConflict) {
		return directory.Errorf(directory.ECodeConflict, "%s/%s was created meanwhile by someone else: nothing written", SystemConfigDB, AuthConfigDoc)
	}
	if err != nil {
		return err
	}
	if err := s.writeSetup(ctx, setup); err != nil {
		return fmt.Errorf("%s/%s now names key %s, but the setup is incomplete (remove what init wrote to run it again): %w",
			SystemConfigDB, AuthConfigDoc, setup.KeyID, err)
	}
	return nil
}

func (s Setup) check() error {
	var problems []string
	if !plainDocID(s.KeyID) || strings.Contains(s.KeyID, "/") {
		problems = append(problems, fmt.Sprintf("key id %q is not a plain doc id", s.KeyID))
	}
	if len(s.PrivateKeyPEM) == 0 {
		problems = append(problems, "no private key")
	}
	if s.SecretForUserSignature == "" {
		problems = append(problems, "no secret_for_user_signature")
	}
	if !directory.ValidAccountID(s.AccountID) {
		problems = append(problems, fmt.Sprintf("account id %q is not 32 lowercase hex chars", s.AccountID))
	}
	if strings.TrimSpace(s.AccountName) == "" {
		problems = append(problems, "no account name")
	}
	if len(problems) > 0 {
		return directory.Errorf(directory.ECodeValidation, "bootstrap: %s", strings.Join(problems, "; "))
	}
	return nil
}

// checkEmpty returns ECodeConflict when system_config/auth exists or system_auth
// holds a signing key.
func (s *Store) checkEmpty(ctx context.Context) error {
	cfg, err := s.getOptionalDoc(ctx, s.client.DB(SystemConfigDB), AuthConfigDoc)
	if err != nil {
		return err
	}
	var found []string
	if cfg != nil {
		found = append(found, SystemConfigDB+"/"+AuthConfigDoc)
	}
	keys, err := s.systemKeyIDs(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		found = append(found, SystemAuthDB+"/"+k)
	}
	if len(found) > 0 {
		return directory.Errorf(directory.ECodeConflict,
			"this store is already set up (found %s): nothing written; mint tokens with the existing key instead",
			strings.Join(found, ", "))
	}
	return nil
}

// systemKeyIDs lists the ids of the docs of pvt_type system_key in system_auth; a
// missing database has none.
func (s *Store) systemKeyIDs(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.request(http.MethodGet, SystemAuthDB, "_all_docs")
	rs := s.client.DB(SystemAuthDB).AllDocs(ctx, kivik.Param("include_docs", true))
	defer rs.Close()
	var ids []string
	for rs.Next() {
		var doc struct {
			ID   string `json:"_id"`
			Type string `json:"pvt_type"`
		}
		if err := rs.ScanDoc(&doc); err != nil {
			return nil, translate(err, "_all_docs "+SystemAuthDB, nil)
		}
		if doc.Type == SystemKeyType {
			ids = append(ids, doc.ID)
		}
	}
	err := rs.Err()
	if kivik.HTTPStatus(err) == http.StatusNotFound {
		return nil, nil
	}
	return ids, translate(err, "_all_docs "+SystemAuthDB, nil)
}

// writeSetup writes the signing key and the account after the auth config.
func (s *Store) writeSetup(ctx context.Context, setup Setup) error {
	rev, err := s.createDoc(ctx, SystemAuthDB, setup.keyDoc())
	if err != nil {
		return err
	}
	if err := s.putKeyAttachment(ctx, setup.KeyID, rev, setup.PrivateKeyPEM); err != nil {
		return err
	}
	dbName := directory.AccountDBName(setup.AccountID)
	if err := s.createDB(ctx, dbName); err != nil {
		return err
	}
	if _, err := s.createDoc(ctx, dbName, setup.accountDoc()); err != nil {
		return err
	}
	_, err = s.installDesignDocs(ctx, setup.AccountID)
	return err
}

func (s Setup) stamps(doc directory.Doc) directory.Doc {
	g := directory.GregorianSeconds(s.Now)
	doc["pvt_created"], doc["pvt_modified"], doc["pvt_vsn"] = g, g, "1"
	return doc
}

func (s Setup) authConfigDoc() directory.Doc {
	return s.stamps(directory.Doc{
		"_id":      AuthConfigDoc,
		"pvt_type": "config",
		"default": map[string]any{
			"system_key":                s.KeyID,
			"secret_for_user_signature": s.SecretForUserSignature,
		},
	})
}

func (s Setup) keyDoc() directory.Doc {
	return s.stamps(directory.Doc{"_id": s.KeyID, "pvt_type": SystemKeyType})
}

func (s Setup) accountDoc() directory.Doc {
	doc := s.stamps(directory.Doc{
		"_id":            s.AccountID,
		"pvt_type":       "account",
		"name":           s.AccountName,
		"pvt_tree":       []any{},
		"pvt_enabled":    true,
		"pvt_account_id": s.AccountID,
		"pvt_account_db": directory.EncodedAccountDBName(s.AccountID),
	})
	if s.Realm != "" {
		doc["realm"] = s.Realm
	}
	if s.SignatureSecret != "" {
		doc["pvt_signature_secret"] = s.SignatureSecret
	}
	return doc
}

// createDoc saves a new doc (it must have no _rev) and returns its revision: a doc
// with that id already there is ECodeConflict, never overwritten.
func (s *Store) createDoc(ctx context.Context, dbName string, doc directory.Doc) (string, error) {
	if doc.Rev() != "" {
		return "", errors.New("couchdb: createDoc with a _rev")
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.request(http.MethodPut, dbName, doc.ID())
	rev, err := s.client.DB(dbName).Put(ctx, doc.ID(), map[string]any(doc))
	return rev, translate(err, "create "+dbName+"/"+doc.ID(), nil)
}

func (s *Store) putKeyAttachment(ctx context.Context, kid, rev string, pem []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.request(http.MethodPut, SystemAuthDB, kid, SystemKeyAttachment)
	_, err := s.client.DB(SystemAuthDB).PutAttachment(ctx, kid, &kivik.Attachment{
		Filename:    SystemKeyAttachment,
		ContentType: SystemKeyContentType,
		Content:     io.NopCloser(bytes.NewReader(pem)),
	}, kivik.Rev(rev))
	return translate(err, "put "+SystemAuthDB+"/"+kid+"/"+SystemKeyAttachment, nil)
}

// createDB creates a database that must not exist yet (412 is ECodeConflict).
func (s *Store) createDB(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.request(http.MethodPut, name)
	err := s.client.CreateDB(ctx, name)
	if kivik.HTTPStatus(err) == http.StatusPreconditionFailed {
		return directory.Errorf(directory.ECodeConflict, "database %s exists", name)
	}
	return translate(err, "create database "+name, nil)
}

// ensureDB creates a database unless it exists.
func (s *Store) ensureDB(ctx context.Context, name string) error {
	err := s.createDB(ctx, name)
	if directory.IsCode(err, directory.ECodeConflict) {
		return nil
	}
	return err
}
