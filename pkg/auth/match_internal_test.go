package auth

import (
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func mustOrdered(t *testing.T, s string) any {
	t.Helper()
	v, err := decodeOrdered([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

// TestBindingMatches ports KAZOO's cb_token_restrictions_tests argument table (patterns
// against [], [D], [D,sync], [D,quick_call,number]) and the clauses of
// kazoo_bindings:matches/2 that the table does not reach.
func TestBindingMatches(t *testing.T) {
	const d = "4fcd7b4d2e2c7e41f2b2b6ab2a1a7bb5"
	args := [][]string{nil, {d}, {d, "sync"}, {d, "quick_call", "+14158867900"}}
	for _, c := range []struct {
		pattern string
		want    [4]bool
	}{
		{"/", [4]bool{true, false, false, false}},
		{"*", [4]bool{false, true, false, false}},
		{"#", [4]bool{true, true, true, true}},
		{d, [4]bool{false, true, false, false}},
		{"*/*", [4]bool{false, false, true, false}},
		{"*/*/*", [4]bool{false, false, false, true}},
		{d + "/#", [4]bool{false, true, true, true}},
		{"#/*", [4]bool{false, true, true, true}},
		{"#/sync", [4]bool{false, false, true, false}},
		{"/" + d, [4]bool{false, false, false, false}}, // "" never matches
		{"#/#", [4]bool{true, true, true, true}},
	} {
		for i, a := range args {
			if got := bindingMatches(splitPattern(c.pattern), a); got != c.want[i] {
				t.Errorf("matches(%q, %q) = %v, want %v", c.pattern, a, got, c.want[i])
			}
		}
	}
	for _, c := range []struct {
		b, r string
		want bool
	}{
		{"#/*/*", "a/b", false}, // `#` then `*` does not backtrack (spec A3)
		{"#/*/k", "a/k", true},
		{"#/a/b", "a/a/b", true},
		{"#/a/b", "x/a/b", true},
		{"#/a/b", "a/x/a/b", true},
		{"#/a", "a/b", false},
		{"a/*", "a", false},
		{"a", "a/b", false},
		{"*", "", false},
	} {
		var r []string
		if c.r != "" {
			r = strings.Split(c.r, "/")
		}
		if got := bindingMatches(splitPattern(c.b), r); got != c.want {
			t.Errorf("matches(%q, %q) = %v, want %v", c.b, r, got, c.want)
		}
	}
}

func TestSplitPattern(t *testing.T) {
	for k, want := range map[string]string{"/": "", "": "", "#": "#", "/x": "|x", "a//": "a", "a//b": "a||b", "*/*": "*|*"} {
		if got := strings.Join(splitPattern(k), "|"); got != want {
			t.Errorf("split(%q) = %q, want %q", k, got, want)
		}
	}
}

// TestRuleSetAllows runs the spec's worked examples E2 and E3 (spec A6) and each
// branch of the four steps.
func TestRuleSetAllows(t *testing.T) {
	const p, c, x = "p0000000000000000000000000000000", "c0000000000000000000000000000000", "x0000000000000000000000000000000"
	const d1, d2 = "d1", "d2"
	acctP := directory.Account{ID: p}
	acctC := directory.Account{ID: c, Tree: []string{p}}
	acctX := directory.Account{ID: x}
	e2 := `{"directories":[{"allowed_accounts":["{AUTH_ACCOUNT_ID}"],"rules":{"/":["GET","PUT"],"*":["GET","POST","PATCH"]}},
		{"allowed_accounts":["{DESCENDANT_ACCOUNT_ID}"],"rules":{"#":["GET"]}},
		{"allowed_accounts":["_"],"rules":{"#":[]}}]}`
	e3 := `{"directories":[{"rules":{"d1":["_"],"#":["GET"]}}]}`
	e3rev := `{"directories":[{"rules":{"#":["GET"],"d1":["_"]}}]}`
	type req struct {
		acct   directory.Account
		verb   string
		params []string
	}
	for _, tc := range []struct {
		name, rules string
		req         req
		want        bool
	}{
		{"E2 PUT own collection", e2, req{acctP, "PUT", nil}, true},
		{"E2 DELETE own item", e2, req{acctP, "DELETE", []string{d1}}, false},
		{"E2 PATCH own item", e2, req{acctP, "PATCH", []string{d1}}, true},
		{"E2 GET descendant item", e2, req{acctC, "GET", []string{d2}}, true},
		{"E2 PATCH descendant item", e2, req{acctC, "PATCH", []string{d2}}, false},
		{"E2 GET unrelated", e2, req{acctX, "GET", nil}, false},
		{"E3 DELETE d1", e3, req{acctP, "DELETE", []string{d1}}, true},
		{"E3 DELETE d2", e3, req{acctP, "DELETE", []string{d2}}, false},
		{"E3 PUT collection", e3, req{acctP, "PUT", nil}, false},
		{"E3 reversed DELETE d1", e3rev, req{acctP, "DELETE", []string{d1}}, false},
		{"endpoint missing", `{"users":[{"rules":{"#":["_"]}}]}`, req{acctP, "GET", nil}, false},
		{"endpoint catch-all", `{"users":[],"_":[{"rules":{"#":["_"]}}]}`, req{acctP, "GET", nil}, true},
		{"endpoint not an array falls to _", `{"directories":{"rules":{"#":["_"]}},"_":[{"rules":{"#":["GET"]}}]}`, req{acctP, "GET", nil}, true},
		{"empty endpoint array is used", `{"directories":[],"_":[{"rules":{"#":["_"]}}]}`, req{acctP, "GET", nil}, false},
		{"literal account is the URL account", `{"directories":[{"allowed_accounts":["` + x + `"],"rules":{"#":["_"]}}]}`, req{acctX, "GET", nil}, true},
		{"literal auth account does not match others", `{"directories":[{"allowed_accounts":["` + p + `"],"rules":{"#":["_"]}}]}`, req{acctX, "GET", nil}, false},
		{"allowed_accounts not a list", `{"directories":[{"allowed_accounts":"nope","rules":{"#":["_"]}}]}`, req{acctX, "GET", nil}, true},
		{"allowed_accounts empty never matches", `{"directories":[{"allowed_accounts":[],"rules":{"#":["_"]}}]}`, req{acctP, "GET", nil}, false},
		{"rules missing", `{"directories":[{"allowed_accounts":["_"]}]}`, req{acctP, "GET", nil}, false},
		{"rules not an object", `{"directories":[{"rules":["#"]}]}`, req{acctP, "GET", nil}, false},
		{"no pattern matches", `{"directories":[{"rules":{"/":["_"]}}]}`, req{acctP, "GET", []string{d1}}, false},
		{"verbs not a list", `{"directories":[{"rules":{"#":"GET"}}]}`, req{acctP, "GET", nil}, false},
		{"verb case matters", `{"directories":[{"rules":{"#":["get"]}}]}`, req{acctP, "GET", nil}, false},
		{"star is not a verb wildcard", `{"directories":[{"rules":{"#":["*"]}}]}`, req{acctP, "GET", nil}, false},
		{"first pattern wins even with no verbs", `{"directories":[{"rules":{"*":[],"#":["_"]}}]}`, req{acctP, "GET", []string{d1}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := directory.Access{Account: tc.req.acct, Endpoint: "directories", Params: tc.req.params, Verb: tc.req.verb}
			got, why := ruleSetAllows(mustOrdered(t, tc.rules), p, a)
			if got != tc.want {
				t.Errorf("allowed = %v (%s), want %v", got, why, tc.want)
			}
		})
	}
}

// TestRuleSetResolution covers spec A1 steps 2-5: the account doc wins at the method
// level, the system config is the fallback, the priv level picks the rule set.
func TestRuleSetResolution(t *testing.T) {
	rs := func(s string) string { return `{"directories":[{"rules":{"#":["` + s + `"]}}]}` }
	acct := `{"restrictions":{"cb_user_auth":{"user":` + rs("ACCT-USER") + `},"_":{"_":` + rs("ACCT-ANY") + `}}}`
	sys := `{"default":{"cb_api_auth":{"admin":` + rs("SYS-API") + `},"_":{"_":` + rs("SYS-ANY") + `}}}`
	for _, tc := range []struct {
		name, acct, sys, method, level string
		want                           string // the verb of the chosen rule set; "" unrestricted
	}{
		{"account method and level", acct, sys, "cb_user_auth", "user", "ACCT-USER"},
		{"account method, other level: no fallback to _ method", acct, sys, "cb_user_auth", "admin", ""},
		{"account catch-all method", acct, sys, "cb_api_auth", "admin", "ACCT-ANY"},
		{"system config when the account has none", `{"_id":"token_restrictions"}`, sys, "cb_api_auth", "admin", "SYS-API"},
		{"system catch-all", "", sys, "cb_user_auth", "user", "SYS-ANY"},
		{"nothing anywhere", "", `{"default":{}}`, "cb_user_auth", "user", ""},
		{"level key present but not an object", `{"restrictions":{"_":{"user":true,"_":` + rs("X") + `}}}`, "", "m", "user", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a, s any
			if tc.acct != "" {
				a = mustOrdered(t, tc.acct)
			}
			if tc.sys != "" {
				s = mustOrdered(t, tc.sys)
			}
			m, err := methodRules(a, s, tc.method)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if m != nil {
				if r := levelRules(m, tc.level); r != nil {
					v, _ := getPath(r, "directories")
					got = v.([]any)[0].(directory.Object)[0].Value.(directory.Object)[0].Value.([]any)[0].(string)
				}
			}
			if got != tc.want {
				t.Errorf("rule set %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := methodRules(mustOrdered(t, `{"restrictions":{"_":["GET"]}}`), nil, "m"); !directory.IsCode(err, directory.ECodeForbidden) {
		t.Errorf("a method entry that is not an object: %v, want forbidden (we fail closed)", err)
	}
}

func TestDecodeOrderedKeepsOrderAndFirstDuplicate(t *testing.T) {
	v := mustOrdered(t, `{"b":1,"a":[true,null,"x",{"z":2,"y":3}],"b":2}`)
	obj := v.(directory.Object)
	if obj[0].Key != "b" || obj[1].Key != "a" {
		t.Fatalf("order lost: %v", obj)
	}
	if n, _ := get(v, "b"); n.(interface{ String() string }).String() != "1" {
		t.Errorf("duplicate key: got %v, want the first", n)
	}
	if inner := obj[1].Value.([]any)[3].(directory.Object); inner[0].Key != "z" {
		t.Errorf("nested order lost: %v", inner)
	}
	for _, bad := range []string{`{"a":1} x`, `{"a":`, `[1,]`} {
		if _, err := decodeOrdered([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
