package auth

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestCacheExpiryAndLRU(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	c := newCache[int](clk.now, time.Minute, 3)
	ctx := context.Background()
	loads := 0
	get := func(key string) int {
		v, _, err := c.loadTTL(ctx, key, func(context.Context) (int, error) { loads++; return loads, nil })
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	a := get("a")
	get("b")
	get("c")
	if get("a") != a || loads != 3 {
		t.Fatalf("a reloaded (loads=%d)", loads)
	}
	get("d") // evicts b, the least recently used
	if c.len() != 3 {
		t.Fatalf("len = %d, want 3", c.len())
	}
	get("a")
	if loads != 4 {
		t.Fatalf("a evicted instead of b (loads=%d)", loads)
	}
	get("b")
	if loads != 5 {
		t.Fatalf("b was not evicted (loads=%d)", loads)
	}
	clk.t = clk.t.Add(time.Minute)
	if get("b") != 6 {
		t.Fatal("entry outlived its TTL")
	}
}

func TestCacheRemembersOnlyPermanentErrors(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	c := newCache[int](clk.now, time.Minute, 10)
	ctx := context.Background()
	for _, tt := range []struct {
		err      error
		remember bool
	}{
		{directory.BadIdentifier("x"), true},
		{unauthorized("x"), true},
		{directory.Errorf(directory.ECodeUnavailable, "down"), false},
		{errors.New("plain"), false},
		{context.Canceled, false},
	} {
		key := fmt.Sprint(tt.err)
		calls := 0
		for range 2 {
			_, _, _ = c.loadTTL(ctx, key, func(context.Context) (int, error) { calls++; return 0, tt.err })
		}
		if remembered := calls == 1; remembered != tt.remember {
			t.Errorf("%v: remembered = %v, want %v", tt.err, remembered, tt.remember)
		}
	}
}

func TestCacheDisabled(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	c := newCache[int](clk.now, 0, 10)
	calls := 0
	for range 3 {
		_, _, _ = c.loadTTL(context.Background(), "k", func(context.Context) (int, error) { calls++; return 1, nil })
	}
	if calls != 3 {
		t.Fatalf("TTL 0 cached: %d loads", calls)
	}
}

// A waiter whose context is live retries when the shared load died with the
// leader's context.
func TestCacheWaiterRetriesAfterLeaderCancel(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	c := newCache[int](clk.now, time.Minute, 10)
	leaderCtx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	leaderDone := make(chan error)
	go func() {
		_, _, err := c.loadTTL(leaderCtx, "k", func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			return 0, ctx.Err()
		})
		leaderDone <- err
	}()
	<-started
	waiterDone := make(chan int)
	go func() {
		v, _, _ := c.loadTTL(context.Background(), "k", func(context.Context) (int, error) { return 42, nil })
		waiterDone <- v
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-leaderDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader: %v", err)
	}
	if v := <-waiterDone; v != 42 {
		t.Fatalf("waiter got %d, want 42 from its own retry", v)
	}
}
