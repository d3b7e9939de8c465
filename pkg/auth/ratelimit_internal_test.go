package auth

import (
	"net/netip"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// TestBucket is kz_token_bucket with crossbar's defaults: created full (100), a refused
// request takes nothing, +10 in one block per second counted from creation, capped.
func TestBucket(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var bs buckets
	p := defaultBucketParams
	for i := range 100 {
		if !bs.consume("k", 1, t0, p) {
			t.Fatalf("request %d refused from a full bucket", i+1)
		}
	}
	if bs.consume("k", 1, t0.Add(999*time.Millisecond), p) {
		t.Fatal("101st request within the first second allowed")
	}
	if !bs.consume("other", 1, t0, p) {
		t.Fatal("another key shares the bucket")
	}
	at := t0.Add(1500 * time.Millisecond) // one fill period: +10
	for i := range 10 {
		if !bs.consume("k", 1, at, p) {
			t.Fatalf("refill: request %d refused", i+1)
		}
	}
	if bs.consume("k", 1, at, p) {
		t.Fatal("more than one block of 10 added")
	}
	if bs.consume("k", 11, t0.Add(2*time.Second), p) {
		t.Fatal("cost 11 paid from 10 tokens")
	}
	if !bs.consume("k", 10, t0.Add(2*time.Second), p) {
		t.Fatal("a refused request took tokens")
	}
	if !bs.consume("k", 100, t0.Add(time.Hour), p) || bs.consume("k", 1, t0.Add(time.Hour), p) {
		t.Fatal("refill not capped at max")
	}
	if !bs.consume("k", 0, t0.Add(time.Hour), p) || !bs.consume("k", -3, t0.Add(time.Hour), p) {
		t.Fatal("a cost of 0 or less must be free")
	}
	// Idle buckets are evicted (after inactivity_timeout_s, swept once a minute): the
	// next request finds a fresh full bucket.
	later := t0.Add(time.Hour + 11*time.Minute)
	if !bs.consume("k", 100, later, p) {
		t.Fatal("idle bucket not recreated full")
	}
	if n := bs.len(); n != 1 {
		t.Errorf("%d buckets after the sweep, want 1 (other evicted)", n)
	}
}

func TestTokenCost(t *testing.T) {
	const a = "a0000000000000000000000000000000"
	acc := directory.Access{Account: directory.Account{ID: a}, Endpoint: "directories", Verb: "DELETE"}
	for _, tc := range []struct {
		costs string
		want  int64
	}{
		{``, 1},
		{`0`, 0},
		{`3`, 3},
		{`2.6`, 1}, // not an integer: crossbar crashes, we charge 1
		{`"5"`, 1}, // a flat value must be an integer
		{`{"` + a + `":{"directories":{"DELETE":7,"GET":2}},"directories":4}`, 7},
		{`{"` + a + `":{"directories":6}}`, 6},
		{`{"` + a + `":5,"directories":{"DELETE":4}}`, 5},
		{`{"directories":{"DELETE":"4"}}`, 4},
		{`{"directories":2}`, 2},
		{`{"users":9}`, 1},
		{`{"` + a + `":{"directories":{"GET":2}}}`, 1}, // an object where an integer is needed
	} {
		var c any
		if tc.costs != "" {
			c = mustOrdered(t, tc.costs)
		}
		if got := tokenCost(c, acc); got != tc.want {
			t.Errorf("token_costs %s: cost %d, want %d", tc.costs, got, tc.want)
		}
	}
}

func TestBucketConfig(t *testing.T) {
	if got := bucketConfig(nil); got != defaultBucketParams {
		t.Errorf("no doc: %+v", got)
	}
	got := bucketConfig(mustOrdered(t, `{"default":{"max_bucket_tokens":50,"tokens_fill_rate":5,"crossbar":{"max_bucket_tokens":20,"tokens_fill_time":"minute"},"inactivity_timeout_s":30}}`))
	want := bucketParams{max: 20, rate: 5, period: time.Minute, idle: 30 * time.Second}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestClientIP(t *testing.T) {
	p := NewPolicy(nil, PolicyOptions{})
	trusting := NewPolicy(nil, PolicyOptions{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	for _, tc := range []struct {
		name     string
		p        *Policy
		crossbar string
		peer     string
		xff      string
		want     string
	}{
		{"no header", p, "", "192.0.2.1", "", "192.0.2.1"},
		{"untrusted peer", p, "", "192.0.2.1", "198.51.100.7", "192.0.2.1"},
		{"default trusts loopback, value verbatim", p, "", "127.0.0.1", "198.51.100.7, 10.1.1.1", "198.51.100.7, 10.1.1.1"},
		{"configured reverse_proxies", p, `{"default":{"reverse_proxies":["192.0.2.0/24"]}}`, "192.0.2.1", "198.51.100.7", "198.51.100.7"},
		{"check_reverse_proxies false", p, `{"default":{"check_reverse_proxies":false}}`, "192.0.2.1", "198.51.100.7", "198.51.100.7"},
		{"TRUSTED_PROXIES replaces the config", trusting, `{"default":{"check_reverse_proxies":false}}`, "127.0.0.1", "198.51.100.7", "127.0.0.1"},
		{"TRUSTED_PROXIES peer", trusting, "", "10.2.3.4", "198.51.100.7", "198.51.100.7"},
		{"IPv4-mapped peer", trusting, "", "::ffff:10.2.3.4", "198.51.100.7", "198.51.100.7"},
	} {
		var cb any
		if tc.crossbar != "" {
			cb = mustOrdered(t, tc.crossbar)
		}
		if got := tc.p.clientIP(cb, directory.Access{Peer: tc.peer, ForwardedFor: tc.xff}); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
