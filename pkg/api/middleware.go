package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

const requestIDKey = "kazoo.request_id"

// requestID echoes a sane X-Request-ID or generates one, on every response.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get("X-Request-ID")
		if !validRequestID(id) {
			id = s.cfg.NewRequestID()
		}
		c.Set(requestIDKey, id)
		c.Response().Header().Set("X-Request-ID", id)
		return next(c)
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= 0x20 || id[i] >= 0x7f {
			return false
		}
	}
	return true
}

func requestIDOf(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

// recoverPanic turns a panic into a 500 envelope; the process keeps serving.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				err = &directory.Error{Code: directory.ECodeInternal, Message: "panic", Err: fmt.Errorf("%v", p)}
			}
		}()
		return next(c)
	}
}

// logRequests writes one line per request: method, route, status, latency, request id
// and account id; then it tells the Observer, if any.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		elapsed := time.Since(start)
		req := c.Request()
		route := c.Path()
		if route == "" || route == notFoundRoute {
			route = "unmatched"
		}
		status := c.Response().Status
		s.log.Info("request",
			"method", req.Method,
			"route", route,
			"status", status,
			"latency_ms", float64(elapsed.Microseconds())/1000,
			"request_id", requestIDOf(c),
			"account_id", c.Param("account"),
		)
		if s.cfg.Observer != nil {
			s.cfg.Observer.ObserveRequest(route, req.Method, status, elapsed)
		}
		return nil
	}
}

// CORS (api_util:add_cors_headers): on every error, and on responses to CORS requests.
const (
	corsAllowHeaders  = "content-type, depth, user-agent, x-http-method-override, x-file-size, x-requested-with, if-modified-since, x-file-name, cache-control, x-auth-token, x-kazoo-cluster-id, if-match"
	corsExposeHeaders = "content-type, x-auth-token, x-request-id, x-kazoo-cluster-id, location, etag, etag"
)

func isCORS(req *http.Request) bool {
	h := req.Header
	return h.Get("Origin") != "" || h.Get("Access-Control-Request-Method") != "" || h.Get("Access-Control-Request-Headers") != ""
}

func setCORS(c echo.Context, r *request) {
	methods := []string{http.MethodOptions}
	if r != nil {
		methods = append(methods, r.allow...)
		if m := c.Request().Header.Get("Access-Control-Request-Method"); m != "" && !slices.Contains(methods, m) {
			methods = append(methods, m)
		}
	}
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	h.Set("Access-Control-Max-Age", "86400")
}

// corsIfAsked adds CORS headers to a success response of a CORS request.
func corsIfAsked(c echo.Context, r *request) {
	if isCORS(c.Request()) {
		setCORS(c, r)
	}
}

// preflight answers a CORS preflight: no authentication, 200, empty body.
func (s *Server) preflight(c echo.Context, r *request) error {
	setCORS(c, r)
	return c.NoContent(http.StatusOK)
}
