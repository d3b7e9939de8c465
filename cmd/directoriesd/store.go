package main

import (
	"context"
	"io"
	"log/slog"
	"net/url"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
)

// storeConfig returns the store the configuration names: the CouchDB at COUCHDB_URL,
// else the embedded store in DATA_DIR.
func storeConfig(cfg Config, log *slog.Logger) couchdb.Config {
	c := couchdb.Config{
		URL:            cfg.CouchDBURL,
		User:           cfg.CouchDBUser,
		Password:       cfg.CouchDBPassword,
		RequestTimeout: cfg.CouchDBTimeout,
		Logger:         log,
	}
	if cfg.CouchDBURL == "" {
		c = couchdb.Config{Driver: couchdb.EmbeddedDriver, URL: cfg.DataDir, RequestTimeout: cfg.CouchDBTimeout, Logger: log}
	}
	return c
}

// toolLogger is the store's logger for the command-line tools: the configured format
// on stderr, at warn level at least, since the tools report progress themselves.
func toolLogger(cfg Config, stderr io.Writer) *slog.Logger {
	if cfg.LogLevel < slog.LevelWarn {
		cfg.LogLevel = slog.LevelWarn
	}
	return newLogger(cfg, stderr)
}

// openToolStore opens the configured store for a command-line tool.
func openToolStore(ctx context.Context, cfg Config, stderr io.Writer) (*couchdb.Store, error) {
	return openStore(ctx, cfg, toolLogger(cfg, stderr), nil)
}

// describeStore names a store for messages, without credentials.
func describeStore(c couchdb.Config) string {
	if c.Driver == couchdb.EmbeddedDriver {
		return "embedded store in " + c.URL
	}
	return redactURL(c.URL)
}

// redactURL hides a password in a URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
