package couchdb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// BenchmarkDirectoryRead measures what GET /directories/{D} costs the store: the cached
// account, the directory doc and the members view over 1,000 members. It reports
// CouchDB requests per operation.
func BenchmarkDirectoryRead(b *testing.B) {
	cfg := couchdbtest.Config(b)
	ct := couchdbtest.Counting(&cfg)
	id := couchdbtest.NewAccount(b, cfg)
	docs := []directory.Doc{{"_id": "D", "pvt_type": "directory", "name": "Big"}}
	for i := range 1000 {
		docs = append(docs, directory.Doc{"_id": fmt.Sprintf("user%04d", i), "pvt_type": "user",
			"first_name": "F", "last_name": "L", "directories": map[string]any{"D": "cf"}})
	}
	couchdbtest.PutDocs(b, cfg, id, docs...)
	s := couchdbtest.Open(b, cfg)
	ctx := context.Background()
	if _, err := s.Account(ctx, id); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Members(ctx, id, "D", false); err != nil { // builds the view
		b.Fatal(err)
	}
	ct.Reset()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Account(ctx, id); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Doc(ctx, id, "D"); err != nil {
			b.Fatal(err)
		}
		m, err := s.Members(ctx, id, "D", false)
		if err != nil || len(m) != 1000 {
			b.Fatalf("%d members, %v", len(m), err)
		}
	}
	b.ReportMetric(float64(ct.Count())/float64(b.N), "couchdb-requests/op")
}
