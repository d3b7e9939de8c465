package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"golang.org/x/net/netutil"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/metrics"
	"github.com/kazoo-directories/kazoo-directories/pdf"
	"github.com/kazoo-directories/kazoo-directories/pkg/api"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Main is the wired service: store, authenticator, renderers and HTTP server.
type Main struct {
	cfg     Config
	log     *slog.Logger
	store   *couchdb.Store
	bus     bus
	handler http.Handler
	addr    chan net.Addr
	// onListen, when set, is called once Run listens (the first run prints its demo
	// account's curl lines there).
	onListen func(net.Addr)
}

// NewMain opens the store and wires the service; Close releases what it opened.
func NewMain(ctx context.Context, cfg Config, logOut io.Writer) (*Main, error) {
	m := &Main{cfg: cfg, log: newLogger(cfg, logOut), addr: make(chan net.Addr, 1)}
	reg := metrics.New()
	store, err := openStore(ctx, cfg, m.log, reg)
	if err != nil {
		return nil, err
	}
	m.store = store
	authn, err := newAuthenticator(cfg, store)
	if err != nil {
		m.Close()
		return nil, err
	}
	pdfRenderer, err := pdf.New(pdf.Options{FontFiles: cfg.PDFFontFiles, FontDirs: cfg.PDFFontDirs, Locale: cfg.PDFLocale, Logger: m.log})
	if err != nil {
		m.Close()
		return nil, err
	}
	// Parsing font files (PDF_FONT_FILES, installed fonts found for uncovered scripts)
	// can leave MBs of garbage; hand it back now rather than carry it as resident
	// memory until the heap grows into it.
	debug.FreeOSMemory()
	csvRenderer, err := pdf.NewCSV(cfg.PDFLocale)
	if err != nil {
		m.Close()
		return nil, err
	}
	policy := newPolicy(cfg, store, reg, m.log)
	m.bus = startBus(cfg, m.log, reg, store, authn, policy) // the store first: the others reload through it
	m.handler, err = api.New(api.Config{
		Directories: directory.NewService(store, nil, nil).WithNotifier(m.bus.notifier()),
		Auth:        authn,
		Gate:        policy,
		PDF:         reg.InstrumentRenderer("pdf", pdfRenderer),
		CSV:         reg.InstrumentRenderer("csv", csvRenderer),
		MaxRenders:  cfg.MaxRenders,
		Observer:    reg,
		Metrics:     reg.Handler(),
		Ready:       store.Ping,
		Logger:      m.log,
		Node:        cfg.NodeName,
		Version:     cfg.KazooVersion,
	})
	if err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func newLogger(cfg Config, out io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(out, opts))
	}
	return slog.New(slog.NewJSONHandler(out, opts))
}

// openStore opens the configured store (storeConfig); reg, when set, counts the
// CouchDB requests.
func openStore(ctx context.Context, cfg Config, log *slog.Logger, reg *metrics.Registry) (*couchdb.Store, error) {
	sc := storeConfig(cfg, log)
	sc.AccountCacheTTL = cfg.AuthCacheTTL
	switch {
	case reg == nil:
	case sc.Driver == "":
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 64
		sc.Transport = reg.InstrumentTransport(t)
	default: // the embedded store: no HTTP to instrument, count its requests
		sc.OnRequest = reg.CountRequest
	}
	s, err := couchdb.Open(ctx, sc)
	if err != nil {
		return nil, fmt.Errorf("open store (%s): %w", describeStore(sc), err)
	}
	return s, nil
}

func newAuthenticator(cfg Config, store *couchdb.Store) (directory.Authenticator, error) {
	opts := auth.Options{CacheTTL: cfg.AuthCacheTTL, ClockSkew: cfg.AuthClockSkew}
	if cfg.AuthClockSkew == 0 {
		opts.ClockSkew = -1 // auth.Options reads 0 as "default"; AUTH_CLOCK_SKEW=0 means none
	}
	if cfg.AuthMode == "kazoo" {
		return auth.NewKazoo(cfg.KazooURL, &http.Client{Timeout: cfg.CouchDBTimeout}, store.AuthSource(), opts)
	}
	return auth.NewJWT(store.AuthSource(), opts), nil
}

// newPolicy is crossbar's token bucket and token restrictions, read from KAZOO's
// databases through the same caches' TTL as authentication.
func newPolicy(cfg Config, store *couchdb.Store, reg *metrics.Registry, log *slog.Logger) *auth.Policy {
	return auth.NewPolicy(store.AuthSource(), auth.PolicyOptions{
		Options:        auth.Options{CacheTTL: cfg.AuthCacheTTL},
		TrustedProxies: cfg.TrustedProxies,
		Refused:        reg.Refusals().Refused,
		Logger:         log,
	})
}

// Run listens and serves until ctx is done, then shuts down gracefully: in-flight
// requests get ShutdownTimeout to finish.
func (m *Main) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", m.cfg.ListenAddr)
	if err != nil {
		return err
	}
	if m.cfg.MaxConnections > 0 {
		ln = netutil.LimitListener(ln, m.cfg.MaxConnections)
	}
	m.addr <- ln.Addr()
	if m.cfg.CouchDBURL == "" {
		stopControl, err := serveControl(ctx, m)
		if err != nil {
			m.log.Warn("no control socket: token and import cannot reach the store while the service runs", "err", err)
		} else {
			defer stopControl()
		}
	}
	srv := &http.Server{
		Handler:           m.handler,
		ReadTimeout:       m.cfg.ReadTimeout,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      m.cfg.WriteTimeout,
		IdleTimeout:       m.cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}
	m.log.Info("listening", "addr", ln.Addr().String())
	if m.onListen != nil {
		m.onListen(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	m.log.Info("shutting down", "grace", m.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), m.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Addr waits until Run listens and returns the address.
func (m *Main) Addr() net.Addr {
	a := <-m.addr
	m.addr <- a
	return a
}

// Close stops the bus (queued notices get a short grace) and releases the store.
func (m *Main) Close() {
	m.bus.close()
	if m.store != nil {
		_ = m.store.Close()
	}
}

// serve runs the service; on an empty embedded store (firstRunWanted) it first sets
// up the demo account and prints on stdout what to curl once it listens.
func serve(ctx context.Context, cfg Config, stdout, logOut io.Writer) error {
	first := firstRunWanted(cfg)
	m, err := NewMain(ctx, cfg, logOut)
	if err != nil {
		return err
	}
	defer m.Close()
	if first {
		demo, err := setupDemo(ctx, m.store, time.Now())
		if err != nil {
			return fmt.Errorf("first run: demo account: %w", err)
		}
		m.log.Info("first run: demo account created", "account_id", demo.AccountID)
		m.onListen = func(a net.Addr) { demo.print(stdout, a, cfg.DataDir) }
	}
	return m.Run(ctx)
}
