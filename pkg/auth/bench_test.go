package auth_test

import (
	"context"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// BenchmarkAuthenticateWarm measures a request whose token was seen before: it must
// cost no Source (CouchDB) call. Reported as source-calls/op.
func BenchmarkAuthenticateWarm(b *testing.B) {
	src := newFakeSource()
	a, _ := newJWT(src)
	ctx := context.Background()
	creds := directory.Credentials{Token: mint(b, userClaims()), AccountID: reseller}
	target := src.accounts[child]
	if _, err := a.Authenticate(ctx, creds); err != nil {
		b.Fatal(err)
	}
	before := src.calls.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		id, err := a.Authenticate(ctx, creds)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Authorize(ctx, id, target); err != nil {
			b.Fatal(err)
		}
	}
	calls := src.calls.Load() - before
	b.ReportMetric(float64(calls)/float64(b.N), "source-calls/op")
	if calls != 0 {
		b.Fatalf("%d source calls in %d warm requests", calls, b.N)
	}
}

// BenchmarkAuthenticateCold verifies a new token each time with warm key and secret
// caches: the RSA verification cost alone.
func BenchmarkAuthenticateCold(b *testing.B) {
	src := newFakeSource()
	clk := &clock{t: t0}
	a := auth.NewJWT(src, auth.Options{Now: clk.Now, CacheTTL: 1 << 62, CacheSize: 1})
	ctx := context.Background()
	toks := make([]string, 2)
	for i := range toks {
		c := userClaims()
		c.Exp += int64(i)
		toks[i] = mint(b, c)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := a.Authenticate(ctx, directory.Credentials{Token: toks[i%2]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
