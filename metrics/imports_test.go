package metrics_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps the package free of the HTTP framework, the CouchDB client and the
// other service packages: it sees them only through interfaces and net/http.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/kazoo-directories/kazoo-directories/"
	forbidden := []string{"github.com/labstack/echo", "github.com/go-kivik/kivik",
		mod + "couchdb", mod + "pdf", mod + "pkg/api"}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("metrics depends on %s", dep)
			}
		}
	}
}
