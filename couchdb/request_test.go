package couchdb_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// requestLog records Config.OnRequest calls.
type requestLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *requestLog) record(method, path string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, method+" "+path)
}

// TestOnRequestMatchesHTTP: Config.OnRequest reports exactly the requests the store
// sends over HTTP, in order and in the same form (without the query), so that
// request counts taken through it on the embedded store mean what HTTP counts mean.
func TestOnRequestMatchesHTTP(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "HTTP requests to compare the hook with")
	ctx := context.Background()
	for name, exercise := range map[string]func(t *testing.T, s *couchdb.Store, cfg couchdb.Config){
		"directories": func(t *testing.T, s *couchdb.Store, cfg couchdb.Config) {
			id := couchdbtest.NewAccount(t, cfg)
			couchdbtest.PutDocs(t, cfg, id, directory.Doc{"_id": "u1", "pvt_type": "user", "directories": map[string]any{"d1": "cf1"}})
			mustAccount(t, s, id) // account doc, design doc read and write
			rev, err := s.Put(ctx, id, directory.Doc{"_id": "d1", "pvt_type": "directory", "name": "Sales"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Put(ctx, id, directory.Doc{"pvt_type": "directory", "name": "No id"}); err != nil {
				t.Fatal(err)
			}
			_, _ = s.Directories(ctx, id, directory.ViewQuery{IncludeDocs: true, Limit: 10})
			_, _ = s.Members(ctx, id, "d1", true)
			_, _ = s.MemberNames(ctx, id, "d1")
			_, _ = s.Numbers(ctx, id, []string{"cf1", "nope"})
			_, _ = s.Doc(ctx, id, "_design/directories")
			_, _ = s.Delete(ctx, id, "d1", rev)
			_ = s.Ping(ctx)
			_ = s.AccountIDs(ctx, 2, func(string) error { return nil })
		},
		"bootstrap and auth": func(t *testing.T, s *couchdb.Store, cfg couchdb.Config) {
			setup := newSetup("Hooked")
			if err := s.Bootstrap(ctx, setup); err != nil {
				t.Fatal(err)
			}
			src := s.AuthSource()
			_, _ = src.SystemKey(ctx, setup.KeyID)
			_, _ = src.SystemKeyID(ctx)
			_, _ = src.AuthConfig(ctx)
			_, _ = src.SignatureSecret(ctx, setup.AccountID, setup.AccountID)
		},
	} {
		t.Run(name, func(t *testing.T) {
			var hooked requestLog
			seed := couchdbtest.Fresh(t) // the helpers' requests are not counted
			cfg := seed
			cfg.OnRequest = hooked.record
			ct := couchdbtest.Counting(&cfg)
			s := couchdbtest.Open(t, cfg)
			exercise(t, s, seed)
			var sent []string
			for _, r := range ct.Requests() {
				line, _, _ := strings.Cut(r, "?")
				sent = append(sent, line)
			}
			hooked.mu.Lock()
			defer hooked.mu.Unlock()
			if len(sent) < 5 || !slices.Equal(hooked.lines, sent) {
				t.Errorf("hook and HTTP differ:\nhook %q\nHTTP %q", hooked.lines, sent)
			}
		})
	}
}
