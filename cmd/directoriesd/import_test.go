package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// TestImport imports a CSV into an account (on this binary's backend: the compat
// server or the embedded store): user and callflow docs in KAZOO's shapes, membership
// on the user docs, a directory reused by name and one created, a line per rejected
// row with its number and reason, a summary; a re-run writes nothing new; a changed
// row updates its docs and keeps memberships it does not name.
func TestImport(t *testing.T) {
	cc := couchdbtest.Config(t)
	acct := couchdbtest.NewAccount(t, cc)
	sales := directory.NewID()
	couchdbtest.PutDocs(t, cc, acct, directory.Doc{"_id": sales, "pvt_type": "directory", "name": "Sales"})
	vars := storeVars(cc, map[string]string{"LOG_LEVEL": "error"})
	file := filepath.Join(t.TempDir(), "members.csv")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`first_name,last_name,numbers,directories
Alice,Anderson,1001,sales
Γιώργος,Παπαδόπουλος,1002 1003,Sales;Support
,Nofirst,1004,Sales
Bob,Badnumber,12ab,Sales
Carol,Dupnumber,1001,Sales
Alice,Anderson,1005,Sales
Too,Few,1006
"Broken,quote,1007,Sales
`)
	code, out, errOut := cliEnv(t, vars, "import", "--account", acct, file)
	wantLines := []string{
		"row 4: rejected: no first name (KAZOO's dial-by-name needs both names)",
		`row 5: rejected: number "12ab" is not a number (digits, optionally a leading +)`,
		"row 6: rejected: number 1001 is already on row 2",
		"row 7: rejected: Alice Anderson is already on row 2",
		"row 8: rejected: 3 columns, want 4 (first name, last name, numbers, directories)",
		`row 9: rejected: extraneous or missing " in quoted-field`,
		"8 rows: 2 users created, 0 updated, 0 unchanged, 6 rejected; directories created: Support",
	}
	if code != 1 || strings.TrimSpace(out) != strings.Join(wantLines, "\n") {
		t.Fatalf("import: exit %d\n%s\nwant:\n%s\nstderr: %s", code, out, strings.Join(wantLines, "\n"), errOut)
	}

	store := couchdbtest.Open(t, cc)
	ctx := context.Background()
	byName, err := directoriesByName(ctx, store, acct)
	if err != nil {
		t.Fatal(err)
	}
	support := byName["support"]
	if byName["sales"] != sales || support != importID("directory", acct, "Support", "") || len(byName) != 2 {
		t.Fatalf("directories after import: %v (Sales %s)", byName, sales)
	}
	alice, aliceCF := importID("user", acct, "Alice", "Anderson"), importID("callflow", acct, "Alice", "Anderson")
	user := couchdbtest.GetDoc(t, cc, acct, alice)
	dirs, _ := user["directories"].(map[string]any)
	if user.String("pvt_type") != "user" || user.String("first_name") != "Alice" || user.String("last_name") != "Anderson" ||
		len(dirs) != 1 || dirs[sales] != aliceCF || user.String("pvt_account_id") != acct {
		t.Errorf("user doc: %v", user)
	}
	cf := couchdbtest.GetDoc(t, cc, acct, aliceCF)
	flow, _ := cf["flow"].(map[string]any)
	data, _ := flow["data"].(map[string]any)
	nums, _ := cf["numbers"].([]any)
	if cf.String("pvt_type") != "callflow" || len(nums) != 1 || nums[0] != "1001" || flow["module"] != "user" ||
		data["id"] != alice || cf.String("owner_id") != alice {
		t.Errorf("callflow doc: %v", cf)
	}
	members := func(dir string) int {
		t.Helper()
		m, err := store.Members(ctx, acct, dir, false)
		if err != nil {
			t.Fatal(err)
		}
		return len(m)
	}
	if members(sales) != 2 || members(support) != 1 {
		t.Errorf("members: Sales %d, Support %d; want 2, 1", members(sales), members(support))
	}

	// A re-run writes nothing.
	code, out, _ = cliEnv(t, vars, "import", "--account", acct, file)
	if code != 1 || !strings.HasSuffix(strings.TrimSpace(out), "8 rows: 0 users created, 0 updated, 2 unchanged, 6 rejected; directories created: none") {
		t.Fatalf("re-run: exit %d\n%s", code, out)
	}
	if r := couchdbtest.GetDoc(t, cc, acct, alice).Rev(); r != user.Rev() {
		t.Errorf("re-run rewrote the user: %s → %s", user.Rev(), r)
	}

	// Alice gets a second number and moves to Support in the file: her callflow is
	// updated, her Sales membership kept. No rejected rows: exit 0.
	write("Alice,Anderson,1001;1009,Support\n")
	code, out, _ = cliEnv(t, vars, "import", "--account", acct, file)
	if code != 0 || strings.TrimSpace(out) != "1 rows: 0 users created, 1 updated, 0 unchanged, 0 rejected; directories created: none" {
		t.Fatalf("update: exit %d\n%s", code, out)
	}
	dirs, _ = couchdbtest.GetDoc(t, cc, acct, alice)["directories"].(map[string]any)
	nums, _ = couchdbtest.GetDoc(t, cc, acct, aliceCF)["numbers"].([]any)
	if len(dirs) != 2 || len(nums) != 2 || members(sales) != 2 || members(support) != 2 {
		t.Errorf("after update: directories %v, numbers %v", dirs, nums)
	}

	// An account KAZOO filled: its user is found by name and keeps its settings and its
	// callflow (numbers added); a number on someone else's callflow rejects the row.
	kim, kimCF, other := directory.NewID(), directory.NewID(), directory.NewID()
	couchdbtest.PutDocs(t, cc, acct,
		directory.Doc{"_id": kim, "pvt_type": "user", "first_name": "Kim", "last_name": "Kazoo", "priv_level": "admin"},
		directory.Doc{"_id": kimCF, "pvt_type": "callflow", "numbers": []any{"3001"}, "owner_id": kim,
			"flow": map[string]any{"module": "user", "data": map[string]any{"id": kim}, "children": map[string]any{"_": map[string]any{"module": "voicemail"}}}},
		directory.Doc{"_id": other, "pvt_type": "callflow", "numbers": []any{"3002"}, "flow": map[string]any{"module": "ring_group"}},
	)
	write("kim,kazoo,3001;3003,Sales\nLee,Other,3002,Sales\n")
	code, out, _ = cliEnv(t, vars, "import", "--account", acct, file)
	want := "row 2: rejected: number 3002 is already on callflow " + other + ", which does not ring this person\n" +
		"2 rows: 0 users created, 1 updated, 0 unchanged, 1 rejected; directories created: none"
	if code != 1 || strings.TrimSpace(out) != want {
		t.Fatalf("KAZOO's users: exit %d\n%s\nwant\n%s", code, out, want)
	}
	u := couchdbtest.GetDoc(t, cc, acct, kim)
	dirs, _ = u["directories"].(map[string]any)
	if u.String("priv_level") != "admin" || u.String("first_name") != "Kim" || dirs[sales] != kimCF {
		t.Errorf("KAZOO's user after import: %v", u)
	}
	c := couchdbtest.GetDoc(t, cc, acct, kimCF)
	nums, _ = c["numbers"].([]any)
	flow, _ = c["flow"].(map[string]any)
	if len(nums) != 2 || nums[1] != "3003" || flow["children"].(map[string]any)["_"] == nil {
		t.Errorf("KAZOO's callflow after import: %v", c)
	}
	if _, err := store.Doc(ctx, acct, importID("user", acct, "kim", "kazoo")); !directory.IsCode(err, directory.ECodeBadIdentifier) {
		t.Errorf("import made a second Kim Kazoo: %v", err)
	}

	// Mistakes on the command line and a missing account.
	if code, _, _ := cliEnv(t, vars, "import", "--account", "nope", file); code != 2 {
		t.Errorf("bad --account: exit %d, want 2", code)
	}
	if code, _, errOut := cliEnv(t, vars, "import", "--account", couchdbtest.NewAccountID(), file); code != 1 || !strings.Contains(errOut, "account") {
		t.Errorf("missing account: exit %d, %s", code, errOut)
	}
}

// TestParseMembersEdges: a byte-order mark goes whether or not a header follows it;
// names longer than KAZOO's user schema allows are rejected.
func TestParseMembersEdges(t *testing.T) {
	rows, bad, err := parseMembersCSV(strings.NewReader("\ufeffAlice,Anderson,1001,Sales\n"))
	if err != nil || len(bad) != 0 || len(rows) != 1 || rows[0].First != "Alice" {
		t.Fatalf("rows %+v, bad %v, err %v: want Alice without the BOM", rows, bad, err)
	}
	long := memberRow{Line: 1, First: strings.Repeat("é", maxNameLength+1), Last: "Anderson", Numbers: []string{"1001"}}
	if why := checkRow(long, map[string]int{}, map[string]int{}); !strings.Contains(why, "longer than 128") {
		t.Errorf("a 129-character first name: %q, want rejected", why)
	}
	long.First = strings.Repeat("é", maxNameLength)
	if why := checkRow(long, map[string]int{}, map[string]int{}); why != "" {
		t.Errorf("a 128-character first name: %q, want accepted", why)
	}
}
