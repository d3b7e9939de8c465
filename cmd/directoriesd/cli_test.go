package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
)

// cli runs the binary's entry point with args against the store cfg and returns the
// exit code, stdout and stderr.
func cli(t *testing.T, cfg couchdb.Config, args ...string) (int, string, string) {
	t.Helper()
	return cliEnv(t, storeVars(cfg, map[string]string{"LOG_LEVEL": "warn"}), args...)
}

// storeVars returns vars plus the variables that point the binary at the store cfg:
// COUCHDB_URL for a CouchDB server, DATA_DIR (COUCHDB_URL unset) for the embedded store.
func storeVars(cfg couchdb.Config, vars map[string]string) map[string]string {
	out := map[string]string{"COUCHDB_URL": cfg.URL}
	if cfg.Driver == couchdb.EmbeddedDriver {
		out = map[string]string{"DATA_DIR": cfg.URL}
	}
	for k, v := range vars {
		out[k] = v
	}
	return out
}

func cliEnv(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, env(vars), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}
