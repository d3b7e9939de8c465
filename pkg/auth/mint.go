package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
)

// Claims are the payload of a KAZOO token (crossbar_auth:create_auth_token). Empty
// strings and zero times are omitted.
type Claims struct {
	// Iss is the issuer; "" means "kazoo", the only one accepted.
	Iss string `json:"iss"`
	// IdentitySig is base64url(HMAC-SHA256) of the identity id; see IdentitySig.
	IdentitySig string `json:"identity_sig,omitempty"`
	AccountID   string `json:"account_id,omitempty"`
	// OwnerID is the user id; absent for api-key tokens.
	OwnerID  string `json:"owner_id,omitempty"`
	DeviceID string `json:"device_id,omitempty"`
	// As asks to masquerade as a user of a descendant account.
	As *As `json:"as,omitempty"`
	// Method is the auth module, e.g. "cb_user_auth" or "cb_api_auth".
	Method string `json:"method,omitempty"`
	// Exp is the expiry in Unix seconds (KAZOO default: issue time + 3600).
	Exp int64 `json:"exp,omitempty"`
	// Nbf is "not before" in Unix seconds (KAZOO never sets it).
	Nbf int64 `json:"nbf,omitempty"`
}

// As is the masquerade claim.
type As struct {
	AccountID string `json:"account_id"`
	OwnerID   string `json:"owner_id"`
}

// Mint signs claims with RS256 exactly as kz_auth_jwt:encode does: header
// {"alg":"RS256","typ":"JWT","kid":kid}, then the claims, each part base64url without
// padding, then the PKCS#1 v1.5 signature over "header.payload".
func Mint(key *rsa.PrivateKey, kid string, c Claims) (string, error) {
	return MintAlg("RS256", key, kid, c)
}

// MintAlg is Mint with alg RS256, RS384 or RS512.
func MintAlg(alg string, key *rsa.PrivateKey, kid string, c Claims) (string, error) {
	h, ok := algs[alg]
	if !ok {
		return "", fmt.Errorf("auth: alg %q not supported", alg)
	}
	if c.Iss == "" {
		c.Iss = "kazoo"
	}
	header, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
		Kid string `json:"kid"`
	}{alg, "JWT", kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	signed := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	d := h.New()
	d.Write([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, h, d.Sum(nil))
	if err != nil {
		return "", fmt.Errorf("auth: signing: %w", err)
	}
	return signed + "." + b64.EncodeToString(sig), nil
}

// IdentitySig computes KAZOO's identity_sig claim: base64url (no padding) of
// HMAC-SHA256 keyed by secret (the identity doc's pvt_signature_secret) followed by
// secretForUserSignature (system_config/auth), over identityID (device_id, else
// owner_id, else account_id).
func IdentitySig(secret, secretForUserSignature, identityID string) string {
	return b64.EncodeToString(identityMAC(secret, secretForUserSignature, identityID))
}

func identityMAC(secret, server, identityID string) []byte {
	m := hmac.New(sha256.New, []byte(secret+server))
	m.Write([]byte(identityID))
	return m.Sum(nil)
}
