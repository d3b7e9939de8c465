package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/amqp/amqptest"
	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/auth"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// busFixture is an account with a signing key and a token for it.
type busFixture struct {
	cc    couchdb.Config
	acct  string
	key   *rsa.PrivateKey
	kid   string
	token string
}

func newBusFixture(t *testing.T) busFixture {
	t.Helper()
	cc := couchdbtest.Config(t)
	f := busFixture{cc: cc, acct: couchdbtest.NewAccount(t, cc), kid: directory.NewID()}
	var err error
	if f.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	couchdbtest.PutSystemKey(t, cc, f.kid, auth.PrivateKeyPEM(f.key))
	couchdbtest.SetAuthConfig(t, cc)
	f.token = f.mint(t, auth.Claims{AccountID: f.acct, Method: "cb_api_auth"})
	return f
}

func (f busFixture) mint(t *testing.T, c auth.Claims) string {
	t.Helper()
	c.Exp = time.Now().Add(time.Hour).Unix()
	tok, err := auth.Mint(f.key, f.kid, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestBusNoticesGolden: for every kind of acknowledged write, a queue bound as
// KAZOO's doc cache binds (`#`) receives exactly one notice with KAZOO's routing key,
// content type and payload (golden, volatile fields masked), Rev = the revision after
// the write; rejected writes publish nothing.
func TestBusNoticesGolden(t *testing.T) {
	amqpURL := amqptest.URL(t)
	f := newBusFixture(t)
	l := amqptest.Listen(t, amqpURL, "#")
	node := amqptest.NodeName("directoriesd")
	svc := startService(t, f.cc, map[string]string{"AMQP_URL": amqpURL, "NODE_NAME": node})
	base := "/v2/accounts/" + f.acct + "/directories"
	const id = "golden.dir é" // "." and " " and non-ASCII in the routing key's id word
	path := base + "/" + url.PathEscape(id)

	var got strings.Builder
	step := func(name, method, p, body, docID string, wantStatus int, wantSoft bool) {
		t.Helper()
		status, resp := svc.call(t, f.token, method, p, body)
		if status != wantStatus {
			t.Fatalf("%s: %s %s = %d %v", name, method, p, status, resp)
		}
		d := l.Next(t, 10*time.Second, `"ID":"`+docID+`"`)
		if d.ContentType != "application/json" {
			t.Errorf("%s: content type %q", name, d.ContentType)
		}
		var n map[string]any
		if err := json.Unmarshal(d.Body, &n); err != nil {
			t.Fatal(err)
		}
		if n["Node"] != node || n["Is-Soft-Deleted"] != wantSoft {
			t.Errorf("%s: Node %v Is-Soft-Deleted %v", name, n["Node"], n["Is-Soft-Deleted"])
		}
		if rev, _ := resp["revision"].(string); method != http.MethodDelete && n["Rev"] != rev {
			t.Errorf("%s: notice Rev %v, response revision %v", name, n["Rev"], rev)
		}
		if !strings.Contains(p, "should_soft_delete=false") {
			// KAZOO's swap: Date-Modified is pvt_created, Date-Created is pvt_modified.
			doc := couchdbtest.GetDoc(t, f.cc, f.acct, docID)
			if json.Number(fmt3(n["Date-Modified"])) != doc["pvt_created"] || json.Number(fmt3(n["Date-Created"])) != doc["pvt_modified"] {
				t.Errorf("%s: Date-Modified %v Date-Created %v; doc pvt_created %v pvt_modified %v", name, n["Date-Modified"], n["Date-Created"], doc["pvt_created"], doc["pvt_modified"])
			}
		}
		got.WriteString("# " + name + "\nRK " + d.Key + "\n" + string(d.Body) + "\n")
	}
	// Rejected writes first: none of them may publish.
	for _, r := range []struct{ method, path, body string }{
		{"PUT", base, `{"data":{"id":"rejected","name":""}}`},
		{"PUT", base, `{"data":{"id":"rejected","name":"x","sort_by":"nope"}}`},
		{"POST", base + "/rejected", `{"data":{"name":"x"}}`},
		{"DELETE", base + "/rejected", ``},
	} {
		if status, _ := svc.call(t, f.token, r.method, r.path, r.body); status < 400 {
			t.Fatalf("%s %s = %d, want a rejection", r.method, r.path, status)
		}
	}

	step("create (PUT)", "PUT", base, `{"data":{"id":"`+id+`","name":"Sales"}}`, id, http.StatusCreated, false)
	step("edit (POST)", "POST", path, `{"data":{"name":"Sales 2"}}`, id, http.StatusOK, false)
	step("edit (PATCH)", "PATCH", path, `{"data":{"confirm_match":true}}`, id, http.StatusOK, false)
	// A stale If-Match is rejected: no notice (checked by None below).
	req, _ := http.NewRequest("POST", svc.base+path, strings.NewReader(`{"data":{"name":"x"}}`))
	req.Header.Set("X-Auth-Token", f.token)
	req.Header.Set("If-Match", `"1-stale"`)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match: %v %v", resp, err)
	}
	step("soft delete (DELETE)", "DELETE", path, ``, id, http.StatusOK, true)
	step("create another (PUT)", "PUT", base, `{"data":{"id":"golden-hard","name":"Support"}}`, "golden-hard", http.StatusCreated, false)
	step("hard delete (DELETE ?should_soft_delete=false)", "DELETE", base+"/golden-hard?should_soft_delete=false", ``, "golden-hard", http.StatusOK, false)
	l.None(t, 300*time.Millisecond, `"ID":"rejected"`)
	l.None(t, 10*time.Millisecond, `"ID":"`+id+`"`) // the stale If-Match published nothing

	masked := maskNotices(got.String(), f.acct)
	golden := filepath.Join("..", "..", "testdata", "golden", "amqp", "notices.txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(masked), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if masked != string(want) {
		t.Errorf("notices differ from %s:\n got:\n%s\nwant:\n%s", golden, masked, want)
	}
}

// fmt3 prints a JSON number decoded as float64 as the integer it is.
func fmt3(v any) string {
	f, _ := v.(float64)
	return strconv.FormatInt(int64(f), 10)
}

// maskNotices replaces the volatile parts: account id, revisions' hashes, Msg-ID,
// Node, dates.
func maskNotices(s, acct string) string {
	s = strings.ReplaceAll(s, directory.EncodedAccountDBName(acct), "account%2FAC%2FCO%2FUNT")
	s = strings.ReplaceAll(s, acct, "ACCOUNT")
	for _, r := range []struct{ re, repl string }{
		{`"Rev":"(\d+)-[0-9a-f]+"`, `"Rev":"$1-REV"`},
		{`"Msg-ID":"[0-9a-f]{16}"`, `"Msg-ID":"MSGID"`},
		{`"Node":"[^"]*"`, `"Node":"NODE"`},
		{`"Date-(Modified|Created)":\d+`, `"Date-$1":0`},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.repl)
	}
	return s
}

// TestBusRevokesToken: with AUTH_CACHE_TTL=10m, a KAZOO notice about a user whose
// identity secret was reset revokes that user's token here within a second.
func TestBusRevokesToken(t *testing.T) {
	amqpURL := amqptest.URL(t)
	f := newBusFixture(t)
	userID := directory.NewID()
	couchdbtest.SetSignatureSecret(t, f.cc, f.acct, userID, "old-secret")
	c := auth.Claims{AccountID: f.acct, OwnerID: userID, Method: "cb_user_auth",
		IdentitySig: auth.IdentitySig("old-secret", couchdbtest.SecretForUserSignature, userID)}
	tok := f.mint(t, c)
	svc := startService(t, f.cc, map[string]string{"AMQP_URL": amqpURL, "AUTH_CACHE_TTL": "10m", "NODE_NAME": amqptest.NodeName("directoriesd")})
	path := "/v2/accounts/" + f.acct + "/directories"
	waitConsumer(t, svc) // subscribing flushes the caches
	if status, body := svc.call(t, tok, "GET", path, ""); status != 200 {
		t.Fatalf("GET = %d %v", status, body)
	}

	// KAZOO resets the secret (kz_auth_identity:reset_identity_secret) and publishes.
	rev := couchdbtest.SetSignatureSecret(t, f.cc, f.acct, userID, "new-secret")
	if status, _ := svc.call(t, tok, "GET", path, ""); status != 200 {
		t.Fatalf("the cached secret should still apply before the notice (status %d)", status)
	}
	db := directory.EncodedAccountDBName(f.acct)
	amqptest.Publish(t, amqpURL, "doc_edited."+db+".user."+userID, []byte(`{"Origin-Cache":"kazoo_data_cache","Type":"user","Rev":"`+rev+`","Is-Soft-Deleted":false,"Date-Modified":63884419200,"Date-Created":63884419800,"Account-ID":"`+f.acct+`","Database":"`+db+`","ID":"`+userID+`","Node":"kazoo_apps@kz1.example.com","Msg-ID":"5e1f0c9a3b7d2e48","Event-Name":"doc_edited","Event-Category":"configuration","App-Version":"4.0.0","App-Name":"datamgr"}`))
	awaitStatus(t, svc, tok, path, http.StatusUnauthorized)
}

// awaitStatus polls GET path until it answers want, at most one second after KAZOO's
// notice was published.
func awaitStatus(t *testing.T, svc *testService, tok, path string, want int) {
	t.Helper()
	sent := time.Now()
	for {
		status, _ := svc.call(t, tok, "GET", path, "")
		if status == want {
			t.Logf("%d %s after the notice", want, time.Since(sent).Round(time.Millisecond))
			return
		}
		if time.Since(sent) > time.Second {
			t.Fatalf("still %d, not %d, one second after KAZOO's notice", status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitConsumer waits until the service's consumer is subscribed.
func waitConsumer(t *testing.T, svc *testService) {
	t.Helper()
	waitMetric(t, svc, `directoriesd_amqp_connected{role="consumer"} 1`)
}

func scrape(t testing.TB, svc *testService) string {
	t.Helper()
	resp, err := http.Get(svc.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// TestBusBrokerDown: with the broker unreachable at start and during writes, writes
// answer 2xx in their normal time and /readyz stays ready; the notices are delivered
// once the broker is back.
func TestBusBrokerDown(t *testing.T) {
	amqpURL := amqptest.URL(t)
	f := newBusFixture(t)
	l := amqptest.Listen(t, amqpURL, "#")
	proxy, purl := amqptest.NewProxy(t, amqpURL)
	proxy.Cut()
	svc := startService(t, f.cc, map[string]string{"AMQP_URL": purl, "NODE_NAME": amqptest.NodeName("directoriesd")})
	base := "/v2/accounts/" + f.acct + "/directories"
	write := func(method, path, body string, want int) {
		t.Helper()
		start := time.Now()
		status, resp := svc.call(t, f.token, method, path, body)
		if status != want {
			t.Fatalf("%s %s = %d %v", method, path, status, resp)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s took %s with the broker down", method, d)
		}
	}
	write("PUT", base, `{"data":{"id":"down-1","name":"A"}}`, http.StatusCreated)
	write("PATCH", base+"/down-1", `{"data":{"name":"B"}}`, http.StatusOK)
	if r, err := http.Get(svc.base + "/readyz"); err != nil || r.StatusCode != 200 {
		t.Fatalf("/readyz with the broker down: %v %v", r, err)
	}
	time.Sleep(200 * time.Millisecond)
	proxy.Restore()
	for _, ev := range []string{"doc_created", "doc_edited"} {
		if d := l.Next(t, 15*time.Second, `"ID":"down-1"`); !strings.Contains(string(d.Body), `"Event-Name":"`+ev+`"`) {
			t.Errorf("want %s after the broker came back: %s", ev, d.Body)
		}
	}
	// Down again while the service runs (once the broker confirmed the first two).
	waitMetric(t, svc, "directoriesd_amqp_notices_published_total 2")
	proxy.Cut()
	write("POST", base+"/down-1", `{"data":{"name":"C"}}`, http.StatusOK)
	write("DELETE", base+"/down-1", ``, http.StatusOK)
	proxy.Restore()
	// A notice whose confirm was lost with the connection is sent again: skip repeats.
	var events []string
	for len(events) < 2 {
		d := l.Next(t, 15*time.Second, `"ID":"down-1"`)
		if ev := regexp.MustCompile(`"Rev":"(\d+)-.*"Event-Name":"(\w+)"`).FindStringSubmatch(string(d.Body)); ev != nil && ev[1] >= "3" {
			events = append(events, ev[1]+" "+ev[2])
		}
	}
	if strings.Join(events, ", ") != "3 doc_edited, 4 doc_deleted" {
		t.Errorf("after the second outage: %v", events)
	}
}

// waitMetric waits until /metrics shows line.
func waitMetric(t *testing.T, svc *testService, line string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(scrape(t, svc), line) {
			return
		}
	}
	t.Fatalf("/metrics never showed %q", line)
}

// TestBusBrokerClosesConnections: after the broker closes both of the service's
// connections (rabbitmqctl close_connection), publishing and consuming resume.
func TestBusBrokerClosesConnections(t *testing.T) {
	amqpURL := amqptest.URL(t)
	f := newBusFixture(t)
	l := amqptest.Listen(t, amqpURL, "#")
	node := amqptest.NodeName("directoriesd")
	svc := startService(t, f.cc, map[string]string{"AMQP_URL": amqpURL, "AUTH_CACHE_TTL": "10m", "NODE_NAME": node})
	waitConsumer(t, svc)
	waitMetric(t, svc, `directoriesd_amqp_connected{role="publisher"} 1`)
	if n := amqptest.CloseConnections(t, node); n != 2 {
		t.Fatalf("closed %d connections, want the publisher's and the consumer's", n)
	}
	waitMetric(t, svc, `directoriesd_amqp_cache_flushes_total{reason="reconnect"} 2`)

	base := "/v2/accounts/" + f.acct + "/directories"
	if status, resp := svc.call(t, f.token, "PUT", base, `{"data":{"id":"after-close","name":"A"}}`); status != http.StatusCreated {
		t.Fatalf("PUT = %d %v", status, resp)
	}
	l.Next(t, 10*time.Second, `"ID":"after-close"`)

	userID := directory.NewID()
	couchdbtest.SetSignatureSecret(t, f.cc, f.acct, userID, "old")
	tok := f.mint(t, auth.Claims{AccountID: f.acct, OwnerID: userID, Method: "cb_user_auth",
		IdentitySig: auth.IdentitySig("old", couchdbtest.SecretForUserSignature, userID)})
	if status, _ := svc.call(t, tok, "GET", base, ""); status != 200 {
		t.Fatalf("GET = %d", status)
	}
	couchdbtest.SetSignatureSecret(t, f.cc, f.acct, userID, "new")
	db := directory.EncodedAccountDBName(f.acct)
	amqptest.Publish(t, amqpURL, "doc_edited."+db+".user."+userID, []byte(`{"Database":"`+db+`","ID":"`+userID+`","Type":"user","Node":"kazoo_apps@kz1","Msg-ID":"0123456789abcdef","Event-Name":"doc_edited","Event-Category":"configuration","App-Version":"4.0.0","App-Name":"datamgr"}`))
	for sent := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if status, _ := svc.call(t, tok, "GET", base, ""); status == http.StatusUnauthorized {
			break
		}
		if time.Since(sent) > time.Second {
			t.Fatal("KAZOO's notice not acted on after the broker closed the consumer's connection")
		}
	}
}

// TestBusAppliesTokenRestrictions: a token_restrictions doc KAZOO saves, and the
// notice it publishes, restrict the account's tokens within a second, whatever
// AUTH_CACHE_TTL says.
func TestBusAppliesTokenRestrictions(t *testing.T) {
	amqpURL := amqptest.URL(t)
	f := newBusFixture(t)
	tok := f.mint(t, auth.Claims{AccountID: f.acct, Method: "cb_api_auth"})
	svc := startService(t, f.cc, map[string]string{"AMQP_URL": amqpURL, "AUTH_CACHE_TTL": "10m", "NODE_NAME": amqptest.NodeName("directoriesd")})
	path := "/v2/accounts/" + f.acct + "/directories"
	waitConsumer(t, svc)
	if status, body := svc.call(t, tok, "GET", path, ""); status != 200 {
		t.Fatalf("GET = %d %v", status, body)
	}
	revs := couchdbtest.PutDocs(t, f.cc, f.acct, directory.Doc{"_id": auth.TokenRestrictionsDoc, "pvt_type": "token_restrictions",
		"restrictions": map[string]any{"cb_api_auth": map[string]any{"_": map[string]any{"directories": []any{}}}}})
	if status, _ := svc.call(t, tok, "GET", path, ""); status != 200 {
		t.Fatalf("no rules were cached: the new doc should not apply before the notice (status %d)", status)
	}
	db := directory.EncodedAccountDBName(f.acct)
	amqptest.Publish(t, amqpURL, "doc_created."+db+".token_restrictions."+auth.TokenRestrictionsDoc, []byte(`{"Origin-Cache":"kazoo_data_cache","Type":"token_restrictions","Rev":"`+revs[0]+`","Is-Soft-Deleted":false,"Date-Modified":63884419200,"Date-Created":63884419800,"Account-ID":"`+f.acct+`","Database":"`+db+`","ID":"token_restrictions","Node":"kazoo_apps@kz1.example.com","Msg-ID":"5e1f0c9a3b7d2e49","Event-Name":"doc_created","Event-Category":"configuration","App-Version":"4.0.0","App-Name":"datamgr"}`))
	awaitStatus(t, svc, tok, path, http.StatusForbidden)
}

// TestImportPublishesNotices: beside KAZOO (AMQP_URL set), `directoriesd import`
// announces each user and callflow it saves, as KAZOO's data layer announces saves, so
// that KAZOO's caches of those docs drop their copies.
func TestImportPublishesNotices(t *testing.T) {
	amqpURL := amqptest.URL(t)
	l := amqptest.Listen(t, amqpURL, "#")
	cc := couchdbtest.Config(t)
	acct := couchdbtest.NewAccount(t, cc)
	file := filepath.Join(t.TempDir(), "m.csv")
	if err := os.WriteFile(file, []byte("Ada,Lovelace,4242,Engineering\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := storeVars(cc, map[string]string{"LOG_LEVEL": "error", "AMQP_URL": amqpURL, "NODE_NAME": amqptest.NodeName("import")})
	if code, out, errOut := cliEnv(t, vars, "import", "--account", acct, file); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	user, cf := importID("user", acct, "Ada", "Lovelace"), importID("callflow", acct, "Ada", "Lovelace")
	db := directory.EncodedAccountDBName(acct)
	for _, key := range []string{
		"doc_created." + db + ".directory." + importID("directory", acct, "Engineering", ""),
		"doc_created." + db + ".user." + user,
		"doc_created." + db + ".callflow." + cf,
	} {
		id := key[strings.LastIndex(key, ".")+1:]
		if d := l.Next(t, 5*time.Second, `"ID":"`+id+`"`); d.Key != key {
			t.Errorf("routing key %s, want %s", d.Key, key)
		}
	}
}
