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

// A notice about an account database drops its account doc and what the store knows
// of its design docs; other databases' are kept.
func TestInvalidateDB(t *testing.T) {
	s, ct, cfg := newStore(t)
	id := couchdbtest.NewAccount(t, cfg, couchdbtest.WithName("Before"))
	other := couchdbtest.NewAccount(t, cfg, couchdbtest.WithName("Other"))
	mustAccount(t, s, id)
	mustAccount(t, s, other)
	for _, acct := range []string{id, other} {
		doc := couchdbtest.GetDoc(t, cfg, acct, acct)
		doc["name"] = "After"
		couchdbtest.PutDocs(t, cfg, acct, doc)
	}
	s.InvalidateDB(directory.EncodedAccountDBName(id))
	ct.Reset()
	if got := mustAccount(t, s, id).Name; got != "After" {
		t.Errorf("after the database notice: name %q, want After", got)
	}
	if n := countMethod(ct.Requests(), "GET", "/_design/directories"); n != 1 {
		t.Errorf("design docs not checked again: %v", ct.Requests())
	}
	if got := mustAccount(t, s, other).Name; got != "Other" {
		t.Errorf("another account's cached doc was dropped: %q", got)
	}
}
