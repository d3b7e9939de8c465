package api

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// listDirectories is GET /v2/accounts/{A}/directories.
func (s *Server) listDirectories(c echo.Context, r *request) error {
	p := directory.ListParams{Filters: directory.ParseFilters(r.query), PageSize: pageSize(r)}
	p.All = !r.boolParam("paginate", true)
	if sk, ok := r.param("start_key"); ok && sk != "" {
		p.StartKey = directory.DecodeStartKey(sk)
	}
	page, err := s.cfg.Directories.List(c.Request().Context(), r.accountID, p)
	if err != nil {
		return err
	}
	corsIfAsked(c, r)
	if r.format == formatCSV {
		return s.writeListCSV(c, page.Data)
	}
	x := extra{paged: !p.All, pageSize: len(page.Data)}
	if p.StartKey != nil {
		x.startKey = directory.EncodeStartKey(p.StartKey)
	}
	if page.NextStartKey != nil {
		x.nextStartKey = directory.EncodeStartKey(page.NextStartKey)
	}
	if len(page.Data) > 0 {
		x.revision = listRevision(page.Data, x)
		if notModified(c, x.revision) {
			return c.NoContent(http.StatusNotModified)
		}
	}
	return s.respond(c, r, http.StatusOK, page.Data, x)
}

// pageSize reads page_size; like crossbar 4.3, anything but a positive integer is
// the default.
func pageSize(r *request) int {
	v, ok := r.param("page_size")
	if !ok {
		return directory.DefaultPageSize
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return directory.DefaultPageSize
	}
	return min(n, 1<<30)
}

// listRevision is the listing's ETag: an md5 of what the page holds (KAZOO hashes the
// whole envelope, timestamp included, so its tag changes every second; ours changes
// only with the data).
func listRevision(data []any, x extra) string {
	b, _ := json.Marshal(data)
	sum := md5.Sum(append(b, x.startKey+"\x00"+x.nextStartKey...))
	return hex.EncodeToString(sum[:])
}

// getDirectory is GET /v2/accounts/{A}/directories/{D}, as JSON, PDF or CSV.
func (s *Server) getDirectory(c echo.Context, r *request) error {
	if r.format != formatJSON {
		return s.printDirectory(c, r)
	}
	res, err := s.cfg.Directories.Get(c.Request().Context(), r.accountID, pathParam(c, "id"), directory.ParseFilters(r.query))
	if err != nil {
		return err
	}
	corsIfAsked(c, r)
	if notModified(c, res.Rev) {
		return c.NoContent(http.StatusNotModified)
	}
	return s.respond(c, r, http.StatusOK, res.Data, extra{revision: res.Rev})
}

// createDirectory is PUT /v2/accounts/{A}/directories: 201 with a path-only Location.
func (s *Server) createDirectory(c echo.Context, r *request) error {
	data, err := objectData(r)
	if err != nil {
		return err
	}
	res, err := s.cfg.Directories.Create(c.Request().Context(), r.accountID, data, s.meta(c, r))
	if err != nil {
		return err
	}
	path := strings.TrimSuffix(c.Request().URL.EscapedPath(), "/")
	c.Response().Header().Set(echo.HeaderLocation, path+"/"+urlPathEscape(res.Data.String("id")))
	return s.written(c, r, http.StatusCreated, res)
}

// updateFunc is Service.Replace or Service.Patch.
type updateFunc func(ctx context.Context, accountID, id string, data directory.Doc, m directory.Meta) (directory.Result, error)

// updateDirectory serves POST (update = Service.Replace) and PATCH (Service.Patch) on
// /v2/accounts/{A}/directories/{D}.
func (s *Server) updateDirectory(update updateFunc) handlerFunc {
	return func(c echo.Context, r *request) error {
		data, err := objectData(r)
		if err != nil {
			return err
		}
		res, err := update(c.Request().Context(), r.accountID, pathParam(c, "id"), data, s.meta(c, r))
		if err != nil {
			return err
		}
		return s.written(c, r, http.StatusOK, res)
	}
}

// deleteDirectory is DELETE /v2/accounts/{A}/directories/{D}: a soft delete unless
// should_soft_delete=false.
func (s *Server) deleteDirectory(c echo.Context, r *request) error {
	soft := r.boolParam("should_soft_delete", true)
	res, err := s.cfg.Directories.Delete(c.Request().Context(), r.accountID, pathParam(c, "id"), soft, s.meta(c, r))
	if err != nil {
		return err
	}
	return s.written(c, r, http.StatusOK, res)
}

// written renders the result of a write.
func (s *Server) written(c echo.Context, r *request, status int, res directory.Result) error {
	corsIfAsked(c, r)
	return s.respond(c, r, status, res.Data, extra{revision: res.Rev})
}

// meta describes the writing request for the doc's pvt_ stamps.
func (s *Server) meta(c echo.Context, r *request) directory.Meta {
	return directory.Meta{RequestID: requestIDOf(c), Identity: r.identity, IfMatch: c.Request().Header.Get("If-Match")}
}

// objectData returns the envelope's data as an object ({} when absent).
func objectData(r *request) (directory.Doc, error) {
	switch d := r.data.(type) {
	case nil:
		return directory.Doc{}, nil
	case directory.Doc:
		return d, nil
	default:
		var v directory.ValidationError
		v.Add("data", "type", directory.NewObject("message", "Value did not match type(s): object", "target", "object", "value", d))
		return nil, v.Err()
	}
}

// notModified sets the ETag and reports whether If-None-Match matches it.
func notModified(c echo.Context, rev string) bool {
	if rev == "" {
		return false
	}
	etag := `"` + rev + `"`
	c.Response().Header().Set("ETag", etag)
	inm := c.Request().Header.Get("If-None-Match")
	if inm == "" {
		return false
	}
	for _, tag := range strings.Split(inm, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}
