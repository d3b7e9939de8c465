package auth

import (
	"bytes"
	"crypto"
	_ "crypto/sha256" // RS256
	_ "crypto/sha512" // RS384, RS512
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// b64 is KAZOO's kz_base64url without padding; Strict rejects non-canonical encodings
// so that exactly one string encodes each signed token.
var b64 = base64.RawURLEncoding.Strict()

// algs maps the JWT algorithms KAZOO accepts (kz_auth_jwt ?ALGORITHMS) to their hash.
// Every other alg, `none` and the HMAC family included, is rejected before any key is
// read, so an RSA key can never serve as an HMAC secret.
var algs = map[string]crypto.Hash{
	"RS256": crypto.SHA256,
	"RS384": crypto.SHA384,
	"RS512": crypto.SHA512,
}

// token is a JWT split and decoded, not yet verified.
type token struct {
	signed []byte // header64 "." payload64: what the signature covers
	sig    []byte
	hash   crypto.Hash
	kid    string
	claims claims
}

// claims are the payload fields KAZOO's validation looks at.
type claims struct {
	iss         string
	accountID   string
	ownerID     string
	deviceID    string
	method      string
	identitySig string // "" when absent
	hasSig      bool
	exp, nbf    time.Time
	hasExp      bool
	hasNbf      bool
	asAccountID string // masquerade target; "" when the token does not masquerade
	asOwnerID   string
}

// identityID is the id whose signature secret signs identity_sig: device_id, else
// owner_id, else account_id (kz_auth_identity).
func (c claims) identityID() string {
	switch {
	case c.deviceID != "":
		return c.deviceID
	case c.ownerID != "":
		return c.ownerID
	}
	return c.accountID
}

// parseToken splits, decodes and shape-checks a KAZOO JWT (spec §12.3 steps 1-3). It
// reads nothing and verifies no signature.
func parseToken(s string) (*token, error) {
	h64, rest, ok1 := strings.Cut(s, ".")
	p64, s64, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s64, ".") {
		return nil, errors.New("not three segments")
	}
	header, err := decodeObject(h64)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	payload, err := decodeObject(p64)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	sig, err := b64.DecodeString(s64)
	if err != nil || len(sig) == 0 {
		return nil, errors.New("signature: bad base64url")
	}
	t := &token{signed: []byte(s[:len(h64)+1+len(p64)]), sig: sig}
	alg, err := str(header, "alg")
	if err != nil {
		return nil, err
	}
	if t.hash, ok1 = algs[alg]; !ok1 {
		return nil, fmt.Errorf("alg %q not accepted", alg)
	}
	if t.kid, err = str(header, "kid"); err != nil {
		return nil, err
	}
	if !plainID(t.kid) {
		return nil, fmt.Errorf("kid %q malformed", t.kid)
	}
	if t.claims, err = parseClaims(payload); err != nil {
		return nil, err
	}
	return t, nil
}

func parseClaims(p map[string]json.RawMessage) (claims, error) {
	var c claims
	var err error
	if c.iss, err = str(p, "iss"); err != nil {
		return c, err
	}
	if c.accountID, err = str(p, "account_id"); err != nil {
		return c, err
	}
	if !directory.ValidAccountID(c.accountID) {
		return c, fmt.Errorf("account_id %q malformed", c.accountID)
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"owner_id", &c.ownerID}, {"device_id", &c.deviceID}} {
		if _, ok := p[f.key]; !ok {
			continue
		}
		if *f.dst, err = str(p, f.key); err != nil {
			return c, err
		}
		if !plainID(*f.dst) {
			return c, fmt.Errorf("%s %q malformed", f.key, *f.dst)
		}
	}
	if _, ok := p["method"]; ok {
		if c.method, err = str(p, "method"); err != nil {
			return c, err
		}
	}
	if _, c.hasSig = p["identity_sig"]; c.hasSig {
		if c.identitySig, err = str(p, "identity_sig"); err != nil || c.identitySig == "" {
			return c, errors.New("identity_sig present but not a non-empty string")
		}
	}
	if c.exp, c.hasExp, err = unixTime(p, "exp"); err != nil {
		return c, err
	}
	if c.nbf, c.hasNbf, err = unixTime(p, "nbf"); err != nil {
		return c, err
	}
	return c, parseAs(p, &c)
}

// parseAs reads the masquerade claim as cb_token_auth does: ignored unless it is an
// object with both account_id and owner_id; then both must be usable.
func parseAs(p map[string]json.RawMessage, c *claims) error {
	var as map[string]json.RawMessage
	if raw, ok := p["as"]; !ok || json.Unmarshal(raw, &as) != nil || as == nil {
		return nil
	}
	if !present(as, "account_id") || !present(as, "owner_id") {
		return nil
	}
	var err error
	if c.asAccountID, err = str(as, "account_id"); err != nil || !directory.ValidAccountID(c.asAccountID) {
		return fmt.Errorf("as.account_id %q malformed", c.asAccountID)
	}
	if c.asOwnerID, err = str(as, "owner_id"); err != nil || !plainID(c.asOwnerID) {
		return fmt.Errorf("as.owner_id %q malformed", c.asOwnerID)
	}
	return nil
}

// decodeObject decodes one base64url segment holding a JSON object.
func decodeObject(seg string) (map[string]json.RawMessage, error) {
	b, err := b64.DecodeString(seg)
	if err != nil {
		return nil, errors.New("bad base64url")
	}
	var m map[string]json.RawMessage
	if !bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{")) || json.Unmarshal(b, &m) != nil {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

func present(m map[string]json.RawMessage, key string) bool {
	raw, ok := m[key]
	return ok && string(raw) != "null"
}

// str returns the string at key; absent, null or another type is an error.
func str(m map[string]json.RawMessage, key string) (string, error) {
	raw, ok := m[key]
	var s string
	if !ok || string(raw) == "null" || json.Unmarshal(raw, &s) != nil {
		return "", fmt.Errorf("%s missing or not a string", key)
	}
	return s, nil
}

// unixTime reads a NumericDate (Unix seconds, possibly fractional) if present.
func unixTime(m map[string]json.RawMessage, key string) (time.Time, bool, error) {
	raw, ok := m[key]
	if !ok {
		return time.Time{}, false, nil
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil || string(raw) == "null" || math.IsNaN(f) {
		return time.Time{}, false, fmt.Errorf("%s is not a number", key)
	}
	const limit = 1e11 // year ~5138; keeps the conversion to int64 exact and safe
	f = math.Max(-limit, math.Min(limit, f))
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// plainID reports whether s is usable as a CouchDB doc id taken from a token:
// 1-128 bytes of printable UTF-8, no '/', not a `_design`-style reserved id.
func plainID(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '_' || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '/' {
			return false
		}
	}
	return true
}
