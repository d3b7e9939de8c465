package couchdb_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// closedPortURL returns the URL of a loopback port nobody listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

func openAt(t *testing.T, url string, timeout time.Duration) *couchdb.Store {
	t.Helper()
	return couchdbtest.Open(t, couchdb.Config{URL: url, RequestTimeout: timeout})
}

// allCalls runs every Store call once and returns their errors.
func allCalls(s *couchdb.Store, id string) map[string]error {
	ctx := context.Background()
	errs := map[string]error{}
	_, errs["Account"] = s.Account(ctx, id)
	_, errs["Doc"] = s.Doc(ctx, id, "x")
	_, errs["Numbers"] = s.Numbers(ctx, id, []string{"x"})
	_, errs["MemberNames"] = s.MemberNames(ctx, id, "D")
	_, errs["Directories"] = s.Directories(ctx, id, directory.ViewQuery{})
	_, errs["Members"] = s.Members(ctx, id, "D", true)
	_, errs["Put"] = s.Put(ctx, id, directory.Doc{"_id": "x"})
	_, errs["Delete"] = s.Delete(ctx, id, "x", "1-a")
	errs["Ping"] = s.Ping(ctx)
	src := s.AuthSource()
	_, errs["AuthSource.SystemKey"] = src.SystemKey(ctx, "k1")
	_, errs["AuthSource.AuthConfig"] = src.AuthConfig(ctx)
	_, errs["AuthSource.SignatureSecret"] = src.SignatureSecret(ctx, id, "u1")
	_, errs["AuthSource.Account"] = src.Account(ctx, id)
	return errs
}

func TestClosedPortIsUnavailable(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "a closed port")
	s := openAt(t, closedPortURL(t), 2*time.Second)
	for call, err := range allCalls(s, couchdbtest.NewAccountID()) {
		if !directory.IsCode(err, directory.ECodeUnavailable) {
			t.Errorf("%s: %v, want %s", call, err, directory.ECodeUnavailable)
		}
	}
}

func TestSilentServerTimesOut(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "a server that never answers")
	// Accepts connections and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	timeout := 200 * time.Millisecond
	s := openAt(t, "http://"+l.Addr().String(), timeout)
	start := time.Now()
	_, err = s.Doc(context.Background(), couchdbtest.NewAccountID(), "x")
	wantCode(t, err, directory.ECodeUnavailable)
	if elapsed := time.Since(start); elapsed > 20*timeout {
		t.Errorf("a silent server held the call for %v (timeout %v)", elapsed, timeout)
	}

	// The caller's own cancellation ends the call too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.Account(ctx, couchdbtest.NewAccountID())
	wantCode(t, err, directory.ECodeUnavailable)
}

func TestStatusTranslation(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "HTTP statuses from a fake server")
	for status, want := range map[int]directory.Code{
		http.StatusUnauthorized:        directory.ECodeFault,
		http.StatusForbidden:           directory.ECodeFault,
		http.StatusBadRequest:          directory.ECodeFault,
		http.StatusInternalServerError: directory.ECodeFault,
		http.StatusBadGateway:          directory.ECodeUnavailable,
		http.StatusServiceUnavailable:  directory.ECodeUnavailable,
		http.StatusGatewayTimeout:      directory.ECodeUnavailable,
		http.StatusConflict:            directory.ECodeConflict,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(`{"error":"some_error","reason":"whatever the server says"}`))
		}))
		s := openAt(t, srv.URL, time.Second)
		for call, err := range allCalls(s, couchdbtest.NewAccountID()) {
			if call == "Ping" && (status == http.StatusConflict || status == http.StatusBadRequest) { // kivik: 400 from /_up means "not up"
				continue
			}
			if got := directory.ErrorCode(err); got != want {
				t.Errorf("status %d, %s: %s (%v), want %s", status, call, got, err, want)
			}
		}
		srv.Close()
	}
}

func TestRecoversWhenCouchDBReturns(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "a server process that stops and comes back")
	dir := t.TempDir()
	srv, err := couchdbtest.StartServer(couchdbtest.ServerOptions{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	current := srv
	t.Cleanup(func() { current.Stop() }) // after the account's cleanup (LIFO)
	cfg := couchdb.Config{URL: srv.URL, RequestTimeout: 2 * time.Second, AccountCacheTTL: -1}
	id := couchdbtest.NewAccount(t, cfg)
	s := couchdbtest.Open(t, cfg)
	mustAccount(t, s, id)

	if err := srv.Stop(); err != nil {
		t.Logf("stop: %v", err)
	}
	_, err = s.Account(context.Background(), id)
	wantCode(t, err, directory.ECodeUnavailable)
	wantCode(t, s.Ping(context.Background()), directory.ECodeUnavailable)

	port, err := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	if err != nil {
		t.Fatal(err)
	}
	for range 50 { // the port may linger briefly
		current, err = couchdbtest.StartServer(couchdbtest.ServerOptions{Port: port, DataDir: dir})
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping after restart: %v", err)
	}
	mustAccount(t, s, id)
	if _, err := s.Directories(context.Background(), id, directory.ViewQuery{}); err != nil {
		t.Errorf("Directories after restart: %v", err)
	}
}
