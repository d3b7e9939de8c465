package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// sales is a stored directory as KAZOO writes one.
func sales(id string) directory.Doc {
	return directory.Doc{"_id": id, "pvt_type": "directory", "name": "Sales", "confirm_match": true,
		"max_dtmf": 0, "min_dtmf": 3, "sort_by": "last_name", "users": []any{}, "pvt_vsn": "1"}
}

func user(id, first, last string, dirs map[string]any) directory.Doc {
	return directory.Doc{"_id": id, "pvt_type": "user", "first_name": first, "last_name": last, "directories": dirs}
}

// TestGolden runs each request through the whole stack against the compat server and
// compares status, headers and body with testdata/golden/api.
func TestGolden(t *testing.T) {
	const dir = "0000000000000000000000000000d1d1"
	withSales := func(e *env) { e.seed(sales(dir)) }
	withMembers := func(e *env) {
		e.seed(sales(dir),
			user("u2", "Bob", "Brown", map[string]any{dir: "cf2"}),
			user("u1", "Alice", "Adams", map[string]any{dir: "cf1", "other": "cfx"}),
			user("u3", "Carol", "Clark", map[string]any{"other": "cf3"}),
			with(user("u4", "Dan", "Deleted", map[string]any{dir: "cf4"}), "pvt_deleted", true),
			directory.Doc{"_id": "dev1", "pvt_type": "device", "directories": map[string]any{dir: 42}},
		)
	}
	tests := []struct {
		name    string
		setup   func(*env)
		method  string
		path    string // after /directories
		body    string
		headers []string
		status  int
	}{
		{"list_empty", nil, "GET", "", "", nil, 200},
		{"create_minimal", nil, "PUT", "", `{"data":{"name":"Sales"}}`, nil, 201},
		{"create_monster_ui", nil, "PUT", "", `{"data":{"name":"Support","min_dtmf":"3","max_dtmf":"0","confirm_match":"true","sort_by":"first_name","search_fields":"both","ui_metadata":{"version":"4.3-40","ui":"monster-ui","origin":"voip"},"id":"monster1"}}`, nil, 201},
		{"create_private_keys_dropped", nil, "PUT", "", `{"data":{"name":"S","_rev":"1-x","pvt_type":"user","_deleted":true}}`, nil, 201},
		{"create_duplicate_id", withSales, "PUT", "", `{"data":{"name":"Again","id":"` + dir + `"}}`, nil, 409},
		{"create_missing_name", nil, "PUT", "", `{"data":{"min_dtmf":0}}`, nil, 400},
		{"create_empty_name", nil, "PUT", "", `{"data":{"name":""}}`, nil, 400},
		{"create_bad_types", nil, "PUT", "", `{"data":{"name":"x","flags":"x","sort_by":"x","min_dtmf":0,"users":[{"user_id":"u"}]}}`, nil, 400},
		{"create_bad_id", nil, "PUT", "", `{"data":{"name":"x","id":"_design/directories"}}`, nil, 400},
		{"create_malformed_json", nil, "PUT", "", `{"data":{"name":}`, nil, 400},
		{"create_data_not_object", nil, "PUT", "", `{"data":"x"}`, nil, 400},
		{"create_data_list", nil, "PUT", "", `{"data":[1]}`, nil, 400},
		{"create_unsupported_type", nil, "PUT", "", `<xml/>`, []string{"Content-Type: application/xml"}, 415},
		{"create_no_content_type", nil, "PUT", "", `{"data":{"name":"NoCT"}}`, []string{"Content-Type:"}, 201},
		{"create_if_match", nil, "PUT", "", `{"data":{"name":"x"}}`, []string{`If-Match: "1-abc"`}, 412},
		{"get_missing", nil, "GET", "/nope", "", nil, 404},
		{"get_members", withMembers, "GET", "/" + dir, "", nil, 200},
		{"get_members_monster_ui", withMembers, "GET", "/" + dir + "?_=1700000000000&paginate=false", "", nil, 200},
		{"get_members_page_size_ignored", withMembers, "GET", "/" + dir + "?page_size=1", "", nil, 200},
		{"get_member_filter", withMembers, "GET", "/" + dir + "?filter_first_name=Bob", "", nil, 200},
		{"get_wrong_type", func(e *env) { e.seed(user("u1", "A", "B", nil)) }, "GET", "/u1", "", nil, 404},
		{"get_untyped_doc", func(e *env) { e.seed(directory.Doc{"_id": "plain", "name": "Legacy"}) }, "GET", "/plain", "", nil, 200},
		{"get_soft_deleted", func(e *env) { e.seed(with(sales(dir), "pvt_deleted", true)) }, "GET", "/" + dir, "", nil, 404},
		{"replace", withSales, "POST", "/" + dir, `{"data":{"name":"Sales 2","custom":"kept","id":"ignored"}}`, nil, 200},
		{"replace_missing", nil, "POST", "/nope", `{"data":{"name":"x"}}`, nil, 404},
		{"replace_invalid_wins_over_missing", nil, "POST", "/nope", `{"data":{}}`, nil, 400},
		{"replace_stale_if_match", withSales, "POST", "/" + dir, `{"data":{"name":"x"}}`, []string{`If-Match: "1-00000000000000000000000000000000"`}, 412},
		{"patch", withSales, "PATCH", "/" + dir, `{"data":{"custom":{"a":1},"sort_by":"first_name","min_dtmf":null}}`, nil, 200},
		{"patch_invalid", withSales, "PATCH", "/" + dir, `{"data":{"name":null}}`, nil, 400},
		{"delete_soft", withSales, "DELETE", "/" + dir, `{"data":{}}`, nil, 200},
		{"delete_hard", withSales, "DELETE", "/" + dir + "?should_soft_delete=false", "", nil, 200},
		{"delete_missing", nil, "DELETE", "/nope", "", nil, 404},
		{"verb_tunnel_put", nil, "POST", "?verb=PUT", `{"data":{"name":"Tunnelled"}}`, nil, 201},
		{"verb_tunnel_envelope_delete", withSales, "POST", "/" + dir, `{"verb":"delete","data":{}}`, nil, 200},
		{"method_not_allowed", nil, "DELETE", "", "", nil, 405},
		{"head_not_allowed", withSales, "HEAD", "/" + dir, "", nil, 405},
		{"options_bare", nil, "OPTIONS", "", "", nil, 405},
		{"options_preflight", nil, "OPTIONS", "/" + dir, "", []string{"Origin: https://monster.example", "Access-Control-Request-Method: PATCH", "X-Auth-Token:"}, 200},
		{"cors_success", withSales, "GET", "/" + dir, "", []string{"Origin: https://monster.example"}, 200},
		{"sub_path", withSales, "GET", "/" + dir + "/x/y", "", nil, 404},
		{"no_token", nil, "GET", "", "", []string{"X-Auth-Token:"}, 401},
		{"bad_token", nil, "GET", "", "", []string{"X-Auth-Token: nope"}, 401},
		{"pretty", withSales, "GET", "/" + dir + "?pretty_print=true", "", nil, 200},
		{"request_id_echoed", nil, "GET", "", "", []string{"X-Request-ID: abc-123"}, 200},
		{"accept_pdf_on_collection", nil, "GET", "", "", []string{"Accept: application/pdf"}, 406},
		{"accept_image", withSales, "GET", "/" + dir, "", []string{"Accept: image/png"}, 406},
		{"accept_any_is_json", withSales, "GET", "/" + dir, "", []string{"Accept: */*"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.setup != nil {
				tt.setup(e)
			}
			rec := e.do(tt.method, e.path(tt.path), tt.body, tt.headers...)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d: %s", rec.Code, tt.status, rec.Body.String())
			}
			e.golden(tt.name, rec)
		})
	}
}

// with returns d with key set.
func with(d directory.Doc, key string, v any) directory.Doc { d[key] = v; return d }

func TestAccountChecksComeFirst(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, account string
		headers       []string
		status        int
	}{
		{"short_account", strings.Repeat("a", 31), []string{"X-Auth-Token:"}, 404},
		{"long_account", strings.Repeat("a", 33), nil, 404},
		{"upper_account", strings.ToUpper(e.acct), nil, 404},
		{"unknown_account", strings.Repeat("ab", 16), []string{"X-Auth-Token:"}, 404},
		{"other_account_token", e.acct, []string{"X-Auth-Token: token-" + strings.Repeat("cd", 16)}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do("GET", "/v2/accounts/"+tt.account+"/directories", "", tt.headers...)
			wantStatus(t, rec, tt.status)
			e.golden("account_"+tt.name, rec)
		})
	}
	rec := e.do("GET", "/v1/accounts/"+e.acct+"/directories", "")
	wantStatus(t, rec, http.StatusGone)
	e.golden("api_v1_gone", rec)
}

func TestOddIDsNeverReachCouchDB(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"..%2F_users", "%2F", "_design%2Fdirectories", "_all_docs", "a%2Fb", "%00", strings.Repeat("x", 300)} {
		for _, method := range []string{"GET", "POST", "PATCH", "DELETE"} {
			rec := e.do(method, e.path("/"+id), `{"data":{"name":"x"}}`)
			if rec.Code != http.StatusNotFound {
				t.Errorf("%s %s = %d, want 404: %s", method, id, rec.Code, rec.Body.String())
			}
		}
	}
	rec := e.do("GET", e.path("/..%2F_users"), "")
	e.golden("odd_id", rec)
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	big := `{"data":{"name":"` + strings.Repeat("x", api8MB) + `"}}`
	rec := e.do("PUT", e.path(""), big)
	wantStatus(t, rec, http.StatusBadRequest)
	e.golden("create_too_large", rec)
	list := e.do("GET", e.path(""), "")
	if got := body(t, list)["data"].([]any); len(got) != 0 {
		t.Errorf("a rejected body was written: %v", got)
	}
}

const api8MB = 8_000_000

func TestPaging(t *testing.T) {
	e := newEnv(t)
	for i := 1; i <= 5; i++ {
		e.seed(sales(fmt.Sprintf("dir%d", i)))
	}
	first := e.do("GET", e.path("?page_size=2"), "")
	wantStatus(t, first, 200)
	e.golden("list_page_1", first)
	next := body(t, first)["next_start_key"].(string)
	second := e.do("GET", e.path("?page_size=2&start_key="+next), "")
	e.golden("list_page_2", second)
	raw := e.do("GET", e.path("?page_size=2&start_key=dir5"), "")
	if got := body(t, raw)["data"].([]any); len(got) != 1 || got[0].(map[string]any)["id"] != "dir5" {
		t.Errorf("raw start_key: %v", got)
	}
	all := e.do("GET", e.path("?paginate=false"), "")
	if b := body(t, all); len(b["data"].([]any)) != 5 || b["page_size"] != nil {
		t.Errorf("paginate=false: %v", b)
	}
	for _, q := range []string{"page_size=-1", "page_size=0", "page_size=abc", "page_size=99999999999999999999", "start_key=%ff%fe", "start_key=g2wAAAAB"} {
		rec := e.do("GET", e.path("?"+q), "")
		if rec.Code != 200 {
			t.Errorf("%s: %d %s", q, rec.Code, rec.Body.String())
		}
	}
	filtered := e.do("GET", e.path("?filter_pvt_type=directory&page_size=3"), "")
	if b := body(t, filtered); len(b["data"].([]any)) != 3 {
		t.Errorf("filter: %v", b)
	}
}
