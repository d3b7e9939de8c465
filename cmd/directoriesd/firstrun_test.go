package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// TestFirstRunEndToEnd starts a real service process (`directoriesd` with no
// arguments) on an empty data directory, reads the lines it prints, and uses them as a
// newcomer would: the directory JSON, its PDF and a dial-by-name search; then, while
// the service runs and holds the store, mints a second token and imports members with
// the command-line tools (through the control socket).
func TestFirstRunEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // missing: the service creates it
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// Every script of the demo prints with the fonts the binary carries, none installed.
	cmd.Env = childEnv(addr, "DATA_DIR="+dir, "PDF_FONT_DIRS="+t.TempDir())
	scripts := []string{"Anderson", "1001", "Παπαδόπουλος", "Иванова", "山田", "김", "כהן", "حسن"}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	vars := readFirstRunLines(t, stdout, &stderr)
	for _, k := range []string{"BASE", "ACCOUNT_ID", "SALES_ID", "SUPPORT_ID", "TOKEN"} {
		if vars[k] == "" {
			t.Fatalf("first run printed no %s=: %v", k, vars)
		}
	}
	if vars["BASE"] != "http://"+addr {
		t.Errorf("BASE=%s, want http://%s", vars["BASE"], addr)
	}
	dirURL := vars["BASE"] + "/v2/accounts/" + vars["ACCOUNT_ID"] + "/directories/"
	get := func(token, url string) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}

	// JSON: both directories have members, with callflow ids.
	counts := map[string]int{}
	for _, id := range []string{vars["SALES_ID"], vars["SUPPORT_ID"]} {
		code, _, body := get(vars["TOKEN"], dirURL+id)
		var env struct {
			Data struct {
				Name  string
				Users []struct {
					UserID     string `json:"user_id"`
					CallflowID string `json:"callflow_id"`
				} `json:"users"`
			}
		}
		if code != 200 || json.Unmarshal(body, &env) != nil {
			t.Fatalf("GET directory %s: %d %s", id, code, body)
		}
		counts[env.Data.Name] = len(env.Data.Users)
		for _, u := range env.Data.Users {
			if len(u.UserID) != 32 || len(u.CallflowID) != 32 {
				t.Errorf("member %+v: want 32-char user and callflow ids", u)
			}
		}
	}
	if counts["Sales"] != 31 || counts["Support"] != 28 {
		t.Errorf("members per directory = %v, want Sales 31, Support 28", counts)
	}

	// PDF: the names in their scripts and the extension numbers.
	code, h, pdfBody := get(vars["TOKEN"], dirURL+vars["SALES_ID"]+"?accept=pdf")
	if code != 200 || h.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdfBody, []byte("%PDF-")) {
		t.Fatalf("PDF: %d %s %.40q", code, h.Get("Content-Type"), pdfBody)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		text := pdfText(t, pdfBody)
		for _, want := range scripts {
			if !strings.Contains(text, want) {
				t.Errorf("PDF text lacks %q:\n%s", want, text)
			}
		}
	}

	// Search: the printed query finds someone in Sales (263, a-n-d: Anderson).
	code, _, body := get(vars["TOKEN"], dirURL+vars["SALES_ID"]+"/search?dtmf="+vars["search dtmf"])
	if code != 200 || !strings.Contains(string(body), `"matches":[{`) {
		t.Fatalf("the printed search (dtmf=%q) finds nobody: %d %s", vars["search dtmf"], code, body)
	}

	// A second token while the service holds the store: through the control socket.
	toolEnv := map[string]string{"DATA_DIR": dir, "LOG_LEVEL": "error"}
	rc, out, errOut := cliEnv(t, toolEnv, "token", "--account", vars["ACCOUNT_ID"], "--ttl", "10m")
	token2 := strings.TrimSpace(out)
	if rc != 0 || token2 == "" || token2 == vars["TOKEN"] {
		t.Fatalf("token while running: exit %d, %q, %s", rc, out, errOut)
	}
	if code, _, body := get(token2, dirURL+vars["SALES_ID"]); code != 200 {
		t.Fatalf("GET with the second token: %d %s", code, body)
	}

	// A failure through the socket is reported as the tool would report it.
	rc, _, errOut = cliEnv(t, toolEnv, "token", "--account", strings.Repeat("0", 32))
	if rc != 1 || !strings.Contains(errOut, "no account "+strings.Repeat("0", 32)) {
		t.Errorf("token for a missing account while running: exit %d, %s", rc, errOut)
	}

	// Import while running: two people, one bad row; a re-run changes nothing.
	csvFile := filepath.Join(t.TempDir(), "members.csv")
	csv := "first_name,last_name,numbers,directories\nRita,Levi-Montalcini,2001,Sales\nAda,Lovelace,2002;2003,Sales;Research\nNo,Number,,Sales\n"
	if err := os.WriteFile(csvFile, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	rc, out, errOut = cliEnv(t, toolEnv, "import", "--account", vars["ACCOUNT_ID"], csvFile)
	if rc != 1 || !strings.Contains(out, "row 4: rejected: no extension number") ||
		!strings.Contains(out, "3 rows: 2 users created, 0 updated, 0 unchanged, 1 rejected; directories created: Research") {
		t.Fatalf("import while running: exit %d\n%s%s", rc, out, errOut)
	}
	rc, out, errOut = cliEnv(t, toolEnv, "import", "--account", vars["ACCOUNT_ID"], csvFile)
	if rc != 1 || !strings.Contains(out, "3 rows: 0 users created, 0 updated, 2 unchanged, 1 rejected; directories created: none") {
		t.Fatalf("import re-run: exit %d\n%s%s", rc, out, errOut)
	}
	code, _, body = get(token2, dirURL+vars["SALES_ID"])
	if code != 200 || strings.Count(string(body), `"user_id"`) != 33 {
		t.Fatalf("Sales after import: %d, %d members, want 33", code, strings.Count(string(body), `"user_id"`))
	}
}

// readFirstRunLines reads the service's stdout until the curl lines and returns the
// shell assignments it printed (NAME=value lines).
func readFirstRunLines(t *testing.T, r io.Reader, stderr *bytes.Buffer) map[string]string {
	t.Helper()
	vars := map[string]string{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if k, v, ok := strings.Cut(line, "="); ok && k != "" && strings.ToUpper(k) == k && !strings.Contains(k, " ") {
				vars[k] = v
			}
			// The search line, the last to paste: its digits are what the test tries.
			if _, rest, ok := strings.Cut(line, "/search?dtmf="); ok && strings.HasPrefix(line, "curl ") {
				vars["search dtmf"], _, _ = strings.Cut(rest, `"`)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("no first-run lines within 60s; stderr:\n%s", stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	return vars
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), "pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	// pdftotext wraps right-to-left words in embedding marks and reads Arabic back as
	// its joined (presentation) forms: compare in logical order, NFKC.
	marks := strings.NewReplacer("\u202a", "", "\u202b", "", "\u202c", "", "\u200e", "", "\u200f", "")
	return norm.NFKC.String(marks.Replace(string(out)))
}

// TestFirstRunWanted: only an empty or missing embedded data directory, and only
// unless FIRST_RUN_DEMO=false.
func TestFirstRunWanted(t *testing.T) {
	empty, full := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := func(vars map[string]string) Config {
		c, err := loadConfig(env(vars))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		vars map[string]string
		want bool
	}{
		{map[string]string{"DATA_DIR": empty}, true},
		{map[string]string{"DATA_DIR": filepath.Join(empty, "missing")}, true},
		{map[string]string{"DATA_DIR": full}, false},
		{map[string]string{"DATA_DIR": empty, "FIRST_RUN_DEMO": "false"}, false},
		{map[string]string{"DATA_DIR": empty, "COUCHDB_URL": "http://127.0.0.1:5984"}, false},
	} {
		if got := firstRunWanted(cfg(tc.vars)); got != tc.want {
			t.Errorf("%v: firstRunWanted = %v, want %v", tc.vars, got, tc.want)
		}
	}
	if _, err := loadConfig(env(map[string]string{"FIRST_RUN_DEMO": "maybe"})); err == nil {
		t.Error("FIRST_RUN_DEMO=maybe accepted")
	}
}
