package couchdb

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb/embedded"
)

// EmbeddedDriver is the Driver of the embedded store (package couchdb/embedded, always
// registered with kivik by this package), whose URL is a data directory.
const EmbeddedDriver = embedded.DriverName

// ErrLocked is wrapped by Open's error when another process holds the embedded
// store's data directory (a running service).
var ErrLocked = embedded.ErrLocked

// Defaults applied by Open to zero Config fields.
const (
	DefaultRequestTimeout   = 10 * time.Second
	DefaultAccountCacheTTL  = time.Minute
	DefaultAccountCacheSize = 10000
)

// Config selects and tunes the CouchDB server of a Store. Zero fields take the
// defaults above.
type Config struct {
	// Driver is the kivik driver name: "couch" (the default, a CouchDB server over
	// HTTP) or another driver registered with kivik by its package's import, such as
	// "embedded" (package couchdb/embedded); kivik.New reports an unregistered name.
	Driver string
	// URL is the DSN. For "couch" the server's address, e.g. "http://127.0.0.1:5984";
	// credentials in the URL are used with CouchDB cookie authentication. For other
	// drivers it is passed to the driver as is (for "embedded": the data directory).
	URL string
	// User and Password, when User is set, authenticate with CouchDB cookie auth and
	// win over credentials in URL. Only for "couch".
	User, Password string
	// RequestTimeout bounds every CouchDB request (default DefaultRequestTimeout).
	RequestTimeout time.Duration
	// AccountCacheTTL is how long a loaded account doc is reused (default
	// DefaultAccountCacheTTL; negative: never cached).
	AccountCacheTTL time.Duration
	// AccountCacheSize bounds the number of cached accounts (default
	// DefaultAccountCacheSize).
	AccountCacheSize int
	// Transport carries the HTTP requests of "couch" (default: a clone of
	// http.DefaultTransport that keeps more idle connections per host).
	Transport http.RoundTripper
	// Logger receives warnings (default: slog.Default()).
	Logger *slog.Logger
	// Clock returns the current time (default time.Now); tests inject it.
	Clock func() time.Time
	// OnRequest, when set, is called before every request the store makes of its
	// server, with the method and escaped path CouchDB's HTTP API receives for it
	// (e.g. "GET", "/system_config/auth"; no query string), whatever the driver: it
	// counts requests where there is no HTTP (the embedded driver), and a test may
	// act in it to race the request. It must be safe for concurrent use. Not
	// reported: the requests of Replicate and those kivik's CouchDB driver adds on its
	// own (cookie authentication).
	OnRequest func(method, path string)
}

// withDefaults returns c with defaults filled in, or an error naming every invalid field.
func (c Config) withDefaults() (Config, error) {
	if c.Driver == "" {
		c.Driver = "couch"
	}
	if c.URL == "" {
		return c, fmt.Errorf("couchdb: no URL")
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.AccountCacheTTL == 0 {
		c.AccountCacheTTL = DefaultAccountCacheTTL
	}
	if c.AccountCacheSize <= 0 {
		c.AccountCacheSize = DefaultAccountCacheSize
	}
	if c.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 64
		c.Transport = t
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c, nil
}
