package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/api"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func TestMain(m *testing.M) { os.Exit(couchdbtest.Main(m)) }

// fixedNow is the clock of every test server: envelopes and stamps repeat exactly.
var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// tokenAuth is a fake of directory.Authenticator for the API tests that are not about
// authentication: "token-<account id>" authenticates as that account.
type tokenAuth struct{}

func (tokenAuth) Authenticate(_ context.Context, c directory.Credentials) (directory.Identity, error) {
	acct, ok := strings.CutPrefix(c.Token, "token-")
	if !ok || (c.AccountID != "" && c.AccountID != acct) {
		return directory.Identity{}, directory.Errorf(directory.ECodeUnauthorized, "unknown test token")
	}
	return directory.Identity{AccountID: acct, OwnerID: "0123456789abcdef0123456789abcdef", Token: c.Token}, nil
}

func (tokenAuth) Authorize(_ context.Context, id directory.Identity, target directory.Account) error {
	if id.AccountID == target.ID {
		return nil
	}
	for _, a := range target.Tree {
		if a == id.AccountID {
			return nil
		}
	}
	return directory.Errorf(directory.ECodeForbidden, "not this account")
}

// env is one test's server on a fresh account.
type env struct {
	t       testing.TB
	cfg     couchdb.Config
	store   *couchdb.Store
	counter *couchdbtest.CountingTransport
	handler http.Handler
	acct    string
	token   string
	// redactions are (text, placeholder) pairs golden replaces, e.g. minted tokens.
	redactions []string
}

type envOption func(*api.Config)

// envHook changes the server's config with the env at hand; it runs after the env's
// store and account exist (so it may seed them), before the options.
type envHook func(*env, *api.Config)

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	return newEnvWith(t, nil, opts...)
}

// newEnvWith is newEnv with a hook (nil: none).
func newEnvWith(t testing.TB, hook envHook, opts ...envOption) *env {
	t.Helper()
	cfg := couchdbtest.Config(t)
	counter := couchdbtest.Counting(&cfg)
	store := couchdbtest.Open(t, cfg)
	acct := couchdbtest.NewAccount(t, cfg, couchdbtest.WithName("Acme Corp"))
	var seq atomic.Int64
	ac := api.Config{
		Directories: directory.NewService(store, func() time.Time { return fixedNow }, func() string {
			return fmt.Sprintf("%032x", 0xd000+seq.Add(1))
		}),
		Auth:         tokenAuth{},
		Logger:       testLogger(),
		Now:          func() time.Time { return fixedNow },
		NewRequestID: func() string { return "req-0000" },
		Node:         "directoriesd@test",
		Version:      "4.3.0",
		Ready:        store.Ping,
	}
	e := &env{t: t, cfg: cfg, store: store, counter: counter, acct: acct, token: "token-" + acct}
	if hook != nil {
		hook(e, &ac)
	}
	for _, o := range opts {
		o(&ac)
	}
	srv, err := api.New(ac)
	if err != nil {
		t.Fatal(err)
	}
	e.handler = srv
	return e
}

// redact makes golden files show placeholder wherever text appears.
func (e *env) redact(text, placeholder string) {
	e.redactions = append(e.redactions, text, placeholder)
}

// path returns /v2/accounts/{acct}/directories + suffix.
func (e *env) path(suffix string) string { return "/v2/accounts/" + e.acct + "/directories" + suffix }

// do sends a request with the env's token (unless headers set X-Auth-Token, even to "")
// and a JSON Content-Type when there is a body. headers are "Name: value" strings.
func (e *env) do(method, target, body string, headers ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	req.Header.Set("X-Auth-Token", e.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Set(name, strings.TrimSpace(value))
		if strings.TrimSpace(value) == "" {
			req.Header.Del(name)
		}
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
}

// seed saves docs into the env's account database.
func (e *env) seed(docs ...directory.Doc) { couchdbtest.PutDocs(e.t, e.cfg, e.acct, docs...) }

// body decodes a JSON response body.
func body(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("response is not JSON (%d): %v\n%s", rec.Code, err, rec.Body.String())
	}
	return m
}

func wantStatus(t testing.TB, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d\n%s", rec.Code, status, rec.Body.String())
	}
}

var (
	revPattern  = regexp.MustCompile(`\b\d+-[0-9a-f]{32}\b`)
	md5Revision = regexp.MustCompile(`"revision": "[0-9a-f]{32}"`)
	md5ETag     = regexp.MustCompile(`^"[0-9a-f]{32}"$`)
)

// goldenHeaders are the response headers a golden file records.
var goldenHeaders = []string{"Content-Type", "Location", "Etag", "Content-Disposition",
	"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "X-Request-Id"}

// golden compares status, the main headers and the body with
// testdata/golden/api/<name>.json, after replacing the account id and revisions with
// placeholders. -update rewrites the file.
func (e *env) golden(name string, rec *httptest.ResponseRecorder) {
	e.t.Helper()
	headers := map[string]string{}
	for _, h := range goldenHeaders {
		if v := rec.Header().Get(h); v != "" {
			headers[h] = v
		}
	}
	if md5ETag.MatchString(headers["Etag"]) {
		headers["Etag"] = `"{MD5}"`
	}
	var b any = rec.Body.String()
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && rec.Body.Len() > 0 {
		// Indent keeps the body's own key order, so golden files pin KAZOO's byte order.
		var ind bytes.Buffer
		if err := json.Indent(&ind, rec.Body.Bytes(), "    ", "  "); err != nil {
			e.t.Fatalf("invalid JSON body: %v", err)
		}
		raw := md5Revision.ReplaceAll(ind.Bytes(), []byte(`"revision": "{MD5}"`))
		if !bytes.Equal(raw, ind.Bytes()) {
			headers["Etag"] = `"{MD5}"`
		}
		b = json.RawMessage(raw)
	}
	out, err := json.MarshalIndent(map[string]any{"status": rec.Code, "headers": headers, "body": b}, "", "  ")
	if err != nil {
		e.t.Fatal(err)
	}
	got := string(out)
	for i := 0; i+1 < len(e.redactions); i += 2 {
		got = strings.ReplaceAll(got, e.redactions[i], e.redactions[i+1])
	}
	got = strings.ReplaceAll(got, e.acct, "{ACCOUNT_ID}")
	got = strings.ReplaceAll(got, strings.ToUpper(e.acct), "{UPPER_ACCOUNT_ID}")
	got = revPattern.ReplaceAllString(got, "{REV}") + "\n"
	path := filepath.Join("..", "..", "testdata", "golden", "api", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			e.t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatalf("golden %s: %v (run go test ./pkg/api -update)", name, err)
	}
	if !bytes.Equal(want, []byte(got)) {
		e.t.Errorf("golden %s differs:\n--- want\n%s\n--- got\n%s", name, want, got)
	}
}

// testLogger discards logs unless DEBUG_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("DEBUG_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
