// Command directoriesd serves KAZOO's crossbar directories API
// (/v2/accounts/{ACCOUNT_ID}/directories) from KAZOO's own CouchDB databases, and
// carries the operations around it.
//
// Usage:
//
//	directoriesd [serve]                             run the HTTP service
//	directoriesd healthcheck                         exit 0 when the local service is ready
//	directoriesd init --account-name NAME            set up an empty store, print a token
//	directoriesd token --account A [--user U]        mint a KAZOO token from the stored key
//	directoriesd views install [--all|--account A]   install or update _design/directories
//	directoriesd replicate --from SRC --to DST       copy account databases (--system: token keys)
//	directoriesd import --account A members.csv      put people into directories (user + callflow docs)
//
// Configuration comes from the environment (see README); `directoriesd help` prints
// every command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// command is one subcommand: it parses its own flags from args and writes its
// results to stdout, notes and progress details to stderr.
type command func(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error

// usageError is a command-line mistake (exit code 2). printed: the flag package has
// already reported it.
type usageError struct {
	msg     string
	printed bool
}

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{msg: fmt.Sprintf(format, args...)} }

// run executes a subcommand and returns the process exit code: 0 success, 1 failure,
// 2 a configuration or command-line mistake.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	commands := map[string]command{
		"serve":       runServe,
		"healthcheck": runHealthcheck,
		"init":        runInit,
		"token":       runToken,
		"views":       runViews,
		"replicate":   runReplicate,
		"import":      runImport,
	}
	switch name {
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "directoriesd: unknown command %q\n%s\n", name, usage)
		return 2
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "directoriesd: configuration:\n%v\n", err)
		return 2
	}
	err = cmd(ctx, cfg, args, stdout, stderr)
	var ue usageError
	var ee exitError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return int(ee)
	case errors.As(err, &ue):
		if !ue.printed {
			fmt.Fprintf(stderr, "directoriesd %s: %v\n", name, err)
		}
		return 2
	default:
		fmt.Fprintf(stderr, "directoriesd %s: %s\n", name, errText(err))
		return 1
	}
}

// errText is an error for people: a *directory.Error without its code (the tools
// are not an API), its cause kept.
func errText(err error) string {
	var de *directory.Error
	if !errors.As(err, &de) || de.Error() != err.Error() {
		return err.Error()
	}
	if de.Err != nil {
		return de.Message + ": " + de.Err.Error()
	}
	return de.Message
}

func runHealthcheck(ctx context.Context, cfg Config, args []string, _, _ io.Writer) error {
	if len(args) > 0 {
		return usagef("healthcheck takes no arguments")
	}
	return healthcheck(ctx, cfg)
}

func runServe(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usagef("serve takes no arguments")
	}
	return serve(ctx, cfg, stdout, stderr)
}

// newFlags returns a flag set that reports to stderr, with synopsis as its usage
// line, and returns errors (wrapped as usageError by parse).
func newFlags(synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("directoriesd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: directoriesd %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; a bad flag or a stray argument is a usageError (the flag package
// has already printed the flags), -h is flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{msg: err.Error(), printed: true}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return fmt.Sprint([]string(*l)) }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

const usage = `usage: directoriesd [command] [flags]

commands:
  serve
        run the HTTP service (default)
  healthcheck
        exit 0 when the service on LISTEN_ADDR is ready (GET /readyz), 1 otherwise
  init --account-name NAME [--realm REALM] [--ttl 1h]
        set up an EMPTY store as KAZOO would have it: an RSA-2048 signing key in
        system_auth named by system_config/auth (with secret_for_user_signature) and
        one account database with its account doc and _design/directories; prints
        ACCOUNT_ID=... and TOKEN=... (an api token valid for --ttl). Refuses, writing
        nothing, when system_config/auth or a key in system_auth exists.
  token --account ID [--user USER_ID] [--ttl 1h]
        print a KAZOO token (RS256, the key named by system_config/auth) for the
        account, or for one of its users; with identity_sig when the identity doc has
        pvt_signature_secret, so it verifies exactly like a token KAZOO issued
  views install [--all | --account ID ...] [--page-size N]
        install or update _design/directories in every account database (default,
        _all_dbs read in pages of N names) or in the named accounts' databases; keeps
        copies that behave the same (KAZOO's own included); one line per database and
        a summary; exit 1 if any database failed
  replicate --from SRC --to DST [--system] [--account ID ...]
        copy account databases (all of the source's, or the named ones) with their
        revision histories, attachments and design docs, creating missing target
        databases; --system also copies KAZOO's token keys (system_config/auth and
        the system_key docs of system_auth), so KAZOO's tokens verify on the target.
        SRC and DST: an http(s) URL (credentials in the URL), "couchdb" (COUCHDB_URL
        with COUCHDB_USER/COUCHDB_PASSWORD) or "embedded" (the store in DATA_DIR).
        Never overwrites: a doc the target edited on its own ends up in conflict and
        is reported as diverged. One line per database and a summary; exit 1 if any
        database failed or any doc diverged
  import --account ID [FILE]
        put people into directories: FILE (or stdin) is CSV, one person a row:
        first name, last name, extension numbers (";" or space separated),
        directory names (";" separated, created when missing). Writes a user doc
        (with directories: {directory_id: callflow_id}) and a callflow doc (its
        numbers ring the user) per row, in KAZOO's shapes, with ids derived from the
        account and the name: a re-run updates, never duplicates. One line per
        rejected row and a summary; exit 1 if any row was rejected. On an embedded
        store held by a running service it goes through DATA_DIR/run/control.sock
  help
        print this text

Every command reads the store from the environment: COUCHDB_URL (+ COUCHDB_USER,
COUCHDB_PASSWORD), else the embedded store in DATA_DIR (token and import reach
a running service's store through DATA_DIR/run/control.sock). Exit codes: 0 success,
1 failure, 2 a configuration or command-line mistake.`
