package contract

import (
	"net/http"
	"sort"
	"testing"

	kivik "github.com/go-kivik/kivik/v4"
)

func serverTests() group {
	return group{name: "Server", tests: []test{
		{"Version", func(t *testing.T, c *kivik.Client) {
			v, err := c.Version(ctx())
			if err != nil || v.Version == "" {
				t.Fatalf("Version: %+v, %v", v, err)
			}
		}},
		{"Ping", func(t *testing.T, c *kivik.Client) {
			if ok, err := c.Ping(ctx()); !ok || err != nil {
				t.Fatalf("Ping: %v, %v", ok, err)
			}
		}},
		{"CreateExistsDestroy", testCreateExistsDestroy},
		{"InvalidNames", func(t *testing.T, c *kivik.Client) {
			for _, name := range []string{"Upper", "1digit", "sp ace", "_other", "a.b"} {
				err := c.CreateDB(ctx(), name)
				if err == nil {
					_ = c.DestroyDB(ctx(), name)
				}
				wantStatus(t, "CreateDB("+name+")", err, http.StatusBadRequest)
			}
		}},
		{"AllDBs", testAllDBs},
	}}
}

func testCreateExistsDestroy(t *testing.T, c *kivik.Client) {
	name := dbName()
	if ok, err := c.DBExists(ctx(), name); ok || err != nil {
		t.Fatalf("DBExists before create: %v, %v", ok, err)
	}
	if err := c.CreateDB(ctx(), name); err != nil {
		t.Fatalf("CreateDB: %v", err)
	}
	wantStatus(t, "CreateDB again", c.CreateDB(ctx(), name), http.StatusPreconditionFailed)
	if ok, err := c.DBExists(ctx(), name); !ok || err != nil {
		t.Fatalf("DBExists after create: %v, %v", ok, err)
	}
	if _, err := c.DB(name).Put(ctx(), "x", doc{"a": 1}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := c.DestroyDB(ctx(), name); err != nil {
		t.Fatalf("DestroyDB: %v", err)
	}
	wantStatus(t, "DestroyDB again", c.DestroyDB(ctx(), name), http.StatusNotFound)
	wantStatus(t, "Get in destroyed db", c.DB(name).Get(ctx(), "x").Err(), http.StatusNotFound)
	wantStatus(t, "Put in destroyed db", refusedPut(c.DB(name), "y", doc{"a": 1}), http.StatusNotFound)
	if err := c.CreateDB(ctx(), name); err != nil {
		t.Fatalf("CreateDB after destroy: %v", err)
	}
	defer c.DestroyDB(ctx(), name) //nolint:errcheck
	wantStatus(t, "Get in re-created db", c.DB(name).Get(ctx(), "x").Err(), http.StatusNotFound)
}

func testAllDBs(t *testing.T, c *kivik.Client) {
	prefix := "contract-" + randomHex(8) + "/"
	names := []string{prefix + "b", prefix + "a/x", prefix + "c", prefix + "a"}
	for _, n := range names {
		if err := c.CreateDB(ctx(), n); err != nil {
			t.Fatal(err)
		}
		defer c.DestroyDB(ctx(), n) //nolint:errcheck
	}
	sort.Strings(names)
	list := func(opts map[string]any) []string {
		opts["startkey"] = `"` + prefix + `"`
		if _, ok := opts["endkey"]; !ok {
			opts["endkey"] = `"` + prefix + `\ufff0"`
		}
		got, err := c.AllDBs(ctx(), kivik.Params(opts))
		if err != nil {
			t.Fatalf("AllDBs(%v): %v", opts, err)
		}
		return got
	}
	equal(t, "all", list(map[string]any{}), names)
	equal(t, "limit", list(map[string]any{"limit": 2}), names[:2])
	equal(t, "skip", list(map[string]any{"skip": 1, "limit": 2}), names[1:3])
	equal(t, "endkey", list(map[string]any{"endkey": `"` + prefix + `b"`}), names[:3])
	all, err := c.AllDBs(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if !sort.StringsAreSorted(all) {
		t.Fatalf("AllDBs not sorted: %q", all)
	}
}
