package couchdb_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
)

func TestAccountIDs(t *testing.T) {
	cfg := couchdbtest.Fresh(t)
	var want []string
	for range 5 {
		want = append(want, couchdbtest.NewAccount(t, cfg))
	}
	slices.Sort(want)
	couchdbtest.EnsureDB(t, cfg, couchdb.SystemConfigDB)
	couchdbtest.CreateDB(t, cfg, "accounts")
	couchdbtest.CreateDB(t, cfg, "account/zz/not/an/account")
	s := couchdbtest.Open(t, cfg)
	for _, pageSize := range []int{2, 0} {
		var got []string
		err := s.AccountIDs(context.Background(), pageSize, func(id string) error {
			got = append(got, id)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("page size %d: %v, want %v", pageSize, got, want)
		}
	}
	stop := errors.New("stop")
	if err := s.AccountIDs(context.Background(), 2, func(string) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error: %v", err)
	}
}
