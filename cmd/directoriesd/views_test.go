package main

import (
	"strings"
	"testing"

	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// kazoo43Copy is _design/directories as KAZOO 4.3 installs it: the same views, other
// spacing, and no "kazoo" key.
func kazoo43Copy() directory.Doc {
	return directory.Doc{
		"_id":      "_design/directories",
		"language": "javascript",
		"views": map[string]any{
			"crossbar_listing": map[string]any{"map": "function(doc) {\n  if (doc.pvt_type != 'directory' || doc.pvt_deleted) return;\n  emit(doc._id, {'id': doc._id, 'name': doc.name, 'flags': doc.flags || []});\n}"},
			"users_listing":    map[string]any{"map": "function(doc) {\n\tif (doc.pvt_deleted || typeof doc.directories !== 'object') return;\n\tfor (directory_id in doc.directories) {\n\t\temit([directory_id, doc._id], doc.directories[directory_id]);\n\t}\n}"},
		},
	}
}

func TestViewsInstall(t *testing.T) {
	cfg := couchdbtest.Fresh(t)
	fresh := couchdbtest.NewAccount(t, cfg)
	kazoo := couchdbtest.NewAccount(t, cfg)
	couchdbtest.PutDocs(t, cfg, kazoo, kazoo43Copy(), couchdbtest.IndexDesignDoc(t))
	outdated := couchdbtest.NewAccount(t, cfg)
	stale := kazoo43Copy()
	stale["views"].(map[string]any)["users_listing"] = map[string]any{"map": "function(doc) { emit(doc._id, null); }"}
	couchdbtest.PutDocs(t, cfg, outdated, stale)
	kazooRev := couchdbtest.GetDoc(t, cfg, kazoo, "_design/directories").Rev()
	couchdbtest.EnsureDB(t, cfg, "system_config")

	code, out, errOut := cli(t, cfg, "views", "install", "--all", "--page-size", "2")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	wantLines(t, out,
		directory.AccountDBName(fresh)+": installed",
		directory.AccountDBName(kazoo)+": up to date",
		directory.AccountDBName(outdated)+": installed",
		"3 databases: 2 installed, 1 up to date, 0 failed")
	if got := couchdbtest.GetDoc(t, cfg, kazoo, "_design/directories").Rev(); got != kazooRev {
		t.Errorf("KAZOO's copy rewritten: %s -> %s", kazooRev, got)
	}
	if m := couchdbtest.GetDoc(t, cfg, outdated, "_design/directories")["views"].(map[string]any)["users_listing"].(map[string]any)["map"].(string); !strings.Contains(m, "doc.directories") {
		t.Errorf("outdated users_listing not replaced: %s", m)
	}

	// Idempotent; the default is --all.
	code, out, _ = cli(t, cfg, "views", "install")
	if code != 0 || !strings.Contains(out, "3 databases: 0 installed, 3 up to date, 0 failed") {
		t.Errorf("second run: exit %d\n%s", code, out)
	}

	missing := couchdbtest.NewAccountID()
	code, out, errOut = cli(t, cfg, "views", "install", "--account", fresh, "--account", missing)
	if code != 1 {
		t.Errorf("missing account: exit %d, want 1", code)
	}
	wantLines(t, out,
		directory.AccountDBName(fresh)+": up to date",
		directory.AccountDBName(missing)+": failed: no such database",
		"2 databases: 0 installed, 1 up to date, 1 failed")
	if !strings.Contains(errOut, "1 of 2 databases failed") {
		t.Errorf("stderr: %s", errOut)
	}
}

func TestViewsInstallUsage(t *testing.T) {
	cfg := couchdbtest.Config(t)
	for _, args := range [][]string{
		{"views"},
		{"views", "remove"},
		{"views", "install", "--all", "--account", couchdbtest.NewAccountID()},
		{"views", "install", "--account", "ABC"},
		{"views", "install", "--bogus"},
		{"views", "install", "extra"},
	} {
		if code, _, errOut := cli(t, cfg, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errOut)
		}
	}
}

// wantLines fails unless out holds each line (in any order) and nothing else.
func wantLines(t *testing.T, out string, lines ...string) {
	t.Helper()
	got := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(got) != len(lines) {
		t.Errorf("output has %d lines, want %d:\n%s", len(got), len(lines), out)
	}
	for _, l := range lines {
		found := false
		for _, g := range got {
			found = found || g == l
		}
		if !found {
			t.Errorf("output lacks %q:\n%s", l, out)
		}
	}
}
