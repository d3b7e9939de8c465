package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sort"
	"sync"

	"github.com/go-kivik/kivik/v4/driver"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// client is one open data directory.
type client struct {
	dir     string
	bolt    *bolt.DB
	log     *slog.Logger
	js      *jsEngine
	keys    *keyEncoderPool
	feeds   *notifier
	designs *designCache
}

var (
	_ driver.Client       = (*client)(nil)
	_ driver.Pinger       = (*client)(nil)
	_ driver.ClientCloser = (*client)(nil)
)

func newClient(dir string, bdb *bolt.DB, cfg config) *client {
	return &client{
		dir:     dir,
		bolt:    bdb,
		log:     cfg.logger,
		js:      newJSEngine(cfg.mapTimeout, cfg.logger),
		keys:    newKeyEncoderPool(),
		feeds:   newNotifier(),
		designs: &designCache{},
	}
}

// version is the CouchDB release whose semantics this driver follows.
const version = "3.3.3"

const vendor = "kazoo-directories embedded store"

// Version reports CouchDB 3 compatibility and this store as the vendor.
func (c *client) Version(context.Context) (*driver.Version, error) {
	raw, _ := json.Marshal(map[string]any{
		"couchdb": "Welcome", "version": version,
		"vendor": map[string]string{"name": vendor}, "features": []string{},
	})
	return &driver.Version{Version: version, Vendor: vendor, Features: []string{}, RawResponse: raw}, nil
}

// Ping reports whether the bbolt file is open.
func (c *client) Ping(ctx context.Context) (bool, error) {
	err := c.view(ctx, func(*bolt.Tx) error { return nil })
	return err == nil, nil
}

// Close closes the bbolt file, releasing the directory lock.
func (c *client) Close() error { return c.bolt.Close() }

// view runs fn in a read transaction.
func (c *client) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapBoltErr(c.bolt.View(fn))
}

// update runs fn in a write transaction on database name (see boltUpdate for ctx);
// a nil error means the commit was fsynced, and _changes waiters are woken after it.
func (c *client) update(ctx context.Context, name string, fn func(*dbTx) error) error {
	if err := validDBName(name); err != nil {
		return err
	}
	return c.boltUpdate(ctx, func(tx *bolt.Tx) error {
		d, err := openDBTx(tx, name)
		if err != nil {
			return err
		}
		return fn(d)
	}, func() { c.feeds.notify(name) })
}

// boltUpdate runs fn in a bbolt write transaction bounded by ctx: a caller whose
// context ends while it waits for the write lock (another write is running) gets
// ctx.Err() at once, and the transaction, once it gets the lock, finds ctx done and
// writes nothing. A transaction that already started runs to its end (commit and
// fsync) even if ctx ends meanwhile, so a context error means the write may or may
// not have been applied, as with a CouchDB request that times out. committed, if
// set, runs after a successful commit.
func (c *client) boltUpdate(ctx context.Context, fn func(*bolt.Tx) error, committed func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		err := c.bolt.Update(func(tx *bolt.Tx) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fn(tx)
		})
		if err == nil && committed != nil {
			committed()
		}
		done <- mapBoltErr(err)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done:
			return err
		default:
			return ctx.Err()
		}
	}
}

// viewDB runs fn in a read transaction on database name.
func (c *client) viewDB(ctx context.Context, name string, fn func(*dbTx) error) error {
	if err := validDBName(name); err != nil {
		return err
	}
	return c.view(ctx, func(tx *bolt.Tx) error {
		d, err := openDBTx(tx, name)
		if err != nil {
			return err
		}
		return fn(d)
	})
}

func mapBoltErr(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return errClosed
	}
	return err
}

// AllDBs lists database names in byte order, with CouchDB's startkey, endkey,
// inclusive_end, descending, limit and skip.
func (c *client) AllDBs(ctx context.Context, options driver.Options) ([]string, error) {
	p := readParams(options)
	r, err := readStringRange(p, true)
	if err != nil {
		return nil, err
	}
	var names []string
	err = c.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDBs).ForEach(func(k, _ []byte) error {
			if r.contains(k) {
				names = append(names, string(k))
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if r.descending {
		sort.Sort(sort.Reverse(sort.StringSlice(names)))
	}
	return r.page(names), nil
}

// DBExists reports whether the database exists; an invalid name is a 400.
func (c *client) DBExists(ctx context.Context, name string, _ driver.Options) (bool, error) {
	if name == "" {
		return false, errMissingArg("dbName")
	}
	if err := validDBName(name); err != nil {
		return false, err
	}
	var ok bool
	err := c.view(ctx, func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketDBs).Bucket([]byte(name)) != nil
		return nil
	})
	return ok, err
}

// CreateDB creates a database: 412 file_exists if it exists, 400 for a bad name.
func (c *client) CreateDB(ctx context.Context, name string, _ driver.Options) error {
	if name == "" {
		return errMissingArg("dbName")
	}
	if err := validDBName(name); err != nil {
		return err
	}
	return c.boltUpdate(ctx, func(tx *bolt.Tx) error { return createDBTx(tx, name) }, nil)
}

// DestroyDB deletes a database and everything in it: 404 if it does not exist.
func (c *client) DestroyDB(ctx context.Context, name string, _ driver.Options) error {
	if name == "" {
		return errMissingArg("dbName")
	}
	if err := validDBName(name); err != nil {
		return err
	}
	return c.boltUpdate(ctx, func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketDBs)
		if root.Bucket([]byte(name)) == nil {
			return errDBMissing
		}
		return root.DeleteBucket([]byte(name))
	}, func() { c.feeds.notify(name) })
}

// DB returns a handle; a missing database surfaces as 404 on use, as with CouchDB.
func (c *client) DB(name string, _ driver.Options) (driver.DB, error) {
	return &db{c: c, name: name}, nil
}

// stringRange is a startkey/endkey range over byte-ordered string keys
// (_all_dbs, _all_docs), with paging.
type stringRange struct {
	start, end       []byte
	hasStart, hasEnd bool
	inclusiveEnd     bool
	descending       bool
	limit, skip      int64
	hasLimit         bool
}

// readStringRange reads the range options. textKeys: keys arrive as raw query
// text to be parsed as JSON (_all_dbs); otherwise as Go values (_all_docs).
func readStringRange(p params, textKeys bool) (*stringRange, error) {
	r := &stringRange{}
	var err error
	if r.descending, err = p.bool("descending"); err != nil {
		return nil, err
	}
	if r.inclusiveEnd, err = p.boolDefault("inclusive_end", true); err != nil {
		return nil, err
	}
	if r.limit, r.hasLimit, err = p.int("limit"); err != nil {
		return nil, err
	}
	if r.skip, _, err = p.int("skip"); err != nil {
		return nil, err
	}
	get := p.firstJSON
	if textKeys {
		get = func(names ...string) ([]byte, bool, error) {
			for _, n := range names {
				if b, ok, err := p.jsonText(n); ok || err != nil {
					return b, ok, err
				}
			}
			return nil, false, nil
		}
	}
	if r.start, r.hasStart, err = stringKey(get("startkey", "start_key")); err != nil {
		return nil, err
	}
	if r.end, r.hasEnd, err = stringKey(get("endkey", "end_key")); err != nil {
		return nil, err
	}
	if k, ok, err := stringKey(get("key")); err != nil {
		return nil, err
	} else if ok {
		r.start, r.end, r.hasStart, r.hasEnd, r.inclusiveEnd = k, k, true, true, true
	}
	// A reversed range (start after end) matches nothing: CouchDB answers an empty
	// result for _all_docs and _all_dbs, not 400 as for views.
	return r, nil
}

func stringKey(raw []byte, ok bool, err error) ([]byte, bool, error) {
	if err != nil || !ok {
		return nil, false, err
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, false, errQueryParse("Invalid key %s: document ids are strings", raw)
	}
	return []byte(s), true, nil
}

// contains reports whether k lies between the start and end keys in the
// direction of the query.
func (r *stringRange) contains(k []byte) bool {
	lo, hi := r.start, r.end
	hasLo, hasHi, inclHi := r.hasStart, r.hasEnd, r.inclusiveEnd
	inclLo := true
	if r.descending {
		lo, hi, hasLo, hasHi = r.end, r.start, r.hasEnd, r.hasStart
		inclLo, inclHi = r.inclusiveEnd, true
	}
	if hasLo {
		if c := bytes.Compare(k, lo); c < 0 || (c == 0 && !inclLo) {
			return false
		}
	}
	if hasHi {
		if c := bytes.Compare(k, hi); c > 0 || (c == 0 && !inclHi) {
			return false
		}
	}
	return true
}

// page applies skip and limit.
func (r *stringRange) page(names []string) []string {
	if r.skip >= int64(len(names)) {
		return []string{}
	}
	names = names[r.skip:]
	if r.hasLimit && r.limit < int64(len(names)) {
		names = names[:r.limit]
	}
	return names
}

// notifier wakes _changes readers waiting for a database to change.
type notifier struct {
	mu sync.Mutex
	ch map[string]chan struct{}
}

func newNotifier() *notifier { return &notifier{ch: map[string]chan struct{}{}} }

// wait returns a channel closed at the next committed change of database name.
func (n *notifier) wait(name string) <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch, ok := n.ch[name]
	if !ok {
		ch = make(chan struct{})
		n.ch[name] = ch
	}
	return ch
}

func (n *notifier) notify(name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ch, ok := n.ch[name]; ok {
		close(ch)
		delete(n.ch, name)
	}
}
