package embedded_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	designdocs "github.com/kazoo-directories/kazoo-directories/design_docs"
)

// envCrashDir makes TestCrashChild write to that data directory until killed.
const envCrashDir = "EMBEDDED_CRASH_DIR"

const crashDB = "account/cr/as/h"

// TestCrashChild is the child of TestCrash: it writes a stream of documents,
// printing "try put ID" / "try del ID" before each write and "put ID" / "del ID"
// once it is acknowledged.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		t.Skip("child process of TestCrash only")
	}
	c, err := kivik.New("embedded", dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if ok, _ := c.DBExists(ctx, crashDB); !ok {
		if err := c.CreateDB(ctx, crashDB); err != nil {
			t.Fatal(err)
		}
	}
	db := c.DB(crashDB)
	ddocs, _ := designdocs.Account()
	for _, d := range ddocs {
		if _, err := db.Put(ctx, d["_id"].(string), d); err != nil && kivik.HTTPStatus(err) != 409 {
			t.Fatal(err)
		}
	}
	out := bufio.NewWriter(os.Stdout)
	prefix := fmt.Sprintf("p%d-", os.Getpid())
	for i := 0; ; i++ {
		id := fmt.Sprintf("%s%05d", prefix, i)
		fmt.Fprintf(out, "try put %s\n", id)
		_ = out.Flush()
		rev, err := db.Put(ctx, id, map[string]any{"pvt_type": "user", "directories": map[string]any{"dir": id}})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(out, "put %s\n", id)
		if i%5 == 4 {
			fmt.Fprintf(out, "try del %s\n", id)
			_ = out.Flush()
			if _, err := db.Delete(ctx, id, rev); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(out, "del %s\n", id)
		}
		_ = out.Flush()
	}
}

// TestCrash SIGKILLs a writer mid-stream several times and checks after each
// kill that every acknowledged write survived and the view agrees with the docs.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	dir := t.TempDir()
	live := map[string]bool{}
	for round := 0; round < 3; round++ {
		inFlight := crashRound(t, dir, live, 150+round*97)
		verifyAfterCrash(t, dir, live, inFlight)
	}
}

// op is a write announced by the child.
type op struct{ kind, id string }

// crashRound runs the child until it acknowledged n writes, then kills it. It
// returns the write that was announced but not acknowledged, if any.
func crashRound(t *testing.T, dir string, live map[string]bool, n int) op {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCrashDir+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	acks := 0
	killed := false
	var pending op
	for sc.Scan() {
		kind, id, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue // test framework output
		}
		switch kind {
		case "try":
			pending.kind, pending.id, _ = strings.Cut(id, " ")
			continue
		case "put":
			live[id] = true
		case "del":
			delete(live, id)
		default:
			continue
		}
		pending = op{}
		if acks++; acks == n && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("child stopped after %d acknowledged writes", acks)
	}
	return pending
}

// verifyAfterCrash reopens the directory: every acknowledged write must be
// there; the one in flight may or may not have happened (and is then taken as
// happened); the view must list exactly the live docs.
func verifyAfterCrash(t *testing.T, dir string, live map[string]bool, inFlight op) {
	t.Helper()
	var c *kivik.Client
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err = kivik.New("embedded", dir); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer c.Close()
	ctx := context.Background()
	db := c.DB(crashDB)
	rs := db.AllDocs(ctx, kivik.Param("startkey", "p"), kivik.Param("endkey", "p\ufff0"))
	stored := map[string]bool{}
	for rs.Next() {
		id, _ := rs.ID()
		stored[id] = true
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	switch {
	case inFlight.kind == "put" && stored[inFlight.id]:
		live[inFlight.id] = true
	case inFlight.kind == "del" && !stored[inFlight.id]:
		delete(live, inFlight.id)
	}
	for id := range live {
		if !stored[id] {
			t.Fatalf("acknowledged doc %s lost", id)
		}
	}
	if len(stored) != len(live) {
		t.Fatalf("%d docs stored, %d acknowledged", len(stored), len(live))
	}
	vr := db.Query(ctx, "directories", "users_listing", kivik.Param("startkey", []any{"dir"}), kivik.Param("endkey", []any{"dir", map[string]any{}}))
	inView := map[string]bool{}
	for vr.Next() {
		id, _ := vr.ID()
		inView[id] = true
	}
	if err := vr.Err(); err != nil {
		t.Fatal(err)
	}
	if len(inView) != len(stored) {
		t.Fatalf("view has %d rows, db %d live docs", len(inView), len(stored))
	}
	for id := range stored {
		if !inView[id] {
			t.Fatalf("doc %s missing from the view", id)
		}
	}
}
