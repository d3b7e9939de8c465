package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"

	designdocs "github.com/kazoo-directories/kazoo-directories/design_docs"
)

// Bench runs the store benchmarks against a client: single-document Put and Get,
// the members of a 1,000-member directory (users_listing with include_docs), the
// listing of 1,000 directories (crossbar_listing) and _all_docs with 100 keys.
func Bench(b *testing.B, c *kivik.Client) {
	db := benchDB(b, c)
	b.Run("Put", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := db.Put(ctx(), fmt.Sprintf("put-%d", i), benchUser(i, "dir-put")); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Get", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			var d doc
			if err := db.Get(ctx(), fmt.Sprintf("user-%04d", i%1000)).ScanDoc(&d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Members1000IncludeDocs", func(b *testing.B) {
		opts := kivik.Params(map[string]any{"startkey": []any{"dir-big"}, "endkey": []any{"dir-big", map[string]any{}}, "include_docs": true})
		for b.Loop() {
			benchRows(b, db.Query(ctx(), "directories", "users_listing", opts), 1000)
		}
	})
	b.Run("Directories1000", func(b *testing.B) {
		for b.Loop() {
			benchRows(b, db.Query(ctx(), "directories", "crossbar_listing"), 1000)
		}
	})
	b.Run("AllDocsKeys100", func(b *testing.B) {
		keys := make([]string, 100)
		for i := range keys {
			keys[i] = fmt.Sprintf("user-%04d", i*7)
		}
		opts := kivik.Params(map[string]any{"keys": keys, "include_docs": true})
		for b.Loop() {
			benchRows(b, db.AllDocs(ctx(), opts), 100)
		}
	})
}

func benchUser(i int, dir string) doc {
	return doc{"pvt_type": "user", "first_name": fmt.Sprintf("First%d", i), "last_name": fmt.Sprintf("Last%d", i),
		"username": fmt.Sprintf("user%d@example.com", i), "directories": doc{dir: fmt.Sprintf("cf-%d", i)}}
}

// benchDB creates a database with the KAZOO design docs, 1,000 members of
// "dir-big" and 1,000 directories.
func benchDB(b *testing.B, c *kivik.Client) *kivik.DB {
	b.Helper()
	name := dbName()
	if err := c.CreateDB(ctx(), name); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.DestroyDB(context.Background(), name) })
	db := c.DB(name)
	ddocs, err := designdocs.Account()
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range ddocs {
		if _, err := db.Put(ctx(), d["_id"].(string), d); err != nil {
			b.Fatal(err)
		}
	}
	for batch := 0; batch < 10; batch++ {
		docs := make([]any, 0, 200)
		for i := batch * 100; i < (batch+1)*100; i++ {
			u := benchUser(i, "dir-big")
			u["_id"] = fmt.Sprintf("user-%04d", i)
			docs = append(docs, u, doc{"_id": fmt.Sprintf("dir-%04d", i), "pvt_type": "directory", "name": fmt.Sprintf("Directory %d", i)})
		}
		if _, err := db.BulkDocs(ctx(), docs); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// benchRows reads every row's value (and doc, if any), as the service does.
func benchRows(b *testing.B, rs *kivik.ResultSet, want int) {
	defer rs.Close()
	n := 0
	for rs.Next() {
		var v, d json.RawMessage
		if err := rs.ScanValue(&v); err != nil {
			b.Fatal(err)
		}
		_ = rs.ScanDoc(&d)
		n++
	}
	if err := rs.Err(); err != nil {
		b.Fatal(err)
	}
	if n != want {
		b.Fatalf("%d rows, want %d", n, want)
	}
}
