package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kazoo-directories/kazoo-directories/amqp"
	"github.com/kazoo-directories/kazoo-directories/pdf"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
)

// Config is every setting of the service. All come from the environment, parsed once
// here; defaults live in defaultConfig.
type Config struct {
	ListenAddr string // LISTEN_ADDR

	CouchDBURL      string        // COUCHDB_URL; empty: the embedded store in DataDir
	CouchDBUser     string        // COUCHDB_USER
	CouchDBPassword string        // COUCHDB_PASSWORD or COUCHDB_PASSWORD_FILE
	CouchDBTimeout  time.Duration // COUCHDB_TIMEOUT: bound on every CouchDB request
	DataDir         string        // DATA_DIR: the embedded store's folder

	AuthMode      string        // AUTH_MODE: jwt (verify KAZOO's tokens locally) or kazoo
	KazooURL      string        // KAZOO_URL: crossbar base URL for AUTH_MODE=kazoo
	AuthCacheTTL  time.Duration // AUTH_CACHE_TTL: keys, account docs, secrets
	AuthClockSkew time.Duration // AUTH_CLOCK_SKEW: tolerance on exp/nbf

	AMQPURL string // AMQP_URL or AMQP_URL_FILE: KAZOO's broker (amqp_uri form); empty: no bus
	// TrustedProxies (TRUSTED_PROXIES: comma-separated CIDRs or addresses) replaces
	// system_config crossbar.reverse_proxies: peers whose X-Forwarded-For names the
	// client for rate limiting. nil: KAZOO's setting (default 127.0.0.1).
	TrustedProxies []netip.Prefix

	PDFFontFiles []string // PDF_FONT_FILES: extra TTFs (colon-separated), tried before the embedded fonts
	PDFFontDirs  []string // PDF_FONT_DIRS: where installed fonts are looked for (colon-separated)
	PDFLocale    string   // PDF_LOCALE: collation locale for member order
	MaxRenders   int      // PRINT_MAX_RENDERS: printouts rendered at once (0: one per CPU)

	KazooVersion string // KAZOO_VERSION: the envelope's `version`
	NodeName     string // NODE_NAME: hashed into the envelope's `node`

	LogLevel  slog.Level // LOG_LEVEL: debug, info, warn, error
	LogFormat string     // LOG_FORMAT: json or text

	ReadTimeout     time.Duration // HTTP_READ_TIMEOUT
	WriteTimeout    time.Duration // HTTP_WRITE_TIMEOUT
	IdleTimeout     time.Duration // HTTP_IDLE_TIMEOUT
	ShutdownTimeout time.Duration // SHUTDOWN_TIMEOUT: grace for in-flight requests
	MaxConnections  int           // MAX_CONNECTIONS: concurrent connections (0: unlimited)

	FirstRunDemo bool // FIRST_RUN_DEMO: on an empty embedded store, set up a demo account (default true)
}

func defaultConfig() Config {
	host, _ := os.Hostname()
	return Config{
		ListenAddr:      ":8000",
		CouchDBTimeout:  5 * time.Second,
		DataDir:         "./data",
		AuthMode:        "jwt",
		AuthCacheTTL:    60 * time.Second,
		AuthClockSkew:   5 * time.Second,
		PDFLocale:       "en",
		KazooVersion:    "4.3.0",
		NodeName:        "directoriesd@" + host,
		LogLevel:        slog.LevelInfo,
		LogFormat:       "json",
		ReadTimeout:     30 * time.Second,
		WriteTimeout:    60 * time.Second,
		IdleTimeout:     120 * time.Second,
		ShutdownTimeout: 20 * time.Second,
		MaxConnections:  0,
		FirstRunDemo:    true,
	}
}

// loadConfig reads the environment through getenv and reports every problem at once.
func loadConfig(getenv func(string) string) (Config, error) {
	c := defaultConfig()
	var errs []error
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	dur := func(name string, dst *time.Duration) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				errs = append(errs, fmt.Errorf("%s=%q: want a duration such as 5s", name, v))
				return
			}
			*dst = d
		}
	}
	count := func(name string, dst *int) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%s=%q: want a whole number ≥ 0", name, v))
				return
			}
			*dst = n
		}
	}
	str("LISTEN_ADDR", &c.ListenAddr)
	str("COUCHDB_URL", &c.CouchDBURL)
	str("COUCHDB_USER", &c.CouchDBUser)
	secret(getenv, "COUCHDB_PASSWORD", &c.CouchDBPassword, &errs)
	dur("COUCHDB_TIMEOUT", &c.CouchDBTimeout)
	str("DATA_DIR", &c.DataDir)
	str("AUTH_MODE", &c.AuthMode)
	str("KAZOO_URL", &c.KazooURL)
	dur("AUTH_CACHE_TTL", &c.AuthCacheTTL)
	dur("AUTH_CLOCK_SKEW", &c.AuthClockSkew)
	secret(getenv, "AMQP_URL", &c.AMQPURL, &errs)
	if v := strings.TrimSpace(getenv("TRUSTED_PROXIES")); v != "" {
		c.TrustedProxies = []netip.Prefix{}
		for _, f := range strings.Split(v, ",") {
			pfx, err := auth.ParsePrefix(strings.TrimSpace(f))
			if err != nil {
				errs = append(errs, fmt.Errorf("TRUSTED_PROXIES: %q: want a CIDR such as 10.0.0.0/8 or an address", f))
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, pfx)
		}
	}
	if v := strings.TrimSpace(getenv("PDF_FONT_FILES")); v != "" {
		c.PDFFontFiles = strings.Split(v, ":")
	}
	c.PDFFontDirs = pdf.DefaultFontDirs(strings.TrimSpace(getenv("HOME")))
	if v := strings.TrimSpace(getenv("PDF_FONT_DIRS")); v != "" {
		c.PDFFontDirs = strings.Split(v, ":")
	}
	str("PDF_LOCALE", &c.PDFLocale)
	str("KAZOO_VERSION", &c.KazooVersion)
	str("NODE_NAME", &c.NodeName)
	if v := strings.TrimSpace(getenv("LOG_LEVEL")); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("LOG_LEVEL=%q: want debug, info, warn or error", v))
		}
	}
	str("LOG_FORMAT", &c.LogFormat)
	dur("HTTP_READ_TIMEOUT", &c.ReadTimeout)
	dur("HTTP_WRITE_TIMEOUT", &c.WriteTimeout)
	dur("HTTP_IDLE_TIMEOUT", &c.IdleTimeout)
	dur("SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	count("MAX_CONNECTIONS", &c.MaxConnections)
	count("PRINT_MAX_RENDERS", &c.MaxRenders)
	if v := strings.TrimSpace(getenv("FIRST_RUN_DEMO")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("FIRST_RUN_DEMO=%q: want true or false", v))
		}
		c.FirstRunDemo = b
	}
	errs = append(errs, c.check()...)
	return c, errors.Join(errs...)
}

// secret reads NAME, or the file named by NAME_FILE (not both).
func secret(getenv func(string) string, name string, dst *string, errs *[]error) {
	v, file := getenv(name), strings.TrimSpace(getenv(name+"_FILE"))
	switch {
	case v != "" && file != "":
		*errs = append(*errs, fmt.Errorf("%s and %s_FILE are both set: choose one", name, name))
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s_FILE: %v", name, err))
			return
		}
		*dst = strings.TrimRight(string(b), "\r\n")
	case v != "":
		*dst = v
	}
}

func (c Config) check() []error {
	var errs []error
	if c.CouchDBURL != "" {
		u, err := url.Parse(c.CouchDBURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("COUCHDB_URL=%q: want http(s)://host:port", c.CouchDBURL))
		}
	}
	if c.CouchDBTimeout <= 0 {
		errs = append(errs, errors.New("COUCHDB_TIMEOUT must be positive"))
	}
	if c.AuthCacheTTL <= 0 {
		errs = append(errs, errors.New("AUTH_CACHE_TTL must be positive: caching bounds CouchDB load and cannot be turned off"))
	}
	switch c.AuthMode {
	case "jwt":
	case "kazoo":
		if c.KazooURL == "" {
			errs = append(errs, errors.New("AUTH_MODE=kazoo needs KAZOO_URL"))
		}
	default:
		errs = append(errs, fmt.Errorf("AUTH_MODE=%q: want jwt or kazoo (authentication cannot be turned off)", c.AuthMode))
	}
	if c.AMQPURL != "" {
		if err := amqp.ParseURL(c.AMQPURL); err != nil {
			errs = append(errs, fmt.Errorf("AMQP_URL: want amqp://user:pass@host:port[/vhost]: %v", err))
		}
		// Notices are told apart by Node: a KAZOO node's name here would make that
		// node's caches ignore our notices, and us ignore that node's.
		if node, _, _ := strings.Cut(c.NodeName, "@"); node == "kazoo_apps" || node == "ecallmgr" || node == "kazoo" {
			errs = append(errs, fmt.Errorf("NODE_NAME=%q is a KAZOO node's name: with AMQP_URL it must be this service's own", c.NodeName))
		}
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("LOG_FORMAT=%q: want json or text", c.LogFormat))
	}
	return errs
}
