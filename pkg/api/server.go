// Package api serves KAZOO crossbar's directories API over HTTP with Echo. It reaches
// storage, authentication and rendering only through pkg/directory's types and
// interfaces; cmd/directoriesd wires the concrete ones in.
package api

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// DefaultMaxBodyBytes is crossbar.max_upload_size's default.
const DefaultMaxBodyBytes = 8_000_000

// Config holds what the server needs. Directories and Auth are required.
type Config struct {
	Directories *directory.Service
	Auth        directory.Authenticator
	// Gate, when set, charges the token bucket and applies token restrictions.
	Gate directory.Gatekeeper
	// PDF and CSV render a single directory; nil disables that representation (406).
	PDF directory.Renderer
	CSV directory.Renderer
	// Ready reports whether the datastore answers (GET /readyz).
	Ready func(ctx context.Context) error
	// Logger receives request lines and errors (slog.Default when nil).
	Logger *slog.Logger
	// Now and NewRequestID make responses repeatable in tests.
	Now          func() time.Time
	NewRequestID func() string
	// Node names this instance; the envelope's `node` is base64url(md5(Node)).
	Node string
	// Version is the KAZOO version string put in envelopes.
	Version string
	// MaxBodyBytes bounds request bodies (DefaultMaxBodyBytes when 0).
	MaxBodyBytes int64
	// MaxRenders bounds the printouts (PDF, CSV) rendered at once; further ones wait
	// for a turn after loading their members. Rendering is CPU-bound, so more at once
	// than there are CPUs adds memory (about 15 MB for 10,000 members), not speed.
	// runtime.GOMAXPROCS when 0.
	MaxRenders int
	// Middleware runs around every request (e.g. metrics), outermost first.
	Middleware []echo.MiddlewareFunc
	// Observer, when set, is told about every answered request (e.g. metrics).
	Observer Observer
	// Metrics, when set, is served at GET /metrics, outside the KAZOO request
	// pipeline and without authentication.
	Metrics http.Handler
}

// Observer receives one call per answered request, after its response is written.
// route is Echo's route pattern (e.g. "/v2/accounts/:account/directories/:id"),
// "unmatched" when no route matched, never the raw path; method is the request's
// method as sent (before verb tunnelling); status is the response status.
type Observer interface {
	ObserveRequest(route, method string, status int, elapsed time.Duration)
}

// Server is the HTTP API.
type Server struct {
	cfg     Config
	echo    *echo.Echo
	log     *slog.Logger
	node    string
	renders chan struct{} // a slot per render in progress (Config.MaxRenders)
}

// New validates cfg and builds the server.
func New(cfg Config) (*Server, error) {
	if cfg.Directories == nil {
		return nil, errors.New("api: Config.Directories is required")
	}
	if cfg.Auth == nil {
		return nil, errors.New("api: Config.Auth is required (there is no unauthenticated mode)")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewRequestID == nil {
		cfg.NewRequestID = directory.NewID
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Version == "" {
		cfg.Version = "4.3.0"
	}
	if cfg.MaxRenders <= 0 {
		cfg.MaxRenders = runtime.GOMAXPROCS(0)
	}
	sum := md5.Sum([]byte(cfg.Node))
	s := &Server{cfg: cfg, log: cfg.Logger, node: base64.RawURLEncoding.EncodeToString(sum[:]),
		renders: make(chan struct{}, cfg.MaxRenders)}
	s.echo = echo.New()
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.HTTPErrorHandler = s.handleError
	s.routes()
	return s, nil
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }
