package couchdb

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestTTLCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newTTLCache[int](3, func() time.Time { return now })
	c.put("a", 1, now.Add(time.Minute))
	c.put("forever", 2, time.Time{})
	if v, ok := c.get("a"); !ok || v != 1 {
		t.Fatalf("get a = %v, %v", v, ok)
	}
	now = now.Add(time.Minute)
	if _, ok := c.get("a"); ok {
		t.Error("expired entry returned")
	}
	if _, ok := c.get("forever"); !ok {
		t.Error("entry without expiry dropped")
	}
	for i := range 10 {
		c.put(fmt.Sprint(i), i, now.Add(time.Hour))
		if n := c.len(); n > 3 {
			t.Fatalf("cache holds %d entries, bound 3", n)
		}
	}
	c.del("9")
	if _, ok := c.get("9"); ok {
		t.Error("deleted entry returned")
	}
}

func TestInt64Of(t *testing.T) {
	for in, want := range map[any]int64{
		json.Number("63871234567"): 63871234567,
		json.Number("1.9e3"):       1900,
		json.Number("12.7"):        12,
		// 2^63 overflows int64; float64(MaxInt64) rounds up to it.
		json.Number("9223372036854775808"): 0,
		json.Number("9.3e18"):              0,
		json.Number("-9.3e18"):             0,
		"63871234567":                      0,
		nil:                                0,
		true:                               0,
	} {
		if got := int64Of(in); got != want {
			t.Errorf("int64Of(%#v) = %d, want %d", in, got, want)
		}
	}
}

// A value loaded before a del or clear (a KAZOO notice) is not stored: it may be the
// copy the notice said was stale.
func TestTTLCachePutFromSkipsLoadsBeforeAnInvalidation(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newTTLCache[int](3, func() time.Time { return now })
	for _, drop := range []func(){func() { c.del("k") }, func() { c.del("other") }, c.clear} {
		gen := c.generation()
		drop()
		c.putFrom(gen, "k", 1, now.Add(time.Minute))
		if _, ok := c.get("k"); ok {
			t.Fatal("a load begun before the invalidation was stored")
		}
	}
	gen := c.generation()
	c.putFrom(gen, "k", 2, now.Add(time.Minute))
	if v, ok := c.get("k"); !ok || v != 2 {
		t.Fatalf("get = %d %v, want 2 stored", v, ok)
	}
}
