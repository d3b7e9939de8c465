package couchdbtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// startTimeout bounds how long the node server may take to say it is listening.
const startTimeout = 30 * time.Second

// ServerOptions configure StartServer.
type ServerOptions struct {
	// Port is the TCP port on 127.0.0.1 (0: a free port).
	Port int
	// DataDir keeps the databases on disk (leveldb); "" keeps them in memory.
	DataDir string
}

// Server is a running compat server (server/server.js).
type Server struct {
	// URL is its base address, e.g. "http://127.0.0.1:41234".
	URL string

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *LockedBuffer
	done   chan error
	once   sync.Once
	err    error
}

// ServerDir returns the folder of the compat server program (next to this source file).
func ServerDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "server")
}

// StartServer installs the node dependencies if node_modules is missing (npm ci) and
// starts the compat server. The server exits when Stop is called or when this process
// dies (it watches its standard input).
func StartServer(opts ServerOptions) (*Server, error) {
	dir := ServerDir()
	if err := ensureNodeModules(dir); err != nil {
		return nil, err
	}
	args := []string{"server.js", "--port", strconv.Itoa(opts.Port), "--watch-stdin"}
	if opts.DataDir != "" {
		args = append(args, "--data", opts.DataDir)
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = dir
	stderr := &LockedBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("couchdbtest: start node (is node installed?): %w", err)
	}
	s := &Server{cmd: cmd, stdin: stdin, stderr: stderr, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				select {
				case ready <- u:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		s.done <- cmd.Wait()
	}()
	select {
	case s.URL = <-ready:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("couchdbtest: server exited before listening: %v\n%s", err, stderr.String())
	case <-time.After(startTimeout):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("couchdbtest: server not listening after %v\n%s", startTimeout, stderr.String())
	}
}

// Stop ends the server and waits for it to exit.
func (s *Server) Stop() error {
	s.once.Do(func() {
		_ = s.stdin.Close()
		select {
		case s.err = <-s.done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			s.err = <-s.done
		}
	})
	return s.err
}

// Stderr returns what the server wrote to its standard error so far.
func (s *Server) Stderr() string { return s.stderr.String() }

// ensureNodeModules runs `npm ci` in dir when node_modules is missing. A lock on dir
// keeps concurrent test binaries from installing at the same time.
func ensureNodeModules(dir string) error {
	marker := filepath.Join(dir, "node_modules", "express-pouchdb", "package.json")
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("couchdbtest: %w", err)
	}
	defer d.Close()
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("couchdbtest: lock %s: %w", dir, err)
	}
	defer syscall.Flock(int(d.Fd()), syscall.LOCK_UN) //nolint:errcheck
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) || errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("couchdbtest: node_modules missing in %s and `npm ci` failed (%v); run `npm ci` there or set COUCHDB_URL:\n%s", dir, err, out)
		}
		return fmt.Errorf("couchdbtest: npm ci: %w\n%s", err, out)
	}
	return nil
}

// LockedBuffer is a bytes.Buffer safe for concurrent writers and readers (a server's
// stderr, a test logger's output).
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
