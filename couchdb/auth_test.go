package couchdb_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

var _ auth.Source = couchdb.AuthSource{}

// signingKey is one RSA key for the package's tests (generating one takes a while).
var signingKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// wantNoRequests fails when ct carried requests.
func wantNoRequests(t *testing.T, ct *couchdbtest.CountingTransport, what string) {
	t.Helper()
	if n := ct.Count(); n != 0 {
		t.Errorf("%s cost %d CouchDB requests, want none: %v", what, n, ct.Requests())
	}
}

func TestAuthSourceSystemKey(t *testing.T) {
	s, ct, cfg := newStore(t)
	src, ctx := s.AuthSource(), context.Background()
	pem := auth.PrivateKeyPEM(signingKey())

	kid := couchdbtest.NewAccountID()
	couchdbtest.PutSystemKey(t, cfg, kid, pem)
	ct.Reset()
	got, err := src.SystemKey(ctx, kid)
	if err != nil || !bytes.Equal(got, pem) {
		t.Fatalf("SystemKey = %q, %v; want the stored PEM", got, err)
	}
	if reqs := ct.Requests(); len(reqs) != 1 || reqs[0] != "GET /system_auth/"+kid+"/private_key.pem" {
		t.Errorf("requests = %v, want one GET of the attachment", reqs)
	}

	// Ids are escaped, whatever they hold.
	odd := "odd kid+é?&=#%" + kid[:8]
	couchdbtest.PutSystemKey(t, cfg, odd, pem)
	if got, err := src.SystemKey(ctx, odd); err != nil || !bytes.Equal(got, pem) {
		t.Errorf("SystemKey(%q) = %q, %v", odd, got, err)
	}

	noAttachment := couchdbtest.NewAccountID()
	couchdbtest.PutDBDocs(t, cfg, couchdb.SystemAuthDB, directory.Doc{"_id": noAttachment, "pvt_type": "system_key"})
	huge := couchdbtest.NewAccountID()
	couchdbtest.PutSystemKey(t, cfg, huge, bytes.Repeat([]byte("A"), 65<<10))
	for _, k := range []string{couchdbtest.NewAccountID(), noAttachment, huge} {
		_, err := src.SystemKey(ctx, k)
		wantCode(t, err, directory.ECodeBadIdentifier)
	}

	ct.Reset()
	for _, k := range []string{"", "_design/directories", "_all_docs", "_local/x"} {
		_, err := src.SystemKey(ctx, k)
		wantCode(t, err, directory.ECodeBadIdentifier)
	}
	wantNoRequests(t, ct, "special kids")
}

func TestAuthSourceAuthConfig(t *testing.T) {
	s, ct, cfg := newStore(t)
	couchdbtest.SetAuthConfig(t, cfg)
	ct.Reset()
	got, err := s.AuthSource().AuthConfig(context.Background())
	if err != nil || got != couchdbtest.SecretForUserSignature {
		t.Fatalf("AuthConfig = %q, %v; want %q", got, err, couchdbtest.SecretForUserSignature)
	}
	if reqs := ct.Requests(); len(reqs) != 1 || reqs[0] != "GET /system_config/auth" {
		t.Errorf("requests = %v, want one GET", reqs)
	}
}

// TestAuthConfigShapes changes system_config/auth freely, so it runs on a store of
// its own.
func TestAuthConfigShapes(t *testing.T) {
	cfg := couchdbtest.Fresh(t)
	src, ctx := couchdbtest.Open(t, cfg).AuthSource(), context.Background()

	_, err := src.AuthConfig(ctx)
	wantCode(t, err, directory.ECodeBadIdentifier) // no system_config database

	for _, tt := range []struct {
		name string
		doc  directory.Doc
		want string
	}{
		{"default", directory.Doc{"default": map[string]any{"secret_for_user_signature": "s3cr3t", "system_key": "k"}}, "s3cr3t"},
		{"node_specific_only", directory.Doc{"kazoo_apps@host": map[string]any{"secret_for_user_signature": "node"}}, ""},
		{"top_level_is_not_kazoos", directory.Doc{"secret_for_user_signature": "top"}, ""},
		{"not_a_string", directory.Doc{"default": map[string]any{"secret_for_user_signature": 42}}, ""},
		{"default_not_object", directory.Doc{"default": "x"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.doc["_id"] = couchdb.AuthConfigDoc
			couchdbtest.PutDBDocs(t, cfg, couchdb.SystemConfigDB, tt.doc)
			got, err := src.AuthConfig(ctx)
			if err != nil || got != tt.want {
				t.Errorf("AuthConfig = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	_, err = src.AuthConfig(ctx) // each subtest removed its doc again
	wantCode(t, err, directory.ECodeBadIdentifier)
}

func TestAuthSourceSignatureSecret(t *testing.T) {
	s, ct, cfg := newStore(t)
	src, ctx := s.AuthSource(), context.Background()
	acct := couchdbtest.NewAccount(t, cfg)
	couchdbtest.PutDocs(t, cfg, acct,
		directory.Doc{"_id": "user1", "pvt_type": "user", "pvt_signature_secret": "secret-1"},
		directory.Doc{"_id": "user2", "pvt_type": "user"},
		directory.Doc{"_id": "user3", "pvt_type": "user", "pvt_signature_secret": "secret-3", "pvt_deleted": true},
		directory.Doc{"_id": "user4", "pvt_type": "user", "pvt_signature_secret": []any{"odd"}},
	)
	couchdbtest.SetSignatureSecret(t, cfg, acct, acct, "account-secret")

	for _, tt := range []struct {
		doc, want string
		code      directory.Code
	}{
		{"user1", "secret-1", ""},
		{"user2", "", ""},
		{"user4", "", ""},
		{acct, "account-secret", ""},
		{"user3", "", directory.ECodeBadIdentifier},
		{"nobody", "", directory.ECodeBadIdentifier},
	} {
		ct.Reset()
		got, err := src.SignatureSecret(ctx, acct, tt.doc)
		if directory.ErrorCode(err) != tt.code || got != tt.want {
			t.Errorf("SignatureSecret(%s) = %q, %v; want %q, code %q", tt.doc, got, err, tt.want, tt.code)
		}
		if n := ct.Count(); n != 1 {
			t.Errorf("SignatureSecret(%s) cost %d requests, want 1: %v", tt.doc, n, ct.Requests())
		}
	}

	_, err := src.SignatureSecret(ctx, couchdbtest.NewAccountID(), "user1")
	wantCode(t, err, directory.ECodeBadIdentifier) // no such account database

	ct.Reset()
	for _, c := range [][2]string{{"ABC", "user1"}, {strings.ToUpper(acct), "user1"}, {acct, ""}, {acct, "_design/directories"}, {acct, "_all_docs"}} {
		_, err := src.SignatureSecret(ctx, c[0], c[1])
		wantCode(t, err, directory.ECodeBadIdentifier)
	}
	wantNoRequests(t, ct, "malformed ids")
}

func TestAuthSourceAccountNeverWrites(t *testing.T) {
	s, ct, cfg := newStore(t)
	src, ctx := s.AuthSource(), context.Background()
	parent := couchdbtest.NewAccountID()
	id := couchdbtest.NewAccount(t, cfg, couchdbtest.WithName("Reseller"), couchdbtest.WithTree(parent),
		couchdbtest.WithSuperduperAdmin(), couchdbtest.WithTrialExpires(63900000000))

	ct.Reset()
	got, err := src.Account(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := directory.Account{ID: id, Name: "Reseller", Tree: []string{parent}, SuperduperAdmin: true, TrialExpires: 63900000000}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Account = %+v, want %+v", got, want)
	}
	if reqs := ct.Requests(); len(reqs) != 1 || !strings.HasPrefix(reqs[0], "GET ") {
		t.Errorf("requests = %v, want a single GET", reqs)
	}
	if _, err := s.Doc(ctx, id, "_design/directories"); !directory.IsCode(err, directory.ECodeBadIdentifier) {
		t.Errorf("the auth read installed design docs: %v", err)
	}

	// The store's own Account still installs the design docs (the auth read did not
	// leave a cache entry behind), and then serves the auth reads from its cache.
	mustAccount(t, s, id)
	if _, err := s.Doc(ctx, id, "_design/directories"); err != nil {
		t.Errorf("design doc after Store.Account: %v", err)
	}
	ct.Reset()
	if got, err := src.Account(ctx, id); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("cached Account = %+v, %v", got, err)
	}
	wantNoRequests(t, ct, "an account the store has cached")
}

func TestAuthSourceAccountMissing(t *testing.T) {
	s, ct, cfg := newStore(t, func(c *couchdb.Config) { c.AccountCacheTTL = -1 })
	src, ctx := s.AuthSource(), context.Background()

	_, err := src.Account(ctx, couchdbtest.NewAccountID())
	wantCode(t, err, directory.ECodeBadIdentifier) // no database

	// An account whose doc was deleted.
	id := couchdbtest.NewAccount(t, cfg)
	doc := couchdbtest.GetDoc(t, cfg, id, id)
	if _, err := s.Delete(ctx, id, id, doc.Rev()); err != nil {
		t.Fatal(err)
	}
	_, err = src.Account(ctx, id)
	wantCode(t, err, directory.ECodeBadIdentifier)

	ct.Reset()
	for _, bad := range []string{"", "../_users", strings.ToUpper(id), id + "0"} {
		_, err := src.Account(ctx, bad)
		wantCode(t, err, directory.ECodeBadIdentifier)
	}
	wantNoRequests(t, ct, "malformed account ids")
}

// TestAuthSourceVerifiesKazooToken runs pkg/auth's JWT verification on docs stored as
// KAZOO stores them.
func TestAuthSourceVerifiesKazooToken(t *testing.T) {
	s, ct, cfg := newStore(t)
	kid := couchdbtest.NewAccountID()
	couchdbtest.PutSystemKey(t, cfg, kid, auth.PrivateKeyPEM(signingKey()))
	couchdbtest.SetAuthConfig(t, cfg)
	acct := couchdbtest.NewAccount(t, cfg)
	const userID = "0000000000000000000000000000a5e1"
	couchdbtest.SetSignatureSecret(t, cfg, acct, userID, "user-secret")

	now := time.Now()
	jwt := auth.NewJWT(s.AuthSource(), auth.Options{})
	tok, err := auth.Mint(signingKey(), kid, auth.Claims{AccountID: acct, OwnerID: userID, Method: "cb_user_auth",
		Exp: now.Add(time.Hour).Unix(), IdentitySig: auth.IdentitySig("user-secret", couchdbtest.SecretForUserSignature, userID)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ct.Reset()
	id, err := jwt.Authenticate(ctx, directory.Credentials{Token: tok})
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if id.AccountID != acct || id.OwnerID != userID || id.Method != "cb_user_auth" {
		t.Errorf("identity = %+v", id)
	}
	// key, config, user doc, account doc (trial check): four reads, no write.
	for _, r := range ct.Requests() {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("verification wrote: %s", r)
		}
	}
	if n := ct.Count(); n != 4 {
		t.Errorf("cold verification cost %d requests, want 4: %v", n, ct.Requests())
	}

	bad, _ := auth.Mint(signingKey(), kid, auth.Claims{AccountID: acct, OwnerID: userID,
		Exp: now.Add(time.Hour).Unix(), IdentitySig: auth.IdentitySig("old-secret", couchdbtest.SecretForUserSignature, userID)})
	_, err = jwt.Authenticate(ctx, directory.Credentials{Token: bad})
	wantCode(t, err, directory.ECodeUnauthorized)
}
