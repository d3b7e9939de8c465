package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// requestToken finds the token (api_util:get_auth_token: X-Auth-Token, then auth_token
// in the data, query string or envelope, then Authorization: Bearer). Crossbar does
// this in rest_init, so every response envelope, errors included, echoes it.
func requestToken(req *http.Request, r *request) string {
	token := strings.TrimSpace(req.Header.Get("X-Auth-Token"))
	if token == "" {
		token, _ = r.param("auth_token")
	}
	if token == "" {
		token = authorizationToken(req.Header.Get("Authorization"))
	}
	return token
}

// authenticate verifies the request's token and checks access to the path's account:
// 401, then 403.
func (s *Server) authenticate(c echo.Context, r *request) error {
	req := c.Request()
	token := r.token
	if token == "" {
		return directory.Errorf(directory.ECodeUnauthorized, "no credentials")
	}
	ctx := req.Context()
	id, err := s.cfg.Auth.Authenticate(ctx, directory.Credentials{Token: token, AccountID: req.Header.Get("X-Auth-Account-ID")})
	if err != nil {
		return err
	}
	if err := s.cfg.Auth.Authorize(ctx, id, r.account); err != nil {
		return err
	}
	r.identity = &id
	return nil
}

// authorizationToken reads a token from an Authorization header: "Bearer X", or a bare
// value. Other schemes (Basic) carry no token.
func authorizationToken(h string) string {
	h = strings.TrimSpace(h)
	scheme, value, ok := strings.Cut(h, " ")
	if !ok {
		return h
	}
	if strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(value)
	}
	return ""
}
