package auth_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports: pkg/auth depends on the standard library and pkg/directory only.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list unavailable: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		switch p {
		case "github.com/kazoo-directories/kazoo-directories/pkg/auth",
			"github.com/kazoo-directories/kazoo-directories/pkg/directory":
		default:
			t.Errorf("pkg/auth depends on %s", p)
		}
	}
}
