package couchdb

import (
	"sync"
	"time"
)

// ttlCache is a bounded map whose entries expire. When full, expired entries are
// dropped first, then arbitrary ones (Go's map order), which is enough for caches that
// only save requests.
type ttlCache[V any] struct {
	mu  sync.Mutex
	max int
	now func() time.Time
	m   map[string]ttlEntry[V]
	gen uint64 // bumped by del and clear: a load begun before stores nothing (putFrom)
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time // zero: never
}

func newTTLCache[V any](max int, now func() time.Time) *ttlCache[V] {
	return &ttlCache[V]{max: max, now: now, m: make(map[string]ttlEntry[V])}
}

// get returns the live value at key.
func (c *ttlCache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		var zero V
		return zero, false
	}
	if !e.expires.IsZero() && !c.now().Before(e.expires) {
		delete(c.m, key)
		var zero V
		return zero, false
	}
	return e.v, true
}

// put stores v at key until expires (zero: until evicted).
func (c *ttlCache[V]) put(key string, v V, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		c.evict()
	}
	c.m[key] = ttlEntry[V]{v: v, expires: expires}
}

// generation is the value putFrom compares: take it before loading what to put.
func (c *ttlCache[V]) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// putFrom is put for a value loaded when the cache was at generation gen: nothing
// is stored when del or clear ran since (the value may predate what they dropped).
func (c *ttlCache[V]) putFrom(gen uint64, key string, v V, expires time.Time) {
	c.mu.Lock()
	stale := c.gen != gen
	c.mu.Unlock()
	if !stale {
		c.put(key, v, expires)
	}
}

// del forgets key.
func (c *ttlCache[V]) del(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, key)
}

// len returns the number of entries, expired ones included.
func (c *ttlCache[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// evict makes room for one entry; c.mu is held.
func (c *ttlCache[V]) evict() {
	now := c.now()
	for k, e := range c.m {
		if !e.expires.IsZero() && !now.Before(e.expires) {
			delete(c.m, k)
		}
	}
	for k := range c.m {
		if len(c.m) < c.max {
			return
		}
		delete(c.m, k)
	}
}
