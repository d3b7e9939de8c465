package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// routes is the whole route table. Every resource route takes any method: the
// request pipeline (pipeline.go) answers 405 in KAZOO's envelope itself.
func (s *Server) routes() {
	e := s.echo
	e.Pre(s.requestID, s.logRequests, s.recoverPanic)
	e.Use(s.cfg.Middleware...)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	if s.cfg.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(s.cfg.Metrics))
	}

	collection := resource{
		http.MethodGet: {handle: s.listDirectories, produces: listTypes},
		http.MethodPut: {handle: s.createDirectory, body: true},
	}
	item := resource{
		http.MethodGet:    {handle: s.getDirectory, produces: itemTypes},
		http.MethodPost:   {handle: s.updateDirectory(s.cfg.Directories.Replace), body: true},
		http.MethodPatch:  {handle: s.updateDirectory(s.cfg.Directories.Patch), body: true},
		http.MethodDelete: {handle: s.deleteDirectory, body: true},
	}
	e.Any("/v2/accounts/:account/directories", s.pipeline(collection))
	e.Any("/v2/accounts/:account/directories/", s.pipeline(collection))
	search := resource{
		http.MethodGet: {handle: s.searchDirectory},
	}
	e.Any("/v2/accounts/:account/directories/:id", s.pipeline(item))
	e.Any("/v2/accounts/:account/directories/:id/search", s.pipeline(search))
	e.Any("/v1/*", s.gone)

	e.RouteNotFound(notFoundRoute, s.notFound)
}

// notFoundRoute catches every path no other route matches; requests to it are logged
// and observed as route "unmatched".
const notFoundRoute = "/*"

func (s *Server) gone(c echo.Context) error   { return errGone }
func (s *Server) notFound(echo.Context) error { return errNotFound }

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(c.Request().Context()); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
