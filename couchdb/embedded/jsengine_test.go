package embedded

import (
	"log/slog"
	"testing"
	"time"
)

// TestMapTimeoutDoesNotLeak: the timer of a map run that ends near the timeout must
// not interrupt a later run (which would silently leave a document out of a view).
func TestMapTimeoutDoesNotLeak(t *testing.T) {
	const timeout = time.Millisecond
	e := newJSEngine(timeout, slog.New(slog.DiscardHandler))
	slow := "function(doc){ var t = Date.now(); while (Date.now() - t < 1) {} emit(1, null); }"
	fast := "function(doc){ emit(doc._id, null); }"
	for i := range 3000 {
		// The slow run may finish or time out (both are right); what matters is
		// that its timer cannot reach the run after it.
		_, _ = e.mapDoc("db", "x", []byte(`{"_id":"x"}`), []string{slow})
		start := time.Now()
		out, err := e.mapDoc("db", "y", []byte(`{"_id":"y"}`), []string{fast})
		// Under load the fast run may itself exceed the timeout; only an interrupt
		// before its own timer could fire is the previous run's.
		if time.Since(start) >= timeout {
			continue
		}
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if len(out[0]) != 1 {
			t.Fatalf("run %d: a fast map was interrupted by the timer of the run before it", i)
		}
	}
}
