package api_test

import (
	"net/http"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// TestSearch runs dial-by-name queries through the HTTP stack.
func TestSearch(t *testing.T) {
	const dir = "dbn"
	seed := func(e *env) {
		d := sales(dir)
		d["confirm_match"] = true
		e.seed(d,
			user("u1", "Lauren", "Underwood", map[string]any{dir: "cf1"}),
			user("u2", "Laurie", "Zeidman", map[string]any{dir: "cf2"}),
			user("u3", "Daniel", "Noveck", map[string]any{dir: "cf3"}),
			user("u4", "Ångström", "Öberg", map[string]any{dir: "cf4"}),
			directory.Doc{"_id": "u5", "pvt_type": "user", "first_name": "NoLast", "directories": map[string]any{dir: "cf5"}},
		)
	}
	tests := []struct {
		name, query string
		status      int
	}{
		{"search_menu", "?dtmf=528", 200},
		{"search_confirm", "?dtmf=668&search_fields=last_name", 200},
		{"search_too_short", "?dtmf=5", 200},
		{"search_none", "?dtmf=999", 200},
		{"search_exact_drops_accents", "?dtmf=264", 200},
		{"search_fold", "?dtmf=264&fold=true", 200},
		{"search_skips_nameless", "?dtmf=6652&search_fields=first_name", 200},
		{"search_bad_dtmf", "?dtmf=52a", 400},
		{"search_missing_dtmf", "", 400},
		{"search_bad_fields", "?dtmf=52&search_fields=middle", 400},
	}
	e := newEnv(t)
	seed(e)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do("GET", e.path("/"+dir+"/search"+tt.query), "")
			wantStatus(t, rec, tt.status)
			e.golden(tt.name, rec)
		})
	}
	wantStatus(t, e.do("GET", e.path("/missing/search?dtmf=52"), ""), http.StatusNotFound)
	wantStatus(t, e.do("PUT", e.path("/"+dir+"/search?dtmf=52"), `{"data":{}}`), http.StatusMethodNotAllowed)
	e.counter.Reset()
	wantStatus(t, e.do("GET", e.path("/"+dir+"/search?dtmf=52"), ""), http.StatusOK)
	if n := e.counter.Count(); n != 2 {
		t.Errorf("search made %d CouchDB requests, want 2 (as a directory GET)", n)
	}
}
