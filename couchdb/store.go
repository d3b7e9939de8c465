// Package couchdb stores directories in KAZOO's per-account CouchDB databases. It is the
// only package that talks to CouchDB (through kivik); everything it returns is in the
// vocabulary of package directory.
package couchdb

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	kivik "github.com/go-kivik/kivik/v4"
	kivikcouch "github.com/go-kivik/kivik/v4/couchdb"
	"golang.org/x/sync/singleflight"

	designdocs "github.com/kazoo-directories/kazoo-directories/design_docs"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Store is a directory.Store on a CouchDB server. It is safe for concurrent use.
type Store struct {
	client     *kivik.Client
	http       *http.Client // for view reads on a CouchDB server (nil: the embedded store)
	base       string       // the server's URL without credentials
	user, pass string       // basic auth of view reads (kivik's cookie session is its own)
	timeout    time.Duration
	accountTTL time.Duration
	log        *slog.Logger
	now        func() time.Time
	onRequest  func(method, path string)

	accounts   *ttlCache[directory.Account]
	designs    *ttlCache[bool] // databases whose design docs were checked: installed, or failed (retried after designRetry)
	indexRows  *ttlCache[int]  // rows of a database's numbers index, as last seen
	designDocs []directory.Doc
	flight     singleflight.Group
}

var _ directory.Store = (*Store)(nil)

// designRetry is how long a failed design doc installation (other than the server
// being unreachable) is remembered before it is tried again.
const designRetry = time.Minute

// Open returns a Store for cfg. It does not contact the server (a service can start
// while CouchDB is down); use Ping for that. Errors: an invalid Config or design doc.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d, err := driverOptions(cfg)
	if err != nil {
		return nil, err
	}
	client, err := kivik.New(cfg.Driver, d.dsn, d.opts...)
	if err != nil {
		return nil, fmt.Errorf("couchdb: %w", err)
	}
	ddocs, err := loadDesignDocs()
	if err != nil {
		return nil, err
	}
	return &Store{
		client:     client,
		http:       d.http,
		base:       strings.TrimSuffix(d.dsn, "/"),
		user:       d.user,
		pass:       d.password,
		timeout:    cfg.RequestTimeout,
		accountTTL: cfg.AccountCacheTTL,
		log:        cfg.Logger,
		now:        cfg.Clock,
		onRequest:  cfg.OnRequest,
		accounts:   newTTLCache[directory.Account](cfg.AccountCacheSize, cfg.Clock),
		designs:    newTTLCache[bool](100*cfg.AccountCacheSize, cfg.Clock),
		indexRows:  newTTLCache[int](cfg.AccountCacheSize, cfg.Clock),
		designDocs: ddocs,
	}, nil
}

// driver is how Open reaches cfg's store.
type driver struct {
	dsn  string         // for kivik.New: a CouchDB URL without credentials, or as configured
	opts []kivik.Option // for kivik.New
	// For the store's own view reads on a CouchDB server (nil for the embedded
	// store): a client like kivik's, and the credentials for basic auth.
	http           *http.Client
	user, password string
}

// driverOptions returns how to reach cfg's store: for "couch" the URL without
// credentials, kivik's options (its HTTP client and cookie auth) and the client and
// credentials of the store's own view reads; for any other driver the URL as is.
func driverOptions(cfg Config) (driver, error) {
	if cfg.Driver != "couch" {
		return driver{dsn: cfg.URL}, nil
	}
	dsn, user, password, err := splitCredentials(cfg)
	if err != nil {
		return driver{}, err
	}
	transport := acceptedTransport{base: cfg.Transport}
	opts := []kivik.Option{
		kivikcouch.OptionHTTPClient(&http.Client{Transport: transport}),
		kivikcouch.OptionNoRequestCompression(),
	}
	if user != "" {
		opts = append(opts, kivikcouch.CookieAuth(user, password))
	}
	return driver{dsn: dsn, opts: opts, http: &http.Client{Transport: transport}, user: user, password: password}, nil
}

func splitCredentials(cfg Config) (dsn, user, password string, err error) {
	raw := cfg.URL
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", "", fmt.Errorf("couchdb: URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", "", "", fmt.Errorf("couchdb: URL %q: scheme must be http or https", u.Redacted())
	}
	if u.User != nil {
		user = u.User.Username()
		password, _ = u.User.Password()
		u.User = nil
	}
	if cfg.User != "" {
		user, password = cfg.User, cfg.Password
	}
	return u.String(), user, password, nil
}

func loadDesignDocs() ([]directory.Doc, error) {
	docs, err := designdocs.Account()
	if err != nil {
		return nil, fmt.Errorf("couchdb: %w", err)
	}
	out := make([]directory.Doc, len(docs))
	for i, d := range docs {
		b, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("couchdb: design doc: %w", err)
		}
		if out[i], err = directory.DecodeDoc(b); err != nil {
			return nil, fmt.Errorf("couchdb: design doc: %w", err)
		}
	}
	return out, nil
}

// Close releases the client's resources.
func (s *Store) Close() error { return s.client.Close() }

// Ping reports whether CouchDB answers (GET /_up): nil, or ECodeUnavailable /
// ECodeFault.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.request(http.MethodHead, "", "_up")
	ok, err := s.client.Ping(ctx)
	if err != nil {
		return translate(err, "ping", nil)
	}
	if !ok {
		return directory.Errorf(directory.ECodeUnavailable, "ping: CouchDB is not up")
	}
	return nil
}

// db returns the account's database handle, or BadIdentifier for an id that is not a
// KAZOO account id (so odd ids never reach CouchDB as database names).
func (s *Store) db(accountID string) (*kivik.DB, error) {
	if !directory.ValidAccountID(accountID) {
		return nil, directory.BadIdentifier(accountID)
	}
	return s.client.DB(directory.AccountDBName(accountID)), nil
}

// shared runs fn once for all concurrent callers with the same key, detached from any
// one caller's cancellation (each CouchDB request in fn is still bounded by the request
// timeout); each caller waits at most until its own ctx is done.
func shared[T any](ctx context.Context, g *singleflight.Group, key string, fn func(context.Context) (T, error)) (T, error) {
	ch := g.DoChan(key, func() (any, error) {
		return fn(context.WithoutCancel(ctx))
	})
	select {
	case r := <-ch:
		v, _ := r.Val.(T)
		return v, r.Err
	case <-ctx.Done():
		var zero T
		return zero, translate(ctx.Err(), key, nil)
	}
}
