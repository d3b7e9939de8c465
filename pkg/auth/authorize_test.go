package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func TestAuthorize(t *testing.T) {
	src := newFakeSource()
	a, _ := newJWT(src)
	ctx := context.Background()
	acct := func(id string) directory.Account { return src.accounts[id] }
	tests := []struct {
		name     string
		identity string
		target   string
		want     directory.Code
	}{
		{"same account", reseller, reseller, ""},
		{"parent acts on child", reseller, child, ""},
		{"grandparent acts on grandchild", reseller, grandchild, ""},
		{"child acts on parent", child, reseller, directory.ECodeForbidden},
		{"grandchild acts on grandparent", grandchild, reseller, directory.ECodeForbidden},
		{"sibling tree", unrelated, child, directory.ECodeForbidden},
		{"child acts on unrelated", child, unrelated, directory.ECodeForbidden},
		{"superduper admin acts on anyone", superAdmin, unrelated, ""},
		{"superduper admin acts on an account outside its tree", superAdmin, reseller, ""},
		{"identity account missing", "0000000000000000000000000000000a", child, directory.ECodeForbidden},
		{"no identity account", "", child, directory.ECodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.Authorize(ctx, directory.Identity{AccountID: tt.identity}, acct(tt.target))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Authorize: %v", err)
				}
				return
			}
			wantCode(t, err, tt.want)
		})
	}
}

func TestAuthorizeMasqueradeUsesEffectiveAccount(t *testing.T) {
	src := newFakeSource()
	a, _ := newJWT(src)
	id := directory.Identity{AccountID: grandchild, OriginalAccountID: reseller}
	err := a.Authorize(context.Background(), id, src.accounts[child])
	wantCode(t, err, directory.ECodeForbidden)
}

func TestAuthorizeSourceDown(t *testing.T) {
	src := newFakeSource()
	a, clk := newJWT(src)
	ctx := context.Background()
	// The same-account and pvt_tree rules need no read.
	src.setDown(true)
	if err := a.Authorize(ctx, directory.Identity{AccountID: reseller}, src.accounts[child]); err != nil {
		t.Fatal(err)
	}
	err := a.Authorize(ctx, directory.Identity{AccountID: child}, src.accounts[reseller])
	wantCode(t, err, directory.ECodeUnavailable)
	// The admin flag is cached for the TTL.
	src.setDown(false)
	if err := a.Authorize(ctx, directory.Identity{AccountID: superAdmin}, src.accounts[reseller]); err != nil {
		t.Fatal(err)
	}
	src.mu.Lock()
	src.accounts[superAdmin] = directory.Account{ID: superAdmin}
	src.mu.Unlock()
	if err := a.Authorize(ctx, directory.Identity{AccountID: superAdmin}, src.accounts[reseller]); err != nil {
		t.Fatalf("within the TTL: %v", err)
	}
	clk.Advance(time.Minute)
	err = a.Authorize(ctx, directory.Identity{AccountID: superAdmin}, src.accounts[reseller])
	wantCode(t, err, directory.ECodeForbidden)
}
