package couchdb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func TestPutGetRoundTrip(t *testing.T) {
	s, ct, cfg := newStore(t)
	ctx := context.Background()
	id := couchdbtest.NewAccount(t, cfg)
	doc := directory.Doc{
		"_id": "dir1", "pvt_type": "directory", "name": "Sales",
		"big": json.Number("9007199254740991"), "gregorian": json.Number("63871234567"), "min_dtmf": json.Number("3"), "ratio": json.Number("0.5"),
		"nested": map[string]any{"n": json.Number("-7"), "list": []any{json.Number("1"), "a", nil, true}},
	}
	ct.Reset()
	rev, err := s.Put(ctx, id, doc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Doc(ctx, id, "dir1")
	if err != nil {
		t.Fatal(err)
	}
	if n := ct.Count(); n != 2 {
		t.Errorf("Put+Doc cost %d requests: %v", n, ct.Requests())
	}
	if got.Rev() != rev {
		t.Errorf("rev = %s, want %s", got.Rev(), rev)
	}
	delete(got, "_rev")
	if !reflect.DeepEqual(got, doc) {
		t.Errorf("round trip\n got %#v\nwant %#v", got, doc)
	}
}

func TestPutConflicts(t *testing.T) {
	s, _, cfg := newStore(t)
	ctx := context.Background()
	id := couchdbtest.NewAccount(t, cfg)

	rev1, err := s.Put(ctx, id, directory.Doc{"_id": "d", "name": "one"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Put(ctx, id, directory.Doc{"_id": "d", "name": "duplicate"})
	wantCode(t, err, directory.ECodeConflict)

	rev2, err := s.Put(ctx, id, directory.Doc{"_id": "d", "_rev": rev1, "name": "two"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Put(ctx, id, directory.Doc{"_id": "d", "_rev": rev1, "name": "lost update"})
	wantCode(t, err, directory.ECodeConflict)

	_, err = s.Delete(ctx, id, "d", rev1)
	wantCode(t, err, directory.ECodeConflict)
	tomb, err := s.Delete(ctx, id, "d", rev2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tomb, "3-") {
		t.Errorf("Delete returned rev %q, want the tombstone's 3-…", tomb)
	}
	_, err = s.Doc(ctx, id, "d")
	wantCode(t, err, directory.ECodeBadIdentifier)
	_, err = s.Delete(ctx, id, "never", "1-abc")
	wantCode(t, err, directory.ECodeBadIdentifier)

	// A deleted id can be created again (no _rev).
	if _, err := s.Put(ctx, id, directory.Doc{"_id": "d", "name": "again"}); err != nil {
		t.Errorf("recreate after delete: %v", err)
	}
}

func TestPutWithoutID(t *testing.T) {
	s, _, cfg := newStore(t)
	id := couchdbtest.NewAccount(t, cfg)
	rev, err := s.Put(context.Background(), id, directory.Doc{"name": "x"})
	if err != nil || rev == "" {
		t.Fatalf("Put without _id = %q, %v", rev, err)
	}
}

func TestDocErrors(t *testing.T) {
	s, _, cfg := newStore(t)
	ctx := context.Background()
	id := couchdbtest.NewAccount(t, cfg)
	_, err := s.Doc(ctx, id, "nope")
	wantCode(t, err, directory.ECodeBadIdentifier)
	if b, _ := json.Marshal(err.(*directory.Error).Data); string(b) != `{"cause":"nope","message":"bad identifier"}` {
		t.Errorf("data = %s", b)
	}
	missing := couchdbtest.NewAccountID()
	_, err = s.Doc(ctx, missing, "x")
	wantCode(t, err, directory.ECodeBadIdentifier)
	_, err = s.Put(ctx, missing, directory.Doc{"_id": "x"})
	wantCode(t, err, directory.ECodeBadIdentifier)
	_, err = s.Numbers(ctx, missing, []string{"x"})
	wantCode(t, err, directory.ECodeBadIdentifier)
}

func TestNumbers(t *testing.T) {
	s, ct, cfg := newStore(t)
	ctx := context.Background()
	id := couchdbtest.NewAccount(t, cfg)
	mustAccount(t, s, id)
	docs := []directory.Doc{
		{"_id": "cf1", "pvt_type": "callflow", "numbers": []any{"1001", "+15551230001"}, "flow": map[string]any{}},
		{"_id": "cf2", "pvt_type": "callflow", "numbers": []any{"1002"}, "pvt_deleted": true},
		{"_id": "cf3", "pvt_type": "callflow", "numbers": []any{"1003"}},
		{"_id": "cf4", "pvt_type": "callflow", "patterns": []any{"^1"}},
	}
	couchdbtest.PutDocs(t, cfg, id, docs...)
	if _, err := s.Delete(ctx, id, "cf3", docs[2].Rev()); err != nil {
		t.Fatal(err)
	}
	ct.Reset()
	got, err := s.Numbers(ctx, id, []string{"cf2", "missing", "cf3", "cf1", "cf4", "cf1"})
	if err != nil {
		t.Fatal(err)
	}
	if n := ct.Count(); n != 1 {
		t.Errorf("Numbers cost %d requests: %v", n, ct.Requests())
	}
	if len(got) != 2 || got["cf1"].Rev() != docs[0].Rev() || got["cf2"].Rev() != docs[1].Rev() {
		t.Errorf("Numbers = %v", got)
	}
	if b, _ := json.Marshal(got["cf1"]); string(b) != `{"_id":"cf1","_rev":"`+docs[0].Rev()+`","numbers":["1001","+15551230001"]}` {
		t.Errorf("cf1 = %s", b)
	}

	ct.Reset()
	if none, err := s.Numbers(ctx, id, nil); err != nil || len(none) != 0 || ct.Count() != 0 {
		t.Errorf("Numbers(nil) = %v, %v after %d requests", none, err, ct.Count())
	}

	// Once the index is known to hold over 20 rows per wanted id, a multi-key query.
	var more []directory.Doc
	for i := range 40 {
		more = append(more, directory.Doc{"_id": fmt.Sprintf("cf%03d", 100+i), "pvt_type": "callflow", "numbers": []any{fmt.Sprint(2000 + i)}})
	}
	couchdbtest.PutDocs(t, cfg, id, more...)
	for i, method := range []string{"GET", "POST"} { // 2 rows known, then 42
		ct.Reset()
		got, err := s.Numbers(ctx, id, []string{"cf120", "cf1"})
		if err != nil || len(got) != 2 || stringsOf(got["cf120"]["numbers"]) != "2020" {
			t.Errorf("call %d: Numbers = %v, %v", i, got, err)
		}
		if r := ct.Requests(); len(r) != 1 || !strings.HasPrefix(r[0], method+" ") {
			t.Errorf("call %d: requests %v, want one %s", i, r, method)
		}
	}
}

func stringsOf(v any) string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return strings.Join(out, ",")
}

// TestWritesIntoMissingDatabaseWithLostReplies: a PUT into a database that does not exist,
// whose requests never get an answer (as when Apache CouchDB answers 404 before reading
// the body and closes the connection), is BadIdentifier(account), not "unreachable".
func TestWritesIntoMissingDatabaseWithLostReplies(t *testing.T) {
	var proxy *couchdbtest.FaultProxy
	s, _, _ := newStore(t, func(c *couchdb.Config) { proxy = couchdbtest.NewFaultProxy(t, c) })
	missing := couchdbtest.NewAccountID()
	proxy.Inject(couchdbtest.DropRequest, -1, couchdbtest.Writes(directory.AccountDBName(missing)))
	_, err := s.Put(context.Background(), missing, directory.Doc{"_id": "x", "pvt_type": "directory"})
	wantCode(t, err, directory.ECodeBadIdentifier)
	// The same for the design docs, written on first use of an account.
	proxy.Inject(couchdbtest.DropRequest, -1, func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.Contains(r.URL.EscapedPath(), "/_design/")
	})
	_, err = s.InstallDesignDocs(context.Background(), missing)
	wantCode(t, err, directory.ECodeBadIdentifier)
}
