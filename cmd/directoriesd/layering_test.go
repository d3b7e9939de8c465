package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/kazoo-directories/kazoo-directories"

// TestLayering checks the import rules of the design mechanically: the domain imports
// only the standard library, only couchdb/ imports kivik, only pkg/api imports Echo and
// it never reaches couchdb/ or pdf/, pdf/ knows nothing of HTTP or CouchDB.
func TestLayering(t *testing.T) {
	rules := []struct {
		pkg       string
		only      []string // when set: the only non-standard dependencies allowed
		forbidden []string // prefixes that must not appear among the dependencies
	}{
		{pkg: "./pkg/directory", only: []string{module + "/pkg/directory"}},
		{pkg: "./pkg/auth", only: []string{module + "/pkg/auth", module + "/pkg/directory"}},
		{pkg: "./pkg/api", forbidden: []string{module + "/couchdb", module + "/pdf", "github.com/go-kivik", "github.com/signintech", module + "/amqp", "github.com/rabbitmq"}},
		{pkg: "./couchdb/...", forbidden: []string{"github.com/labstack", module + "/pdf", module + "/pkg/api", module + "/amqp", "github.com/rabbitmq"}},
		{pkg: "./metrics", forbidden: []string{"github.com/labstack", "github.com/go-kivik", module + "/couchdb", module + "/pdf", module + "/pkg/api", module + "/amqp", "github.com/rabbitmq"}},
		{pkg: "./pdf/...", forbidden: []string{"github.com/labstack", "github.com/go-kivik", module + "/couchdb", module + "/pkg/api", "github.com/rabbitmq"}},
		// The bus: the only importer of the AMQP client; it sees the service through pkg/directory.
		{pkg: "./amqp", forbidden: []string{"github.com/labstack", "github.com/go-kivik", module + "/couchdb", module + "/pdf", module + "/pkg/api", module + "/pkg/auth", module + "/metrics"}},
	}
	for _, r := range rules {
		deps := goListDeps(t, r.pkg)
		for _, d := range deps {
			if r.only != nil && !slices.Contains(r.only, d) {
				t.Errorf("%s depends on %s; allowed: %v", r.pkg, d, r.only)
			}
			for _, f := range r.forbidden {
				if strings.HasPrefix(d, f) {
					t.Errorf("%s depends on %s", r.pkg, d)
				}
			}
		}
	}
}

func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "../../"+strings.TrimPrefix(pkg, "./")).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}
