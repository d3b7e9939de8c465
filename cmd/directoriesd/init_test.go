package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// initStore runs `init` on cfg and returns the printed account id and token.
func initStore(t *testing.T, cfg couchdb.Config, args ...string) (string, string) {
	t.Helper()
	code, out, errOut := cli(t, cfg, append([]string{"init", "--account-name", "Acme Corp"}, args...)...)
	if code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ACCOUNT_ID=") || !strings.HasPrefix(lines[1], "TOKEN=") {
		t.Fatalf("init output:\n%s", out)
	}
	return strings.TrimPrefix(lines[0], "ACCOUNT_ID="), strings.TrimPrefix(lines[1], "TOKEN=")
}

// verify authenticates tok as the service does in AUTH_MODE=jwt.
func verify(t *testing.T, cfg couchdb.Config, tok string) (directory.Identity, error) {
	t.Helper()
	store := couchdbtest.Open(t, cfg)
	return auth.NewJWT(store.AuthSource(), auth.Options{}).Authenticate(context.Background(), directory.Credentials{Token: tok})
}

// payload decodes a token's claims without verifying anything.
func payload(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts", tok, len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestInitThenServe is the newcomer's path: init on an empty store, then the printed
// token creates and lists a directory through the wired service.
func TestInitThenServe(t *testing.T) {
	cfg := couchdbtest.Fresh(t)
	start := time.Now()
	acct, tok := initStore(t, cfg, "--realm", "acme.example.com", "--ttl", "2h")
	if !directory.ValidAccountID(acct) {
		t.Fatalf("account id %q", acct)
	}
	claims := payload(t, tok)
	exp := int64(claims["exp"].(float64))
	if claims["account_id"] != acct || claims["method"] != "cb_api_auth" || claims["owner_id"] != nil ||
		claims["identity_sig"] == nil || exp < start.Add(2*time.Hour).Unix()-1 || exp > time.Now().Add(2*time.Hour).Unix() {
		t.Errorf("claims %v", claims)
	}
	id, err := verify(t, cfg, tok)
	if err != nil || id.AccountID != acct || id.OwnerID != "" {
		t.Fatalf("init token: %+v, %v", id, err)
	}
	if doc := couchdbtest.GetDoc(t, cfg, acct, acct); doc.String("name") != "Acme Corp" || doc.String("realm") != "acme.example.com" {
		t.Errorf("account doc %v", doc)
	}

	svc := startService(t, cfg)
	path := "/v2/accounts/" + acct + "/directories"
	if status, body := svc.call(t, tok, "PUT", path, `{"data":{"name":"Sales"}}`); status != http.StatusCreated {
		t.Fatalf("PUT = %d %v", status, body)
	}
	status, body := svc.call(t, tok, "GET", path, "")
	if list, _ := body["data"].([]any); status != 200 || len(list) != 1 {
		t.Fatalf("GET = %d %v", status, body)
	}
	svc.stop(t)
}

func TestToken(t *testing.T) {
	cfg := couchdbtest.Fresh(t)
	acct, _ := initStore(t, cfg)
	couchdbtest.PutDocs(t, cfg, acct,
		directory.Doc{"_id": "u1", "pvt_type": "user", "pvt_signature_secret": "user-secret"},
		directory.Doc{"_id": "u2", "pvt_type": "user"},
		directory.Doc{"_id": "d1", "pvt_type": "directory", "name": "Sales"},
		directory.Doc{"_id": "u3", "pvt_type": "user", "pvt_deleted": true})

	token := func(args ...string) (string, string) {
		t.Helper()
		code, out, errOut := cli(t, cfg, append([]string{"token", "--account", acct}, args...)...)
		if code != 0 {
			t.Fatalf("token %v: exit %d\n%s", args, code, errOut)
		}
		return strings.TrimSpace(out), errOut
	}

	api, _ := token("--ttl", "5m")
	if id, err := verify(t, cfg, api); err != nil || id.AccountID != acct || id.Method != "cb_api_auth" {
		t.Errorf("api token: %+v, %v", id, err)
	}
	if exp := int64(payload(t, api)["exp"].(float64)); exp > time.Now().Add(5*time.Minute).Unix() || exp < time.Now().Add(4*time.Minute).Unix() {
		t.Errorf("exp %d for --ttl 5m", exp)
	}

	user, _ := token("--user", "u1")
	if c := payload(t, user); c["owner_id"] != "u1" || c["method"] != "cb_user_auth" || c["identity_sig"] == nil {
		t.Errorf("user claims %v", c)
	}
	if id, err := verify(t, cfg, user); err != nil || id.OwnerID != "u1" {
		t.Errorf("user token: %+v, %v", id, err)
	}
	// The identity signature is real: resetting the user's secret revokes the token.
	couchdbtest.SetSignatureSecret(t, cfg, acct, "u1", "reset")
	if _, err := verify(t, cfg, user); !directory.IsCode(err, directory.ECodeUnauthorized) {
		t.Errorf("token after a secret reset: %v", err)
	}

	unsigned, notes := token("--user", "u2")
	if _, ok := payload(t, unsigned)["identity_sig"]; ok || !strings.Contains(notes, "no identity_sig") {
		t.Errorf("user without a secret: claims %v, notes %q", payload(t, unsigned), notes)
	}
	if id, err := verify(t, cfg, unsigned); err != nil || id.OwnerID != "u2" {
		t.Errorf("token without identity_sig: %+v, %v", id, err)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"token", "--account", couchdbtest.NewAccountID()}, 1, "no account"},
		{[]string{"token", "--account", acct, "--user", "nobody"}, 1, "no user nobody"},
		{[]string{"token", "--account", acct, "--user", "d1"}, 1, "not a user"},
		{[]string{"token", "--account", acct, "--user", "u3"}, 1, "deleted"},
		{[]string{"token", "--account", acct, "--user", "_design/directories"}, 2, "not a document id"},
		{[]string{"token", "--account", acct, "--ttl", "0s"}, 2, "--ttl"},
		{[]string{"token"}, 2, "--account"},
	} {
		code, out, errOut := cli(t, cfg, tc.args...)
		if code != tc.code || out != "" || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d and %q", tc.args, code, out, errOut, tc.code, tc.msg)
		}
	}
}

func TestTokenWithoutKey(t *testing.T) {
	cfg := couchdbtest.Fresh(t)
	acct := couchdbtest.NewAccount(t, cfg)
	code, _, errOut := cli(t, cfg, "token", "--account", acct)
	if code != 1 || !strings.Contains(errOut, "no signing key") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	couchdbtest.PutDBDocs(t, cfg, couchdb.SystemConfigDB, directory.Doc{"_id": "auth", "default": map[string]any{"system_key": "k1"}})
	code, _, errOut = cli(t, cfg, "token", "--account", acct)
	if code != 1 || !strings.Contains(errOut, "names key k1") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// TestInitRefusesExistingSetup: on a store KAZOO has set up, init writes nothing.
func TestInitRefusesExistingSetup(t *testing.T) {
	for name, seed := range map[string]func(t *testing.T, cfg couchdb.Config){
		"auth config": func(t *testing.T, cfg couchdb.Config) { couchdbtest.SetAuthConfig(t, cfg) },
		"system key": func(t *testing.T, cfg couchdb.Config) {
			couchdbtest.PutSystemKey(t, cfg, directory.NewID(), []byte("PEM"))
		},
		"after init": func(t *testing.T, cfg couchdb.Config) { initStore(t, cfg) },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := couchdbtest.Fresh(t)
			seed(t, cfg)
			couchdbtest.NewAccount(t, cfg)
			before := couchdbtest.Snapshot(t, cfg)
			code, out, errOut := cli(t, cfg, "init", "--account-name", "Second")
			if code != 1 || out != "" || !strings.Contains(errOut, "already set up") {
				t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			if after := couchdbtest.Snapshot(t, cfg); !reflect.DeepEqual(before, after) {
				t.Errorf("init wrote:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestInitUsage(t *testing.T) {
	cfg := couchdbtest.Config(t)
	for _, args := range [][]string{
		{"init"},
		{"init", "--account-name", " "},
		{"init", "--account-name", "A", "--ttl", "-1h"},
		{"init", "--account-name", "A", "extra"},
	} {
		if code, out, errOut := cli(t, cfg, args...); code != 2 || out != "" {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errOut)
		}
	}
}
