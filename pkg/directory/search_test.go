package directory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

// marshal encodes v as the API does: no HTML escaping, no trailing newline.
func marshal(t testing.TB, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestSearchValidation(t *testing.T) {
	const enum = `"search_fields":{"enum":{"message":"Value not found in enumerated list of values","target":["first_name","last_name","both"],"value":"%s"}}`
	tests := []struct {
		name string
		q    SearchQuery
		want string
	}{
		{"missing dtmf", SearchQuery{},
			`{"dtmf":{"required":{"message":"Field is required but missing","value":"dtmf"}}}`},
		{"letters", SearchQuery{DTMF: "12a"},
			`{"dtmf":{"pattern":{"message":"Failed to match pattern '^[0-9]+$'","target":"^[0-9]+$","value":"12a"}}}`},
		{"keypad symbols", SearchQuery{DTMF: "1*#"},
			`{"dtmf":{"pattern":{"message":"Failed to match pattern '^[0-9]+$'","target":"^[0-9]+$","value":"1*#"}}}`},
		{"no html escaping", SearchQuery{DTMF: "<&>"},
			`{"dtmf":{"pattern":{"message":"Failed to match pattern '^[0-9]+$'","target":"^[0-9]+$","value":"<&>"}}}`},
		{"trailing newline", SearchQuery{DTMF: "12\n"},
			`{"dtmf":{"pattern":{"message":"Failed to match pattern '^[0-9]+$'","target":"^[0-9]+$","value":"12\n"}}}`},
		{"bad search_fields", SearchQuery{DTMF: "12", SearchFields: "first"},
			`{` + fmt.Sprintf(enum, "first") + `}`},
		{"both wrong", SearchQuery{DTMF: "x", SearchFields: "Both"},
			`{"dtmf":{"pattern":{"message":"Failed to match pattern '^[0-9]+$'","target":"^[0-9]+$","value":"x"}},` + fmt.Sprintf(enum, "Both") + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Search(Doc{}, upstreamMembers(), tt.q)
			var e *Error
			if !errors.As(err, &e) || e.Code != ECodeValidation {
				t.Fatalf("err = %v, want a validation *Error", err)
			}
			if got := marshal(t, e.Data); got != tt.want {
				t.Errorf("data\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestSearchModesAndActions(t *testing.T) {
	members := upstreamMembers()
	tests := []struct {
		name                 string
		dir                  Doc
		q                    SearchQuery
		fields, sort, action string
		names                []string
	}{
		{"defaults: both, last, no confirm", Doc{}, SearchQuery{DTMF: "52"},
			"both", "last_name", "menu", []string{"Jessica Kalvenas", "Lauren Underwood", "Laurie Zeidman"}},
		{"directory sorts by first", Doc{"sort_by": "first_name"}, SearchQuery{DTMF: "52"},
			"both", "first_name", "menu", []string{"Jessica Kalvenas", "Lauren Underwood", "Laurie Zeidman"}},
		{"directory searches last names", Doc{"search_fields": "last_name"}, SearchQuery{DTMF: "52"},
			"last_name", "last_name", "connect", []string{"Jessica Kalvenas"}},
		{"query overrides directory", Doc{"search_fields": "last_name"}, SearchQuery{DTMF: "52", SearchFields: "first_name"},
			"first_name", "last_name", "menu", []string{"Lauren Underwood", "Laurie Zeidman"}},
		{"prefix first", Doc{"search_fields": "firstname", "sort_by": "first"}, SearchQuery{DTMF: "528"},
			"first_name", "first_name", "menu", []string{"Lauren Underwood", "Laurie Zeidman"}},
		{"unknown search_fields is last", Doc{"search_fields": "everything"}, SearchQuery{DTMF: "528"},
			"last_name", "last_name", "none", []string{}},
		{"null search_fields is last", Doc{"search_fields": nil}, SearchQuery{DTMF: "528"},
			"last_name", "last_name", "none", []string{}},
		{"non-string sort_by is last", Doc{"sort_by": true}, SearchQuery{DTMF: "36789"},
			"both", "last_name", "menu", []string{"Empty 158", "Empty 160", "Empty 162"}},
		{"one match, confirm", Doc{"confirm_match": true}, SearchQuery{DTMF: "7625"},
			"both", "last_name", "confirm", []string{"Rob Lech"}},
		{"confirm as string true", Doc{"confirm_match": "true"}, SearchQuery{DTMF: "7625"},
			"both", "last_name", "confirm", []string{"Rob Lech"}},
		{"confirm false", Doc{"confirm_match": false}, SearchQuery{DTMF: "7625"},
			"both", "last_name", "connect", []string{"Rob Lech"}},
		{"confirm absent", Doc{}, SearchQuery{DTMF: "7625"},
			"both", "last_name", "connect", []string{"Rob Lech"}},
		{"one digit is not enough", Doc{"confirm_match": true}, SearchQuery{DTMF: "5"},
			"both", "last_name", "none", []string{}},
		{"min_dtmf ignored", Doc{"min_dtmf": json.Number("5")}, SearchQuery{DTMF: "76"},
			"both", "last_name", "menu", []string{"Rob Lech", "Ralph Sosin", "Robert Sosin"}},
		{"no match", Doc{}, SearchQuery{DTMF: "00"},
			"both", "last_name", "none", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Search(tt.dir, members, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if string(res.SearchFields) != tt.fields || string(res.SortBy) != tt.sort || string(res.Action) != tt.action {
				t.Errorf("fields %s sort %s action %s, want %s %s %s", res.SearchFields, res.SortBy, res.Action, tt.fields, tt.sort, tt.action)
			}
			if got := fullNames(res.Matches); res.Matches == nil || strings.Join(got, ",") != strings.Join(tt.names, ",") {
				t.Errorf("matches %q, want %q", got, tt.names)
			}
		})
	}
}

func TestSearchSkipsNamelessMembers(t *testing.T) {
	members := []Member{
		{UserID: "a", Value: "cf-a", User: Doc{"first_name": "Rob", "last_name": "Lech"}},
		{UserID: "b", Value: "cf-b"}, // doc vanished
		{UserID: "c", Value: "cf-c", User: Doc{"first_name": "Robin"}},
		{UserID: "d", Value: "cf-d", User: Doc{"first_name": "Robin", "last_name": json.Number("1")}},
		{UserID: "e", Value: map[string]any{"x": 1}, User: Doc{"first_name": "", "last_name": "Roberts"}},
	}
	res, err := Search(Doc{}, members, SearchQuery{DTMF: "762"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"dtmf":"762","search_fields":"both","sort_by":"last_name","action":"menu","matches":[` +
		`{"user_id":"a","callflow_id":"cf-a","first_name":"Rob","last_name":"Lech"},` +
		`{"user_id":"e","first_name":"","last_name":"Roberts"}]}`
	if got := marshal(t, res); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

func TestSearchFold(t *testing.T) {
	members := []Member{
		{UserID: "1", Value: "cf1", User: Doc{"first_name": "Anders", "last_name": "Ångström"}},
		{UserID: "2", Value: "cf2", User: Doc{"first_name": "Łukasz", "last_name": "Dvořák"}},
		{UserID: "3", Value: "cf3", User: Doc{"first_name": "Ana", "last_name": "Müller"}},
	}
	tests := []struct {
		dtmf   string
		fold   bool
		fields string
		want   string
	}{
		{"2647", false, "last_name", ""},  // KAZOO: Ångström is not reachable by Å
		{"6478", false, "last_name", "1"}, // only by "ngstr"
		{"2647", true, "last_name", "1"},  // folded: a-n-g-s
		{"5852", true, "first_name", "2"}, // l-u-k-a
		{"3867", true, "last_name", "2"},  // d-v-o-r
		{"6855", true, "last_name", "3"},  // m-u-l-l
		{"6553", false, "last_name", "3"}, // KAZOO: m-l-l-e
		{"26", true, "both", "31"},        // an(ders), an(a), an(gstrom): by last name, "Müller" < "Ångström" bytewise
		{"26", false, "both", "31"},       // Anders and Ana, by their first names only
		{"2626", true, "both", "3"},       // the key runs on: ana-m(uller)
		{"264", true, "last_name", "1"},
	}
	for _, tt := range tests {
		res, err := Search(Doc{}, members, SearchQuery{DTMF: tt.dtmf, SearchFields: tt.fields, Fold: tt.fold})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, m := range res.Matches {
			got += m.UserID
		}
		if got != tt.want {
			t.Errorf("%s fold=%v %s: matches %q, want %q", tt.dtmf, tt.fold, tt.fields, got, tt.want)
		}
	}
}

// TestSearchGolden pins the exact JSON of a set of queries over the upstream names.
func TestSearchGolden(t *testing.T) {
	queries := []struct {
		dir Doc
		q   SearchQuery
	}{
		{Doc{"sort_by": "first_name", "search_fields": "first_name"}, SearchQuery{DTMF: "528"}},
		{Doc{"sort_by": "last_name", "search_fields": "last_name"}, SearchQuery{DTMF: "668"}},
		{Doc{"confirm_match": true}, SearchQuery{DTMF: "7625"}},
		{Doc{}, SearchQuery{DTMF: "9"}},
		{Doc{}, SearchQuery{DTMF: "93", SearchFields: "both"}},
	}
	var b strings.Builder
	for _, x := range queries {
		res, err := Search(x.dir, upstreamMembers(), x.q)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s\n", marshal(t, res))
	}
	path := filepath.Join("testdata", "golden", "search_upstream.jsonl")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if b.String() != string(want) {
		t.Errorf("search output differs from %s:\n got %s\nwant %s", path, b.String(), want)
	}
}

// fakeStore serves one directory and its members and records requests (sorted: the
// service sends some at the same time).
type fakeStore struct {
	dir     Doc
	members []Member
	mu      sync.Mutex
	seen    []string
}

func (f *fakeStore) record(r string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, r)
}

func (f *fakeStore) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(slices.Values(f.seen))
}

func (f *fakeStore) Account(context.Context, string) (Account, error) { return Account{}, nil }
func (f *fakeStore) Doc(_ context.Context, _, id string) (Doc, error) {
	f.record("doc " + id)
	if f.dir == nil || f.dir.ID() != id {
		return nil, BadIdentifier(id)
	}
	return f.dir, nil
}
func (f *fakeStore) Numbers(context.Context, string, []string) (map[string]Doc, error) {
	f.record("numbers")
	return nil, nil
}
func (f *fakeStore) Directories(context.Context, string, ViewQuery) ([]Row, error) {
	f.record("directories")
	return nil, nil
}
func (f *fakeStore) Members(_ context.Context, _, id string, includeDocs bool) ([]Member, error) {
	f.record(fmt.Sprintf("members %s docs=%v", id, includeDocs))
	return f.members, nil
}
func (f *fakeStore) MemberNames(_ context.Context, _, id string) ([]Member, error) {
	f.record("member names " + id)
	return f.members, nil
}
func (f *fakeStore) Put(context.Context, string, Doc) (string, error) { return "", nil }
func (f *fakeStore) Delete(context.Context, string, string, string) (string, error) {
	return "", nil
}

var _ Store = (*fakeStore)(nil)

func TestServiceSearch(t *testing.T) {
	const dirID = "d1"
	dir := Doc{"_id": dirID, "pvt_type": "directory", "name": "Sales", "sort_by": "first_name", "confirm_match": true}

	store := &fakeStore{dir: dir, members: upstreamMembers()}
	res, err := NewService(store, nil, nil).Search(context.Background(), "acct", dirID, SearchQuery{DTMF: "528", SearchFields: "first_name"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fullNames(res.Matches); strings.Join(got, ",") != "Lauren Underwood,Laurie Zeidman" || res.Action != ActionMenu {
		t.Errorf("matches %q action %s", got, res.Action)
	}
	if got, want := strings.Join(store.requests(), "; "), "doc d1; member names d1"; got != want {
		t.Errorf("requests %q, want %q (a directory GET's two)", got, want)
	}

	store = &fakeStore{dir: dir}
	_, err = NewService(store, nil, nil).Search(context.Background(), "acct", dirID, SearchQuery{DTMF: "5x"})
	if !IsCode(err, ECodeValidation) || len(store.requests()) != 1 {
		t.Errorf("bad dtmf: err %v after %q, want validation error after loading the directory only", err, store.requests())
	}

	store = &fakeStore{dir: Doc{"_id": dirID, "pvt_type": "directory", "pvt_deleted": true}}
	_, err = NewService(store, nil, nil).Search(context.Background(), "acct", dirID, SearchQuery{DTMF: "5x"})
	if !IsCode(err, ECodeBadIdentifier) {
		t.Errorf("deleted directory: err %v, want bad_identifier before validation", err)
	}
}
