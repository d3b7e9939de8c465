// Package couchdbtest runs tests against a real CouchDB-compatible store, chosen by
// TEST_BACKEND: the compat server in server/ (express-pouchdb, started once per test
// binary on a free loopback port) or the CouchDB that COUCHDB_URL points at (the
// default, "compat"); or the embedded store (package couchdb/embedded) in a data
// directory of the test binary's own ("embedded").
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
// Environment: TEST_BACKEND ("compat" or "" for a CouchDB server, "embedded");
// COUCHDB_URL (a running CouchDB; credentials in the URL or
// COUCHDB_USER/COUCHDB_PASSWORD), else the compat server is started.
//
// Every helper works on both backends. On the embedded store every store and helper
// of the test binary shares one open data directory (the embedded driver shares the
// open file within a process), so tests may open as many stores as they like.
package couchdbtest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
)

// Environment variables read by this package (tests only; the service reads its own in cmd).
const (
	EnvURL      = "COUCHDB_URL"
	EnvUser     = "COUCHDB_USER"
	EnvPassword = "COUCHDB_PASSWORD"
	EnvBackend  = "TEST_BACKEND"
	// envDataDir carries the embedded backend's data directory from Main to Config.
	envDataDir = "COUCHDBTEST_DATA_DIR"
	// envTestServer marks that Main started the test server (COUCHDB_URL was not set).
	envTestServer = "COUCHDBTEST_TEST_SERVER"
)

// Values of TEST_BACKEND.
const (
	BackendCompat   = "compat"
	BackendEmbedded = "embedded"
)

// Embedded reports whether TEST_BACKEND selects the embedded store.
func Embedded() bool { return os.Getenv(EnvBackend) == BackendEmbedded }

// TestServer reports whether Config's server is the PouchDB-based test server that
// Main started, as opposed to the embedded store or a real CouchDB at COUCHDB_URL:
// for tests that assert where the test server differs from Apache CouchDB.
func TestServer() bool { return !Embedded() && os.Getenv(envTestServer) != "" }

// SkipEmbedded skips the test on the embedded backend, for tests about a CouchDB
// server's HTTP side (processes, ports, credentials, the compat server's fixes);
// why says what the test needs.
func SkipEmbedded(tb testing.TB, why string) {
	tb.Helper()
	if Embedded() {
		tb.Skipf("needs a CouchDB server (%s); %s=%s has none", why, EnvBackend, BackendEmbedded)
	}
}

// Main prepares the backend TEST_BACKEND names, runs the tests and cleans up; it
// returns the exit code for os.Exit. For "compat" (the default) it starts the compat
// server unless COUCHDB_URL is set and publishes its address as COUCHDB_URL for
// Config; for "embedded" it creates a temporary data directory, keeps it open for the
// whole run and removes it at the end.
func Main(m *testing.M) int {
	switch b := os.Getenv(EnvBackend); b {
	case "", BackendCompat:
	case BackendEmbedded:
		return mainEmbedded(m)
	default:
		fmt.Fprintf(os.Stderr, "couchdbtest: %s=%q: want %q or %q\n", EnvBackend, b, BackendCompat, BackendEmbedded)
		return 2
	}
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
	if err := os.Setenv(envTestServer, "1"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// mainEmbedded runs the tests on the embedded store in a temporary data directory.
// One client stays open for the whole run, so that every store and helper of the
// binary shares one open file instead of reopening it.
func mainEmbedded(m *testing.M) int {
	dir, err := os.MkdirTemp("", "couchdbtest-embedded-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "couchdbtest:", err)
		return 1
	}
	defer os.RemoveAll(dir) //nolint:errcheck
	keep, err := kivik.New(couchdb.EmbeddedDriver, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "couchdbtest:", err)
		return 1
	}
	defer keep.Close() //nolint:errcheck
	if err := os.Setenv(envDataDir, dir); err != nil {
		fmt.Fprintln(os.Stderr, "couchdbtest:", err)
		return 1
	}
	return m.Run()
}

// Config returns the store configuration of this test binary's backend: the server's
// URL, or the embedded driver on the binary's data directory. It fails the test when
// Main did not run and COUCHDB_URL is not set.
func Config(tb testing.TB) couchdb.Config {
	tb.Helper()
	if Embedded() {
		dir := os.Getenv(envDataDir)
		if dir == "" {
			tb.Fatalf("couchdbtest: no data directory: call os.Exit(couchdbtest.Main(m)) from TestMain")
		}
		return embeddedConfig(dir)
	}
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

// embeddedConfig is the configuration of the embedded store in dir.
func embeddedConfig(dir string) couchdb.Config {
	return couchdb.Config{
		Driver:         couchdb.EmbeddedDriver,
		URL:            dir,
		RequestTimeout: 30 * time.Second,
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

// Fresh returns the configuration of an empty store of the test's own, for tests that
// need an empty store or a second one: on the embedded backend the embedded store in a
// new temporary directory, else a compat server of its own (in memory; it starts node
// even when COUCHDB_URL is set), stopped when the test ends.
func Fresh(tb testing.TB) couchdb.Config {
	tb.Helper()
	if Embedded() {
		return embeddedConfig(tb.TempDir())
	}
	return FreshServer(tb)
}

// FreshServer starts a compat server of the test's own (empty, in memory) whatever
// the backend, stops it when the test ends and returns its configuration: for tests
// between the embedded store and a CouchDB server.
func FreshServer(tb testing.TB) couchdb.Config {
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
