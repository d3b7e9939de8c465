package auth

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// cache is a size-bounded LRU map whose entries expire at a per-entry time. It
// remembers values and "definitely missing" errors (ECodeBadIdentifier,
// ECodeUnauthorized), never transient ones, and lets concurrent misses for one key
// share a single load.
type cache[V any] struct {
	now func() time.Time
	ttl time.Duration // for loadTTL; 0 stores nothing
	max int

	mu    sync.Mutex
	gen   uint64                   // bumped by forget/clear: loads begun before are not stored
	items map[string]*list.Element // of *entry[V]
	order *list.List               // front: most recently used
	calls map[string]*call[V]
}

type entry[V any] struct {
	key     string
	val     V
	err     error
	expires time.Time
}

type call[V any] struct {
	done    chan struct{}
	val     V
	err     error
	expires time.Time
}

func newCache[V any](now func() time.Time, ttl time.Duration, max int) *cache[V] {
	return &cache[V]{
		now: now, ttl: ttl, max: max,
		items: make(map[string]*list.Element),
		order: list.New(),
		calls: make(map[string]*call[V]),
	}
}

// cacheable reports whether err is a permanent answer worth remembering.
func cacheable(err error) bool {
	return err == nil || directory.IsCode(err, directory.ECodeBadIdentifier) ||
		directory.IsCode(err, directory.ECodeUnauthorized)
}

// lookup returns the live entry for key; c.mu must be held.
func (c *cache[V]) lookup(key string) (*entry[V], bool) {
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry[V])
	if !c.now().Before(e.expires) {
		c.order.Remove(el)
		delete(c.items, key)
		return nil, false
	}
	c.order.MoveToFront(el)
	return e, true
}

// store remembers a result until expires; c.mu must be held.
func (c *cache[V]) store(key string, val V, err error, expires time.Time) {
	if !cacheable(err) || !c.now().Before(expires) {
		return
	}
	if el, ok := c.items[key]; ok {
		el.Value = &entry[V]{key, val, err, expires}
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&entry[V]{key, val, err, expires})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*entry[V]).key)
	}
}

// len returns the number of stored entries (expired ones included until touched).
func (c *cache[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// load returns the cached result for key, or runs fn once for all concurrent callers
// and caches its result until the expiry fn returns. A waiter whose own context is
// still live retries when the shared load failed only because the loader's context
// ended.
func (c *cache[V]) load(ctx context.Context, key string, fn func(context.Context) (V, time.Time, error)) (V, time.Time, error) {
	for {
		c.mu.Lock()
		if e, ok := c.lookup(key); ok {
			c.mu.Unlock()
			return e.val, e.expires, copyErr(e.err)
		}
		if cl, ok := c.calls[key]; ok {
			c.mu.Unlock()
			select {
			case <-cl.done:
			case <-ctx.Done():
				var zero V
				return zero, time.Time{}, ctx.Err()
			}
			if isContextErr(cl.err) && ctx.Err() == nil {
				continue
			}
			return cl.val, cl.expires, cl.err
		}
		cl := &call[V]{done: make(chan struct{})}
		c.calls[key] = cl
		gen := c.gen
		c.mu.Unlock()

		cl.val, cl.expires, cl.err = fn(ctx)

		c.mu.Lock()
		if c.calls[key] == cl {
			delete(c.calls, key)
		}
		if c.gen == gen {
			c.store(key, cl.val, cl.err, cl.expires)
		}
		c.mu.Unlock()
		close(cl.done)
		return cl.val, cl.expires, cl.err
	}
}

// loadTTL is load for results that live for the cache's TTL.
func (c *cache[V]) loadTTL(ctx context.Context, key string, fn func(context.Context) (V, error)) (V, time.Time, error) {
	return c.load(ctx, key, func(ctx context.Context) (V, time.Time, error) {
		v, err := fn(ctx)
		return v, c.now().Add(c.ttl), err
	})
}

// copyErr hands each caller its own *directory.Error, so that no caller can alter
// what the cache remembers.
func copyErr(err error) error {
	if e, ok := err.(*directory.Error); ok {
		c := *e
		return &c
	}
	return err
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
