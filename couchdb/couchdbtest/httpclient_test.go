package couchdbtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
)

// httpClient is a plain HTTP client, for the tests of what the compat server fixes in
// CouchDB's HTTP API.
type httpClient struct {
	base       *url.URL
	user, pass string
	http       *http.Client
}

func newHTTPClient(tb testing.TB, cfg couchdb.Config) *httpClient {
	tb.Helper()
	u, err := url.Parse(cfg.URL)
	if err != nil {
		tb.Fatalf("couchdbtest: URL: %v", err)
	}
	c := &httpClient{base: u, http: &http.Client{Transport: cfg.Transport, Timeout: time.Minute}}
	if u.User != nil {
		c.user = u.User.Username()
		c.pass, _ = u.User.Password()
		u.User = nil
	}
	if cfg.User != "" {
		c.user, c.pass = cfg.User, cfg.Password
	}
	return c
}

// dbPath returns the escaped path of a database ("/" inside names becomes %2F).
func dbPath(db string) string { return "/" + url.PathEscape(db) }

// docPath returns the escaped path of a doc; _design/ and _local/ keep their slash.
func docPath(db, id string) string {
	for _, p := range []string{"_design/", "_local/"} {
		if rest, ok := strings.CutPrefix(id, p); ok {
			return dbPath(db) + "/" + p + url.PathEscape(rest)
		}
	}
	return dbPath(db) + "/" + url.PathEscape(id)
}

// do sends one request; body is JSON-encoded unless it is []byte. It returns the
// status and the response body.
func (c *httpClient) do(method, path string, body any, contentType string) (int, []byte, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(j)
		contentType = "application/json"
	}
	u, err := url.Parse(strings.TrimSuffix(c.base.String(), "/") + path)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u.String(), r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// must sends a request and fails the test unless the status is one of want.
func (c *httpClient) must(tb testing.TB, method, path string, body any, contentType string, want ...int) []byte {
	tb.Helper()
	status, b, err := c.do(method, path, body, contentType)
	if err != nil {
		tb.Fatalf("couchdbtest: %s %s: %v", method, path, err)
	}
	for _, w := range want {
		if status == w {
			return b
		}
	}
	tb.Fatalf("couchdbtest: %s %s: status %d, want %v: %s", method, path, status, want, b)
	return nil
}

// rev returns the current revision of a doc ("" when it does not exist).
func (c *httpClient) rev(tb testing.TB, db, id string) string {
	tb.Helper()
	b := c.must(tb, http.MethodGet, docPath(db, id), nil, "", http.StatusOK, http.StatusNotFound)
	var d struct {
		Rev string `json:"_rev"`
	}
	_ = json.Unmarshal(b, &d)
	return d.Rev
}

func decodeJSON(tb testing.TB, b []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("couchdbtest: decode %s: %v", b, err)
	}
}
