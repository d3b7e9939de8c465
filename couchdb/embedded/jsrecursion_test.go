package embedded

import (
	"log/slog"
	"testing"
	"time"
)

// TestMapRecursionBounded: a map function that recurses without end fails on its
// document at once (stack limit, like couchjs's SpiderMonkey) instead of growing the
// heap until the map timeout.
func TestMapRecursionBounded(t *testing.T) {
	const timeout = 2 * time.Second
	e := newJSEngine(timeout, slog.New(slog.DiscardHandler))
	src := "function(doc){ function f(n){ return f(n+1) + 1; } emit(f(0), null); }"
	start := time.Now()
	out, err := e.mapDoc("db", "x", []byte(`{"_id":"x"}`), []string{src})
	if err != nil {
		t.Fatal(err)
	}
	if len(out[0]) != 0 {
		t.Fatalf("rows %v", out[0])
	}
	if el := time.Since(start); el > timeout/2 {
		t.Fatalf("unbounded recursion ran %v (until the map timeout)", el)
	}
	out, err = e.mapDoc("db", "y", []byte(`{"_id":"y"}`), []string{"function(doc){ emit(doc._id, null); }"})
	if err != nil || len(out[0]) != 1 {
		t.Fatalf("next run: %v %v", out, err)
	}
}
