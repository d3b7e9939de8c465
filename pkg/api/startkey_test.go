package api_test

import (
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// etfBinary is KAZOO's start-key encoding of one binary.
func etfBinary(s string) string {
	b := []byte{0x83, 0x6D}
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return base64.RawURLEncoding.EncodeToString(append(b, s...))
}

// etfNested is KAZOO's encoding of a list nested depth levels around "a".
func etfNested(depth int) string {
	b := []byte{0x83}
	for range depth {
		b = append(b, 0x6C)
		b = binary.BigEndian.AppendUint32(b, 1)
	}
	b = append(b, 0x6D, 0, 0, 0, 1, 'a')
	for range depth {
		b = append(b, 0x6A)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// startKeySeeds are start keys CouchDB cannot take as they are (they used to answer
// 500 datastore_fault) and keys it can.
var startKeySeeds = []string{
	strings.Repeat("a", 20000),                 // raw, far past CouchDB's request line
	strings.Repeat("a", 5000),                  // raw, long but served
	etfBinary(strings.Repeat("\x00", 3000)),    // a binary of NULs: \u0000 × 3000 in JSON
	strings.Repeat("\x01\"\\", 1300),           // escapes grow it past the bound
	etfNested(3), etfNested(5), etfNested(500), // nested lists (beyond 4: used as text)
	"g2wAAAAB", "d1", "\xff\xfe", "%", "",
}

// TestStartKeyLimits: a start key too long to send to CouchDB is 400 in KAZOO's
// envelope (validation error on start_key); long keys within the bound and deeply
// nested lists are served.
func TestStartKeyLimits(t *testing.T) {
	e := newEnv(t)
	e.seed(sales("d1"))
	for _, tc := range []struct {
		name, key string
		want      int
	}{
		{"raw 100000", strings.Repeat("a", 100000), 400},
		{"NUL binary 3000", etfBinary(strings.Repeat("\x00", 3000)), 400},
		{"escapes 3900", strings.Repeat("\x01\"\\", 1300), 400},
		{"raw 4000", strings.Repeat("a", 4000), 200},
		{"nested 3", etfNested(3), 200},
		{"nested 500", etfNested(500), 200},
	} {
		rec := e.do("GET", e.path("?start_key="+url.QueryEscape(tc.key)), "")
		if rec.Code != tc.want {
			t.Errorf("%s: %d, want %d: %.300s", tc.name, rec.Code, tc.want, rec.Body.String())
			continue
		}
		if tc.want == 400 {
			b := body(t, rec)
			data, _ := b["data"].(map[string]any)
			sk, _ := data["start_key"].(map[string]any)
			if b["message"] != "validation error" || b["error"] != "400" || sk["maxLength"] == nil {
				t.Errorf("%s: envelope %v", tc.name, b)
			}
		}
	}
}

// TestBodyNestingBound: a body nested 64 levels deep is read; 65 is 400 (it used to
// reach the store, and thousands of levels broke the test server's view engine).
func TestBodyNestingBound(t *testing.T) {
	e := newEnv(t)
	nested := func(depth int) string { // the envelope and data are 2 levels
		return `{"data":{"name":"deep","x":` + strings.Repeat("[", depth-2) + strings.Repeat("]", depth-2) + `}}`
	}
	if rec := e.do("PUT", e.path(""), nested(64)); rec.Code != http.StatusCreated {
		t.Fatalf("64 levels: %d %s", rec.Code, rec.Body.String())
	}
	for _, depth := range []int{65, 10000} {
		rec := e.do("PUT", e.path(""), nested(depth))
		b := body(t, rec)
		if rec.Code != http.StatusBadRequest || b["error"] != "400" || !strings.Contains(rec.Body.String(), "nested deeper than 64") {
			t.Errorf("%d levels: %d %.300s", depth, rec.Code, rec.Body.String())
		}
	}
	// Brackets inside strings do not count.
	if rec := e.do("PUT", e.path(""), `{"data":{"name":"`+strings.Repeat("[{", 100)+`"}}`); rec.Code != http.StatusCreated {
		t.Errorf("brackets in a string: %d %s", rec.Code, rec.Body.String())
	}
}

// FuzzStartKey sends arbitrary start keys through a real HTTP server and the store
// (the test server over HTTP, or the embedded store): never a 5xx, a 400 is KAZOO's
// validation envelope, a 200 is a page of the listing. `go test` runs the seeds; to
// fuzz, bound the minimization (minimizing a multi-kilobyte key otherwise stalls the
// worker for minutes):
//
//	TEST_BACKEND=compat go test -run '^$' -fuzz=FuzzStartKey -fuzztime=60s -fuzzminimizetime=2s -parallel=1 ./pkg/api/
func FuzzStartKey(f *testing.F) {
	for _, s := range startKeySeeds {
		f.Add(s)
	}
	e := newEnv(f)
	e.seed(sales("d1"), sales("d2"))
	srv := httptest.NewServer(e.handler)
	f.Cleanup(srv.Close)
	f.Fuzz(func(t *testing.T, key string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+e.path("?start_key="+url.QueryEscape(key)), nil)
		req.Header.Set("X-Auth-Token", e.token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		b := body2map(t, raw)
		switch resp.StatusCode {
		case http.StatusOK:
			if _, ok := b["data"].([]any); !ok || b["status"] != "success" {
				t.Fatalf("%q → 200 %s", key, raw)
			}
		case http.StatusBadRequest:
			if b["status"] != "error" || b["error"] != strconv.Itoa(resp.StatusCode) || b["message"] != "validation error" {
				t.Fatalf("%q → 400 %s", key, raw)
			}
			if len(key) < directory.MaxStartKeyBytes/8 {
				t.Fatalf("%q (%d bytes) → 400: short keys must be served", key, len(key))
			}
		default:
			t.Fatalf("%q → %d %s", key, resp.StatusCode, raw)
		}
	})
}
