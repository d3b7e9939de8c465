package auth_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

var enc = base64.RawURLEncoding

// craft builds a token from raw header and payload JSON and a signer over
// "header64.payload64".
func craft(header, payload string, sign func(signed []byte) []byte) string {
	s := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	return s + "." + enc.EncodeToString(sign([]byte(s)))
}

func rs256(key *rsa.PrivateKey) func([]byte) []byte {
	return func(b []byte) []byte {
		d := sha256.Sum256(b)
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, 5 /* crypto.SHA256 */, d[:])
		if err != nil {
			panic(err)
		}
		return sig
	}
}

func hs256(secret []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(b)
		return m.Sum(nil)
	}
}

func payloadJSON(c auth.Claims) string {
	if c.Iss == "" {
		c.Iss = "kazoo"
	}
	b, _ := json.Marshal(c)
	return string(b)
}

const rsHeader = `{"alg":"RS256","typ":"JWT","kid":"` + kid + `"}`

func publicPEMs() map[string][]byte {
	pub := &testKey().PublicKey
	pkix, _ := x509.MarshalPKIXPublicKey(pub)
	return map[string][]byte{
		"PKIX public PEM":   pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}),
		"PKCS1 public PEM":  pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)}),
		"private PEM":       auth.PrivateKeyPEM(testKey()),
		"public key DER":    pkix,
		"private key bytes": x509.MarshalPKCS1PrivateKey(testKey()),
	}
}

func TestAuthenticate(t *testing.T) {
	valid := mint(t, userClaims())
	vs := segments(valid)
	type tc struct {
		name      string
		token     string
		accountID string // X-Auth-Account-ID
		want      directory.Code
		wantID    directory.Identity
	}
	tests := []tc{
		{name: "valid user token", token: valid,
			wantID: directory.Identity{AccountID: reseller, OwnerID: userID, Method: "cb_user_auth"}},
		{name: "valid with matching X-Auth-Account-ID", token: valid, accountID: reseller,
			wantID: directory.Identity{AccountID: reseller, OwnerID: userID, Method: "cb_user_auth"}},
		{name: "api key token without owner_id", token: mint(t, auth.Claims{AccountID: reseller, Method: "cb_api_auth",
			Exp: t0.Unix() + 3600, IdentitySig: auth.IdentitySig("account-secret", serverSec, reseller)}),
			wantID: directory.Identity{AccountID: reseller, Method: "cb_api_auth"}},
		{name: "device token signs the device id", token: mint(t, auth.Claims{AccountID: reseller, OwnerID: userID, DeviceID: deviceID,
			Exp: t0.Unix() + 3600, IdentitySig: auth.IdentitySig("device-secret", serverSec, deviceID)}),
			wantID: directory.Identity{AccountID: reseller, OwnerID: userID}},
		{name: "token without identity_sig", token: mint(t, auth.Claims{AccountID: reseller, OwnerID: userID, Exp: t0.Unix() + 60}),
			wantID: directory.Identity{AccountID: reseller, OwnerID: userID}},
		{name: "token without exp (token_auth_expiry 0)", token: mint(t, auth.Claims{AccountID: reseller}),
			wantID: directory.Identity{AccountID: reseller}},
		{name: "no token", token: "", want: directory.ECodeUnauthorized},
		{name: "X-Auth-Account-ID mismatch", token: valid, accountID: child, want: directory.ECodeUnauthorized},
		{name: "expired", token: mint(t, auth.Claims{AccountID: reseller, Exp: t0.Unix() - 1}), want: directory.ECodeUnauthorized},
		{name: "expires now", token: mint(t, auth.Claims{AccountID: reseller, Exp: t0.Unix()}), want: directory.ECodeUnauthorized},
		{name: "nbf in the future", token: mint(t, auth.Claims{AccountID: reseller, Exp: t0.Unix() + 60, Nbf: t0.Unix() + 1}), want: directory.ECodeUnauthorized},
		{name: "nbf now", token: mint(t, auth.Claims{AccountID: reseller, Exp: t0.Unix() + 60, Nbf: t0.Unix()}),
			wantID: directory.Identity{AccountID: reseller}},
		{name: "exp not a number", token: craft(rsHeader, `{"iss":"kazoo","account_id":"`+reseller+`","exp":"9999999999"}`, rs256(testKey())), want: directory.ECodeUnauthorized},
		{name: "wrong kid", token: func() string { tok, _ := auth.Mint(testKey(), "nope", userClaims()); return tok }(), want: directory.ECodeUnauthorized},
		{name: "reserved kid", token: func() string { tok, _ := auth.Mint(testKey(), "_design/x", userClaims()); return tok }(), want: directory.ECodeUnauthorized},
		{name: "no kid", token: craft(`{"alg":"RS256","typ":"JWT"}`, payloadJSON(userClaims()), rs256(testKey())), want: directory.ECodeUnauthorized},
		{name: "signed by another key", token: func() string { tok, _ := auth.Mint(otherKey(), kid, userClaims()); return tok }(), want: directory.ECodeUnauthorized},
		{name: "tampered payload", token: vs[0] + "." + segments(mint(t, auth.Claims{AccountID: unrelated, Exp: t0.Unix() + 3600}))[1] + "." + vs[2], want: directory.ECodeUnauthorized},
		{name: "tampered signature", token: func() string {
			sig, _ := enc.DecodeString(vs[2])
			sig[len(sig)/2] ^= 1
			return vs[0] + "." + vs[1] + "." + enc.EncodeToString(sig)
		}(), want: directory.ECodeUnauthorized},
		{name: "signature dropped", token: vs[0] + "." + vs[1] + ".", want: directory.ECodeUnauthorized},
		{name: "two segments", token: vs[0] + "." + vs[1], want: directory.ECodeUnauthorized},
		{name: "four segments", token: valid + "." + vs[2], want: directory.ECodeUnauthorized},
		{name: "alg none, no signature", token: enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"`+kid+`"}`)) + "." + vs[1] + ".", want: directory.ECodeUnauthorized},
		{name: "alg none with the RS256 signature", token: enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"`+kid+`"}`)) + "." + vs[1] + "." + vs[2], want: directory.ECodeUnauthorized},
		{name: "alg lowercase", token: craft(`{"alg":"rs256","typ":"JWT","kid":"`+kid+`"}`, payloadJSON(userClaims()), rs256(testKey())), want: directory.ECodeUnauthorized},
		{name: "alg PS256", token: craft(`{"alg":"PS256","typ":"JWT","kid":"`+kid+`"}`, payloadJSON(userClaims()), rs256(testKey())), want: directory.ECodeUnauthorized},
		{name: "padded header", token: enc.EncodeToString([]byte(rsHeader)) + "==." + vs[1] + "." + vs[2], want: directory.ECodeUnauthorized},
		{name: "std base64 alphabet in signature", token: vs[0] + "." + vs[1] + "." + base64.RawStdEncoding.EncodeToString([]byte{0xfb, 0xff, 0xfe}), want: directory.ECodeUnauthorized},
		{name: "garbage payload", token: vs[0] + ".*not-base64*." + vs[2], want: directory.ECodeUnauthorized},
		{name: "payload is a JSON array", token: craft(rsHeader, `["kazoo"]`, rs256(testKey())), want: directory.ECodeUnauthorized},
		{name: "wrong iss", token: func() string { c := userClaims(); c.Iss = "google"; return mint(t, c) }(), want: directory.ECodeUnauthorized},
		{name: "missing iss", token: craft(rsHeader, `{"account_id":"`+reseller+`","exp":`+jsonInt(t0.Unix()+60)+`}`, rs256(testKey())), want: directory.ECodeUnauthorized},
		{name: "missing account_id", token: mint(t, auth.Claims{OwnerID: userID, Exp: t0.Unix() + 60}), want: directory.ECodeUnauthorized},
		{name: "malformed account_id", token: mint(t, auth.Claims{AccountID: "abc", Exp: t0.Unix() + 60}), want: directory.ECodeUnauthorized},
		{name: "owner_id not a string", token: craft(rsHeader, `{"iss":"kazoo","account_id":"`+reseller+`","owner_id":7}`, rs256(testKey())), want: directory.ECodeUnauthorized},
		{name: "empty identity_sig", token: craft(rsHeader, `{"iss":"kazoo","account_id":"`+reseller+`","identity_sig":""}`, rs256(testKey())), want: directory.ECodeUnauthorized},
		{name: "identity_sig of another user's secret", token: func() string {
			c := userClaims()
			c.IdentitySig = auth.IdentitySig("child-user-secret", serverSec, userID)
			return mint(t, c)
		}(), want: directory.ECodeUnauthorized},
		{name: "identity_sig without the server secret", token: func() string {
			c := userClaims()
			c.IdentitySig = auth.IdentitySig("user-secret", "", userID)
			return mint(t, c)
		}(), want: directory.ECodeUnauthorized},
		{name: "identity_sig not base64url", token: func() string { c := userClaims(); c.IdentitySig = "a+b/"; return mint(t, c) }(), want: directory.ECodeUnauthorized},
		{name: "identity doc missing", token: mint(t, auth.Claims{AccountID: reseller, OwnerID: "99999999999999999999999999999999", Exp: t0.Unix() + 60,
			IdentitySig: auth.IdentitySig("", serverSec, "99999999999999999999999999999999")}), want: directory.ECodeUnauthorized},
		{name: "account token whose doc lacks a secret", token: mint(t, auth.Claims{AccountID: child, Exp: t0.Unix() + 60,
			IdentitySig: auth.IdentitySig("", serverSec, child)}), want: directory.ECodeUnauthorized},
	}
	for name, secret := range publicPEMs() {
		tests = append(tests, tc{name: "HS256 keyed with " + name, want: directory.ECodeUnauthorized,
			token: craft(`{"alg":"HS256","typ":"JWT","kid":"`+kid+`"}`, payloadJSON(userClaims()), hs256(secret))})
		tests = append(tests, tc{name: "HS512 keyed with " + name, want: directory.ECodeUnauthorized,
			token: craft(`{"alg":"HS512","typ":"JWT","kid":"`+kid+`"}`, payloadJSON(userClaims()), hs256(secret))})
	}
	for _, alg := range []string{"RS384", "RS512"} {
		tok, err := auth.MintAlg(alg, testKey(), kid, userClaims())
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, tc{name: alg + " valid", token: tok,
			wantID: directory.Identity{AccountID: reseller, OwnerID: userID, Method: "cb_user_auth"}})
		// The signature is right but the header claims another SHA.
		hs := segments(tok)
		other := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"` + kid + `"}`))
		tests = append(tests, tc{name: alg + " signature under an RS256 header", token: other + "." + hs[1] + "." + hs[2], want: directory.ECodeUnauthorized})
	}

	src := newFakeSource()
	a, _ := newJWT(src)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := a.Authenticate(context.Background(), directory.Credentials{Token: tt.token, AccountID: tt.accountID})
			if tt.want != "" {
				wantCode(t, err, tt.want)
				if id != (directory.Identity{}) {
					t.Fatalf("identity %+v returned with an error", id)
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			tt.wantID.Token = tt.token
			if id != tt.wantID {
				t.Fatalf("identity = %+v, want %+v", id, tt.wantID)
			}
		})
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestClockSkew(t *testing.T) {
	src := newFakeSource()
	clk := &clock{t: t0}
	a := auth.NewJWT(src, auth.Options{Now: clk.Now}) // default skew
	expired := mint(t, auth.Claims{AccountID: reseller, Exp: t0.Unix() - 2})
	early := mint(t, auth.Claims{AccountID: reseller, Exp: t0.Unix() + 60, Nbf: t0.Unix() + 2})
	for _, tok := range []string{expired, early} {
		accept(t, a, tok, "within the default skew")
	}
	late := mint(t, auth.Claims{AccountID: reseller, Exp: t0.Unix() - int64(auth.DefaultClockSkew/time.Second)})
	reject(t, a, late)
	// A cached verification ends with the token's exp plus skew.
	clk.Advance(auth.DefaultClockSkew)
	reject(t, a, expired)
}

func TestExpiryEndsCachedVerification(t *testing.T) {
	src := newFakeSource()
	a, clk := newJWT(src)
	tok := mint(t, auth.Claims{AccountID: reseller, Exp: t0.Unix() + 10})
	accept(t, a, tok, "")
	clk.Advance(9 * time.Second)
	accept(t, a, tok, "before exp")
	clk.Advance(time.Second)
	reject(t, a, tok)
}

func TestIdentitySecretReset(t *testing.T) {
	src := newFakeSource()
	a, clk := newJWT(src)
	tok := mint(t, userClaims())
	accept(t, a, tok, "")
	// A password reset on KAZOO replaces the user's pvt_signature_secret.
	clk.Advance(30 * time.Second)
	src.setSecret(reseller, userID, "new-secret")
	accept(t, a, tok, "within the TTL the cached secret still applies")
	clk.Advance(30 * time.Second) // exactly one TTL after the secret was read
	reject(t, a, tok)

	// A token signed with the new secret is accepted.
	c := userClaims()
	c.IdentitySig = auth.IdentitySig("new-secret", serverSec, userID)
	accept(t, a, mint(t, c), "token with the new secret")
}

// A verification cached late in the TTL of the secret it used must not outlive that
// secret's cache entry.
func TestCachedVerificationBoundByInputs(t *testing.T) {
	src := newFakeSource()
	a, clk := newJWT(src)
	first := mint(t, userClaims())
	accept(t, a, first, "")
	clk.Advance(50 * time.Second)
	// Another token under a second kid (its key is read now), with the same user
	// secret (read 50s ago).
	src.mu.Lock()
	src.keys["kid2"] = auth.PrivateKeyPEM(testKey())
	src.mu.Unlock()
	second, err := auth.Mint(testKey(), "kid2", userClaims())
	if err != nil {
		t.Fatal(err)
	}
	accept(t, a, second, "")
	src.setSecret(reseller, userID, "reset")
	clk.Advance(10 * time.Second)
	reject(t, a, second)
}

func TestKeyRotation(t *testing.T) {
	src := newFakeSource()
	a, clk := newJWT(src)
	old := mint(t, userClaims())
	accept(t, a, old, "")
	src.mu.Lock()
	src.keys[kid] = auth.PrivateKeyPEM(otherKey())
	src.mu.Unlock()
	c := userClaims()
	c.Method = "cb_api_auth"
	fresh, err := auth.Mint(otherKey(), kid, c)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	accept(t, a, fresh, "new key after the TTL")
	reject(t, a, old)
}

func TestPKCS8Key(t *testing.T) {
	src := newFakeSource()
	der, err := x509.MarshalPKCS8PrivateKey(testKey())
	if err != nil {
		t.Fatal(err)
	}
	src.keys[kid] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	a, _ := newJWT(src)
	if _, err := a.Authenticate(context.Background(), directory.Credentials{Token: mint(t, userClaims())}); err != nil {
		t.Fatal(err)
	}
	// A public key where KAZOO keeps its private key is not usable.
	pkix, _ := x509.MarshalPKIXPublicKey(&testKey().PublicKey)
	src.keys["pub"] = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	tok, _ := auth.Mint(testKey(), "pub", userClaims())
	_, err = a.Authenticate(context.Background(), directory.Credentials{Token: tok})
	wantCode(t, err, directory.ECodeUnauthorized)
}

func TestSmallKeyRejected(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.ParsePrivateKey(auth.PrivateKeyPEM(small)); err == nil {
		t.Fatal("1024-bit key accepted")
	}
}

func TestMasquerade(t *testing.T) {
	src := newFakeSource()
	a, _ := newJWT(src)
	ctx := context.Background()
	as := func(account, owner string) string {
		c := userClaims()
		c.As = &auth.As{AccountID: account, OwnerID: owner}
		return mint(t, c)
	}
	tok := as(grandchild, "33333333333333333333333333333333")
	id, err := a.Authenticate(ctx, directory.Credentials{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	want := directory.Identity{AccountID: grandchild, OwnerID: "33333333333333333333333333333333",
		OriginalAccountID: reseller, OriginalOwnerID: userID, Method: "cb_user_auth", Token: tok}
	if id != want {
		t.Fatalf("identity = %+v, want %+v", id, want)
	}
	// X-Auth-Account-ID is compared with the token's own account.
	if _, err := a.Authenticate(ctx, directory.Credentials{Token: tok, AccountID: reseller}); err != nil {
		t.Fatal(err)
	}
	_, err = a.Authenticate(ctx, directory.Credentials{Token: tok, AccountID: grandchild})
	wantCode(t, err, directory.ECodeUnauthorized)

	for name, tok := range map[string]string{
		"ancestor":       as(superAdmin, userID),
		"unrelated":      as(unrelated, userID),
		"itself":         as(reseller, userID),
		"missing":        as("0000000000000000000000000000000a", userID),
		"malformed":      as("xyz", userID),
		"empty owner_id": as(child, ""),
	} {
		_, err := a.Authenticate(ctx, directory.Credentials{Token: tok})
		if directory.ErrorCode(err) != directory.ECodeUnauthorized {
			t.Errorf("masquerade as %s: %v, want unauthorized", name, err)
		}
	}
	// An `as` claim without both ids is ignored, as by cb_token_auth.
	partial := craft(rsHeader, `{"iss":"kazoo","account_id":"`+reseller+`","as":{"account_id":"`+child+`"}}`, rs256(testKey()))
	id, err = a.Authenticate(ctx, directory.Credentials{Token: partial})
	if err != nil || id.AccountID != reseller || id.OriginalAccountID != "" {
		t.Fatalf("partial as: %+v, %v", id, err)
	}
}

func TestTrialExpired(t *testing.T) {
	src := newFakeSource()
	a, clk := newJWT(src)
	ctx := context.Background()
	c := auth.Claims{AccountID: trialAcct, OwnerID: userID, Exp: t0.Unix() + 7200,
		IdentitySig: auth.IdentitySig("trial-user-secret", serverSec, userID)}
	tok := mint(t, c)
	accept(t, a, tok, "trial not yet over")
	clk.Advance(time.Hour)
	_, err := a.Authenticate(ctx, directory.Credentials{Token: tok})
	wantCode(t, err, directory.ECodeValidation)
	var e *directory.Error
	errors.As(err, &e)
	got, err := json.Marshal(e.Data)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"account":{"expired":{"message":"account expired","cause":` + jsonInt(t0.Unix()+62167219200+3600) + `}}}`
	if string(got) != want {
		t.Fatalf("data = %s, want %s", got, want)
	}
	// The mismatch check comes first, as in KAZOO.
	_, err = a.Authenticate(ctx, directory.Credentials{Token: tok, AccountID: reseller})
	wantCode(t, err, directory.ECodeUnauthorized)
}

func TestSourceUnavailable(t *testing.T) {
	src := newFakeSource()
	a, clk := newJWT(src)
	ctx := context.Background()
	tok := mint(t, userClaims())
	src.setDown(true)
	_, err := a.Authenticate(ctx, directory.Credentials{Token: tok})
	wantCode(t, err, directory.ECodeUnavailable)
	// Outages are not remembered.
	src.setDown(false)
	accept(t, a, tok, "")
	// Cached results keep serving while the store is down, until they expire.
	src.setDown(true)
	accept(t, a, tok, "warm cache during an outage")
	clk.Advance(time.Minute)
	_, err = a.Authenticate(ctx, directory.Credentials{Token: tok})
	wantCode(t, err, directory.ECodeUnavailable)
}

func TestMissingAuthConfig(t *testing.T) {
	for name, cfg := range map[string]*string{"no doc": nil, "no key": new(string)} {
		src := newFakeSource()
		src.config = cfg
		a, _ := newJWT(src)
		_, err := a.Authenticate(context.Background(), directory.Credentials{Token: mint(t, userClaims())})
		if directory.ErrorCode(err) != directory.ECodeUnauthorized {
			t.Errorf("%s: %v, want unauthorized", name, err)
		}
	}
}

func TestWarmCacheCostsNoSourceCall(t *testing.T) {
	src := newFakeSource()
	a, clk := newJWT(src)
	tok := mint(t, userClaims())
	accept(t, a, tok, "")
	// key, config, secret, account (trial check)
	if n := src.calls.Load(); n != 4 {
		t.Fatalf("cold: %d source calls, want 4", n)
	}
	clk.Advance(59 * time.Second)
	for range 10 {
		accept(t, a, tok, "")
	}
	if n := src.calls.Load(); n != 4 {
		t.Fatalf("warm: %d source calls, want still 4", n)
	}
	// An unknown kid is remembered as unknown too.
	bad, _ := auth.Mint(testKey(), "unknown", userClaims())
	for range 3 {
		reject(t, a, bad)
	}
	if n := src.calls.Load(); n != 5 {
		t.Fatalf("unknown kid: %d source calls, want 5", n)
	}
}

// gatedSource blocks SystemKey until release is closed.
type gatedSource struct {
	*fakeSource
	release chan struct{}
	started chan struct{}
}

func (g *gatedSource) SystemKey(ctx context.Context, k string) ([]byte, error) {
	g.started <- struct{}{}
	<-g.release
	return g.fakeSource.SystemKey(ctx, k)
}

func TestConcurrentMissesShareOneLoad(t *testing.T) {
	g := &gatedSource{fakeSource: newFakeSource(), release: make(chan struct{}), started: make(chan struct{}, 100)}
	a, _ := newJWT(g)
	tok := mint(t, userClaims())
	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := a.Authenticate(context.Background(), directory.Credentials{Token: tok})
			errs <- err
		}()
	}
	<-g.started
	time.Sleep(20 * time.Millisecond) // let the others queue behind the first load
	close(g.release)
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(g.started) != 0 {
		t.Fatalf("%d extra SystemKey calls", len(g.started))
	}
	if got := g.calls.Load(); got != 4 {
		t.Fatalf("%d source calls for %d concurrent requests, want 4", got, n)
	}
}
