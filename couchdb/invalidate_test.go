package couchdb_test

import (
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// A KAZOO notice about an account doc drops the store's cached copy at once, whether
// it names the account database (any form) or `accounts`; other docs leave it.
func TestInvalidateAccountDoc(t *testing.T) {
	s, _, cfg := newStore(t)
	id := couchdbtest.NewAccount(t, cfg, couchdbtest.WithName("Before"))
	rename := func(name string) {
		doc := couchdbtest.GetDoc(t, cfg, id, id)
		doc["name"] = name
		couchdbtest.PutDocs(t, cfg, id, doc)
	}
	for i, db := range []string{directory.EncodedAccountDBName(id), directory.AccountDBName(id), "accounts"} {
		before := mustAccount(t, s, id).Name
		rename(before + "+")
		s.InvalidateDoc(db, "some-user")
		s.InvalidateDoc("system_config", id)
		if got := mustAccount(t, s, id).Name; got != before {
			t.Fatalf("%d: notices about other docs dropped the cached account (%q)", i, got)
		}
		s.InvalidateDoc(db, id)
		if got := mustAccount(t, s, id).Name; got != before+"+" {
			t.Errorf("%d: after a notice on %s: name %q, want %q", i, db, got, before+"+")
		}
	}
	before := mustAccount(t, s, id).Name
	rename("All")
	s.InvalidateAll()
	if got := mustAccount(t, s, id).Name; got != "All" {
		t.Errorf("after InvalidateAll: %q (was %q)", got, before)
	}
}
