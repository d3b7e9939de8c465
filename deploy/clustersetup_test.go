package deploy_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
)

const (
	admin    = "admin"
	password = `pa"ss\word $x'` // quotes, a backslash and a dollar must survive the script
)

// fakeCluster answers the part of CouchDB's HTTP API that cluster-setup.sh uses, the
// way a node of the couchdb:3 image does (setup_httpd.erl): the image binds to every
// address and has an admin, so enable_cluster on the coordinator answers 400 "Cluster
// is already enabled"; finish_cluster creates the system databases once.
type fakeCluster struct {
	mu      sync.Mutex
	self    string
	nodes   []string // cluster_nodes
	dbs     map[string]bool
	actions []string
	failAdd bool
}

func newFakeCluster(self string) *fakeCluster {
	return &fakeCluster{self: self, nodes: []string{"couchdb@" + self}, dbs: map[string]bool{}}
}

func (f *fakeCluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	bad := func(reason string) { reply(400, map[string]string{"error": "bad_request", "reason": reason}) }
	if r.URL.Path == "/_up" {
		reply(200, map[string]string{"status": "ok"})
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != admin || p != password || r.Host != f.self+":"+portOf(r.Host) {
		reply(401, map[string]string{"error": "unauthorized", "reason": "Name or password is incorrect."})
		return
	}
	switch {
	case r.Method == "GET" && r.URL.Path == "/_cluster_setup":
		state := "cluster_enabled"
		if f.dbs["_users"] && f.dbs["_replicator"] && f.dbs["_global_changes"] {
			state = "cluster_finished"
		}
		reply(200, map[string]string{"state": state})
	case r.Method == "GET" && r.URL.Path == "/_membership":
		reply(200, map[string][]string{"all_nodes": f.nodes, "cluster_nodes": f.nodes})
	case r.Method == "PUT" && strings.HasPrefix(r.URL.Path, "/_"):
		db := strings.TrimPrefix(r.URL.Path, "/")
		f.actions = append(f.actions, "PUT "+db)
		if f.dbs[db] {
			reply(412, map[string]string{"error": "file_exists"})
			return
		}
		f.dbs[db] = true
		reply(201, map[string]bool{"ok": true})
	case r.Method == "POST" && r.URL.Path == "/_cluster_setup":
		var body map[string]any
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
			bad("Missing JSON body")
			return
		}
		f.setup(body, reply, bad)
	default:
		reply(404, map[string]string{"error": "not_found"})
	}
}

func (f *fakeCluster) setup(body map[string]any, reply func(int, any), bad func(string)) {
	ok := func() { reply(201, map[string]bool{"ok": true}) }
	action, _ := body["action"].(string)
	switch action {
	case "enable_cluster":
		if body["username"] != admin || body["password"] != password || body["node_count"] != "3" {
			bad("bad credentials or node_count")
			return
		}
		remote, _ := body["remote_node"].(string)
		if remote == "" {
			f.actions = append(f.actions, "enable_cluster")
			bad("Cluster is already enabled")
			return
		}
		f.actions = append(f.actions, "enable_cluster remote_node="+remote)
		if body["remote_current_user"] != admin || body["remote_current_password"] != password {
			bad("bad remote credentials")
			return
		}
		ok()
	case "add_node":
		host, _ := body["host"].(string)
		f.actions = append(f.actions, "add_node "+host)
		switch {
		case body["username"] != admin || body["password"] != password:
			bad("Add node failed. Invalid admin credentials,")
		case f.failAdd:
			bad("Add node failed. Invalid Host and/or Port.")
		case slices.Contains(f.nodes, "couchdb@"+host):
			reply(409, map[string]string{"error": "conflict"})
		default:
			f.nodes = append(f.nodes, "couchdb@"+host)
			ok()
		}
	case "finish_cluster":
		f.actions = append(f.actions, "finish_cluster")
		if f.dbs["_users"] && f.dbs["_replicator"] && f.dbs["_global_changes"] {
			bad("Cluster is already finished")
			return
		}
		for _, db := range []string{"_users", "_replicator", "_global_changes"} {
			f.dbs[db] = true
		}
		ok()
	default:
		bad("Invalid Action'")
	}
}

func portOf(hostport string) string {
	_, port, _ := net.SplitHostPort(hostport)
	return port
}

// startNodes serves f on 127.0.0.1, 127.0.0.2 and 127.0.0.3 at one port (the script
// uses one port for every node) and returns that port.
func startNodes(t *testing.T, f *fakeCluster) string {
	t.Helper()
	first, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := portOf(first.Addr().String())
	listeners := []net.Listener{first}
	for _, ip := range []string{"127.0.0.2", "127.0.0.3"} {
		l, err := net.Listen("tcp", ip+":"+port)
		if err != nil {
			t.Skipf("cannot listen on %s:%s: %v", ip, port, err)
		}
		listeners = append(listeners, l)
	}
	srv := &http.Server{Handler: f}
	for _, l := range listeners {
		go func() { _ = srv.Serve(l) }()
	}
	t.Cleanup(func() { _ = srv.Close() })
	return port
}

// runSetup runs couchdb/cluster-setup.sh with sh against the fake nodes.
func runSetup(t *testing.T, port, pass string) (stdout, stderr string, err error) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed (.ci/run installs it)")
	}
	cmd := exec.Command("sh", "couchdb/cluster-setup.sh")
	cmd.Env = []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"COUCHDB_USER=" + admin,
		"COUCHDB_PASSWORD=" + pass,
		"COORDINATOR=127.0.0.1",
		"MEMBERS=127.0.0.2 127.0.0.3",
		"COUCHDB_PORT=" + port,
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func TestClusterSetup(t *testing.T) {
	f := newFakeCluster("127.0.0.1")
	port := startNodes(t, f)
	out, errOut, err := runSetup(t, port, password)
	if err != nil {
		t.Fatalf("first run: %v\n%s%s", err, out, errOut)
	}
	want := []string{"enable_cluster",
		"enable_cluster remote_node=127.0.0.2", "add_node 127.0.0.2",
		"enable_cluster remote_node=127.0.0.3", "add_node 127.0.0.3",
		"finish_cluster", "PUT _users", "PUT _replicator"}
	if !slices.Equal(f.actions, want) {
		t.Errorf("first run's requests:\n got %q\nwant %q", f.actions, want)
	}
	if want := []string{"couchdb@127.0.0.1", "couchdb@127.0.0.2", "couchdb@127.0.0.3"}; !slices.Equal(f.nodes, want) {
		t.Errorf("cluster_nodes = %q, want %q", f.nodes, want)
	}

	// A second `docker-compose up` runs the service again: nothing to change.
	f.actions = nil
	out, errOut, err = runSetup(t, port, password)
	if err != nil {
		t.Fatalf("second run: %v\n%s%s", err, out, errOut)
	}
	if want := []string{"PUT _users", "PUT _replicator"}; !slices.Equal(f.actions, want) {
		t.Errorf("second run's requests: got %q, want %q", f.actions, want)
	}
	if !strings.Contains(out, "already finished") {
		t.Errorf("second run's output does not say the cluster was finished:\n%s", out)
	}
}

// TestClusterSetupResumes: a run that died after adding one node is finished by the
// next one without adding that node again.
func TestClusterSetupResumes(t *testing.T) {
	f := newFakeCluster("127.0.0.1")
	f.nodes = append(f.nodes, "couchdb@127.0.0.2")
	port := startNodes(t, f)
	if out, errOut, err := runSetup(t, port, password); err != nil {
		t.Fatalf("%v\n%s%s", err, out, errOut)
	}
	want := []string{"enable_cluster",
		"enable_cluster remote_node=127.0.0.3", "add_node 127.0.0.3",
		"finish_cluster", "PUT _users", "PUT _replicator"}
	if !slices.Equal(f.actions, want) {
		t.Errorf("requests:\n got %q\nwant %q", f.actions, want)
	}
}

func TestClusterSetupFails(t *testing.T) {
	t.Run("wrong password", func(t *testing.T) {
		f := newFakeCluster("127.0.0.1")
		port := startNodes(t, f)
		_, errOut, err := runSetup(t, port, "wrong")
		if err == nil {
			t.Fatal("exit status 0 with a wrong password")
		}
		if !strings.Contains(errOut, "401") {
			t.Errorf("stderr does not show the 401:\n%s", errOut)
		}
	})
	t.Run("add_node refused", func(t *testing.T) {
		f := newFakeCluster("127.0.0.1")
		f.failAdd = true
		port := startNodes(t, f)
		_, errOut, err := runSetup(t, port, password)
		if err == nil {
			t.Fatal("exit status 0 although add_node failed")
		}
		if !strings.Contains(errOut, "add_node 127.0.0.2 failed: 400") {
			t.Errorf("stderr does not name the failed step:\n%s", errOut)
		}
		if strings.Contains(errOut, `pa"ss`) || strings.Contains(errOut, `pa\"ss`) {
			t.Errorf("stderr shows the password:\n%s", errOut)
		}
		if slices.Contains(f.actions, "finish_cluster") {
			t.Error("finish_cluster was called after a failed add_node")
		}
	})
}
