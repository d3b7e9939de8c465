package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"slices"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// JWT verifies KAZOO tokens locally (AUTH_MODE=jwt). It is safe for concurrent use.
type JWT struct {
	src      Source
	opts     Options
	accounts *accounts
	keys     *cache[*rsa.PublicKey]
	secrets  *cache[string]
	config   *cache[string]
	tokens   *cache[claims]
}

var _ directory.Authenticator = (*JWT)(nil)

// NewJWT returns an Authenticator that reads keys, secrets and accounts from src.
func NewJWT(src Source, opts Options) *JWT {
	o := opts.withDefaults()
	return &JWT{
		src:      src,
		opts:     o,
		accounts: newAccounts(src, o),
		keys:     newCache[*rsa.PublicKey](o.Now, o.CacheTTL, o.CacheSize),
		secrets:  newCache[string](o.Now, o.CacheTTL, o.CacheSize),
		config:   newCache[string](o.Now, o.CacheTTL, 1),
		tokens:   newCache[claims](o.Now, 0, o.CacheSize),
	}
}

// Authenticate verifies c.Token (spec §12.3) and returns who it acts as.
//
// Errors: ECodeUnauthorized for any token that is missing, malformed, expired, not
// yet valid, signed with an unknown key or alg, badly signed, from another issuer,
// with a failing identity signature, an X-Auth-Account-ID that differs from its
// account, or a masquerade target that is not a descendant; ECodeValidation when the
// token's account trial has expired; the Source's own error (e.g. ECodeUnavailable)
// when a doc could not be read.
func (j *JWT) Authenticate(ctx context.Context, c directory.Credentials) (directory.Identity, error) {
	if c.Token == "" {
		return directory.Identity{}, unauthorized("no token")
	}
	sum := sha256.Sum256([]byte(c.Token))
	cl, _, err := j.tokens.load(ctx, string(sum[:]), func(ctx context.Context) (claims, time.Time, error) {
		return j.verify(ctx, c.Token)
	})
	if err != nil {
		return directory.Identity{}, err
	}
	return j.admit(ctx, cl, c)
}

// Authorize reports whether id may act on target (spec §12.4): nil, ECodeForbidden,
// or the Source's error when the identity's account doc could not be read.
func (j *JWT) Authorize(ctx context.Context, id directory.Identity, target directory.Account) error {
	return j.accounts.authorize(ctx, id, target)
}

// verify checks everything a token proves by itself, with the key and secrets it
// names. It returns the claims and how long that result may be reused: until the
// earliest expiry of exp (plus skew) and of every cached input it used.
func (j *JWT) verify(ctx context.Context, raw string) (claims, time.Time, error) {
	now := j.opts.Now()
	t, err := parseToken(raw)
	if err != nil {
		return claims{}, time.Time{}, unauthorized("malformed token: %v", err)
	}
	cl := t.claims
	switch {
	case cl.iss != "kazoo":
		return claims{}, time.Time{}, unauthorized("issuer %q not accepted", cl.iss)
	case cl.hasExp && !now.Before(cl.exp.Add(j.opts.ClockSkew)):
		return claims{}, time.Time{}, unauthorized("token expired at %s", cl.exp.UTC().Format(time.RFC3339))
	case cl.hasNbf && now.Add(j.opts.ClockSkew).Before(cl.nbf):
		return claims{}, time.Time{}, unauthorized("token not valid before %s", cl.nbf.UTC().Format(time.RFC3339))
	}
	pub, until, err := j.key(ctx, t.kid)
	if err != nil {
		return claims{}, time.Time{}, err
	}
	d := t.hash.New()
	d.Write(t.signed)
	if rsa.VerifyPKCS1v15(pub, t.hash, d.Sum(nil), t.sig) != nil {
		return claims{}, time.Time{}, unauthorized("bad signature (kid %q)", t.kid)
	}
	if cl.hasSig {
		sigUntil, err := j.checkIdentity(ctx, cl)
		if err != nil {
			return claims{}, time.Time{}, err
		}
		until = earliest(until, sigUntil)
	}
	if cl.hasExp {
		until = earliest(until, cl.exp.Add(j.opts.ClockSkew))
	}
	return cl, until, nil
}

// key returns the public key of system key kid, cached.
func (j *JWT) key(ctx context.Context, kid string) (*rsa.PublicKey, time.Time, error) {
	return j.keys.loadTTL(ctx, kid, func(ctx context.Context) (*rsa.PublicKey, error) {
		b, err := j.src.SystemKey(ctx, kid)
		switch {
		case isMissing(err):
			return nil, unauthorized("no system key %q", kid)
		case err != nil:
			return nil, sourceFailure("system key "+kid, err)
		}
		k, err := ParsePrivateKey(b)
		if err != nil {
			return nil, unauthorized("system key %q unusable: %v", kid, err)
		}
		return &k.PublicKey, nil
	})
}

// checkIdentity verifies identity_sig (spec §12.3 step 7) and returns until when the
// secrets it used may be trusted.
func (j *JWT) checkIdentity(ctx context.Context, cl claims) (time.Time, error) {
	got, err := b64.DecodeString(cl.identitySig)
	if err != nil {
		return time.Time{}, unauthorized("identity_sig is not base64url")
	}
	server, until, err := j.config.loadTTL(ctx, "", func(ctx context.Context) (string, error) {
		s, err := j.src.AuthConfig(ctx)
		switch {
		case isMissing(err):
			return "", unauthorized("no system_config/auth")
		case err != nil:
			return "", sourceFailure("system_config/auth", err)
		}
		return s, nil
	})
	if err != nil {
		return time.Time{}, err
	}
	if server == "" {
		return time.Time{}, unauthorized("system_config/auth has no secret_for_user_signature")
	}
	id := cl.identityID()
	secret, secUntil, err := j.secrets.loadTTL(ctx, cl.accountID+"/"+id, func(ctx context.Context) (string, error) {
		s, err := j.src.SignatureSecret(ctx, cl.accountID, id)
		switch {
		case isMissing(err):
			return "", unauthorized("identity doc %s missing in account %s", id, cl.accountID)
		case err != nil:
			return "", sourceFailure("identity doc "+id, err)
		}
		return s, nil
	})
	if err != nil {
		return time.Time{}, err
	}
	if secret == "" {
		return time.Time{}, unauthorized("identity doc %s has no pvt_signature_secret", id)
	}
	if !hmac.Equal(got, identityMAC(secret, server, id)) {
		return time.Time{}, unauthorized("identity_sig mismatch for %s", id)
	}
	return earliest(until, secUntil), nil
}

// admit applies the per-request checks that follow verification, in KAZOO's order:
// X-Auth-Account-ID, account trial expiry, masquerade (spec §12.3 steps 8-11).
func (j *JWT) admit(ctx context.Context, cl claims, c directory.Credentials) (directory.Identity, error) {
	if c.AccountID != "" && c.AccountID != cl.accountID {
		return directory.Identity{}, unauthorized("X-Auth-Account-ID %q is not the token's account %s", c.AccountID, cl.accountID)
	}
	if err := j.accounts.checkTrial(ctx, cl.accountID, j.opts.Now()); err != nil {
		return directory.Identity{}, err
	}
	id := directory.Identity{AccountID: cl.accountID, OwnerID: cl.ownerID, Method: cl.method, Token: c.Token}
	if cl.asAccountID == "" {
		return id, nil
	}
	target, err := j.accounts.get(ctx, cl.asAccountID)
	switch {
	case isMissing(err):
		return directory.Identity{}, unauthorized("masquerade target %s missing", cl.asAccountID)
	case err != nil:
		return directory.Identity{}, sourceFailure("account "+cl.asAccountID, err)
	case !slices.Contains(target.Tree, cl.accountID):
		return directory.Identity{}, unauthorized("masquerade target %s is not a descendant of %s", cl.asAccountID, cl.accountID)
	}
	id.OriginalAccountID, id.OriginalOwnerID = id.AccountID, id.OwnerID
	id.AccountID, id.OwnerID = cl.asAccountID, cl.asOwnerID
	return id, nil
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
