package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Test ids: a reseller, its child, a grandchild, an unrelated account, a superduper
// admin account.
const (
	kid        = "0123456789abcdef0123456789abcdef"
	reseller   = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	child      = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	grandchild = "cccccccccccccccccccccccccccccccc"
	unrelated  = "dddddddddddddddddddddddddddddddd"
	superAdmin = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	trialAcct  = "ffffffffffffffffffffffffffffffff"
	userID     = "11111111111111111111111111111111"
	deviceID   = "22222222222222222222222222222222"
	serverSec  = "server-secret-for-user-signature"
)

// t0 is the fake clock's start.
var t0 = time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)

var keys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var ks [2]*rsa.PrivateKey
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ks[i] = k
	}
	return ks
})

// testKey is the key stored in system_auth/<kid>; otherKey is stored nowhere.
func testKey() *rsa.PrivateKey  { return keys()[0] }
func otherKey() *rsa.PrivateKey { return keys()[1] }

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeSource is an in-memory auth.Source that counts its calls.
type fakeSource struct {
	mu       sync.Mutex
	keys     map[string][]byte
	config   *string            // nil: system_config/auth missing
	secrets  map[string]*string // "account/doc" → secret; nil value: doc without the key
	accounts map[string]directory.Account
	down     bool
	calls    atomic.Int64
}

func newFakeSource() *fakeSource {
	cfg := serverSec
	s := &fakeSource{
		keys:    map[string][]byte{kid: auth.PrivateKeyPEM(testKey())},
		config:  &cfg,
		secrets: map[string]*string{},
		accounts: map[string]directory.Account{
			reseller:   {ID: reseller, Name: "Reseller"},
			child:      {ID: child, Name: "Child", Tree: []string{superAdmin, reseller}},
			grandchild: {ID: grandchild, Name: "Grandchild", Tree: []string{superAdmin, reseller, child}},
			unrelated:  {ID: unrelated, Name: "Unrelated", Tree: []string{superAdmin}},
			superAdmin: {ID: superAdmin, Name: "Master", SuperduperAdmin: true},
			trialAcct:  {ID: trialAcct, Name: "Trial", TrialExpires: t0.Unix() + 62167219200 + 3600},
		},
	}
	s.setSecret(reseller, userID, "user-secret")
	s.setSecret(reseller, reseller, "account-secret")
	s.setSecret(reseller, deviceID, "device-secret")
	s.setSecret(child, userID, "child-user-secret")
	s.setSecret(trialAcct, userID, "trial-user-secret")
	return s
}

func (s *fakeSource) setSecret(account, doc, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[account+"/"+doc] = &secret
}

func (s *fakeSource) setDown(down bool) { s.mu.Lock(); s.down = down; s.mu.Unlock() }

func (s *fakeSource) enter() error {
	s.calls.Add(1)
	if s.down {
		return directory.Errorf(directory.ECodeUnavailable, "fake datastore down")
	}
	return nil
}

func (s *fakeSource) SystemKey(_ context.Context, k string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.enter(); err != nil {
		return nil, err
	}
	b, ok := s.keys[k]
	if !ok {
		return nil, directory.BadIdentifier(k)
	}
	return b, nil
}

func (s *fakeSource) AuthConfig(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.enter(); err != nil {
		return "", err
	}
	if s.config == nil {
		return "", directory.BadIdentifier("auth")
	}
	return *s.config, nil
}

func (s *fakeSource) SignatureSecret(_ context.Context, account, doc string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.enter(); err != nil {
		return "", err
	}
	v, ok := s.secrets[account+"/"+doc]
	switch {
	case !ok:
		return "", directory.BadIdentifier(doc)
	case v == nil:
		return "", nil
	}
	return *v, nil
}

func (s *fakeSource) Account(_ context.Context, id string) (directory.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.enter(); err != nil {
		return directory.Account{}, err
	}
	a, ok := s.accounts[id]
	if !ok {
		return directory.Account{}, directory.BadIdentifier(id)
	}
	return a, nil
}

// userClaims is a KAZOO user token of reseller's user, valid for an hour from t0.
func userClaims() auth.Claims {
	return auth.Claims{
		AccountID:   reseller,
		OwnerID:     userID,
		Method:      "cb_user_auth",
		Exp:         t0.Unix() + 3600,
		IdentitySig: auth.IdentitySig("user-secret", serverSec, userID),
	}
}

func mint(t testing.TB, c auth.Claims) string {
	t.Helper()
	tok, err := auth.Mint(testKey(), kid, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// newJWT returns an authenticator over src with a fake clock, no skew and a 60s TTL.
func newJWT(src auth.Source) (*auth.JWT, *clock) {
	clk := &clock{t: t0}
	return auth.NewJWT(src, auth.Options{Now: clk.Now, ClockSkew: -1, CacheTTL: time.Minute}), clk
}

// wantCode fails unless err carries code; for 401 and 403 it also checks that nothing
// but the generic body would reach the client.
func wantCode(t *testing.T, err error, code directory.Code) {
	t.Helper()
	if got := directory.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if code == directory.ECodeUnauthorized || code == directory.ECodeForbidden {
		var e *directory.Error
		if !errors.As(err, &e) || e.Data != nil {
			t.Fatalf("%v: Data = %#v, want nil", err, e.Data)
		}
	}
}

// segments splits a token.
func segments(tok string) []string { return strings.Split(tok, ".") }

// accept fails the test unless a authenticates tok; what says when it is expected.
func accept(t *testing.T, a directory.Authenticator, tok, what string) {
	t.Helper()
	if _, err := a.Authenticate(context.Background(), directory.Credentials{Token: tok}); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// reject fails the test unless a refuses tok as unauthorized.
func reject(t *testing.T, a directory.Authenticator, tok string) {
	t.Helper()
	_, err := a.Authenticate(context.Background(), directory.Credentials{Token: tok})
	wantCode(t, err, directory.ECodeUnauthorized)
}
