package api_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
)

// BenchmarkGetOverhead200 measures, in one run, GET /directories/{D} of a 200-member
// directory through the whole service against the bare two CouchDB requests it needs
// (the doc and the users_listing range, sent with net/http and read to the end), each
// with 8 concurrent clients, as wrk -c8 would. It reports both throughputs, their
// ratio (ours / bare; target ≥ 0.9) and the service's allocations per member (target
// ≤ 10). Only on a CouchDB server (the compat server or COUCHDB_URL).
func BenchmarkGetOverhead200(b *testing.B) {
	const members, clients = 200, 8
	e := newEnv(b)
	if e.cfg.Driver == couchdb.EmbeddedDriver {
		b.Skip("needs a CouchDB server")
	}
	seedMembers(e, "d200", members)
	target := e.path("/d200")
	wantStatus(b, e.do("GET", target, ""), http.StatusOK) // warm caches and the index
	bare := bareGet(b, e, "d200")
	bare()
	ours := func() {
		if rec := e.do("GET", target, ""); rec.Code != http.StatusOK {
			b.Errorf("status %d", rec.Code)
		}
	}
	allocs := testing.AllocsPerRun(20, ours)
	b.ResetTimer()
	// Alternate the two in rounds, so that a change of the machine's load (it is
	// shared) hits both sides alike.
	const rounds = 4
	var oursTime, bareTime float64
	n := max(b.N/rounds, 8*clients)
	for range rounds {
		oursTime += float64(n) / throughput(n, clients, ours)
		bareTime += float64(n) / throughput(n, clients, bare)
	}
	oursRate, bareRate := rounds*float64(n)/oursTime, rounds*float64(n)/bareTime
	b.StopTimer()
	b.ReportMetric(oursRate, "ours-req/s")
	b.ReportMetric(bareRate, "bare-req/s")
	b.ReportMetric(oursRate/bareRate, "ratio")
	b.ReportMetric(allocs/members, "allocs/member")
}

// throughput runs fn n times (at least 8·clients) over clients goroutines and returns
// calls per second.
func throughput(n, clients int, fn func()) float64 {
	n = max(n, 8*clients)
	var wg sync.WaitGroup
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for range next {
				fn()
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// bareGet returns a function that sends the two CouchDB requests of a directory GET
// with a plain keep-alive HTTP client and basic auth, reading each body to the end.
func bareGet(b *testing.B, e *env, dir string) func() {
	bare := couchdbtest.NewBare(b, e.cfg)
	db := bare.DB(e.acct)
	urls := []string{
		db + "/" + dir,
		db + "/_design/directories/_view/users_listing?startkey=" + url.QueryEscape(`["`+dir+`"]`) + "&endkey=" + url.QueryEscape(`["`+dir+`",{}]`),
	}
	return func() {
		for _, u := range urls {
			if _, err := bare.Do(http.MethodGet, u, ""); err != nil {
				b.Error(err)
				return
			}
		}
	}
}
