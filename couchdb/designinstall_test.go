package couchdb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func TestInstallDesignDocs(t *testing.T) {
	ctx := context.Background()
	s, ct, cfg := newStore(t)
	outdated := kazooMasterCopy()
	outdated["views"].(map[string]any)["users_listing"] = map[string]any{"map": "function(doc) { emit(doc._id, null); }"}
	for _, tc := range []struct {
		name   string
		stored directory.Doc // nil: no design doc
		wrote  bool
	}{
		{"missing", nil, true},
		{"KAZOO's copy", kazooMasterCopy(), false},
		{"outdated", outdated, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := couchdbtest.NewAccount(t, cfg)
			if tc.stored != nil {
				couchdbtest.PutDocs(t, cfg, id, tc.stored.Clone(), couchdbtest.IndexDesignDoc(t))
			}
			ct.Reset()
			wrote, err := s.InstallDesignDocs(ctx, id)
			if err != nil || wrote != tc.wrote {
				t.Fatalf("InstallDesignDocs = %v, %v; want %v (%v)", wrote, err, tc.wrote, ct.Requests())
			}
			if n := countMethod(ct.Requests(), "PUT", "/_design/directories"); n != map[bool]int{true: 1, false: 0}[tc.wrote] {
				t.Errorf("%d design doc writes: %v", n, ct.Requests())
			}
			// Idempotent: the second run finds it current.
			if wrote, err := s.InstallDesignDocs(ctx, id); err != nil || wrote {
				t.Errorf("second run = %v, %v", wrote, err)
			}
			ddoc, err := s.Doc(ctx, id, "_design/directories")
			if err != nil {
				t.Fatal(err)
			}
			m, _ := ddoc["views"].(map[string]any)["users_listing"].(map[string]any)["map"].(string)
			if !strings.Contains(m, "doc.directories") {
				t.Errorf("users_listing after install: %q", m)
			}
		})
	}
	t.Run("missing database", func(t *testing.T) {
		_, err := s.InstallDesignDocs(ctx, couchdbtest.NewAccountID())
		wantCode(t, err, directory.ECodeBadIdentifier)
	})
	t.Run("malformed id", func(t *testing.T) {
		ct.Reset()
		_, err := s.InstallDesignDocs(ctx, "../_users")
		wantCode(t, err, directory.ECodeBadIdentifier)
		if ct.Count() != 0 {
			t.Errorf("requests for a malformed id: %v", ct.Requests())
		}
	})
}

// TestInstallDesignDocsConflict: KAZOO (or another instance) writes the design doc
// between our read and our write; the 409 is re-read and the equivalent copy kept.
func TestInstallDesignDocsConflict(t *testing.T) {
	cfg := couchdbtest.Config(t)
	id := couchdbtest.NewAccount(t, cfg)
	couchdbtest.PutDocs(t, cfg, id, couchdbtest.IndexDesignDoc(t))
	s, ct, _ := newStore(t, func(c *couchdb.Config) {
		raceDesignWrite(c, func() { couchdbtest.PutDocs(t, cfg, id, kazooMasterCopy()) })
	})
	wrote, err := s.InstallDesignDocs(context.Background(), id)
	if err != nil || wrote {
		t.Fatalf("InstallDesignDocs = %v, %v; want false (someone else installed it)", wrote, err)
	}
	if n := countMethod(ct.Requests(), "GET", "/_design/directories"); n != 2 {
		t.Errorf("%d reads of the design doc, want 2 (re-read after the 409): %v", n, ct.Requests())
	}
}
