package main

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// runToken is `directoriesd token --account ID [--user USER_ID] [--ttl 1h]`: it prints
// one token on stdout and what it is on stderr.
func runToken(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token --account ID [--user USER_ID] [--ttl 1h]", stderr)
	account := fs.String("account", "", "the token's account id (required)")
	user := fs.String("user", "", "a user id of the account: a user token (owner_id) instead of an api token")
	ttl := fs.Duration("ttl", time.Hour, "lifetime (exp = now + ttl)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case !directory.ValidAccountID(*account):
		return usagef("--account %q is not an account id (32 lowercase hex chars)", *account)
	case *user != "" && !plainID(*user):
		return usagef("--user %q is not a document id", *user)
	case *ttl <= 0:
		return usagef("--ttl must be positive")
	}
	if serviceRunning(cfg) {
		return viaControl(ctx, cfg, "/token", tokenQuery(*account, *user, *ttl), nil, stdout, stderr)
	}
	store, err := openToolStore(ctx, cfg, stderr)
	if storeLocked(cfg, err) {
		return viaControl(ctx, cfg, "/token", tokenQuery(*account, *user, *ttl), nil, stdout, stderr)
	}
	if err != nil {
		return err
	}
	defer store.Close()
	t, err := mintToken(ctx, store, tokenRequest{AccountID: *account, UserID: *user, TTL: *ttl, Now: time.Now()})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, t.Token)
	t.describe(stderr)
	return nil
}

// tokenQuery is a token request for the control socket.
func tokenQuery(account, user string, ttl time.Duration) url.Values {
	q := url.Values{"account": {account}, "ttl": {ttl.String()}}
	if user != "" {
		q.Set("user", user)
	}
	return q
}

// tokenRequest says which token to mint.
type tokenRequest struct {
	AccountID string
	UserID    string // "": an api token of the account
	TTL       time.Duration
	Now       time.Time
}

// mintedToken is a token and what went into it.
type mintedToken struct {
	Token       string
	Claims      auth.Claims
	KeyID       string
	IdentityDoc string // the doc whose pvt_signature_secret signs identity_sig
	Signed      bool   // identity_sig present
	Reason      string // why not, when !Signed
}

// mintToken mints a token as crossbar_auth:create_auth_token does, from what the
// store holds: the key named by system_config/auth system_key (RS256, that kid), the
// claims account_id, owner_id (user tokens), method (cb_user_auth or cb_api_auth), exp,
// iss, and identity_sig = IdentitySig(identity doc's pvt_signature_secret,
// secret_for_user_signature, identity id) when both secrets exist. It never writes:
// where KAZOO would generate a missing secret, the token simply has no identity_sig.
func mintToken(ctx context.Context, store *couchdb.Store, r tokenRequest) (mintedToken, error) {
	src := store.AuthSource()
	acct, err := identityDoc(ctx, store, r.AccountID, r.AccountID, "account")
	if err != nil {
		return mintedToken{}, err
	}
	identity, method, doc := r.AccountID, "cb_api_auth", acct
	if r.UserID != "" {
		identity, method = r.UserID, "cb_user_auth"
		doc, err = identityDoc(ctx, store, r.AccountID, r.UserID, "user")
	}
	if err != nil {
		return mintedToken{}, err
	}
	kid, key, err := signingKey(ctx, src)
	if err != nil {
		return mintedToken{}, err
	}
	server, err := src.AuthConfig(ctx)
	if err != nil {
		return mintedToken{}, fmt.Errorf("read %s/%s: %w", couchdb.SystemConfigDB, couchdb.AuthConfigDoc, err)
	}
	t := mintedToken{KeyID: kid, IdentityDoc: identity}
	t.Claims = auth.Claims{AccountID: r.AccountID, Method: method, Exp: r.Now.Add(r.TTL).Unix()}
	if r.UserID != "" {
		t.Claims.OwnerID = r.UserID
	}
	secret := doc.String("pvt_signature_secret")
	switch {
	case secret == "":
		t.Reason = "doc " + identity + " has no pvt_signature_secret"
	case server == "":
		t.Reason = couchdb.SystemConfigDB + "/" + couchdb.AuthConfigDoc + " has no secret_for_user_signature"
	default:
		t.Claims.IdentitySig = auth.IdentitySig(secret, server, identity)
		t.Signed = true
	}
	t.Token, err = auth.Mint(key, kid, t.Claims)
	return t, err
}

// identityDoc loads doc id of the account's database and checks that it is a live doc
// of pvt_type typ.
func identityDoc(ctx context.Context, store *couchdb.Store, accountID, id, typ string) (directory.Doc, error) {
	doc, err := store.Doc(ctx, accountID, id)
	switch {
	case directory.IsCode(err, directory.ECodeBadIdentifier):
		return nil, fmt.Errorf("no %s %s in account %s", typ, id, accountID)
	case err != nil:
		return nil, err
	case doc.String("pvt_type") != typ:
		return nil, fmt.Errorf("doc %s of account %s is a %q, not a %s", id, accountID, doc.String("pvt_type"), typ)
	case doc.Bool("pvt_deleted"):
		return nil, fmt.Errorf("%s %s of account %s is deleted", typ, id, accountID)
	}
	return doc, nil
}

// signingKey reads the kid from system_config/auth and its private key from
// system_auth.
func signingKey(ctx context.Context, src couchdb.AuthSource) (string, *rsa.PrivateKey, error) {
	kid, err := src.SystemKeyID(ctx)
	if directory.IsCode(err, directory.ECodeBadIdentifier) {
		return "", nil, errors.New("no signing key: system_config/auth has no system_key (run `directoriesd init` on an empty store)")
	}
	if err != nil {
		return "", nil, err
	}
	pem, err := src.SystemKey(ctx, kid)
	if directory.IsCode(err, directory.ECodeBadIdentifier) {
		return "", nil, fmt.Errorf("system_config/auth names key %s, but %s/%s has no %s", kid, couchdb.SystemAuthDB, kid, couchdb.SystemKeyAttachment)
	}
	if err != nil {
		return "", nil, err
	}
	key, err := auth.ParsePrivateKey(pem)
	if err != nil {
		return "", nil, fmt.Errorf("key %s: %w", kid, err)
	}
	return kid, key, nil
}

// describe writes what the token is, for people.
func (t mintedToken) describe(w io.Writer) {
	who := "api token of account " + t.Claims.AccountID
	if t.Claims.OwnerID != "" {
		who = "user token of " + t.Claims.OwnerID + " in account " + t.Claims.AccountID
	}
	fmt.Fprintf(w, "%s, key %s, expires %s\n", who, t.KeyID, time.Unix(t.Claims.Exp, 0).UTC().Format(time.RFC3339))
	if !t.Signed {
		fmt.Fprintf(w, "note: no identity_sig (%s): the token cannot be revoked by resetting a signature secret\n", t.Reason)
	}
}

// plainID reports whether id names an ordinary doc.
func plainID(id string) bool { return id != "" && id[0] != '_' }
