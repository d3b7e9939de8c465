package couchdb

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestReadRows: the answers of CouchDB and of the test server, keys read only when
// asked, total_rows wherever it stands, and malformed or failed answers as errors.
func TestReadRows(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		withKey    bool
		want       string // id|key|value|doc per row, then the total
		fails      bool
	}{
		{"couchdb", `{"total_rows":3,"offset":1,"rows":[
{"id":"u1","key":["D","u1"],"value":"cf1"},
{"id":"u2","key":["D","u2"],"value":{"x":[1,2]},"doc":{"_id":"u2"}}
]}`, false, `u1||"cf1"|;u2||{"x":[1,2]}|{"_id":"u2"};3`, false},
		{"with keys", `{"total_rows":1,"rows":[{"id":"d1","key":"d1","value":null}]}`, true, `d1|"d1"|null|;1`, false},
		{"total after rows", `{"rows":[],"total_rows":7,"update_seq":"1-x"}`, false, `;7`, false},
		{"cluster error", `{"total_rows":1,"rows":[{"id":"a","key":1,"value":1}],"error":"nodedown","reason":"x"}`, false, ``, true},
		{"truncated", `{"total_rows":1,"rows":[{"id":"a","key":1,"value":1}`, false, ``, true},
		{"not an object", `[]`, false, ``, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			total, err := readRows(json.NewDecoder(strings.NewReader(tc.body)), tc.withKey, func(r *viewRow) error {
				got = append(got, r.ID+"|"+string(r.Key)+"|"+string(r.Value)+"|"+string(r.Doc))
				return nil
			})
			if tc.fails {
				if err == nil {
					t.Fatalf("no error; rows %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := strings.Join(got, ";") + ";" + jsonInt(total); s != tc.want {
				t.Errorf("got %s, want %s", s, tc.want)
			}
		})
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestHTTPRowsReuseConnections: the answer is read to its end, so the next view read
// goes over the same connection.
func TestHTTPRowsReuseConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// The final newline comes late, as the end of a long answer can: the decoder
		// is done before it arrives.
		_, _ = io.WriteString(w, "{\"total_rows\":1,\"offset\":0,\"rows\":[\r\n{\"id\":\"a\",\"key\":\"a\",\"value\":1}\r\n]}")
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond)
		_, _ = io.WriteString(w, "\n")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	s := &Store{http: &http.Client{}, base: srv.URL}
	for range 5 {
		if _, err := s.httpRows(context.Background(), http.MethodGet, "db", viewQuery{ddoc: "d", view: "v"}, func(*viewRow) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 5 view reads, want 1", n)
	}
}
