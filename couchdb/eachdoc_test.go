package couchdb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// TestEachDoc reads every live doc of an account across page boundaries (500 a page):
// no doc twice, none missed, deleted docs and design docs left out.
func TestEachDoc(t *testing.T) {
	s, _, cfg := newStore(t)
	ctx := context.Background()
	acct := couchdbtest.NewAccount(t, cfg)
	docs := make([]directory.Doc, 1001)
	for i := range docs {
		docs[i] = directory.Doc{"_id": fmt.Sprintf("u%04d", i), "pvt_type": "user"}
	}
	couchdbtest.PutDocs(t, cfg, acct, docs...)
	if _, err := s.Delete(ctx, acct, "u0500", docs[500].Rev()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InstallDesignDocs(ctx, acct); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	err := s.EachDoc(ctx, acct, func(d directory.Doc) error {
		seen[d.ID()]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 1001 users - 1 deleted + the account doc.
	if len(seen) != 1001 || seen["u0500"] != 0 || seen["u0000"] != 1 || seen["u1000"] != 1 || seen[acct] != 1 || seen["_design/directories"] != 0 {
		t.Fatalf("EachDoc saw %d docs (u0500 %d, u0000 %d, u1000 %d, account %d)", len(seen), seen["u0500"], seen["u0000"], seen["u1000"], seen[acct])
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", id, n)
		}
	}
	if err := s.EachDoc(ctx, couchdbtest.NewAccountID(), func(directory.Doc) error { return nil }); !directory.IsCode(err, directory.ECodeBadIdentifier) {
		t.Errorf("missing account: %v", err)
	}
}
