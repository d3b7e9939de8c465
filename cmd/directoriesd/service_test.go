package main

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
)

// testService is a Main serving cfg's store on a free local port.
type testService struct {
	m      *Main
	base   string // http://host:port
	cancel context.CancelFunc
	done   chan error
}

// startService loads the configuration for cfg's store (LISTEN_ADDR 127.0.0.1:0,
// plus the variables of extra), starts Main and closes it when the test ends.
func startService(t testing.TB, cfg couchdb.Config, extra ...map[string]string) *testService {
	t.Helper()
	vars := map[string]string{"LISTEN_ADDR": "127.0.0.1:0", "LOG_LEVEL": "warn"}
	for _, e := range extra {
		maps.Copy(vars, e)
	}
	mcfg, err := loadConfig(env(storeVars(cfg, vars)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m, err := NewMain(ctx, mcfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	s := &testService{m: m, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- m.Run(ctx) }()
	s.base = "http://" + m.Addr().String() // Addr waits for Run to listen
	return s
}

// call sends a JSON request with token to base+path and decodes the JSON answer.
func (s *testService) call(t testing.TB, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// stop cancels the service and fails the test unless Run returns nil within 30s.
func (s *testService) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no graceful shutdown")
	}
}
