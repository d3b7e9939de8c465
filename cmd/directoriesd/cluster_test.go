package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/couchdb/couchdbtest"
)

// Environment of the opt-in cluster drill (TestClusterDrill).
const (
	// EnvClusterURLs lists the three CouchDB nodes, comma-separated, credentials in
	// the URLs (e.g. http://admin:admin@127.0.0.1:25984,...).
	envClusterURLs = "CLUSTER_COUCHDB_URLS"
	// envClusterKill and envClusterStart are shell commands that SIGKILL and start
	// one node; {port} is replaced by the node's port.
	envClusterKill  = "CLUSTER_KILL_CMD"
	envClusterStart = "CLUSTER_START_CMD"
)

// TestClusterDrill runs the deployment of docker-compose.yml natively on a real
// three-node CouchDB cluster: deploy/nginx/couchdb.conf in front of the nodes, two
// service instances on it, deploy/nginx/directoriesd.conf in front of them. Creates
// run concurrently while one node is SIGKILLed (and later a second one) and restarted.
// Afterwards every acknowledged create is on every node (checked on each node alone,
// with the other two stopped), no create was stored twice, no create answered 5xx was
// stored, and reads kept answering 200 with two nodes and with one. Opt-in: it needs
// CLUSTER_COUCHDB_URLS, CLUSTER_KILL_CMD and CLUSTER_START_CMD, and nginx.
func TestClusterDrill(t *testing.T) {
	urls := strings.Split(os.Getenv(envClusterURLs), ",")
	killCmd, startCmd := os.Getenv(envClusterKill), os.Getenv(envClusterStart)
	if len(urls) != 3 || killCmd == "" || startCmd == "" {
		t.Skipf("opt-in: set %s (three node URLs), %s and %s ({port} placeholder)", envClusterURLs, envClusterKill, envClusterStart)
	}
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("needs nginx")
	}
	nodes := make([]*url.URL, 3)
	for i, raw := range urls {
		if nodes[i], err = url.Parse(strings.TrimSpace(raw)); err != nil {
			t.Fatal(err)
		}
	}
	node := func(i int, cmd string) {
		t.Helper()
		c := exec.Command("sh", "-c", strings.ReplaceAll(cmd, "{port}", nodes[i].Port()))
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", c.Args[2], err, out)
		}
	}
	t.Cleanup(func() {
		for i := range nodes {
			_ = exec.Command("sh", "-c", strings.ReplaceAll(startCmd, "{port}", nodes[i].Port())).Run()
		}
	})

	// CouchDB behind deploy/'s couchdb-lb.
	lbAddr, svcLB := freeAddr(t), freeAddr(t)
	creds := nodes[0].User
	lbConf := deployConf(t, "couchdb.conf", map[string]string{
		"couchdb-1.cluster:5984": nodes[0].Host, "couchdb-2.cluster:5984": nodes[1].Host,
		"couchdb-3.cluster:5984": nodes[2].Host, "listen 5984;": "listen " + lbAddr + ";",
	})
	couchURL := (&url.URL{Scheme: "http", User: creds, Host: lbAddr}).String()
	startNginx(t, nginx, lbConf)
	cfg := couchdb.Config{URL: couchURL}
	acct, token := drillAccount(t, cfg)
	couchdbtest.SetTokenCost(t, cfg, acct, 0) // a load test, not a test of the bucket

	// Two service instances behind deploy/'s proxy.
	s1 := startService(t, cfg, map[string]string{"LOG_LEVEL": "error"})
	s2 := startService(t, cfg, map[string]string{"LOG_LEVEL": "error"})
	svcConf := deployConf(t, "directoriesd.conf", map[string]string{
		"directoriesd-1:8000":       strings.TrimPrefix(s1.base, "http://"),
		"directoriesd-2:8000":       strings.TrimPrefix(s2.base, "http://"),
		"listen 8000;":              "listen " + svcLB + ";",
		"/var/log/nginx/access.log": filepath.Join(t.TempDir(), "access.log"),
	})
	startNginx(t, nginx, svcConf)
	base := "http://" + svcLB + "/v2/accounts/" + acct + "/directories"

	d := &drill{base: base, token: token, client: &http.Client{Timeout: 30 * time.Second}, status: map[string]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) { defer wg.Done(); d.writer(w, stop) }(w)
	}
	phase := func(name string, dur time.Duration) {
		ok, failed := d.reads(dur)
		t.Logf("reads with %s: %d × 200, %d failed", name, ok, failed)
		if ok == 0 || failed > 0 {
			t.Errorf("reads with %s: %d × 200, %d failed", name, ok, failed)
		}
	}
	phase("three nodes", 2*time.Second)
	node(1, killCmd)
	phase("two nodes", 4*time.Second)
	node(2, killCmd)
	phase("one node", 4*time.Second)
	node(1, startCmd)
	node(2, startCmd)
	phase("three nodes again", 3*time.Second)
	close(stop)
	wg.Wait()

	counts := map[int]int{}
	var acked, failed []string
	for id, st := range d.status {
		counts[st]++
		switch {
		case st == http.StatusCreated:
			acked = append(acked, id)
		case st >= 500 || st == 0:
			failed = append(failed, id)
		}
	}
	t.Logf("creates: %d; statuses %v (0: no answer)", len(d.status), counts)
	accepted := metricValue(t, s1.base, `directoriesd_couchdb_accepted_total{operation="put_doc"}`) +
		metricValue(t, s2.base, `directoriesd_couchdb_accepted_total{operation="put_doc"}`)
	putErrors := metricValue(t, s1.base, `directoriesd_couchdb_errors_total{operation="put_doc"}`) +
		metricValue(t, s2.base, `directoriesd_couchdb_errors_total{operation="put_doc"}`)
	t.Logf("CouchDB answered %d creates 202 Accepted (with one node up, below w=2); %d PUTs failed in transport or with a 5xx", accepted, putErrors)
	if accepted == 0 {
		t.Error("no 202 Accepted counted although creates ran with two of three nodes down")
	}
	time.Sleep(3 * time.Second) // internal replication to the restarted nodes
	for i := range nodes {
		others := []int{(i + 1) % 3, (i + 2) % 3}
		for _, o := range others {
			node(o, killCmd)
		}
		have := docsOnNode(t, nodes[i], acct)
		for _, o := range others {
			node(o, startCmd)
		}
		lost, stored5xx := 0, 0
		for _, id := range acked {
			if !have[id] {
				lost++
			}
		}
		for _, id := range failed {
			if have[id] {
				stored5xx++
			}
		}
		dups := 0
		for _, n := range have {
			if !n {
				dups++
			}
		}
		t.Logf("node %s alone: %d directories, %d acknowledged missing, %d answered 5xx but stored", nodes[i].Port(), len(have), lost, stored5xx)
		if lost > 0 || stored5xx > 0 {
			t.Errorf("node %s: %d acknowledged creates missing, %d creates answered 5xx were stored", nodes[i].Port(), lost, stored5xx)
		}
		if dups > 0 {
			t.Errorf("node %s: %d ids listed twice", nodes[i].Port(), dups)
		}
		if len(have) != counts[http.StatusCreated]+stored5xx {
			t.Errorf("node %s: %d directories for %d acknowledged creates (duplicates?)", nodes[i].Port(), len(have), counts[http.StatusCreated])
		}
	}
}

// drillAccount sets the cluster up with init on its first run, else adds an account
// and mints a token with the key init made, and returns the account id and token.
func drillAccount(t testing.TB, cfg couchdb.Config) (acct, token string) {
	t.Helper()
	vars := map[string]string{"COUCHDB_URL": cfg.URL, "LOG_LEVEL": "error"}
	var out, errOut bytes.Buffer
	if run(context.Background(), []string{"init", "--account-name", "Cluster Drill"}, env(vars), &out, &errOut) == 0 {
		got := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			k, v, _ := strings.Cut(line, "=")
			got[k] = v
		}
		return got["ACCOUNT_ID"], got["TOKEN"]
	}
	acct = couchdbtest.NewAccount(t, cfg, couchdbtest.WithName("Cluster Drill"))
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"token", "--account", acct}, env(vars), &out, &errOut); code != 0 {
		t.Fatalf("token: %s", errOut.String())
	}
	return acct, strings.TrimSpace(out.String())
}

// metricValue returns the value of series on the service's /metrics (0 when absent).
func metricValue(t *testing.T, base, series string) int {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	for _, line := range strings.Split(b.String(), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var n float64
			_, _ = fmt.Sscan(v, &n)
			return int(n)
		}
	}
	return 0
}

// drill is the client side of TestClusterDrill.
type drill struct {
	base, token string
	client      *http.Client
	mu          sync.Mutex
	status      map[string]int // create id -> status (0: no answer)
}

func (d *drill) do(method, target, body string) int {
	req, _ := http.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("X-Auth-Token", d.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// writer creates directories with ids of its own until stop.
func (d *drill) writer(w int, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		id := fmt.Sprintf("drill%d%05d", w, i)
		st := d.do("PUT", d.base, `{"data":{"id":"`+id+`","name":"`+id+`"}}`)
		d.mu.Lock()
		d.status[id] = st
		d.mu.Unlock()
	}
}

// reads lists the directories for dur and counts the answers.
func (d *drill) reads(dur time.Duration) (ok, failed int) {
	for end := time.Now().Add(dur); time.Now().Before(end); {
		if d.do("GET", d.base+"?paginate=false", "") == http.StatusOK {
			ok++
		} else {
			failed++
		}
		time.Sleep(50 * time.Millisecond)
	}
	return ok, failed
}

// docsOnNode returns the directory ids the node holds (it runs alone: every shard
// copy it answers from is its own). The value is false for an id seen twice.
func docsOnNode(t *testing.T, node *url.URL, acct string) map[string]bool {
	t.Helper()
	db := url.PathEscape("account/" + acct[:2] + "/" + acct[2:4] + "/" + acct[4:])
	u := *node
	u.Path, u.RawPath = "", ""
	target := u.String() + "/" + db + "/_all_docs?r=1&startkey=%22drill%22&endkey=%22drill%7B%22"
	var resp *http.Response
	var err error
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		if resp, err = http.Get(target); err == nil && resp.StatusCode == http.StatusOK {
			break
		}
		if err == nil {
			resp.Body.Close()
		}
	}
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("node %s: _all_docs: %v", node.Host, err)
	}
	defer resp.Body.Close()
	var out struct {
		Rows []struct{ ID string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range out.Rows {
		_, seen := have[r.ID]
		have[r.ID] = !seen
	}
	return have
}

// deployConf writes deploy/nginx/<name> with replacements, wrapped as a whole nginx
// configuration, into a temporary directory and returns its path.
func deployConf(t *testing.T, name string, repl map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "nginx", name))
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	for from, to := range repl {
		if !strings.Contains(conf, from) {
			t.Fatalf("deploy/nginx/%s has no %q", name, from)
		}
		conf = strings.ReplaceAll(conf, from, to)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "nginx.conf")
	full := fmt.Sprintf("daemon off;\npid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp {\naccess_log off;\nclient_body_temp_path %s;\nproxy_temp_path %s;\n%s\n}\n",
		dir, dir, dir, dir, conf)
	if err := os.WriteFile(path, []byte(full), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startNginx runs nginx on conf until the test ends.
func startNginx(t *testing.T, nginx, conf string) {
	t.Helper()
	cmd := exec.Command(nginx, "-c", conf, "-p", filepath.Dir(conf))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// SIGTERM: the master stops its workers (SIGKILL would orphan them).
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	time.Sleep(300 * time.Millisecond)
}
