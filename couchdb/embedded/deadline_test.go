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
	spinning := make(chan struct{}, 1)
	c, err := kivik.New("embedded", t.TempDir(), embedded.OptionMapTimeout(spin),
		embedded.OptionLogger(slog.New(signalHandler{spinning})))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	db := newDB(t, c, "db")
	if _, err := db.Put(ctx, "_design/d", map[string]any{"views": map[string]any{
		"v": map[string]any{"map": "function(doc){ if (doc.spin) { log('spinning'); while (true) {} } emit(doc._id, null); }"}}}); err != nil {
		t.Fatal(err)
	}
	slow := make(chan error, 1)
	go func() {
		_, err := db.Put(ctx, "slow", map[string]any{"spin": true})
		slow <- err
	}()
	<-spinning // the slow write holds the write lock now

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

// signalHandler is a slog.Handler that signals c on every message a map logs.
type signalHandler struct{ c chan struct{} }

func (h signalHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h signalHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h signalHandler) WithGroup(string) slog.Handler            { return h }
func (h signalHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "couchjs log" {
		select {
		case h.c <- struct{}{}:
		default:
		}
	}
	return nil
}
