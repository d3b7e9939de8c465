// Package embedded is an in-process kivik driver, registered as "embedded", that
// stores CouchDB databases in one bbolt file under a data directory:
//
//	import _ "github.com/kazoo-directories/kazoo-directories/couchdb/embedded"
//	client, err := kivik.New("embedded", "/var/lib/directories")
//
// It implements what this service and kivik's replicator use, with CouchDB 3
// semantics: databases (names may contain "/"), documents with revision trees and
// MVCC (409 on a stale _rev, tombstones, conflicts from replication), attachments,
// _local docs, _all_docs, _changes, _revs_diff, _bulk_docs (also new_edits=false)
// and JavaScript views run by goja, kept up to date in the same transaction as
// every write. Every acknowledged write has been fsynced. Differences from CouchDB
// are listed in README.md next to this file.
package embedded

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-kivik/kivik/v4"
	"github.com/go-kivik/kivik/v4/driver"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// DriverName is the name the driver is registered under.
const DriverName = "embedded"

// FileName is the bbolt file created inside the data directory.
const FileName = "embedded.db"

func init() {
	kivik.Register(DriverName, &Driver{})
}

// Driver opens clients on data directories. Use it through kivik.New.
//
// Within one process, every client of the same directory shares one open file (and
// its view engine and caches): the first kivik.New opens it with its options, later
// ones take a reference (their options are ignored), and the file is closed, and the
// directory lock released, when the last of them is closed. Across processes the
// directory stays locked (bbolt's flock) while any client of this process has it open.
type Driver struct {
	mu   sync.Mutex
	open map[string]*openDir // by absolute, symlink-free directory path
}

var _ driver.Driver = (*Driver)(nil)

// config is what client options set.
type config struct {
	logger      *slog.Logger
	lockTimeout time.Duration
	mapTimeout  time.Duration
}

type loggerOption struct{ l *slog.Logger }

func (o loggerOption) Apply(t any) {
	if c, ok := t.(*config); ok {
		c.logger = o.l
	}
}

func (o loggerOption) String() string { return "[embedded logger]" }

// OptionLogger sets the logger that receives map function errors (CouchDB logs and
// skips a document whose map function throws). The default is slog.Default().
func OptionLogger(l *slog.Logger) kivik.Option { return loggerOption{l} }

type durationOption struct {
	lock bool
	d    time.Duration
}

func (o durationOption) Apply(t any) {
	if c, ok := t.(*config); ok {
		if o.lock {
			c.lockTimeout = o.d
		} else {
			c.mapTimeout = o.d
		}
	}
}

func (o durationOption) String() string { return fmt.Sprintf("[embedded timeout %s]", o.d) }

// OptionLockTimeout sets how long kivik.New waits for another process to release
// the data directory (default 1s).
func OptionLockTimeout(d time.Duration) kivik.Option { return durationOption{lock: true, d: d} }

// OptionMapTimeout sets how long one map function may run on one document before
// it is interrupted and the document skipped for that view (default 5s, like
// CouchDB's os_process_timeout).
func OptionMapTimeout(d time.Duration) kivik.Option { return durationOption{d: d} }

// ErrLocked is returned (wrapped) by kivik.New when another process has the data
// directory open.
var ErrLocked = errors.New("data directory is in use")

// NewClient opens (creating if needed) the data directory dsn, or shares the open
// file when a client of this process has the directory open already (see Driver).
// It fails with an error wrapping ErrLocked when another process holds the directory,
// and for a DSN that is empty or a URL ("scheme://").
func (d *Driver) NewClient(dsn string, options driver.Options) (driver.Client, error) {
	cfg := config{lockTimeout: time.Second, mapTimeout: 5 * time.Second}
	if options != nil {
		options.Apply(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	if dsn == "" {
		return nil, errors.New("embedded: the DSN must be a data directory path")
	}
	if strings.Contains(dsn, "://") {
		return nil, fmt.Errorf("embedded: the DSN must be a data directory path, not a URL: %q", dsn)
	}
	if err := os.MkdirAll(dsn, 0o750); err != nil {
		return nil, fmt.Errorf("embedded: create data directory: %w", err)
	}
	key, err := dirKey(dsn)
	if err != nil {
		return nil, fmt.Errorf("embedded: data directory: %w", err)
	}
	return d.acquire(key, func() (*client, error) { return openClient(dsn, cfg) })
}

// openClient opens the bbolt file of data directory dsn, waiting at most
// cfg.lockTimeout for another process to release it.
func openClient(dsn string, cfg config) (*client, error) {
	path := filepath.Join(dsn, FileName)
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: cfg.lockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("embedded: %w: %s is locked by another process (waited %s)", ErrLocked, path, cfg.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	if err := bdb.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketDBs)
		return err
	}); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("embedded: initialise %s: %w", path, err)
	}
	return newClient(dsn, bdb, cfg), nil
}
