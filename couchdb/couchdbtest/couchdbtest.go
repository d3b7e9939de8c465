// Package couchdbtest runs tests against a real CouchDB-compatible server: the compat
// server in server/ (express-pouchdb, started once per test binary on a free loopback
// port), or the CouchDB that COUCHDB_URL points at.
//
// Use it from a package's tests:
//
//	func TestMain(m *testing.M) { os.Exit(couchdbtest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		cfg := couchdbtest.Config(t)
//		acct := couchdbtest.NewAccount(t, cfg, couchdbtest.WithName("Acme"))
//		couchdbtest.PutDocs(t, cfg, acct, directory.Doc{"_id": "d1", "pvt_type": "directory", "name": "Sales"})
//		store := couchdbtest.Open(t, cfg)
//		...
//	}
//
// Environment: COUCHDB_URL (a running CouchDB; credentials in the URL or
// COUCHDB_USER/COUCHDB_PASSWORD), else the compat server is started.
package couchdbtest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
)

// Environment variables read by this package (tests only; the service reads its own in cmd).
const (
	EnvURL      = "COUCHDB_URL"
	EnvUser     = "COUCHDB_USER"
	EnvPassword = "COUCHDB_PASSWORD"
)

// Main starts the compat server unless COUCHDB_URL is set, publishes its address as
// COUCHDB_URL for Config, runs the tests and stops the server. It returns the exit code
// for os.Exit.
func Main(m *testing.M) int {
	if os.Getenv(EnvURL) != "" {
		return m.Run()
	}
	srv, err := StartServer(ServerOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Stop() //nolint:errcheck
	if err := os.Setenv(EnvURL, srv.URL); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// Config returns the store configuration of this test binary's server. It fails the
// test when neither Main ran nor COUCHDB_URL is set.
func Config(tb testing.TB) couchdb.Config {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		tb.Fatalf("couchdbtest: no server: call os.Exit(couchdbtest.Main(m)) from TestMain or set %s", EnvURL)
	}
	return couchdb.Config{
		URL:            u,
		User:           os.Getenv(EnvUser),
		Password:       os.Getenv(EnvPassword),
		RequestTimeout: 30 * time.Second,
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

// Open opens a store on cfg and closes it when the test ends.
func Open(tb testing.TB, cfg couchdb.Config) *couchdb.Store {
	tb.Helper()
	s, err := couchdb.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("couchdbtest: open store: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// Fresh starts a compat server of the test's own (empty, in memory), stops it when the
// test ends and returns its configuration: for tests that need an empty store or a
// second server. It starts node even when COUCHDB_URL is set.
func Fresh(tb testing.TB) couchdb.Config {
	tb.Helper()
	srv, err := StartServer(ServerOptions{})
	if err != nil {
		tb.Fatalf("couchdbtest: %v", err)
	}
	tb.Cleanup(func() { _ = srv.Stop() })
	return couchdb.Config{
		URL:            srv.URL,
		RequestTimeout: 30 * time.Second,
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}
