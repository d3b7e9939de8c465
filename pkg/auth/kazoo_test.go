package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// fakeKazoo answers GET /v2/token_auth from a table of token → (status, body).
type fakeKazoo struct {
	mu       sync.Mutex
	replies  map[string]reply
	requests atomic.Int64
}

type reply struct {
	status int
	body   string
}

func (f *fakeKazoo) set(tok string, r reply) { f.mu.Lock(); f.replies[tok] = r; f.mu.Unlock() }

func (f *fakeKazoo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if r.Method != http.MethodGet || r.URL.Path != "/v2/token_auth" {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusTeapot)
		return
	}
	f.mu.Lock()
	rep, ok := f.replies[r.Header.Get("X-Auth-Token")]
	f.mu.Unlock()
	if !ok {
		rep = reply{401, `{"data":{"message":"invalid credentials"},"error":"401","message":"invalid_credentials","status":"error"}`}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_, _ = w.Write([]byte(rep.body))
}

// tokenAuthOK is KAZOO's GET /v2/token_auth reply for an auth doc.
func tokenAuthOK(account, owner, method string) reply {
	data := map[string]any{"account_id": account, "method": method, "iss": "kazoo",
		"account_name": "Reseller", "apps": []any{}, "is_reseller": true, "language": "en-us"}
	if owner != "" {
		data["owner_id"] = owner
	}
	b, _ := json.Marshal(map[string]any{"auth_token": "", "data": data, "status": "success", "request_id": "r"})
	return reply{200, string(b)}
}

func newKazoo(t *testing.T, src auth.AccountSource) (*auth.Kazoo, *fakeKazoo, *clock, *httptest.Server) {
	t.Helper()
	fk := &fakeKazoo{replies: map[string]reply{}}
	srv := httptest.NewServer(fk)
	t.Cleanup(srv.Close)
	clk := &clock{t: t0}
	k, err := auth.NewKazoo(srv.URL+"/", srv.Client(), src, auth.Options{Now: clk.Now, CacheTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return k, fk, clk, srv
}

func TestKazooMode(t *testing.T) {
	k, fk, clk, _ := newKazoo(t, newFakeSource())
	ctx := context.Background()
	tok := mint(t, auth.Claims{AccountID: reseller, OwnerID: userID, Method: "cb_user_auth", Exp: t0.Unix() + 30})
	fk.set(tok, tokenAuthOK(reseller, userID, "cb_user_auth"))

	id, err := k.Authenticate(ctx, directory.Credentials{Token: tok, AccountID: reseller})
	if err != nil {
		t.Fatal(err)
	}
	want := directory.Identity{AccountID: reseller, OwnerID: userID, Method: "cb_user_auth", Token: tok}
	if id != want {
		t.Fatalf("identity = %+v, want %+v", id, want)
	}
	_, err = k.Authenticate(ctx, directory.Credentials{Token: tok, AccountID: child})
	wantCode(t, err, directory.ECodeUnauthorized)
	if n := fk.requests.Load(); n != 1 {
		t.Fatalf("%d KAZOO requests, want 1 (cached)", n)
	}
	// Cached until the token's exp, then KAZOO is asked again (and says no).
	clk.Advance(29 * time.Second)
	if _, err := k.Authenticate(ctx, directory.Credentials{Token: tok}); err != nil || fk.requests.Load() != 1 {
		t.Fatalf("before exp: %v, %d requests", err, fk.requests.Load())
	}
	clk.Advance(time.Second)
	fk.set(tok, reply{401, `{}`})
	_, err = k.Authenticate(ctx, directory.Credentials{Token: tok})
	wantCode(t, err, directory.ECodeUnauthorized)
	if n := fk.requests.Load(); n != 2 {
		t.Fatalf("%d KAZOO requests, want 2", n)
	}
}

func TestKazooCacheTTL(t *testing.T) {
	k, fk, clk, _ := newKazoo(t, newFakeSource())
	ctx := context.Background()
	tok := mint(t, auth.Claims{AccountID: reseller, Exp: t0.Unix() + 3600})
	fk.set(tok, tokenAuthOK(reseller, "", "cb_api_auth"))
	if _, err := k.Authenticate(ctx, directory.Credentials{Token: tok}); err != nil {
		t.Fatal(err)
	}
	// KAZOO revokes it (identity secret reset); we notice within the TTL.
	fk.set(tok, reply{401, `{}`})
	clk.Advance(time.Minute)
	_, err := k.Authenticate(ctx, directory.Credentials{Token: tok})
	wantCode(t, err, directory.ECodeUnauthorized)
}

func TestKazooMasquerade(t *testing.T) {
	k, fk, _, _ := newKazoo(t, newFakeSource())
	c := userClaims()
	c.As = &auth.As{AccountID: child, OwnerID: "33333333333333333333333333333333"}
	tok := mint(t, c)
	fk.set(tok, tokenAuthOK(child, "33333333333333333333333333333333", "cb_user_auth"))
	id, err := k.Authenticate(context.Background(), directory.Credentials{Token: tok, AccountID: reseller})
	if err != nil {
		t.Fatal(err)
	}
	want := directory.Identity{AccountID: child, OwnerID: "33333333333333333333333333333333",
		OriginalAccountID: reseller, OriginalOwnerID: userID, Method: "cb_user_auth", Token: tok}
	if id != want {
		t.Fatalf("identity = %+v, want %+v", id, want)
	}
}

func TestKazooFailures(t *testing.T) {
	k, fk, _, srv := newKazoo(t, newFakeSource())
	ctx := context.Background()
	cases := map[string]struct {
		reply reply
		want  directory.Code
	}{
		"401":             {reply{401, `{}`}, directory.ECodeUnauthorized},
		"403":             {reply{403, `{}`}, directory.ECodeUnauthorized},
		"500":             {reply{500, `{}`}, directory.ECodeUnavailable},
		"429":             {reply{429, `{}`}, directory.ECodeUnavailable},
		"400 other":       {reply{400, `{"data":{"x":1}}`}, directory.ECodeUnavailable},
		"200 not JSON":    {reply{200, `<html>`}, directory.ECodeUnavailable},
		"200 no account":  {reply{200, `{"data":{}}`}, directory.ECodeUnauthorized},
		"account expired": {reply{400, `{"data":{"account":{"expired":{"message":"account expired","cause":63871124400}}},"error":"400","message":"validation error","status":"error"}`}, directory.ECodeValidation},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tok := mint(t, auth.Claims{AccountID: reseller, Method: name})
			fk.set(tok, tc.reply)
			_, err := k.Authenticate(ctx, directory.Credentials{Token: tok})
			wantCode(t, err, tc.want)
			if tc.want == directory.ECodeValidation {
				var e *directory.Error
				errors.As(err, &e)
				b, _ := json.Marshal(e.Data)
				if string(b) != `{"account":{"expired":{"message":"account expired","cause":63871124400}}}` {
					t.Fatalf("data = %s", b)
				}
			}
		})
	}
	_, err := k.Authenticate(ctx, directory.Credentials{})
	wantCode(t, err, directory.ECodeUnauthorized)

	srv.Close()
	tok := mint(t, auth.Claims{AccountID: reseller, Method: "unreachable"})
	_, err = k.Authenticate(ctx, directory.Credentials{Token: tok})
	wantCode(t, err, directory.ECodeUnavailable)
}

func TestKazooAuthorize(t *testing.T) {
	src := newFakeSource()
	k, _, _, _ := newKazoo(t, src)
	ctx := context.Background()
	if err := k.Authorize(ctx, directory.Identity{AccountID: reseller}, src.accounts[child]); err != nil {
		t.Fatal(err)
	}
	wantCode(t, k.Authorize(ctx, directory.Identity{AccountID: child}, src.accounts[reseller]), directory.ECodeForbidden)
	if err := k.Authorize(ctx, directory.Identity{AccountID: superAdmin}, src.accounts[reseller]); err != nil {
		t.Fatal(err)
	}
}

func TestNewKazooRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "kazoo:8000", "ftp://kazoo", "http://"} {
		if _, err := auth.NewKazoo(u, nil, newFakeSource(), auth.Options{}); err == nil {
			t.Errorf("NewKazoo(%q) accepted", u)
		}
	}
}
