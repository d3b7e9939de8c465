package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/api"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// TestKAZOOIntegrationSequence replays pqc_cb_directories:seq/0: two directories, 100
// users each linked through their `directories` maps, fetch → exactly that directory's
// members, PATCH of a custom key, delete both, listing empty.
func TestKAZOOIntegrationSequence(t *testing.T) {
	e := newEnv(t)
	if got := body(t, e.do("GET", e.path(""), ""))["data"].([]any); len(got) != 0 {
		t.Fatalf("fresh listing = %v", got)
	}
	var dirs []string
	for _, name := range []string{"a1b2c3d4", "e5f6a7b8"} {
		rec := e.do("PUT", e.path(""), `{"data":{"name":"`+name+`"}}`)
		wantStatus(t, rec, http.StatusCreated)
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("create Content-Type = %q", ct)
		}
		dirs = append(dirs, body(t, rec)["data"].(map[string]any)["id"].(string))
	}
	members := map[string][]string{}
	for _, d := range dirs {
		docs := make([]directory.Doc, 0, 100)
		for i := 0; i < 100; i++ {
			id := fmt.Sprintf("u%s%04d", d[len(d)-6:], i)
			docs = append(docs, directory.Doc{"_id": id, "pvt_type": "user", "first_name": "F", "last_name": "L",
				"nth": i, "directories": map[string]any{d: directory.NewID()}})
			members[d] = append(members[d], id)
		}
		e.seed(docs...)
	}
	sort.Strings(dirs)
	rec := e.do("GET", e.path("/"+dirs[0]+"?paginate=false"), "")
	wantStatus(t, rec, http.StatusOK)
	users := body(t, rec)["data"].(map[string]any)["users"].([]any)
	if len(users) != 100 {
		t.Fatalf("fetched %d users, want 100", len(users))
	}
	for i, u := range users {
		if got := u.(map[string]any)["user_id"]; got != members[dirs[0]][i] {
			t.Errorf("users[%d] = %v, want %s", i, got, members[dirs[0]][i])
		}
	}
	rec = e.do("PATCH", e.path("/"+dirs[0]), `{"data":{"custom":"value"}}`)
	wantStatus(t, rec, http.StatusOK)
	if got := body(t, rec)["data"].(map[string]any)["custom"]; got != "value" {
		t.Errorf("patched custom = %v", got)
	}
	for _, d := range dirs {
		wantStatus(t, e.do("DELETE", e.path("/"+d), ""), http.StatusOK)
	}
	if got := body(t, e.do("GET", e.path(""), ""))["data"].([]any); len(got) != 0 {
		t.Errorf("listing after delete = %v", got)
	}
}

// TestMonsterUICalls replays what Monster UI / SmartPBX sends.
func TestMonsterUICalls(t *testing.T) {
	e := newEnv(t)
	rec := e.do("PUT", e.path(""), `{"data":{"name":"Company","min_dtmf":"3","max_dtmf":"0","sort_by":"last_name","confirm_match":false,"ui_metadata":{"version":"4.3","ui":"monster-ui","origin":"voip"}}}`)
	wantStatus(t, rec, http.StatusCreated)
	id := body(t, rec)["data"].(map[string]any)["id"].(string)
	stored := couchdbtest.GetDoc(t, e.cfg, e.acct, id)
	if stored["min_dtmf"] != json.Number("3") || stored["pvt_type"] != "directory" || stored["pvt_alphanum_name"] != "company" {
		t.Errorf("stored doc = %v", stored)
	}
	if stored["pvt_created"] != json.Number(fmt.Sprint(directory.GregorianSeconds(fixedNow))) || stored["pvt_account_db"] != directory.EncodedAccountDBName(e.acct) {
		t.Errorf("stamps = %v", stored)
	}
	rec = e.do("GET", e.path("/"+id+"?_=1700000000000&paginate=false"), "")
	wantStatus(t, rec, http.StatusOK)
	rec = e.do("POST", e.path("/"+id), `{"data":{"name":"Company 2","ui_metadata":{"origin":"voip"},"users":[]}}`)
	wantStatus(t, rec, http.StatusOK)
	rec = e.do("DELETE", e.path("/"+id), `{"data":{"ui_metadata":{"origin":"voip"}}}`)
	wantStatus(t, rec, http.StatusOK)
	if ro := body(t, rec)["data"].(map[string]any)["_read_only"]; ro == nil {
		t.Error("delete response lacks _read_only")
	}
	deleted := couchdbtest.GetDoc(t, e.cfg, e.acct, id)
	if deleted["pvt_deleted"] != true {
		t.Errorf("soft delete did not mark the doc: %v", deleted)
	}
	wantStatus(t, e.do("PUT", e.path(""), `{"data":{"name":"again","id":"`+id+`"}}`), http.StatusConflict)
}

// TestConcurrentWritesNeverLoseAnUpdate races PATCHes of different keys: every one
// either lands or answers 409; none is silently overwritten.
func TestConcurrentWritesNeverLoseAnUpdate(t *testing.T) {
	e := newEnv(t)
	e.seed(sales("race"))
	const n = 8
	codes := make(chan int, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			codes <- e.do("PATCH", e.path("/race"), fmt.Sprintf(`{"data":{"k%d":true}}`, i)).Code
		}(i)
	}
	ok := 0
	for i := 0; i < n; i++ {
		switch c := <-codes; c {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
		default:
			t.Errorf("PATCH = %d", c)
		}
	}
	doc := couchdbtest.GetDoc(t, e.cfg, e.acct, "race")
	landed := 0
	for i := 0; i < n; i++ {
		if doc[fmt.Sprintf("k%d", i)] == true {
			landed++
		}
	}
	if landed != ok {
		t.Errorf("%d PATCHes answered 200 but %d keys landed", ok, landed)
	}
}

// TestCouchDBUnreachable answers 503 within the store's timeout.
func TestCouchDBUnreachable(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "an unreachable CouchDB port")
	e := newEnv(t)
	cfg := e.cfg
	cfg.URL = "http://127.0.0.1:1"
	cfg.RequestTimeout = 2 * time.Second
	store := couchdbtest.Open(t, cfg)
	srv, err := api.New(api.Config{Directories: directory.NewService(store, nil, nil), Auth: tokenAuth{}, Logger: testLogger(),
		Now: func() time.Time { return fixedNow }, NewRequestID: func() string { return "req-0000" }, Node: "directoriesd@test", Ready: store.Ping})
	if err != nil {
		t.Fatal(err)
	}
	down := &env{t: t, handler: srv, acct: e.acct, token: e.token}
	start := time.Now()
	rec := down.do("GET", down.path(""), "")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %v", elapsed)
	}
	wantStatus(t, rec, http.StatusServiceUnavailable)
	down.golden("couchdb_unreachable", rec)
	wantStatus(t, down.do("GET", "/readyz", ""), http.StatusServiceUnavailable)
	wantStatus(t, down.do("GET", "/healthz", ""), http.StatusOK)
	wantStatus(t, e.do("GET", "/readyz", ""), http.StatusOK)
}

// TestRecoversWhenCouchDBReturns stops the server under a running service and starts
// it again: 503 while it is away, 200 once it is back, with no restart of ours.
func TestRecoversWhenCouchDBReturns(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "a CouchDB process that stops and comes back")
	dataDir := t.TempDir()
	couch, err := couchdbtest.StartServer(couchdbtest.ServerOptions{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	var again *couchdbtest.Server
	t.Cleanup(func() {
		if again != nil {
			_ = again.Stop()
		}
	})
	cfg := couchdbtest.Config(t)
	cfg.URL = couch.URL
	cfg.RequestTimeout = 2 * time.Second
	acct := couchdbtest.NewAccount(t, cfg)
	store := couchdbtest.Open(t, cfg)
	srv, err := api.New(api.Config{Directories: directory.NewService(store, nil, nil), Auth: tokenAuth{}, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, handler: srv, acct: acct, token: "token-" + acct}
	wantStatus(t, e.do("GET", e.path(""), ""), http.StatusOK)
	if err := couch.Stop(); err != nil {
		t.Logf("stop: %v", err)
	}
	wantStatus(t, e.do("GET", e.path(""), ""), http.StatusServiceUnavailable)
	port := strings.TrimPrefix(couch.URL, "http://127.0.0.1:")
	p, _ := strconv.Atoi(port)
	if again, err = couchdbtest.StartServer(couchdbtest.ServerOptions{DataDir: dataDir, Port: p}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.do("PUT", e.path(""), `{"data":{"name":"back"}}`), http.StatusCreated)
}
