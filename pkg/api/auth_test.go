package api_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/api"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// rsaKeys are the test's KAZOO signing key and a key stored nowhere.
var rsaKeys = sync.OnceValue(func() [2]*rsa.PrivateKey {
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

// testClock is the authenticator's settable clock (envelopes keep fixedNow).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// kazoo is a KAZOO installation's auth data in the env's CouchDB, stored as KAZOO
// stores it, and mints the tokens KAZOO would issue.
type kazoo struct {
	e      *env
	kid    string
	key    *rsa.PrivateKey
	clock  *testClock
	policy *auth.Policy
}

// principal is a user (or, for api-key tokens, the account itself) whose identity
// doc carries pvt_signature_secret.
type principal struct{ account, user, secret string }

// withKazooAuth serves the env with the real JWT authenticator (AUTH_MODE=jwt) and
// crossbar's token bucket and restrictions (auth.Policy) over the env's store: the signing key in system_auth/{kid}/private_key.pem, the auth config
// in system_config/auth, a fake clock starting at fixedNow, the default clock skew
// and cacheTTL as AUTH_CACHE_TTL.
func withKazooAuth(k **kazoo, cacheTTL time.Duration) envHook {
	return func(e *env, c *api.Config) {
		kz := &kazoo{e: e, kid: couchdbtest.NewAccountID(), key: rsaKeys()[0], clock: &testClock{t: fixedNow}}
		couchdbtest.PutSystemKey(e.t, e.cfg, kz.kid, auth.PrivateKeyPEM(kz.key))
		couchdbtest.SetAuthConfig(e.t, e.cfg)
		c.Auth = auth.NewJWT(e.store.AuthSource(), auth.Options{Now: kz.clock.Now, CacheTTL: cacheTTL})
		kz.policy = auth.NewPolicy(e.store.AuthSource(), auth.PolicyOptions{Options: auth.Options{Now: kz.clock.Now, CacheTTL: cacheTTL}})
		c.Gate = kz.policy
		*k = kz
	}
}

// user creates a user doc with its own signature secret in account.
func (k *kazoo) user(account string) principal {
	p := principal{account: account, user: couchdbtest.NewAccountID(), secret: "secret-" + couchdbtest.NewAccountID()}
	couchdbtest.PutDocs(k.e.t, k.e.cfg, account, directory.Doc{"_id": p.user, "pvt_type": "user",
		"first_name": "Ann", "last_name": "User", "pvt_signature_secret": p.secret})
	return p
}

// apiKey gives the account doc a signature secret, as KAZOO does for api-key logins.
func (k *kazoo) apiKey(account string) principal {
	p := principal{account: account, secret: "account-secret-" + couchdbtest.NewAccountID()}
	couchdbtest.SetSignatureSecret(k.e.t, k.e.cfg, account, account, p.secret)
	return p
}

// claims are what crossbar_auth:create_auth_token puts in p's token: valid for an hour.
func (k *kazoo) claims(p principal) auth.Claims {
	c := auth.Claims{AccountID: p.account, OwnerID: p.user, Method: "cb_user_auth",
		Exp: k.clock.Now().Add(time.Hour).Unix()}
	id := p.user
	if id == "" {
		id, c.Method = p.account, "cb_api_auth"
	}
	c.IdentitySig = auth.IdentitySig(p.secret, couchdbtest.SecretForUserSignature, id)
	return c
}

// mint signs c with key under kid and redacts the token from golden files.
func (k *kazoo) mint(key *rsa.PrivateKey, kid string, c auth.Claims) string {
	k.e.t.Helper()
	tok, err := auth.Mint(key, kid, c)
	if err != nil {
		k.e.t.Fatal(err)
	}
	return k.keep(tok)
}

// token is p's KAZOO token, changed by mods.
func (k *kazoo) token(p principal, mods ...func(*auth.Claims)) string {
	c := k.claims(p)
	for _, m := range mods {
		m(&c)
	}
	return k.mint(k.key, k.kid, c)
}

func (k *kazoo) keep(tok string) string { k.e.redact(tok, "{TOKEN}"); return tok }

var b64 = base64.RawURLEncoding

// forge builds a token with any header and signature function.
func (k *kazoo) forge(header map[string]any, c auth.Claims, sign func(signed string) []byte) string {
	k.e.t.Helper()
	c.Iss = "kazoo"
	h, err := json.Marshal(header)
	if err != nil {
		k.e.t.Fatal(err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		k.e.t.Fatal(err)
	}
	signed := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	return k.keep(signed + "." + b64.EncodeToString(sign(signed)))
}

// publicKeyPEMs are the forms a key-confusion attacker would try as an HMAC secret.
func publicKeyPEMs(k *rsa.PrivateKey) [][]byte {
	pkix, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return [][]byte{
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.PublicKey)}),
		auth.PrivateKeyPEM(k),
	}
}

// tamper replaces segment i of tok.
func tamper(tok string, i int, f func([]byte) []byte) string {
	parts := strings.Split(tok, ".")
	b, err := b64.DecodeString(parts[i])
	if err != nil {
		panic(err)
	}
	parts[i] = b64.EncodeToString(f(b))
	return strings.Join(parts, ".")
}

// gregorian converts to KAZOO's Gregorian seconds.
func gregorian(t time.Time) int64 { return t.Unix() + 62167219200 }

// hierarchy is a reseller with a child, an unrelated top account, a superduper admin
// and an account whose trial ended, beside the env's own account (e.acct), each with a
// user.
type hierarchy struct {
	reseller, child, unrelated, admin, trial, own principal
}

func newHierarchy(e *env, k *kazoo) hierarchy {
	cfg := e.cfg
	reseller := couchdbtest.NewAccount(e.t, cfg, couchdbtest.WithName("Reseller"))
	return hierarchy{
		reseller:  k.user(reseller),
		child:     k.user(couchdbtest.NewAccount(e.t, cfg, couchdbtest.WithName("Child"), couchdbtest.WithTree(reseller))),
		unrelated: k.user(couchdbtest.NewAccount(e.t, cfg, couchdbtest.WithName("Unrelated"))),
		admin:     k.user(couchdbtest.NewAccount(e.t, cfg, couchdbtest.WithName("Master"), couchdbtest.WithSuperduperAdmin())),
		trial: k.user(couchdbtest.NewAccount(e.t, cfg, couchdbtest.WithName("Trial"),
			couchdbtest.WithTrialExpires(gregorian(fixedNow.Add(-24*time.Hour))))),
		own: k.user(e.acct),
	}
}

func dirsOf(account string) string { return "/v2/accounts/" + account + "/directories" }

// TestKazooTokens sends KAZOO's tokens, and forgeries of them, through the whole stack
// with the real authenticator over keys and secrets stored as KAZOO stores them.
func TestKazooTokens(t *testing.T) {
	var k *kazoo
	e := newEnvWith(t, withKazooAuth(&k, time.Minute))
	h := newHierarchy(e, k)
	own := k.token(h.own)
	apiKey := k.token(k.apiKey(e.acct))
	other := rsaKeys()[1]
	hs256 := func(secret []byte) string {
		return k.forge(map[string]any{"alg": "HS256", "typ": "JWT", "kid": k.kid}, k.claims(h.own), func(s string) []byte {
			m := hmac.New(sha256.New, secret)
			m.Write([]byte(s))
			return m.Sum(nil)
		})
	}
	keys := publicKeyPEMs(k.key)
	now := k.clock.Now()
	tok := func(h string) []string { return []string{"X-Auth-Token: " + h} }

	tests := []struct {
		name    string
		method  string
		path    string
		body    string
		headers []string
		status  int
		golden  string
	}{
		{"valid_user_token", "GET", e.path(""), "", tok(own), 200, ""},
		{"api_key_token_without_owner", "GET", e.path(""), "", tok(apiKey), 200, ""},
		{"query_auth_token", "GET", e.path("?auth_token=" + own), "", tok(""), 200, ""},
		{"envelope_auth_token", "PUT", e.path(""), `{"auth_token":"` + own + `","data":{"name":"Enveloped"}}`, tok(""), 201, ""},
		{"bearer", "GET", e.path(""), "", []string{"X-Auth-Token:", "Authorization: Bearer " + own}, 200, ""},
		{"header_wins_over_query", "GET", e.path("?auth_token=garbage"), "", tok(own), 200, ""},
		{"basic_is_no_token", "GET", e.path(""), "", []string{"X-Auth-Token:", "Authorization: Basic dXNlcjpwYXNz"}, 401, "auth_no_token"},
		{"expired", "GET", e.path(""), "", tok(k.token(h.own, func(c *auth.Claims) { c.Exp = now.Add(-time.Minute).Unix() })), 401, "auth_invalid_credentials"},
		{"expired_within_clock_skew", "GET", e.path(""), "", tok(k.token(h.own, func(c *auth.Claims) { c.Exp = now.Add(-2 * time.Second).Unix() })), 200, ""},
		{"not_yet_valid", "GET", e.path(""), "", tok(k.token(h.own, func(c *auth.Claims) { c.Nbf = now.Add(time.Hour).Unix() })), 401, "auth_invalid_credentials"},
		{"unknown_kid", "GET", e.path(""), "", tok(k.mint(k.key, couchdbtest.NewAccountID(), k.claims(h.own))), 401, "auth_invalid_credentials"},
		{"key_not_kazoos", "GET", e.path(""), "", tok(k.mint(other, k.kid, k.claims(h.own))), 401, "auth_invalid_credentials"},
		{"tampered_payload", "GET", e.path(""), "", tok(k.keep(tamper(k.token(h.unrelated), 1, func(b []byte) []byte {
			return []byte(strings.ReplaceAll(string(b), h.unrelated.account, e.acct))
		}))), 401, "auth_invalid_credentials"},
		{"tampered_signature", "GET", e.path(""), "", tok(k.keep(tamper(own, 2, func(b []byte) []byte { b[len(b)/2] ^= 1; return b }))), 401, "auth_invalid_credentials"},
		{"alg_none", "GET", e.path(""), "", tok(k.forge(map[string]any{"alg": "none", "typ": "JWT", "kid": k.kid}, k.claims(h.own), func(string) []byte { return nil })), 401, "auth_invalid_credentials"},
		{"hs256_with_public_key_pkix", "GET", e.path(""), "", tok(hs256(keys[0])), 401, "auth_invalid_credentials"},
		{"hs256_with_public_key_pkcs1", "GET", e.path(""), "", tok(hs256(keys[1])), 401, "auth_invalid_credentials"},
		{"hs256_with_private_key_pem", "GET", e.path(""), "", tok(hs256(keys[2])), 401, "auth_invalid_credentials"},
		{"rs512_accepted", "GET", e.path(""), "", tok(k.keep(mustMintAlg(t, "RS512", k, k.claims(h.own)))), 200, ""},
		{"other_issuer", "GET", e.path(""), "", tok(k.token(h.own, func(c *auth.Claims) { c.Iss = "google" })), 401, "auth_invalid_credentials"},
		{"identity_sig_wrong_secret", "GET", e.path(""), "", tok(k.token(h.own, func(c *auth.Claims) {
			c.IdentitySig = auth.IdentitySig("not-the-secret", couchdbtest.SecretForUserSignature, h.own.user)
		})), 401, "auth_invalid_credentials"},
		{"identity_doc_missing", "GET", e.path(""), "", tok(k.token(principal{account: e.acct, user: couchdbtest.NewAccountID(), secret: "x"})), 401, "auth_invalid_credentials"},
		{"unrelated_account", "GET", e.path(""), "", tok(k.token(h.unrelated)), 403, "auth_forbidden"},
		{"reseller_to_child", "GET", dirsOf(h.child.account), "", tok(k.token(h.reseller)), 200, ""},
		{"reseller_writes_child", "PUT", dirsOf(h.child.account), `{"data":{"name":"From reseller"}}`, tok(k.token(h.reseller)), 201, ""},
		{"child_to_reseller", "GET", dirsOf(h.reseller.account), "", tok(k.token(h.child)), 403, "auth_forbidden"},
		{"superduper_admin", "GET", e.path(""), "", tok(k.token(h.admin)), 200, ""},
		{"superduper_admin_to_child", "DELETE", dirsOf(h.child.account) + "/nope", "", tok(k.token(h.admin)), 404, ""},
		{"masquerade_as_child", "GET", dirsOf(h.child.account), "", tok(k.token(h.reseller, func(c *auth.Claims) {
			c.As = &auth.As{AccountID: h.child.account, OwnerID: h.child.user}
		})), 200, ""},
		{"masquerade_as_unrelated", "GET", dirsOf(h.unrelated.account), "", tok(k.token(h.reseller, func(c *auth.Claims) {
			c.As = &auth.As{AccountID: h.unrelated.account, OwnerID: h.unrelated.user}
		})), 401, "auth_invalid_credentials"},
		{"auth_account_id_matches", "GET", e.path(""), "", append(tok(own), "X-Auth-Account-ID: "+e.acct), 200, ""},
		{"auth_account_id_mismatch", "GET", e.path(""), "", append(tok(own), "X-Auth-Account-ID: "+h.reseller.account), 401, "auth_invalid_credentials"},
		{"trial_expired", "GET", dirsOf(h.trial.account), "", tok(k.token(h.trial)), 400, "auth_trial_expired"},
		{"malformed_account_before_auth", "GET", dirsOf(strings.Repeat("a", 31)), "", tok("not-a-jwt"), 404, "auth_malformed_account"},
		{"unknown_account_without_token", "GET", dirsOf("0123456789abcdef0123456789abcdef"), "", tok(""), 404, "auth_unknown_account"},
		{"unknown_account_with_bad_token", "GET", dirsOf("0123456789abcdef0123456789abcdef"), "", tok("not-a-jwt"), 404, ""},
		{"method_before_auth", "DELETE", e.path(""), "", tok(""), 405, ""},
		{"garbage", "GET", e.path(""), "", tok("a.b.c"), 401, ""},
		{"no_token", "GET", e.path(""), "", tok(""), 401, "auth_no_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			rec := e.do(tt.method, tt.path, tt.body, tt.headers...)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.status, rec.Body.String())
			}
			if tt.golden != "" {
				e.golden(tt.golden, rec)
			}
			if tt.status == 401 || tt.status == 403 {
				if d := body(t, rec)["data"].(map[string]any); len(d) != 1 || d["message"] == nil {
					t.Errorf("the error tells more than KAZOO's generic message: %v", d)
				}
			}
		})
	}
}

func mustMintAlg(t *testing.T, alg string, k *kazoo, c auth.Claims) string {
	t.Helper()
	tok, err := auth.MintAlg(alg, k.key, k.kid, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestKazooSecretResetRevokes: KAZOO resets a user's pvt_signature_secret (e.g. on a
// password change); the user's outstanding token stops working here within
// AUTH_CACHE_TTL, and a token signed with the new secret works.
func TestKazooSecretResetRevokes(t *testing.T) {
	const ttl = 30 * time.Second
	var k *kazoo
	e := newEnvWith(t, withKazooAuth(&k, ttl))
	p := k.user(e.acct)
	old := k.token(p)
	wantStatus(t, e.do("GET", e.path(""), "", "X-Auth-Token: "+old), http.StatusOK)

	p.secret = "reset-" + p.secret
	couchdbtest.SetSignatureSecret(t, e.cfg, e.acct, p.user, p.secret)
	fresh := k.token(p)

	k.clock.Advance(ttl - time.Second) // still within the bound: cached
	wantStatus(t, e.do("GET", e.path(""), "", "X-Auth-Token: "+old), http.StatusOK)

	k.clock.Advance(time.Second)
	rec := e.do("GET", e.path(""), "", "X-Auth-Token: "+old)
	wantStatus(t, rec, http.StatusUnauthorized)
	e.golden("auth_invalid_credentials", rec)
	wantStatus(t, e.do("GET", e.path(""), "", "X-Auth-Token: "+fresh), http.StatusOK)
}

// TestKazooTokenStamps: a doc written with a real token records who wrote it
// (crossbar_doc's pvt_auth_* fields, §3.2).
func TestKazooTokenStamps(t *testing.T) {
	var k *kazoo
	e := newEnvWith(t, withKazooAuth(&k, time.Minute))
	h := newHierarchy(e, k)
	tests := []struct {
		name   string
		token  string
		target string
		want   map[string]any // nil value: key absent
	}{
		{"user", k.token(h.own), e.acct, map[string]any{"pvt_is_authenticated": true,
			"pvt_auth_account_id": e.acct, "pvt_auth_user_id": h.own.user,
			"pvt_original_auth_account_id": nil, "pvt_original_auth_owner_id": nil}},
		{"api_key", k.token(k.apiKey(e.acct)), e.acct, map[string]any{"pvt_is_authenticated": true,
			"pvt_auth_account_id": e.acct, "pvt_auth_user_id": nil}},
		{"reseller", k.token(h.reseller), h.child.account, map[string]any{
			"pvt_auth_account_id": h.reseller.account, "pvt_auth_user_id": h.reseller.user}},
		{"masquerade", k.token(h.reseller, func(c *auth.Claims) {
			c.As = &auth.As{AccountID: h.child.account, OwnerID: h.child.user}
		}), h.child.account, map[string]any{
			"pvt_auth_account_id": h.child.account, "pvt_auth_user_id": h.child.user,
			"pvt_original_auth_account_id": h.reseller.account, "pvt_original_auth_owner_id": h.reseller.user}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			rec := e.do("PUT", dirsOf(tt.target), `{"data":{"name":"Stamped"}}`, "X-Auth-Token: "+tt.token)
			wantStatus(t, rec, http.StatusCreated)
			id := body(t, rec)["data"].(map[string]any)["id"].(string)
			doc := couchdbtest.GetDoc(t, e.cfg, tt.target, id)
			for key, want := range tt.want {
				got, ok := doc[key]
				if want == nil && ok {
					t.Errorf("%s = %v, want absent", key, got)
				} else if want != nil && got != want {
					t.Errorf("%s = %v, want %v", key, got, want)
				}
			}
		})
	}
}
