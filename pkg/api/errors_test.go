package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/pkg/api"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// faultyStore injects a datastore failure a real server does not produce on demand.
type faultyStore struct {
	directory.Store
	err error
}

func (f faultyStore) Directories(context.Context, string, directory.ViewQuery) ([]directory.Row, error) {
	return nil, f.err
}

// TestDatastoreFaultHidesTheCause: a CouchDB failure is 500 datastore_fault with
// {"message":"unknown failure"}; CouchDB's own words go to the log only.
func TestDatastoreFaultHidesTheCause(t *testing.T) {
	e := newEnv(t)
	fault := &directory.Error{Code: directory.ECodeFault, Message: "list", Err: errors.New("secret couch reason: _admin only")}
	e.handler = mustServer(t, api.Config{Directories: directory.NewService(faultyStore{Store: e.store, err: fault}, nil, nil), Auth: tokenAuth{},
		Logger: testLogger(), Now: func() time.Time { return fixedNow }, NewRequestID: func() string { return "req-0000" }, Node: "directoriesd@test"})
	rec := e.do("GET", e.path(""), "")
	wantStatus(t, rec, http.StatusInternalServerError)
	if strings.Contains(rec.Body.String(), "secret") {
		t.Errorf("the cause leaked: %s", rec.Body.String())
	}
	e.golden("datastore_fault", rec)
}

// TestJSONP wraps the body for a valid callback name only.
func TestJSONP(t *testing.T) {
	e := newEnv(t)
	rec := e.do("GET", e.path("?jsonp=app.cb_1"), "")
	wantStatus(t, rec, http.StatusOK)
	if ct, b := rec.Header().Get("Content-Type"), rec.Body.String(); ct != "application/javascript" || !strings.HasPrefix(b, "app.cb_1({") || !strings.HasSuffix(b, "})") {
		t.Errorf("jsonp: %q %.60s", ct, b)
	}
	rec = e.do("GET", e.path("?jsonp=alert(1)//"), "")
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" || strings.Contains(rec.Body.String(), "alert") {
		t.Errorf("an invalid callback was used: %q %.60s", ct, rec.Body.String())
	}
}

func mustServer(t *testing.T, c api.Config) *api.Server {
	t.Helper()
	s, err := api.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
