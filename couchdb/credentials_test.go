package couchdb_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
)

// TestCredentials checks that credentials from the URL or from User/Password reach
// CouchDB (cookie auth: POST /_session) and that the URL may omit its scheme.
func TestCredentials(t *testing.T) {
	couchdbtest.SkipEmbedded(t, "CouchDB cookie authentication")
	var mu sync.Mutex
	var sessions []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/_session" {
			var body struct{ Name, Password string }
			_ = json.NewDecoder(r.Body).Decode(&body)
			mu.Lock()
			sessions = append(sessions, body.Name+":"+body.Password)
			mu.Unlock()
			http.SetCookie(w, &http.Cookie{Name: "AuthSession", Value: "x", Path: "/", Expires: time.Now().Add(time.Hour)})
			w.Write([]byte(`{"ok":true}`))
			return
		}
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		cfg  couchdb.Config
		want string
	}{
		{couchdb.Config{URL: "http://admin:secret@" + host}, "admin:secret"},
		{couchdb.Config{URL: "http://admin:secret@" + host, User: "svc", Password: "pw"}, "svc:pw"},
		{couchdb.Config{URL: host, User: "noscheme", Password: "pw"}, "noscheme:pw"},
	} {
		mu.Lock()
		sessions = nil
		mu.Unlock()
		s := couchdbtest.Open(t, tc.cfg)
		if err := s.Ping(context.Background()); err != nil {
			t.Fatalf("%+v: Ping: %v", tc.cfg, err)
		}
		mu.Lock()
		if len(sessions) != 1 || sessions[0] != tc.want {
			t.Errorf("%s: sessions %v, want [%s]", tc.cfg.URL, sessions, tc.want)
		}
		mu.Unlock()
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	for _, cfg := range []couchdb.Config{
		{},
		{URL: "ftp://host"},
		{URL: "http://host", Driver: "pouch"},
	} {
		if s, err := couchdb.Open(context.Background(), cfg); err == nil {
			s.Close()
			t.Errorf("Open(%+v) succeeded", cfg)
		}
	}
}
