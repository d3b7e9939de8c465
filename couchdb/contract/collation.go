package contract

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
)

func collationTests() group {
	return group{name: "Collation", tests: []test{
		{"Specification", testCollationSpec},
		{"ASCII", testCollationASCII},
		{"HighSentinel", testHighSentinel},
	}}
}

// collationSpec is the ordered example of CouchDB's "Views Collation" document.
var collationSpec = []string{
	`null`, `false`, `true`,
	`1`, `2`, `3.0`, `4`,
	`"a"`, `"A"`, `"aa"`, `"b"`, `"B"`, `"ba"`, `"bb"`,
	`["a"]`, `["b"]`, `["b","c"]`, `["b","c","a"]`, `["b","d"]`, `["b","d","e"]`,
	`{"a":1}`, `{"a":2}`, `{"b":1}`, `{"b":2}`, `{"b":2,"a":1}`, `{"b":2,"c":2}`,
}

// emitKeys stores one doc per key (in shuffled order) and a view emitting doc.k.
func emitKeys(t *testing.T, db *kivik.DB, keys []string) {
	t.Helper()
	order := rand.Perm(len(keys))
	for _, i := range order {
		put(t, db, fmt.Sprintf("k%03d", i), json.RawMessage(`{"k":`+keys[i]+`}`))
	}
	put(t, db, "_design/c", doc{"views": doc{"k": doc{"map": "function(doc){ emit(doc.k, null); }"}}})
}

func testCollationSpec(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	emitKeys(t, db, collationSpec)
	res := query(t, db, "c", "k", map[string]any{})
	want := make([]string, len(collationSpec))
	for i := range collationSpec {
		want[i] = fmt.Sprintf("k%03d", i)
	}
	if got := res.ids(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("order:\n got %v\nwant %v\nkeys %v", got, want, res.keys())
	}
	one := query(t, db, "c", "k", map[string]any{"key": json.RawMessage(`{"b":2,"a":1}`)})
	equal(t, "object key lookup keeps member order", one.ids(), []string{"k024"})
}

// testCollationASCII checks CouchDB's documented order of the printable ASCII
// characters (ICU), except "`" and "^" which Go's collation tables place
// differently (see couchdb/embedded/README.md).
func testCollationASCII(t *testing.T, c *kivik.Client) {
	const seq = `_ - , ; : ! ? . ' " ( ) [ ] { } @ * / \ & # % + < = > | ~ $ 0 1 2 3 4 5 6 7 8 9 ` +
		`a A b B c C d D e E f F g G h H i I j J k K l L m M n N o O p P q Q r R s S t T u U v V w W x X y Y z Z`
	chars := strings.Fields(seq)
	keys := make([]string, len(chars))
	for i, ch := range chars {
		b, _ := json.Marshal(ch)
		keys[i] = string(b)
	}
	db := newDB(t, c)
	emitKeys(t, db, keys)
	res := query(t, db, "c", "k", map[string]any{})
	got := make([]string, len(res.rows))
	for i, r := range res.rows {
		var s string
		_ = json.Unmarshal([]byte(r.Key), &s)
		got[i] = s
	}
	equal(t, "ASCII order", got, chars)
}

func testHighSentinel(t *testing.T, c *kivik.Client) {
	db := newDB(t, c)
	emitKeys(t, db, []string{`["d"]`, `["d","x"]`, `["d",["y"]]`, `["d",{"o":1}]`, `["e"]`, `["d",null]`, `["d",9]`})
	res := query(t, db, "c", "k", map[string]any{"startkey": []any{"d"}, "endkey": []any{"d", map[string]any{}}})
	equal(t, "[d]..[d,{}]", res.keys(), []string{`["d"]`, `["d",null]`, `["d",9]`, `["d","x"]`, `["d",["y"]]`})
}
