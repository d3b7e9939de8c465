package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(runCrashChild())
	}
	os.Exit(couchdbtest.Main(m))
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// TestServeEndToEnd starts the wired binary's Main on a free port against the test
// server, creates and reads a directory with a KAZOO token over real HTTP, then shuts
// down gracefully.
func TestServeEndToEnd(t *testing.T) {
	cc := couchdbtest.Config(t)
	acct := couchdbtest.NewAccount(t, cc)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	kid := directory.NewID()
	couchdbtest.PutSystemKey(t, cc, kid, auth.PrivateKeyPEM(key))
	couchdbtest.SetAuthConfig(t, cc)
	token, err := auth.Mint(key, kid, auth.Claims{AccountID: acct, Method: "cb_api_auth", Exp: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	svc := startService(t, cc)
	m, base := svc.m, svc.base
	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		return svc.call(t, token, method, path, body)
	}
	status, created := call("PUT", "/v2/accounts/"+acct+"/directories", `{"data":{"name":"Sales"}}`)
	if status != http.StatusCreated {
		t.Fatalf("PUT = %d %v", status, created)
	}
	id := created["data"].(map[string]any)["id"].(string)
	if status, got := call("GET", "/v2/accounts/"+acct+"/directories/"+id, ""); status != 200 || got["data"].(map[string]any)["name"] != "Sales" {
		t.Fatalf("GET = %d %v", status, got)
	}
	resp, err := http.Get(base + "/v2/accounts/" + acct + "/directories/" + id + "?accept=pdf&auth_token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	pdfBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(pdfBytes, []byte("%PDF")) {
		t.Fatalf("PDF = %d %.40q", resp.StatusCode, pdfBytes)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if r, err := http.Get(base + p); err != nil || r.StatusCode != 200 {
			t.Errorf("%s: %v %v", p, r, err)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"healthcheck"}, env(map[string]string{"LISTEN_ADDR": m.Addr().String()}), &stdout, &stderr); code != 0 {
		t.Errorf("healthcheck = %d: %s", code, stderr.String())
	}
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	scrape, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, series := range []string{`directoriesd_http_requests_total{method="PUT",route="/v2/accounts/:account/directories",status="201"} 1`,
		`directoriesd_couchdb_requests_total{operation="put_doc"}`, `directoriesd_render_duration_seconds_count{kind="pdf"} 1`} {
		if !strings.Contains(string(scrape), series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
	svc.stop(t)
	var stderr2 bytes.Buffer
	if code := run(context.Background(), []string{"healthcheck"}, env(map[string]string{"LISTEN_ADDR": m.Addr().String()}), io.Discard, &stderr2); code == 0 {
		t.Error("healthcheck passed with the service stopped")
	}
}

func TestConfigReportsEveryProblemAtOnce(t *testing.T) {
	_, err := loadConfig(env(map[string]string{
		"COUCHDB_URL": "ftp://x", "COUCHDB_TIMEOUT": "soon", "AUTH_MODE": "none",
		"LOG_LEVEL": "loud", "MAX_CONNECTIONS": "-1", "LOG_FORMAT": "xml",
		"COUCHDB_PASSWORD": "a", "COUCHDB_PASSWORD_FILE": "/nonexistent",
		"AMQP_URL": "http://broker", "PRINT_MAX_RENDERS": "two",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"COUCHDB_URL", "COUCHDB_TIMEOUT", "AUTH_MODE", "LOG_LEVEL", "MAX_CONNECTIONS", "LOG_FORMAT", "COUCHDB_PASSWORD and COUCHDB_PASSWORD_FILE", "AMQP_URL", "PRINT_MAX_RENDERS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
	if _, err := loadConfig(env(map[string]string{"AMQP_URL": "amqp://guest:guest@127.0.0.1:5672", "NODE_NAME": "kazoo_apps@kz1.example.com"})); err == nil || !strings.Contains(err.Error(), "NODE_NAME") {
		t.Errorf("AMQP_URL with a KAZOO node's name: %v", err)
	}
	if _, err := loadConfig(env(map[string]string{"AUTH_MODE": "kazoo"})); err == nil || !strings.Contains(err.Error(), "KAZOO_URL") {
		t.Errorf("AUTH_MODE=kazoo without KAZOO_URL: %v", err)
	}
}

func TestConfigDefaultsAndSecretFile(t *testing.T) {
	file := t.TempDir() + "/pw"
	if err := os.WriteFile(file, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	amqpFile := t.TempDir() + "/amqp"
	if err := os.WriteFile(amqpFile, []byte("amqp://u:p@rabbit:5672\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(env(map[string]string{"COUCHDB_PASSWORD_FILE": file, "AUTH_CACHE_TTL": "5s", "PDF_FONT_FILES": "/a.ttf:/b.ttf",
		"PDF_FONT_DIRS": "/f1:/f2", "AMQP_URL_FILE": amqpFile}))
	if err != nil {
		t.Fatal(err)
	}
	if c.CouchDBPassword != "s3cret" || c.AuthCacheTTL != 5*time.Second || len(c.PDFFontFiles) != 2 ||
		!slices.Equal(c.PDFFontDirs, []string{"/f1", "/f2"}) || c.AMQPURL != "amqp://u:p@rabbit:5672" {
		t.Errorf("config = %+v", c)
	}
	if d := defaultConfig(); d.AMQPURL != "" {
		t.Errorf("AMQP_URL defaults to %q, want empty (no bus)", d.AMQPURL)
	}
	c, err = loadConfig(env(map[string]string{"HOME": "/home/u"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/usr/share/fonts", "/usr/local/share/fonts", "/home/u/.fonts", "/home/u/.local/share/fonts"}; !slices.Equal(c.PDFFontDirs, want) {
		t.Errorf("default PDF_FONT_DIRS = %q, want %q", c.PDFFontDirs, want)
	}
	if c.ListenAddr != ":8000" || c.AuthMode != "jwt" || c.DataDir != "./data" || c.CouchDBTimeout != 5*time.Second {
		t.Errorf("defaults = %+v", c)
	}
}
