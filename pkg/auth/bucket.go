package auth

import (
	"sync"
	"time"
)

// bucketParams are a token bucket's parameters (system_config/token_buckets, spec B4).
type bucketParams struct {
	max    int64         // capacity and initial fill
	rate   int64         // tokens added per period
	period time.Duration // fill period
	idle   time.Duration // evicted after this long unused
}

// KAZOO's defaults (kz_buckets, kz_token_bucket).
var defaultBucketParams = bucketParams{max: 100, rate: 10, period: time.Second, idle: 600 * time.Second}

// bucket is one kz_token_bucket: created full, refilled by rate in one block every
// period counted from its creation, capped at max.
type bucket struct {
	p       bucketParams
	created time.Time
	ticks   int64 // fill periods already added
	tokens  int64
	used    time.Time
}

// consume takes n tokens when the bucket holds them and reports whether it did; a
// refused request takes nothing (kz_token_bucket:consume).
func (b *bucket) consume(n int64, now time.Time) bool {
	if ticks := int64(now.Sub(b.created) / b.p.period); ticks > b.ticks {
		b.tokens = min(b.p.max, b.tokens+(ticks-b.ticks)*b.p.rate)
		b.ticks = ticks
	}
	b.used = now
	if b.tokens-n < 0 {
		return false
	}
	b.tokens -= n
	return true
}

// buckets is kz_buckets for one application: buckets by key, created on first use,
// evicted after their idle time (swept at most once a minute). State is per process,
// as crossbar's is per node.
type buckets struct {
	mu    sync.Mutex
	m     map[string]*bucket
	swept time.Time
}

const sweepEvery = time.Minute

// consume charges n to the bucket of key, creating it with p when it does not exist
// (parameters are read once, when the bucket is created).
func (bs *buckets) consume(key string, n int64, now time.Time, p bucketParams) bool {
	if n <= 0 {
		return true // a cost of 0 or less is free (kz_token_bucket)
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.m == nil {
		bs.m = make(map[string]*bucket)
	}
	if now.Sub(bs.swept) >= sweepEvery {
		for k, b := range bs.m {
			if now.Sub(b.used) >= b.p.idle {
				delete(bs.m, k)
			}
		}
		bs.swept = now
	}
	b, ok := bs.m[key]
	if !ok {
		b = &bucket{p: p, created: now, tokens: p.max}
		bs.m[key] = b
	}
	return b.consume(n, now)
}

func (bs *buckets) len() int {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return len(bs.m)
}
