package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// FuzzRequests sends arbitrary bodies, paths and query strings through the whole stack:
// never a panic, never a 5xx, and always KAZOO's envelope.
func FuzzRequests(f *testing.F) {
	seeds := []struct{ method, path, body string }{
		{"PUT", "", `{"data":{"name":"x"}}`},
		{"POST", "/d1", `{"data":{"name":"x","min_dtmf":"3"}}`},
		{"PATCH", "/d1", `{"data":{"name":null}}`},
		{"DELETE", "/d1", `{"data":{}}`},
		{"GET", "?page_size=-1&start_key=g2wAAAAB", ``},
		{"GET", "/..%2F_users", ``},
		{"POST", "?verb=patch", `{"verb":"delete","data":[1,2]}`},
		{"PUT", "", `{"data":{"name":"x","id":"_design/directories"}}`},
		{"GET", "/d1?filter_a.b=[1]&created_from=x", ``},
		{"PUT", "", "\x00\xff{"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.body)
	}
	e := newEnv(f)
	e.seed(sales("d1"))
	f.Fuzz(func(t *testing.T, method, path, body string) {
		method = strings.ToUpper(method)
		if len(method) > 10 || !validToken(method) {
			method = "GET"
		}
		target := e.path(path)
		if _, err := url.ParseRequestURI(target); err != nil || strings.ContainsAny(path, " #\r\n\t") {
			return // not a request line a client could send
		}
		fe := *e
		fe.t = t
		rec := fe.do(method, target, body)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q → %d %s", method, target, body, rec.Code, rec.Body.String())
		}
		if rec.Code == http.StatusNotModified || rec.Code == http.StatusOK && method == http.MethodOptions {
			return
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s %s → %d with Content-Type %q", method, target, rec.Code, ct)
		}
		b := body2map(t, rec.Body.Bytes())
		if rec.Code >= 400 && (b["status"] != "error" || b["error"] != strconv.Itoa(rec.Code)) {
			t.Fatalf("error envelope %v", b)
		}
	})
}

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func body2map(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d, err := directory.DecodeDoc(b)
	if err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, b)
	}
	return d
}
