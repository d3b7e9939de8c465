package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// BenchmarkPrintoutHTTP measures GET …/directories/{D}?accept=pdf and …/{D}/search
// of a 1,000- and a 10,000-member directory over HTTP, the service running as its own
// process on a CouchDB server (COUCHDB_URL, e.g. Apache CouchDB; the compat server
// otherwise), against the anchor in the same run: the bare CouchDB requests the
// service sends for a printout (the doc, the members' index rows, the numbers index),
// one after the other, with net/http. It reports seconds per request of each, the ratio
// ours / bare, the service's peak RSS (VmHWM) and how much its RSS grew from the first
// quarter of the requests to the last; then, under load (4 clients asking for PDFs at
// once), PDFs per second and the peak RSS. Targets (issue 11): 10,000 members ≤ 1.5 s
// and ≤ 64 MB peak RSS, not growing; 1,000 members ≤ 0.25 s.
func BenchmarkPrintoutHTTP(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) { benchPrintout(b, n) })
	}
}

func benchPrintout(b *testing.B, members int) {
	if couchdbtest.Embedded() {
		b.Skip("needs a CouchDB server (the compat server or COUCHDB_URL)")
	}
	cfg := couchdbtest.Config(b) // COUCHDB_URL's server when set: a new account there
	acct, token := drillAccount(b, cfg)
	const dir = "bigdir"
	seedDirectory(b, cfg, acct, dir, members)

	addr := freeAddr(b)
	svc := startChildWith(b, addr, "COUCHDB_URL="+cfg.URL, "COUCHDB_TIMEOUT=60s")
	b.Cleanup(func() { _ = svc.Process.Kill(); _ = svc.Wait() })
	base := "http://" + addr + "/v2/accounts/" + acct + "/directories/" + dir
	get := func(target string) {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %s", target, resp.Status)
		}
	}
	pdf := func() { get(base + "?accept=pdf") }
	search := func() { get(base + "/search?dtmf=5" + "&search_fields=both") }
	bare := barePrintout(b, cfg, acct, dir)

	// Build the indexes (a first query on a new design doc can take minutes on a big
	// database) and warm the caches with a patient store, then once through the service.
	patient := cfg
	patient.RequestTimeout = 30 * time.Minute
	if _, err := couchdbtest.Open(b, patient).MemberNames(context.Background(), acct, dir); err != nil {
		b.Fatal(err)
	}
	pdf()
	search()
	bare()

	var pdfTimes, searchTimes, bareTimes []float64
	var rss []int // after each round
	b.ResetTimer()
	for range b.N {
		pdfTimes = append(pdfTimes, timed(pdf))
		searchTimes = append(searchTimes, timed(search))
		bareTimes = append(bareTimes, timed(bare))
		rss = append(rss, procStatusKB(b, svc.Process.Pid, "VmRSS"))
	}
	b.StopTimer()
	peak := procStatusKB(b, svc.Process.Pid, "VmHWM")
	// Growth: the highest RSS of the last quarter of the rounds against that of the
	// first quarter (single readings swing with the collector's timing).
	q := max(len(rss)/4, 1)
	growth := slices.Max(rss[len(rss)-q:]) - slices.Max(rss[:q])

	// Under load: loadClients PDFs at a time, b.N each.
	const loadClients = 4
	start := time.Now()
	var wg sync.WaitGroup
	for range loadClients {
		wg.Go(func() {
			for range b.N {
				pdf()
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(loadClients*b.N)/time.Since(start).Seconds(), "load-pdf/s")
	b.ReportMetric(float64(procStatusKB(b, svc.Process.Pid, "VmHWM"))/1024, "load-peak-RSS-MB")
	p, s, c := median(pdfTimes), median(searchTimes), median(bareTimes)
	b.ReportMetric(p, "pdf-s/req")
	b.ReportMetric(s, "search-s/req")
	b.ReportMetric(c, "couchdb-s/req")
	b.ReportMetric(p/c, "pdf/couchdb")
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(growth)/1024, "RSS-growth-MB")
	b.ReportMetric(0, "ns/op")
}

// seedDirectory writes a directory doc and members users, each with a callflow, in
// KAZOO's shapes, in batches.
func seedDirectory(b *testing.B, cfg couchdb.Config, acct, dir string, members int) {
	b.Helper()
	couchdbtest.PutDocs(b, cfg, acct, directory.Doc{"_id": dir, "pvt_type": "directory", "name": "Everyone", "sort_by": "last_name"})
	var batch []directory.Doc
	for i := range members {
		user, cf := fmt.Sprintf("user%06d", i), fmt.Sprintf("cf%06d", i)
		batch = append(batch,
			directory.Doc{"_id": user, "pvt_type": "user", "first_name": fmt.Sprintf("First%d", i),
				"last_name": fmt.Sprintf("Last%d", i%977), "email": user + "@example.com",
				"directories": map[string]any{dir: cf}},
			directory.Doc{"_id": cf, "pvt_type": "callflow", "numbers": []any{fmt.Sprintf("%d", 1000+i), fmt.Sprintf("+1555%07d", i)},
				"flow": map[string]any{"module": "user", "data": map[string]any{"id": user}, "children": map[string]any{}}})
		if len(batch) >= 2000 {
			couchdbtest.PutDocs(b, cfg, acct, batch...)
			batch = batch[:0]
		}
	}
	couchdbtest.PutDocs(b, cfg, acct, batch...)
}

// barePrintout returns a function sending the CouchDB requests of a printout with a
// plain keep-alive client: the directory doc, the members' index rows, then the
// numbers index, each body read to the end.
func barePrintout(b *testing.B, cfg couchdb.Config, acct, dir string) func() {
	bare := couchdbtest.NewBare(b, cfg)
	db := bare.DB(acct)
	urls := []string{
		db + "/" + dir,
		db + "/_design/directories_index/_view/members?startkey=" + url.QueryEscape(`["`+dir+`"]`) + "&endkey=" + url.QueryEscape(`["`+dir+`",{}]`),
		db + "/_design/directories_index/_view/numbers", // a directory of every callflow: the whole index
	}
	return func() {
		for _, u := range urls {
			if _, err := bare.Do(http.MethodGet, u, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func timed(fn func()) float64 {
	start := time.Now()
	fn()
	return time.Since(start).Seconds()
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}

// procStatusKB reads a "kB" field (VmRSS, VmHWM) of /proc/pid/status.
func procStatusKB(b *testing.B, pid int, field string) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
