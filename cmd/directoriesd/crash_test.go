package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
)

// crashChildEnv makes the test binary run `directoriesd serve` (see TestMain), so the
// crash test can SIGKILL a real service process.
const crashChildEnv = "DIRECTORIESD_CRASH_CHILD"

func runCrashChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	return run(ctx, []string{"serve"}, os.Getenv, os.Stdout, os.Stderr)
}

// childEnv is the environment of a service child listening on addr, without the
// test's store settings, plus vars.
func childEnv(addr string, vars ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COUCHDB_") && !strings.HasPrefix(kv, "TEST_BACKEND=") {
			env = append(env, kv)
		}
	}
	env = append(env, crashChildEnv+"=1", "LISTEN_ADDR="+addr, "LOG_LEVEL=error")
	return append(env, vars...)
}

// startChild starts a service child on the embedded store in dir.
func startChild(t *testing.T, dir, addr string) *exec.Cmd {
	return startChildWith(t, addr, "DATA_DIR="+dir)
}

// startChildWith starts a service child on addr with vars and waits until it is ready.
func startChildWith(t testing.TB, addr string, vars ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = childEnv(addr, vars...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	t.Fatalf("service did not start: %s", stderr.String())
	return nil
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestSIGKILLLosesNoAcknowledgedWrite kills the service with SIGKILL during a stream of
// concurrent writes on the embedded store: after a restart every directory whose
// create was acknowledged (201) is there, and the store reopens cleanly.
func TestSIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	initEnv := env(map[string]string{"DATA_DIR": dir, "LOG_LEVEL": "error"})
	if code := run(context.Background(), []string{"init", "--account-name", "Crash Test"}, initEnv, &out, &errOut); code != 0 {
		t.Fatalf("init: %d %s", code, errOut.String())
	}
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, _ := strings.Cut(line, "=")
		vars[k] = v
	}
	acct, token := vars["ACCOUNT_ID"], vars["TOKEN"]
	// A load test: free requests, as KAZOO's own load tests set token_costs to 0.
	couchdbtest.SetTokenCost(t, couchdb.Config{Driver: couchdb.EmbeddedDriver, URL: dir}, acct, 0)
	addr := freeAddr(t)
	child := startChild(t, dir, addr)

	base := "http://" + addr + "/v2/accounts/" + acct + "/directories"
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("crash-%d-%05d", w, i)
				req, _ := http.NewRequest("PUT", base, strings.NewReader(`{"data":{"name":"`+id+`","id":"`+id+`"}}`))
				req.Header.Set("X-Auth-Token", token)
				resp, err := client.Do(req)
				if err != nil {
					return // the service died
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}

	child = startChild(t, dir, addr)
	defer func() {
		_ = child.Process.Signal(syscall.SIGTERM)
		_ = child.Wait()
	}()
	for _, id := range acked {
		req, _ := http.NewRequest("GET", base+"/"+id, nil)
		req.Header.Set("X-Auth-Token", token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("acknowledged %s: GET = %d after the crash", id, resp.StatusCode)
		}
	}
	t.Logf("%d acknowledged writes survived SIGKILL", len(acked))
}
