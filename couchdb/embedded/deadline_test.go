package embedded_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/couchdb/embedded"
)

// TestWriteHonoursDeadlineWhileWaiting: a write queued behind a long write
// transaction (here a map function spinning until the map timeout) returns when its
// context ends instead of waiting for the lock, and is not applied afterwards.
func TestWriteHonoursDeadlineWhileWaiting(t *testing.T) {
	const spin = 3 * time.Second
	c, err := kivik.New("embedded", t.TempDir(), embedded.OptionMapTimeout(spin),
		embedded.OptionLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	db := newDB(t, c, "db")
	if _, err := db.Put(ctx, "_design/d", map[string]any{"views": map[string]any{
		"v": map[string]any{"map": "function(doc){ while (doc.spin) {} emit(doc._id, null); }"}}}); err != nil {
		t.Fatal(err)
	}
	slow := make(chan error, 1)
	go func() {
		_, err := db.Put(ctx, "slow", map[string]any{"spin": true})
		slow <- err
	}()
	time.Sleep(300 * time.Millisecond) // the slow write holds the write lock now

	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = db.Put(wctx, "quick", map[string]any{"n": 1})
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("queued write: err %v, want context.DeadlineExceeded", err)
	}
	if elapsed > spin/2 {
		t.Errorf("queued write returned after %v: it waited for the lock past its deadline", elapsed)
	}
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetRev(ctx, "quick"); kivik.HTTPStatus(err) != http.StatusNotFound {
		t.Fatalf("write whose caller timed out before it started was applied: %v", err)
	}
}
