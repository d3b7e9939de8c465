package api

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// handlerFunc handles a request that passed the pipeline.
type handlerFunc func(c echo.Context, r *request) error

// endpoint is one method of a resource.
type endpoint struct {
	handle handlerFunc
	// produces lists the representations a GET can negotiate (JSON only when nil).
	produces []format
	// body marks methods whose body is read as data (Content-Type checked: 415).
	body bool
}

// resource maps (tunnelled) methods to endpoints.
type resource map[string]endpoint

func (res resource) allowed() []string {
	m := make([]string, 0, len(res))
	for k := range res {
		m = append(m, k)
	}
	sort.Strings(m)
	return m
}

// request is what the pipeline learns about a request before its handler runs.
type request struct {
	method    string
	query     url.Values
	envelope  map[string]any // top-level body keys, normalised
	data      any            // envelope `data`: directory.Doc, []any, or nil
	mediaOK   bool           // the body's Content-Type is one we read
	accountID string
	account   directory.Account
	identity  *directory.Identity
	token     string
	charged   bool // the request pays into the token bucket
	format    format
	allow     []string
}

const requestKey = "kazoo.request"

// param finds a request parameter the way crossbar does: in `data`, then the query
// string, then the envelope.
func (r *request) param(name string) (string, bool) {
	if d, ok := r.data.(directory.Doc); ok {
		if v, ok := scalarText(d[name]); ok {
			return v, true
		}
	}
	if vs, ok := r.query[name]; ok && len(vs) > 0 {
		return vs[0], true
	}
	if v, ok := scalarText(r.envelope[name]); ok {
		return v, true
	}
	return "", false
}

// boolParam reads a boolean parameter ("true"/"false"), def when absent or unparsable.
func (r *request) boolParam(name string, def bool) bool {
	v, ok := r.param(name)
	if !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	return def
}

// pipeline runs crossbar's request order (§2) so that the right error wins: body and
// envelope, method (405), account id shape and existence (404), the token bucket
// (429), authentication (401), token restrictions and authorization (403), content type (415), negotiation (406); validation and the
// conditional headers are the handler's.
func (s *Server) pipeline(res resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		r := &request{query: req.URL.Query(), allow: res.allowed()}
		c.Set(requestKey, r)
		if err := s.readBody(c, r); err != nil {
			return err
		}
		r.token, r.charged = requestToken(req, r)
		r.method = tunnelledMethod(req.Method, r)
		if r.method == http.MethodOptions && isCORS(req) {
			return s.preflight(c, r)
		}
		ep, ok := res[r.method]
		if !ok {
			return errInvalidMethod
		}
		if err := s.loadAccount(c, r); err != nil {
			return err
		}
		if err := s.admit(c, r); err != nil {
			return err
		}
		if ep.body && !r.mediaOK {
			return directory.Errorf(directory.ECodeUnsupportedType, "unsupported Content-Type %q", req.Header.Get(echo.HeaderContentType))
		}
		f, err := negotiate(req.Header.Get(echo.HeaderAccept), r, ep.produces)
		if err != nil {
			return err
		}
		r.format = f
		return ep.handle(c, r)
	}
}

// tunnelledMethod applies crossbar's verb tunnelling: a POST may carry `verb` in the
// query string or the envelope.
func tunnelledMethod(method string, r *request) string {
	if method != http.MethodPost {
		return method
	}
	if vs, ok := r.query["verb"]; ok && len(vs) > 0 && vs[0] != "" {
		return strings.ToUpper(vs[0])
	}
	if v, ok := r.envelope["verb"].(string); ok && v != "" {
		return strings.ToUpper(v)
	}
	return method
}

// loadAccount checks the path's account id (before authentication, as crossbar does)
// and loads the account.
func (s *Server) loadAccount(c echo.Context, r *request) error {
	id := pathParam(c, "account")
	switch {
	case id == "":
		return &directory.Error{Code: directory.ECodeInvalidAccount, Message: "missing account id",
			Data: directory.NewObject("message", "missing account_id")}
	case len(id) != 32:
		return &directory.Error{Code: directory.ECodeInvalidAccount, Message: "malformed account id",
			Data: directory.NewObject("message", "invalid account_id '"+id+"'")}
	case !directory.ValidAccountID(id):
		return directory.BadIdentifier(id)
	}
	account, err := s.cfg.Directories.Account(c.Request().Context(), id)
	if err != nil {
		return err
	}
	r.accountID, r.account = id, account
	return nil
}

// pathParam returns a path parameter, unescaped when the router matched the raw path.
func pathParam(c echo.Context, name string) string {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v
	}
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}
