package contract

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
)

func concurrencyTests() group {
	return group{name: "Concurrency", tests: []test{
		{"Writers", testConcurrentWriters},
		{"SameRevision", testSameRevision},
	}}
}

func testConcurrentWriters(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	installKazoo(t, db)
	const workers, each = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := fmt.Sprintf("u%02d-%02d", w, i)
				if _, err := db.Put(ctx(), id, doc{"directories": doc{"dir": id}}); err != nil {
					errs <- err
					return
				}
				var d doc
				if err := db.Get(ctx(), id).ScanDoc(&d); err != nil {
					errs <- err
					return
				}
				if _, err := tryCollect(db.Query(ctx(), "directories", "users_listing",
					kivik.Params(map[string]any{"key": []any{"dir", id}}))); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	res := members(t, db, "dir")
	if len(res.rows) != workers*each {
		t.Fatalf("view has %d rows, want %d", len(res.rows), workers*each)
	}
}

func testSameRevision(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	rev := put(t, db, "d", doc{"n": 0})
	const workers = 8
	var ok, conflicts atomic.Int32
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			_, err := db.Put(ctx(), "d", doc{"_rev": rev, "n": w})
			switch {
			case err == nil:
				ok.Add(1)
			case kivik.HTTPStatus(err) == http.StatusConflict:
				conflicts.Add(1)
			default:
				t.Error(err)
			}
		}(w)
	}
	wg.Wait()
	if ok.Load() != 1 || conflicts.Load() != workers-1 {
		t.Fatalf("%d successes, %d conflicts; want 1 and %d", ok.Load(), conflicts.Load(), workers-1)
	}
}
