// Command directoriesd serves KAZOO's crossbar directories API
// (/v2/accounts/{ACCOUNT_ID}/directories) from KAZOO's own CouchDB databases.
//
// Usage:
//
//	directoriesd [serve]      run the HTTP service (configuration from the environment)
//	directoriesd healthcheck  exit 0 when the local service is ready
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run executes a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	_ = args
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "directoriesd: configuration:\n%v\n", err)
		return 2
	}
	switch cmd {
	case "serve":
		err = serve(ctx, cfg, stderr)
	case "healthcheck":
		err = healthcheck(ctx, cfg)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "directoriesd: unknown command %q\n%s\n", cmd, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "directoriesd: %v\n", err)
		return 1
	}
	return 0
}

const usage = `usage: directoriesd [command]

commands:
  serve        run the HTTP service (default); configuration from the environment (see README)
  healthcheck  exit 0 when the service on LISTEN_ADDR is ready (GET /readyz), 1 otherwise`
