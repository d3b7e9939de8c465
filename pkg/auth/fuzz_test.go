package auth_test

import (
	"context"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// FuzzAuthenticate: no token string panics the verifier, and only the exact tokens
// signed with the stored key authenticate (a signature covers the exact base64url
// text, and decoding is canonical).
func FuzzAuthenticate(f *testing.F) {
	valid := map[string]bool{}
	add := func(tok string) { valid[tok] = true; f.Add(tok) }
	add(mint(f, userClaims()))
	add(mint(f, auth.Claims{AccountID: reseller, Exp: t0.Unix() + 60}))
	c := userClaims()
	c.As = &auth.As{AccountID: child, OwnerID: userID}
	add(mint(f, c))
	for _, s := range []string{"", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.",
		"eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJpc3MiOiJrYXpvbyJ9.AAAA"} {
		f.Add(s)
	}
	src := newFakeSource()
	a, _ := newJWT(src)
	f.Fuzz(func(t *testing.T, tok string) {
		id, err := a.Authenticate(context.Background(), directory.Credentials{Token: tok})
		if err == nil && !valid[tok] {
			t.Fatalf("forged token authenticated as %+v: %q", id, tok)
		}
		if err != nil {
			if code := directory.ErrorCode(err); code != directory.ECodeUnauthorized && code != directory.ECodeValidation {
				t.Fatalf("error code %q for %q: %v", code, tok, err)
			}
		}
	})
}
