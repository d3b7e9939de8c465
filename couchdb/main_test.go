package couchdb_test

import (
	"context"
	"os"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func TestMain(m *testing.M) { os.Exit(couchdbtest.Main(m)) }

// newStore opens a store on the test server with its requests counted; mutate may
// change the config first.
func newStore(t *testing.T, mutate ...func(*couchdb.Config)) (*couchdb.Store, *couchdbtest.CountingTransport, couchdb.Config) {
	t.Helper()
	cfg := couchdbtest.Config(t)
	for _, m := range mutate {
		m(&cfg)
	}
	ct := couchdbtest.Counting(&cfg)
	return couchdbtest.Open(t, cfg), ct, cfg
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, err error, code directory.Code) {
	t.Helper()
	if got := directory.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// mustAccount loads the account (installing the design doc) and fails on error.
func mustAccount(t *testing.T, s *couchdb.Store, id string) directory.Account {
	t.Helper()
	a, err := s.Account(context.Background(), id)
	if err != nil {
		t.Fatalf("Account(%s): %v", id, err)
	}
	return a
}
