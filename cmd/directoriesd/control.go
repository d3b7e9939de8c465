package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
)

// The control socket: while the service holds the embedded store (bbolt's lock lets
// one process open it), the command-line tools that write or read it — token and
// import — send their work to the service over DATA_DIR/run/control.sock, a Unix
// socket only the data directory's owner can reach (the directory is 0700, the
// socket 0600): whoever can read DATA_DIR holds the signing key anyway.

// controlPath is the control socket of the embedded store in dataDir.
func controlPath(dataDir string) string { return filepath.Join(dataDir, "run", "control.sock") }

// controlReply is what the service answers a tool: its stdout and stderr lines and,
// on failure, the error.
type controlReply struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Error  string `json:"error,omitempty"`
	Exit   int    `json:"exit"`
}

// serveControl listens on the control socket of the embedded store and runs the
// tools' requests on store until ctx is done.
func serveControl(ctx context.Context, m *Main) (func(), error) {
	path := controlPath(m.cfg.DataDir)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// MkdirAll leaves an existing directory as it is: the socket's directory must not
	// let others reach it, even for the moment before the socket's own mode is set.
	if err := os.Chmod(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	_ = os.Remove(path) // a socket left by a killed service: we hold the store lock now
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		var out, errOut bytes.Buffer
		req, err := tokenRequestFromQuery(r.URL.Query())
		if err == nil {
			var t mintedToken
			t, err = mintToken(r.Context(), m.store, req)
			if err == nil {
				fmt.Fprintln(&out, t.Token)
				t.describe(&errOut)
			}
		}
		writeReply(w, &out, &errOut, err, 0)
	})
	mux.HandleFunc("POST /import", func(w http.ResponseWriter, r *http.Request) {
		var out, errOut bytes.Buffer
		exit, err := importCSV(r.Context(), m.store, m.bus.notifier(), r.URL.Query().Get("account"), http.MaxBytesReader(w, r.Body, 64<<20), &out)
		writeReply(w, &out, &errOut, err, exit)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	m.log.Info("control socket", "path", path)
	return func() {
		_ = srv.Close()
		_ = os.Remove(path)
	}, nil
}

func writeReply(w http.ResponseWriter, out, errOut *bytes.Buffer, err error, exit int) {
	rep := controlReply{Stdout: out.String(), Stderr: errOut.String(), Exit: exit}
	if err != nil {
		rep.Error, rep.Exit = errText(err), 1
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(rep)
}

func tokenRequestFromQuery(q url.Values) (tokenRequest, error) {
	ttl, err := time.ParseDuration(q.Get("ttl"))
	if err != nil || ttl <= 0 {
		return tokenRequest{}, fmt.Errorf("ttl %q: want a positive duration", q.Get("ttl"))
	}
	return tokenRequest{AccountID: q.Get("account"), UserID: q.Get("user"), TTL: ttl, Now: time.Now()}, nil
}

// viaControl sends a tool's request to the running service that holds the embedded
// store, copies its output to stdout and stderr and returns its outcome.
func viaControl(ctx context.Context, cfg Config, path string, q url.Values, body io.Reader, stdout, stderr io.Writer) error {
	sock := controlPath(cfg.DataDir)
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://control"+path+"?"+q.Encode(), body)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("the embedded store in %s is held by another process and its control socket %s does not answer: %w", cfg.DataDir, sock, err)
	}
	defer resp.Body.Close()
	var rep controlReply
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		return fmt.Errorf("control socket reply: %w", err)
	}
	io.WriteString(stdout, rep.Stdout)
	io.WriteString(stderr, rep.Stderr)
	switch {
	case rep.Error != "":
		return errors.New(rep.Error)
	case rep.Exit != 0:
		return exitError(rep.Exit)
	}
	return nil
}

// exitError is a failure already reported on stdout/stderr.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// serviceRunning reports whether a service answers on the embedded store's control
// socket: then the tools go through it at once instead of waiting for the store lock.
func serviceRunning(cfg Config) bool {
	if cfg.CouchDBURL != "" {
		return false
	}
	c, err := net.DialTimeout("unix", controlPath(cfg.DataDir), 200*time.Millisecond)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// storeLocked reports whether err is the embedded store being held by another
// process, so the tool should go through the control socket.
func storeLocked(cfg Config, err error) bool {
	return cfg.CouchDBURL == "" && errors.Is(err, couchdb.ErrLocked)
}
