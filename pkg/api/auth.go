package api

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// requestToken finds the token (api_util:get_auth_token: X-Auth-Token, then auth_token
// in the data, query string or envelope, then Authorization: Bearer). Crossbar does
// this in rest_init, so every response envelope, errors included, echoes it. charged
// reports crossbar's token type: "x-auth-token" (also when there is no token at all)
// and "basic" pay into the token bucket; a Bearer or other Authorization does not.
func requestToken(req *http.Request, r *request) (token string, charged bool) {
	token = strings.TrimSpace(req.Header.Get("X-Auth-Token"))
	if token == "" {
		token, _ = r.param("auth_token")
	}
	if token != "" {
		return token, true
	}
	h := strings.TrimSpace(req.Header.Get("Authorization"))
	if h == "" {
		return "", true
	}
	scheme, _, _ := strings.Cut(h, " ")
	return authorizationToken(h), strings.EqualFold(scheme, "Basic")
}

// admit runs crossbar's admission after the account check: the token bucket (429),
// authentication (401), then token restrictions and the account-tree check (403; a
// restrictions denial wins, as its `stop` beats cb_simple_authz's answer). A token
// whose account's trial has ended is refused before the bucket is charged (crossbar's
// early authentication answers that 400 first).
func (s *Server) admit(c echo.Context, r *request) error {
	req := c.Request()
	ctx := req.Context()
	id, authErr := s.authenticateToken(ctx, req, r)
	if directory.IsCode(authErr, directory.ECodeValidation) {
		return authErr
	}
	var access directory.Access
	if s.cfg.Gate != nil {
		access = directory.Access{
			Peer:         peerAddr(req.RemoteAddr),
			ForwardedFor: req.Header.Get(echo.HeaderXForwardedFor),
			Account:      r.account,
			Endpoint:     "directories",
			Params:       pathArgs(c),
			Verb:         r.method,
		}
		if r.charged {
			if err := s.cfg.Gate.Charge(ctx, access); err != nil {
				return err
			}
		}
	}
	if authErr != nil {
		return authErr
	}
	if s.cfg.Gate != nil {
		if err := s.cfg.Gate.Restrict(ctx, id, access); err != nil {
			return err
		}
	}
	if err := s.cfg.Auth.Authorize(ctx, id, r.account); err != nil {
		return err
	}
	r.identity = &id
	return nil
}

// authenticateToken verifies the request's token (401 when there is none).
func (s *Server) authenticateToken(ctx context.Context, req *http.Request, r *request) (directory.Identity, error) {
	if r.token == "" {
		return directory.Identity{}, directory.Errorf(directory.ECodeUnauthorized, "no credentials")
	}
	return s.cfg.Auth.Authenticate(ctx, directory.Credentials{Token: r.token, AccountID: req.Header.Get("X-Auth-Account-ID")})
}

// pathArgs are the directories endpoint's path arguments, as crossbar's req_nouns
// hold them: none, [D], or [D, "search"].
func pathArgs(c echo.Context) []string {
	id := pathParam(c, "id")
	switch {
	case id == "":
		return nil
	case strings.HasSuffix(c.Path(), "/search"):
		return []string{id, "search"}
	}
	return []string{id}
}

// peerAddr is the host part of a net/http RemoteAddr.
func peerAddr(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
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
