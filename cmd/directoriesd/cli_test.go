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
	return cliEnv(t, map[string]string{"COUCHDB_URL": cfg.URL, "LOG_LEVEL": "warn"}, args...)
}

func cliEnv(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, env(vars), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}
