package couchdb_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func TestAccountFields(t *testing.T) {
	s, ct, cfg := newStore(t)
	parent := couchdbtest.NewAccountID()
	id := couchdbtest.NewAccount(t, cfg, couchdbtest.WithName("Acme Inc"),
		couchdbtest.WithTree(parent), couchdbtest.WithSuperduperAdmin(),
		couchdbtest.WithTrialExpires(63900000000))
	ct.Reset()
	got := mustAccount(t, s, id)
	want := directory.Account{ID: id, Name: "Acme Inc", Tree: []string{parent}, SuperduperAdmin: true, TrialExpires: 63900000000}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Account = %+v, want %+v", got, want)
	}
	// First touch: account doc, then a read and a write of each design doc.
	if n := ct.Count(); n != 5 {
		t.Errorf("first Account cost %d requests, want 5: %v", n, ct.Requests())
	}
	ct.Reset()
	mustAccount(t, s, id)
	if n := ct.Count(); n != 0 {
		t.Errorf("cached Account cost %d requests, want 0: %v", n, ct.Requests())
	}
}

func TestAccountMissing(t *testing.T) {
	s, ct, cfg := newStore(t)
	ctx := context.Background()

	missing := couchdbtest.NewAccountID()
	_, err := s.Account(ctx, missing)
	wantCode(t, err, directory.ECodeBadIdentifier)
	if b, _ := json.Marshal(err.(*directory.Error).Data); string(b) != `{"cause":"`+missing+`","message":"bad identifier"}` {
		t.Errorf("data = %s", b)
	}

	// A database without its account doc is no account either, and gets no design doc.
	id := couchdbtest.NewAccountID()
	couchdbtest.CreateDB(t, cfg, directory.AccountDBName(id))
	_, err = s.Account(ctx, id)
	wantCode(t, err, directory.ECodeBadIdentifier)
	if _, err := s.Doc(ctx, id, "_design/directories"); !directory.IsCode(err, directory.ECodeBadIdentifier) {
		t.Errorf("design doc installed into a database without account doc: %v", err)
	}

	// Malformed ids never reach CouchDB.
	ct.Reset()
	for _, bad := range []string{"", "../_users", "ABCDEF0123456789ABCDEF0123456789", "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0"} {
		_, err := s.Account(ctx, bad)
		wantCode(t, err, directory.ECodeBadIdentifier)
		_, err = s.Doc(ctx, bad, "x")
		wantCode(t, err, directory.ECodeBadIdentifier)
	}
	if n := ct.Count(); n != 0 {
		t.Errorf("malformed ids cost %d requests: %v", n, ct.Requests())
	}
}

func TestAccountCacheTTL(t *testing.T) {
	s, ct, cfg := newStore(t, func(c *couchdb.Config) { c.AccountCacheTTL = -1 })
	id := couchdbtest.NewAccount(t, cfg, couchdbtest.WithName("Before"))
	mustAccount(t, s, id)
	mustAccount(t, s, id)
	doc, err := s.Doc(context.Background(), id, id)
	if err != nil {
		t.Fatal(err)
	}
	doc["name"] = "After"
	if _, err := s.Put(context.Background(), id, doc); err != nil {
		t.Fatal(err)
	}
	ct.Reset()
	if a := mustAccount(t, s, id); a.Name != "After" {
		t.Errorf("uncached Account name = %q, want After", a.Name)
	}
	// Without the account cache the design doc check stays cached: one request.
	if n := ct.Count(); n != 1 {
		t.Errorf("uncached Account cost %d requests, want 1: %v", n, ct.Requests())
	}
}
