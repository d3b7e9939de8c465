package auth_test

import (
	"context"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// A notice about a user's doc (any form of the account database name) ends a token
// whose identity secret was reset, long before the cache TTL.
func TestInvalidateIdentitySecret(t *testing.T) {
	for _, db := range []string{
		directory.EncodedAccountDBName(reseller),
		directory.AccountDBName(reseller),
		"account%2faa%2faa%2faaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	} {
		src := newFakeSource()
		a, _ := newJWT(src)
		tok := mint(t, userClaims())
		accept(t, a, tok, "")
		src.setSecret(reseller, userID, "new-secret")
		accept(t, a, tok, "cached before the notice")
		a.InvalidateDoc(db, "some-other-user")
		a.InvalidateDoc("other_db", userID)
		accept(t, a, tok, "notices about other docs change nothing")
		a.InvalidateDoc(db, userID)
		reject(t, a, tok)
	}
}

func TestInvalidateSystemKeyAndConfig(t *testing.T) {
	src := newFakeSource()
	a, _ := newJWT(src)
	tok := mint(t, userClaims())
	accept(t, a, tok, "")
	src.mu.Lock()
	src.keys[kid] = auth.PrivateKeyPEM(otherKey())
	src.mu.Unlock()
	accept(t, a, tok, "cached key")
	a.InvalidateDoc("system_auth", kid)
	reject(t, a, tok)

	src2 := newFakeSource()
	b, _ := newJWT(src2)
	accept(t, b, tok, "")
	src2.mu.Lock()
	other := "another-server-secret"
	src2.config = &other
	src2.mu.Unlock()
	b.InvalidateDoc("system_config", "crossbar")
	accept(t, b, tok, "another system_config doc")
	b.InvalidateDoc("system_config", "auth")
	reject(t, b, tok)
}

func TestInvalidateAccountAndAll(t *testing.T) {
	src := newFakeSource()
	a, _ := newJWT(src)
	tok := mint(t, userClaims())
	accept(t, a, tok, "")
	calls := src.calls.Load()
	accept(t, a, tok, "")
	if src.calls.Load() != calls {
		t.Fatal("a warm cache read the source")
	}
	a.InvalidateAll()
	accept(t, a, tok, "")
	if src.calls.Load() == calls {
		t.Error("InvalidateAll: the next request did not read the source again")
	}
	calls = src.calls.Load()
	a.InvalidateDoc("accounts", reseller)
	accept(t, a, tok, "")
	if src.calls.Load() == calls {
		t.Error("account notice: the account doc was not read again")
	}
}

// In AUTH_MODE=kazoo a notice about the token's user makes us ask KAZOO again.
func TestKazooInvalidate(t *testing.T) {
	k, fk, _, _ := newKazoo(t, newFakeSource())
	ctx := context.Background()
	tok := mint(t, auth.Claims{AccountID: reseller, OwnerID: userID, Method: "cb_user_auth", Exp: t0.Unix() + 3600})
	fk.set(tok, tokenAuthOK(reseller, userID, "cb_user_auth"))
	if _, err := k.Authenticate(ctx, directory.Credentials{Token: tok}); err != nil {
		t.Fatal(err)
	}
	fk.set(tok, reply{401, `{}`}) // KAZOO reset the user's identity secret
	k.InvalidateDoc("system_config", "crossbar")
	if _, err := k.Authenticate(ctx, directory.Credentials{Token: tok}); err != nil {
		t.Fatalf("an unrelated notice dropped the cached answer: %v", err)
	}
	k.InvalidateDoc(directory.EncodedAccountDBName(reseller), userID)
	_, err := k.Authenticate(ctx, directory.Credentials{Token: tok})
	wantCode(t, err, directory.ECodeUnauthorized)
}

// A notice about an account database (created, deleted, replaced) drops what came
// from it, and only that; a MODB's drops nothing.
func TestInvalidateDB(t *testing.T) {
	src := newFakeSource()
	src.setSecret(child, userID, "user-secret")
	a, _ := newJWT(src)
	tokReseller := mint(t, userClaims())
	c := userClaims()
	c.AccountID = child
	tokChild := mint(t, c)
	accept(t, a, tokReseller, "")
	accept(t, a, tokChild, "")
	src.setSecret(reseller, userID, "new-secret")
	src.setSecret(child, userID, "new-secret")
	a.InvalidateDB(directory.AccountDBName(child) + "-202612")
	accept(t, a, tokChild, "a MODB's notice")
	a.InvalidateDB(directory.EncodedAccountDBName(child))
	accept(t, a, tokReseller, "another account's database")
	reject(t, a, tokChild)
}
