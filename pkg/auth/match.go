package auth

import (
	"slices"
	"strings"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Placeholders of allowed_accounts (cb_token_restrictions).
const (
	authAccountPlaceholder       = "{AUTH_ACCOUNT_ID}"
	descendantAccountPlaceholder = "{DESCENDANT_ACCOUNT_ID}"
)

// ruleSetAllows runs cb_token_restrictions' four steps (spec A3) on rule set r for a
// request by authAccount: endpoint, allowed accounts, path pattern, verb. It reports
// whether the request is allowed and, when not, which step denied it (for logs).
func ruleSetAllows(r any, authAccount string, a directory.Access) (bool, string) {
	entries, ok := endpointEntries(r, a.Endpoint)
	if !ok {
		return false, "no rules for endpoint " + a.Endpoint
	}
	rules, ok := accountRules(entries, authAccount, a.Account)
	if !ok {
		return false, "no entry for account " + a.Account.ID
	}
	verbs, ok := argumentVerbs(rules, a.Params)
	if !ok {
		return false, "no pattern matches the arguments"
	}
	for _, v := range verbs {
		if v == a.Verb || v == "_" {
			return true, ""
		}
	}
	return false, "verb " + a.Verb + " not allowed"
}

// endpointEntries is step 1: R[endpoint] if it is an array, else R["_"] if that is.
func endpointEntries(r any, endpoint string) ([]any, bool) {
	for _, k := range []string{endpoint, "_"} {
		if v, ok := get(r, k); ok {
			if arr, ok := v.([]any); ok {
				return arr, true
			}
		}
	}
	return nil, false
}

// accountRules is step 2: the rules of the first entry whose allowed_accounts is
// missing, not a list, exactly ["_"], or shares an element with the candidates.
func accountRules(entries []any, authAccount string, target directory.Account) (directory.Object, bool) {
	candidates := []string{"_", target.ID}
	switch {
	case target.ID == authAccount:
		candidates = append(candidates, authAccountPlaceholder)
	case slices.Contains(target.Tree, authAccount):
		candidates = append(candidates, descendantAccountPlaceholder)
	}
	for _, e := range entries {
		if !entryAllows(e, candidates) {
			continue
		}
		rules, ok := get(e, "rules")
		obj, isObj := rules.(directory.Object)
		return obj, ok && isObj
	}
	return nil, false
}

func entryAllows(entry any, candidates []string) bool {
	allowed, ok := get(entry, "allowed_accounts")
	list, isList := allowed.([]any)
	if !ok || !isList {
		return true
	}
	if len(list) == 1 && list[0] == "_" {
		return true
	}
	for _, v := range list {
		if s, ok := v.(string); ok && slices.Contains(candidates, s) {
			return true
		}
	}
	return false
}

// argumentVerbs is step 3: the verbs of the first rules key, in document order, whose
// pattern matches the arguments. A value that is not a list allows nothing.
func argumentVerbs(rules directory.Object, params []string) ([]string, bool) {
	for _, f := range rules {
		if !bindingMatches(splitPattern(f.Key), params) {
			continue
		}
		list, _ := f.Value.([]any)
		verbs := make([]string, 0, len(list))
		for _, v := range list {
			if s, ok := v.(string); ok {
				verbs = append(verbs, s)
			}
		}
		return verbs, true
	}
	return nil, false
}

// splitPattern is binary:split(K, "/", [global, trim]): trailing empty parts go.
func splitPattern(k string) []string {
	parts := strings.Split(k, "/")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// bindingMatches is kazoo_bindings:matches/2, clause by clause (spec A3): `*` is one
// non-empty argument, `#` zero or more, anything else itself. The clauses are tried
// in KAZOO's order; the first that applies decides.
func bindingMatches(b, r []string) bool {
	switch {
	case len(b) == 0 && len(r) == 0:
		return true
	case len(b) == 1 && b[0] == "#" && len(r) == 0:
		return true
	case len(b) == 2 && b[0] == "#" && b[1] == "*" && len(r) == 0:
		return false
	case len(b) == 2 && b[0] == "#" && b[1] == "*" && len(r) == 1 && r[0] == "":
		return false
	case len(b) == 2 && b[0] == "#" && b[1] == "*" && len(r) == 1:
		return true
	case len(b) == 3 && b[0] == "#" && b[1] == "*" && len(r) == 2 && b[2] == r[1]:
		return true
	case len(b) == 1 && b[0] == "#" && len(r) == 1:
		return true
	case len(b) >= 2 && b[0] == "#" && b[1] == "#":
		return bindingMatches(b[1:], r)
	case len(b) >= 1 && b[0] == "#" && len(r) == 0:
		return bindingMatches(b[1:], r)
	case len(b) == 0: // r non-empty
		return false
	case len(r) == 0: // b non-empty
		return false
	case len(r) == 1 && r[0] == "":
		return false
	case b[0] == "*":
		return bindingMatches(b[1:], r[1:])
	case len(b) >= 2 && b[0] == "#" && len(r) >= 2 && b[1] == r[0] && b[1] == r[1]:
		return bindingMatches(b[2:], r[2:]) || bindingMatches(append([]string{"#"}, b[2:]...), r[1:])
	case len(b) >= 2 && b[0] == "#" && b[1] == r[0]:
		if slices.Contains(r[1:], b[1]) {
			return bindingMatches(b[2:], r[1:]) || bindingMatches(append([]string{"#"}, b[2:]...), r[1:]) ||
				bindingMatches(b, r[1:])
		}
		return bindingMatches(b[2:], r[1:])
	case b[0] == "#": // [#,*|_] and [#|_] against [_|R]
		return bindingMatches(b, r[1:])
	case b[0] == r[0]:
		return bindingMatches(b[1:], r[1:])
	}
	return false
}
