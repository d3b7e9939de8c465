package main

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/amqp/amqptest"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// BenchmarkPutWithAndWithoutAMQP runs two services on one store, one without a bus
// and one with AMQP_URL set (real broker), and sends b.N PUTs to each, alternating,
// over real HTTP. It reports both medians, their difference (the target is ≤ 1 ms)
// and their ratio.
func BenchmarkPutWithAndWithoutAMQP(b *testing.B) {
	amqpURL := amqptest.URL(b)
	cc := couchdbtest.Config(b)
	if couchdbtest.Embedded() {
		b.Skip("the embedded store is opened by one service at a time")
	}
	acct := couchdbtest.NewAccount(b, cc)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	kid := directory.NewID()
	couchdbtest.PutSystemKey(b, cc, kid, auth.PrivateKeyPEM(key))
	couchdbtest.SetAuthConfig(b, cc)
	tok, err := auth.Mint(key, kid, auth.Claims{AccountID: acct, Method: "cb_api_auth", Exp: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		b.Fatal(err)
	}
	plain := startService(b, cc)
	bus := startService(b, cc, map[string]string{"AMQP_URL": amqpURL, "NODE_NAME": amqptest.NodeName("bench")})
	path := "/v2/accounts/" + acct + "/directories"
	put := func(s *testService, i int) time.Duration {
		start := time.Now()
		status, resp := s.call(b, tok, "PUT", path, fmt.Sprintf(`{"data":{"name":"Bench %d"}}`, i))
		d := time.Since(start)
		if status != http.StatusCreated {
			b.Fatalf("PUT = %d %v", status, resp)
		}
		return d
	}
	for i := range 20 { // warm both: account cache, design docs, connections
		put(plain, i)
		put(bus, i)
	}
	without := make([]time.Duration, 0, b.N)
	with := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			without = append(without, put(plain, i))
			with = append(with, put(bus, i))
		} else {
			with = append(with, put(bus, i))
			without = append(without, put(plain, i))
		}
	}
	b.StopTimer()
	p50 := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2]) / float64(time.Millisecond)
	}
	a, w := p50(without), p50(with)
	b.ReportMetric(a, "p50-ms-no-bus")
	b.ReportMetric(w, "p50-ms-bus")
	b.ReportMetric(w-a, "p50-delta-ms")
	b.ReportMetric(w/a, "ratio")
	if !strings.Contains(scrape(b, bus), "directoriesd_amqp_notices_dropped_total 0") {
		b.Error("notices were dropped")
	}
}
