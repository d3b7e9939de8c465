package couchdb_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func TestDirectoriesListing(t *testing.T) {
	s, ct, cfg := newStore(t)
	id := couchdbtest.NewAccount(t, cfg)
	couchdbtest.PutDocs(t, cfg, id,
		directory.Doc{"_id": "d2", "pvt_type": "directory", "name": "Support", "flags": []any{"x"}, "min_dtmf": 3},
		directory.Doc{"_id": "d1", "pvt_type": "directory", "name": "Sales"},
		directory.Doc{"_id": "d3", "pvt_type": "directory"},                                      // no name
		directory.Doc{"_id": "d4", "pvt_type": "directory", "name": "Gone", "pvt_deleted": true}, // soft-deleted
		directory.Doc{"_id": "d5", "pvt_type": "directory", "name": "Null flags", "flags": nil},
		directory.Doc{"_id": "u1", "pvt_type": "user", "name": "Not a directory"},
	)
	mustAccount(t, s, id)
	ct.Reset()
	rows, err := s.Directories(context.Background(), id, directory.ViewQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if n := ct.Count(); n != 1 {
		t.Errorf("listing cost %d requests: %v", n, ct.Requests())
	}
	want := `[{"id":"d1","key":"d1","value":{"flags":[],"id":"d1","name":"Sales"}},` +
		`{"id":"d2","key":"d2","value":{"flags":["x"],"id":"d2","name":"Support"}},` +
		`{"id":"d3","key":"d3","value":{"flags":[],"id":"d3"}},` +
		`{"id":"d5","key":"d5","value":{"flags":[],"id":"d5","name":"Null flags"}}]`
	if got := rowsJSON(t, rows); got != want {
		t.Errorf("rows\n got %s\nwant %s", got, want)
	}

	page, err := s.Directories(context.Background(), id, directory.ViewQuery{StartKey: "d2", Limit: 2, IncludeDocs: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].ID != "d2" || page[1].ID != "d3" {
		t.Fatalf("page = %s", rowsJSON(t, page))
	}
	if n, ok := page[0].Doc["min_dtmf"].(json.Number); !ok || n.String() != "3" {
		t.Errorf("included doc min_dtmf = %#v, want json.Number 3", page[0].Doc["min_dtmf"])
	}
}

func TestMembers(t *testing.T) {
	s, ct, cfg := newStore(t)
	id := couchdbtest.NewAccount(t, cfg)
	couchdbtest.PutDocs(t, cfg, id,
		directory.Doc{"_id": "u3", "pvt_type": "user", "first_name": "C", "directories": map[string]any{"D": "cf3", "E": "cf9"}},
		directory.Doc{"_id": "u1", "pvt_type": "user", "first_name": "A", "directories": map[string]any{"D": "cf1"}},
		directory.Doc{"_id": "u2", "pvt_type": "user", "directories": map[string]any{"D": 42}},
		directory.Doc{"_id": "u4", "pvt_type": "user", "directories": map[string]any{"D": nil}},
		directory.Doc{"_id": "u5", "pvt_type": "user", "directories": map[string]any{"D": map[string]any{"x": 1}}},
		directory.Doc{"_id": "u6", "pvt_type": "user", "directories": map[string]any{"D": true}},
		directory.Doc{"_id": "u7", "pvt_type": "user", "directories": map[string]any{"D": "cf7"}, "pvt_deleted": true},
		directory.Doc{"_id": "u8", "pvt_type": "user", "directories": nil},
		directory.Doc{"_id": "dev1", "pvt_type": "device", "directories": map[string]any{"D": "cfdev"}},
		directory.Doc{"_id": "nt1", "directories": map[string]any{"D": ""}},
		directory.Doc{"_id": "u9", "pvt_type": "user", "directories": map[string]any{"DD": "other"}},
	)
	mustAccount(t, s, id)
	ct.Reset()
	members, err := s.Members(context.Background(), id, "D", false)
	if err != nil {
		t.Fatal(err)
	}
	if n := ct.Count(); n != 1 {
		t.Errorf("Members cost %d requests: %v", n, ct.Requests())
	}
	want := []directory.Member{
		{UserID: "dev1", Value: "cfdev"},
		{UserID: "nt1", Value: ""},
		{UserID: "u1", Value: "cf1"},
		{UserID: "u2", Value: json.Number("42")},
		{UserID: "u3", Value: "cf3"},
		{UserID: "u4", Value: nil},
		{UserID: "u5", Value: map[string]any{"x": json.Number("1")}},
		{UserID: "u6", Value: true},
	}
	if !reflect.DeepEqual(members, want) {
		t.Errorf("members\n got %#v\nwant %#v", members, want)
	}

	withDocs, err := s.Members(context.Background(), id, "D", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(withDocs) != len(want) || withDocs[2].User.String("first_name") != "A" || withDocs[2].User.ID() != "u1" {
		t.Errorf("members with docs: %+v", withDocs)
	}

	none, err := s.Members(context.Background(), id, "nope", true)
	if err != nil || len(none) != 0 {
		t.Errorf("members of an unknown directory = %v, %v; want none", none, err)
	}
}

// TestMemberNamesAsIncludeDocs: MemberNames (index-only rows) gives the members,
// values, names and revisions that Members with include_docs gives, links to other
// docs included, in one request when there are no links.
func TestMemberNamesAsIncludeDocs(t *testing.T) {
	s, ct, cfg := newStore(t)
	ctx := context.Background()
	id := couchdbtest.NewAccount(t, cfg)
	mustAccount(t, s, id)
	plain := []directory.Doc{
		{"_id": "u1", "pvt_type": "user", "first_name": "Ann", "last_name": "Lee", "email": "a@x", "directories": map[string]any{"D": "cf1"}},
		{"_id": "u2", "pvt_type": "user", "first_name": "Bob", "directories": map[string]any{"D": 42}},
		{"_id": "u3", "pvt_type": "user", "first_name": nil, "last_name": 7, "directories": map[string]any{"D": nil}},
		{"_id": "u4", "pvt_type": "user", "first_name": "Zoë", "last_name": "Ωmega \"q\"", "directories": map[string]any{"D": map[string]any{"x": 1}}},
		{"_id": "u5", "pvt_type": "user", "first_name": "Gone", "directories": map[string]any{"D": "cf5"}, "pvt_deleted": true},
		{"_id": "dev1", "pvt_type": "device", "name": "desk", "directories": map[string]any{"D": "cfdev"}},
	}
	couchdbtest.PutDocs(t, cfg, id, plain...)
	ct.Reset()
	names, err := s.MemberNames(ctx, id, "D")
	if err != nil {
		t.Fatal(err)
	}
	if n := ct.Count(); n != 1 {
		t.Errorf("MemberNames cost %d requests: %v", n, ct.Requests())
	}
	sameMembers(t, names, mustMembers(t, s, id))

	couchdbtest.PutDocs(t, cfg, id,
		directory.Doc{"_id": "l1", "pvt_type": "user", "first_name": "Link", "directories": map[string]any{"D": map[string]any{"_id": "u1"}}},
		directory.Doc{"_id": "l2", "pvt_type": "user", "directories": map[string]any{"D": map[string]any{"_id": "missing"}}},
		directory.Doc{"_id": "l3", "pvt_type": "user", "first_name": "Rev", "directories": map[string]any{"D": map[string]any{"_rev": "1-00000000000000000000000000000000"}}},
		directory.Doc{"_id": "l4", "pvt_type": "user", "first_name": "Null", "directories": map[string]any{"D": map[string]any{"_id": nil}}},
	)
	linked, err := s.MemberNames(ctx, id, "D")
	if err != nil {
		t.Fatal(err)
	}
	sameMembers(t, linked, mustMembers(t, s, id))
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func mustMembers(t *testing.T, s *couchdb.Store, id string) []directory.Member {
	t.Helper()
	m, err := s.Members(context.Background(), id, "D", true)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameMembers compares index-only members with include_docs ones: same ids, values
// and presence of a doc; names and revisions equal; a linked member's whole doc equal.
func sameMembers(t *testing.T, got, want []directory.Member) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d members, want %d: %+v", len(got), len(want), got)
	}
	for i, g := range got {
		w := want[i]
		if g.UserID != w.UserID || !reflect.DeepEqual(g.Value, w.Value) || (g.User == nil) != (w.User == nil) {
			t.Errorf("member %d: got %+v, want %+v", i, g, w)
			continue
		}
		if v, ok := g.Value.(map[string]any); ok && (hasKey(v, "_id") || hasKey(v, "_rev")) {
			if !reflect.DeepEqual(g.User, w.User) {
				t.Errorf("linked member %s: doc %v, want %v", g.UserID, g.User, w.User)
			}
			continue
		}
		for _, f := range []string{"_id", "_rev", "first_name", "last_name"} {
			gv, gok := g.User[f]
			wv, wok := w.User[f]
			if gok != wok || !reflect.DeepEqual(gv, wv) {
				t.Errorf("member %s %s: %#v (%v), want %#v (%v)", g.UserID, f, gv, gok, wv, wok)
			}
		}
	}
}

func TestMembersArrayDirectories(t *testing.T) {
	// KAZOO's view emits the indices of an array as "directory ids".
	s, _, cfg := newStore(t)
	id := couchdbtest.NewAccount(t, cfg)
	couchdbtest.PutDocs(t, cfg, id, directory.Doc{"_id": "u1", "pvt_type": "user", "directories": []any{"a", "b"}})
	mustAccount(t, s, id)
	members, err := s.Members(context.Background(), id, "1", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 1 || members[0].UserID != "u1" || members[0].Value != "b" {
		t.Errorf("members of \"1\" = %+v, want u1 with value b", members)
	}
}

func TestViewsOfMissingDatabase(t *testing.T) {
	s, _, _ := newStore(t)
	missing := couchdbtest.NewAccountID()
	_, err := s.Directories(context.Background(), missing, directory.ViewQuery{})
	wantCode(t, err, directory.ECodeBadIdentifier)
	_, err = s.Members(context.Background(), missing, "D", false)
	wantCode(t, err, directory.ECodeBadIdentifier)
}

func rowsJSON(t *testing.T, rows []directory.Row) string {
	t.Helper()
	type row struct {
		ID    string `json:"id"`
		Key   any    `json:"key"`
		Value any    `json:"value"`
	}
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = row{r.ID, r.Key, r.Value}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestIndexReadsWithoutDesignRights: where CouchDB refuses to store our
// directories_index (a database member who is not an admin), MemberNames and Numbers
// read the docs instead and answer the same.
func TestIndexReadsWithoutDesignRights(t *testing.T) {
	ctx := context.Background()
	var proxy *couchdbtest.FaultProxy
	s, _, cfg := newStore(t, func(c *couchdb.Config) { proxy = couchdbtest.NewFaultProxy(t, c) })
	proxy.Inject(couchdbtest.Forbidden403, -1, func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.HasSuffix(r.URL.EscapedPath(), "/_design/directories_index")
	})
	id := couchdbtest.NewAccount(t, cfg)
	couchdbtest.PutDocs(t, cfg, id,
		directory.Doc{"_id": "u1", "pvt_type": "user", "first_name": "Ann", "last_name": "Lee", "directories": map[string]any{"D": "cf1"}},
		directory.Doc{"_id": "u2", "pvt_type": "user", "first_name": "Bob", "directories": map[string]any{"D": "cf2"}},
		directory.Doc{"_id": "cf1", "pvt_type": "callflow", "numbers": []any{"1001"}},
		directory.Doc{"_id": "cf2", "pvt_type": "callflow", "numbers": []any{"1002", "+15551230002"}, "pvt_deleted": true},
	)
	mustAccount(t, s, id) // _design/directories installed, directories_index refused
	if _, err := s.Doc(ctx, id, "_design/directories_index"); !directory.IsCode(err, directory.ECodeBadIdentifier) {
		t.Fatalf("directories_index was stored: %v", err)
	}
	names, err := s.MemberNames(ctx, id, "D")
	if err != nil {
		t.Fatal(err)
	}
	sameMembers(t, names, mustMembers(t, s, id))
	numbers, err := s.Numbers(ctx, id, []string{"cf1", "cf2", "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(numbers); len(numbers) != 2 || !strings.Contains(string(b), `"numbers":["1002","+15551230002"]`) {
		t.Errorf("Numbers = %s", b)
	}
	// The refusal is remembered: no install attempt per request.
	before := len(proxy.Requests())
	if _, err := s.MemberNames(ctx, id, "D"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Numbers(ctx, id, []string{"cf1"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range proxy.Requests()[before:] {
		if strings.Contains(r, "_design/") && !strings.Contains(r, "/_view/") {
			t.Errorf("design doc request after a refusal: %s", r)
		}
	}
}
