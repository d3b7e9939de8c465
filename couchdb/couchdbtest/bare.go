package couchdbtest

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Bare sends plain HTTP requests to cfg's CouchDB server, with basic auth and a
// keep-alive client: the anchor of the benchmarks that compare the service with the
// CouchDB requests it needs.
type Bare struct {
	base, user, pass string
	client           *http.Client
}

// NewBare returns a Bare for cfg's server (credentials from the URL or cfg).
func NewBare(tb testing.TB, cfg couchdb.Config) *Bare {
	tb.Helper()
	u, err := url.Parse(strings.TrimSuffix(cfg.URL, "/"))
	if err != nil {
		tb.Fatal(err)
	}
	b := &Bare{user: cfg.User, pass: cfg.Password, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	if u.User != nil {
		b.user = u.User.Username()
		b.pass, _ = u.User.Password()
		u.User = nil
	}
	b.base = u.String()
	return b
}

// DB is the URL of the account's database.
func (b *Bare) DB(accountID string) string {
	return b.base + "/" + url.PathEscape(directory.AccountDBName(accountID))
}

// Do sends one request (body "" for none) and returns the whole answer; a status
// other than 200 is an error.
func (b *Bare) Do(method, target, body string) ([]byte, error) {
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if b.user != "" {
		req.SetBasicAuth(b.user, b.pass)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s: %s", method, target, resp.Status)
	}
	return out, err
}
