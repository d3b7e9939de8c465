package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// restrict stores a token_restrictions doc in account's database; restrictions is
// raw JSON, stored with its key order (the first matching pattern wins).
func restrict(e *env, account, restrictions string) {
	e.t.Helper()
	couchdbtest.PutDocs(e.t, e.cfg, account, directory.Doc{"_id": auth.TokenRestrictionsDoc,
		"pvt_type": "token_restrictions", "restrictions": json.RawMessage(restrictions)})
}

// withPriv gives p's user doc a priv_level.
func withPriv(e *env, p principal, level string) principal {
	e.t.Helper()
	doc := couchdbtest.GetDoc(e.t, e.cfg, p.account, p.user)
	doc["priv_level"] = level
	couchdbtest.PutDocs(e.t, e.cfg, p.account, doc)
	return p
}

// newDirectory creates a directory in account with tok and returns its id.
func newDirectory(e *env, account, tok string) string {
	e.t.Helper()
	rec := e.do("PUT", dirsOf(account), `{"data":{"name":"Sales"}}`, "X-Auth-Token: "+tok)
	wantStatus(e.t, rec, http.StatusCreated)
	return body(e.t, rec)["data"].(map[string]any)["id"].(string)
}

// TestTokenRestrictions runs the spec's worked examples (A6) through the whole stack
// with KAZOO's tokens and rule docs stored as KAZOO stores them.
func TestTokenRestrictions(t *testing.T) {
	var k *kazoo
	e := newEnvWith(t, withKazooAuth(&k, time.Minute))
	h := newHierarchy(e, k)
	status := func(method, path, tok string) int {
		t.Helper()
		return e.do(method, path, `{"data":{"name":"X"}}`, "X-Auth-Token: "+tok).Code
	}
	want := func(what string, got, status int) {
		t.Helper()
		if got != status {
			t.Errorf("%s = %d, want %d", what, got, status)
		}
	}

	t.Run("E1 read-only users", func(t *testing.T) {
		restrict(e, e.acct, `{"cb_user_auth":{"user":{"directories":[{"rules":{"#":["GET"]}}]}}}`)
		admin := k.token(withPriv(e, k.user(e.acct), "admin"))
		d := newDirectory(e, e.acct, admin) // no admin or _ level: unrestricted
		user := k.token(withPriv(e, h.own, "user"))
		want("GET collection", status("GET", e.path(""), user), 200)
		want("GET item", status("GET", e.path("/"+d), user), 200)
		e.golden("token_restrictions_403", e.do("PUT", e.path(""), `{"data":{"name":"Sales"}}`, "X-Auth-Token: "+user))
		for _, m := range []string{"POST", "PATCH", "DELETE"} {
			want(m, status(m, e.path("/"+d), user), 403)
		}
		want("POST ?verb=GET", status("POST", e.path("/"+d+"?verb=GET"), user), 200)
		want("POST ?verb=PATCH", status("POST", e.path("/"+d+"?verb=PATCH"), user), 403)
		want("search (not listed: [D, search] has no pattern... # matches)", status("GET", e.path("/"+d+"/search?dtmf=2"), user), 200)
		// A user doc without priv_level is a "user" (kzd_user).
		want("user without priv_level PUT", status("PUT", e.path(""), k.token(k.user(e.acct))), 403)
		// An api key has no owner: default_priv_level "admin"; the doc has no cb_api_auth or _.
		want("api key PUT", status("PUT", e.path(""), k.token(k.apiKey(e.acct))), 201)
	})

	t.Run("E2 account-scoped entries", func(t *testing.T) {
		restrict(e, h.reseller.account, `{"_":{"_":{"directories":[
			{"allowed_accounts":["{AUTH_ACCOUNT_ID}"],"rules":{"/":["GET","PUT"],"*":["GET","POST","PATCH"]}},
			{"allowed_accounts":["{DESCENDANT_ACCOUNT_ID}"],"rules":{"#":["GET"]}},
			{"allowed_accounts":["_"],"rules":{"#":[]}}]}}}`)
		r := k.token(h.reseller)
		own := newDirectory(e, h.reseller.account, r)
		want("PATCH own", status("PATCH", dirsOf(h.reseller.account)+"/"+own, r), 200)
		want("DELETE own", status("DELETE", dirsOf(h.reseller.account)+"/"+own, r), 403)
		child := newDirectory(e, h.child.account, k.token(h.child))
		want("GET descendant", status("GET", dirsOf(h.child.account)+"/"+child, r), 200)
		want("PATCH descendant", status("PATCH", dirsOf(h.child.account)+"/"+child, r), 403)
		// Unrelated: denied by restrictions and by the account tree; the body with the
		// cause wins.
		rec := e.do("GET", dirsOf(h.unrelated.account), "", "X-Auth-Token: "+r)
		wantStatus(t, rec, 403)
		if data, _ := body(t, rec)["data"].(map[string]any); data["cause"] != "access denied by token restrictions" {
			t.Errorf("unrelated account: data %v, want the restrictions' cause", data)
		}
	})

	t.Run("E3 document order of patterns", func(t *testing.T) {
		p := k.user(couchdbtest.NewAccount(t, e.cfg))
		tok := k.token(p)
		a, b := newDirectory(e, p.account, tok), newDirectory(e, p.account, tok)
		restrict(e, p.account, `{"_":{"_":{"directories":[{"rules":{"`+a+`":["_"],"#":["GET"]}}]}}}`)
		want("PATCH before the notice (no rules cached)", status("PATCH", dirsOf(p.account)+"/"+b, tok), 200)
		k.policy.InvalidateDoc(directory.EncodedAccountDBName(p.account), auth.TokenRestrictionsDoc) // KAZOO's notice
		want("DELETE first", status("DELETE", dirsOf(p.account)+"/"+a, tok), 200)
		want("DELETE second", status("DELETE", dirsOf(p.account)+"/"+b, tok), 403)
		want("PUT", status("PUT", dirsOf(p.account), tok), 403)
		q := k.user(couchdbtest.NewAccount(t, e.cfg))
		qt := k.token(q)
		c := newDirectory(e, q.account, qt)
		restrict(e, q.account, `{"_":{"_":{"directories":[{"rules":{"#":["GET"],"`+c+`":["_"]}}]}}}`)
		k.policy.InvalidateDoc(directory.AccountDBName(q.account), auth.TokenRestrictionsDoc)
		want("reversed: DELETE", status("DELETE", dirsOf(q.account)+"/"+c, qt), 403)
	})

	t.Run("E4 system-wide default", func(t *testing.T) {
		// A method of its own, so that packages sharing a CouchDB are not restricted.
		method := "cb_test_" + couchdbtest.NewAccountID()[:8]
		couchdbtest.SetSystemConfig(t, e.cfg, auth.RestrictionsConfigDoc, func(def map[string]any) bool {
			def[method] = json.RawMessage(`{"_":{"_":[{"rules":{"#":["_"]}}],"directories":[{"rules":{"#":["GET"]}}]}}`)
			return true
		})
		k.policy.InvalidateDoc("system_config", auth.RestrictionsConfigDoc)
		p := k.user(couchdbtest.NewAccount(t, e.cfg))
		tok := k.token(p, func(c *auth.Claims) { c.Method = method })
		want("GET", status("GET", dirsOf(p.account), tok), 200)
		want("PUT", status("PUT", dirsOf(p.account), tok), 403)
		// An account doc defining the method (or _) wins over the system config.
		restrict(e, p.account, `{"`+method+`":{"_":{"directories":[{"rules":{"#":["_"]}}]}}}`)
		k.policy.InvalidateDoc(directory.EncodedAccountDBName(p.account), auth.TokenRestrictionsDoc)
		want("PUT with the account's own rules", status("PUT", dirsOf(p.account), tok), 201)
		// A superduper admin's tokens are never restricted.
		restrict(e, h.admin.account, `{"_":{"_":{"directories":[]}}}`)
		want("superduper PUT", status("PUT", dirsOf(h.admin.account), k.token(h.admin)), 201)
	})

	t.Run("soft-deleted rules still apply, as crossbar reads them", func(t *testing.T) {
		p := k.user(couchdbtest.NewAccount(t, e.cfg))
		couchdbtest.PutDocs(e.t, e.cfg, p.account, directory.Doc{"_id": auth.TokenRestrictionsDoc, "pvt_deleted": true,
			"pvt_type": "token_restrictions", "restrictions": json.RawMessage(`{"_":{"_":{"directories":[{"rules":{"#":["GET"]}}]}}}`)})
		want("PUT", status("PUT", dirsOf(p.account), k.token(p)), 403)
	})

	t.Run("malformed rules deny", func(t *testing.T) {
		p := k.user(couchdbtest.NewAccount(t, e.cfg))
		restrict(e, p.account, `{"_":["GET"]}`)
		want("GET", status("GET", dirsOf(p.account), k.token(p)), 403)
	})
}

// TestRateLimit charges crossbar's token bucket through the whole stack: per client
// address and URL account, before authentication (a request refused later has paid),
// with KAZOO's 429.
func TestRateLimit(t *testing.T) {
	var k *kazoo
	e := newEnvWith(t, withKazooAuth(&k, time.Minute))
	tok := k.token(k.user(e.acct))
	other := k.user(couchdbtest.NewAccount(t, e.cfg))
	for _, a := range []string{e.acct, other.account} {
		couchdbtest.SetTokenCost(t, e.cfg, a, 40) // the default bucket of 100 pays two requests
	}
	get := func(token string, headers ...string) *httptest.ResponseRecorder {
		return e.do("GET", e.path(""), "", append([]string{"X-Auth-Token: " + token}, headers...)...)
	}
	// A token whose account's trial ended gets crossbar's 400 from early
	// authentication, before the bucket: it pays nothing.
	trial := k.user(couchdbtest.NewAccount(t, e.cfg, couchdbtest.WithTrialExpires(gregorian(fixedNow.Add(-time.Hour)))))
	for range 3 {
		wantStatus(t, get(k.token(trial)), 400)
	}
	wantStatus(t, get(tok), 200)
	wantStatus(t, get("not-a-token"), 401) // paid, then refused
	e.golden("rate_limit_429", get(tok))
	wantStatus(t, get("not-a-token"), 429) // the bucket comes before authentication
	// Authorization: Bearer is crossbar's oauth type, which cb_token_auth does not charge.
	wantStatus(t, e.do("GET", e.path(""), "", "X-Auth-Token:", "Authorization: Bearer "+tok), 200)
	// Another account has a bucket of its own.
	wantStatus(t, e.do("GET", dirsOf(other.account), "", "X-Auth-Token: "+k.token(other)), 200)
	// One block of 10 per second refills: at 4 seconds, 40 tokens.
	k.clock.Advance(4 * time.Second)
	wantStatus(t, get(tok), 200)
	wantStatus(t, get(tok), 429)

	// X-Forwarded-For names the client only when the peer is a trusted proxy
	// (crossbar.reverse_proxies, default 127.0.0.1).
	fwd := func(peer, xff string) int {
		req := httptest.NewRequest("GET", dirsOf(other.account), nil)
		req.RemoteAddr = peer + ":4711"
		req.Header.Set("X-Auth-Token", k.token(other))
		req.Header.Set("X-Forwarded-For", xff)
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		return rec.Code
	}
	for i, c := range []struct {
		peer, xff string
		want      int
	}{
		{"192.0.2.1", "198.51.100.1", 200}, // untrusted peer: the peer's bucket (refilled to 100)
		{"192.0.2.1", "198.51.100.2", 200}, // the same bucket, whatever the header says
		{"192.0.2.1", "198.51.100.3", 429}, //
		{"127.0.0.1", "198.51.100.1", 200}, // trusted peer: the forwarded client's bucket
		{"127.0.0.1", "198.51.100.1", 200}, //
		{"127.0.0.1", "198.51.100.1", 429}, //
		{"127.0.0.1", "198.51.100.3", 200}, // another forwarded client
	} {
		if got := fwd(c.peer, c.xff); got != c.want {
			t.Errorf("request %d (peer %s, X-Forwarded-For %s) = %d, want %d", i, c.peer, c.xff, got, c.want)
		}
	}
}
