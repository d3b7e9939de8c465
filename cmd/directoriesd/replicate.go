package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// runReplicate is `directoriesd replicate --from SRC --to DST [--system] [--account ID ...]`.
func runReplicate(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("replicate --from SRC --to DST [--system] [--account ID ...]", stderr)
	from := fs.String("from", "", `source: an http(s) URL, "couchdb" or "embedded" (required)`)
	to := fs.String("to", "", `target: an http(s) URL, "couchdb" or "embedded" (required)`)
	system := fs.Bool("system", false, "also copy KAZOO's token keys: system_config/auth and the system_key docs of system_auth")
	var accounts stringList
	fs.Var(&accounts, "account", "an account id (repeatable; default: every account database of the source)")
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, a := range accounts {
		if !directory.ValidAccountID(a) {
			return usagef("--account %q is not an account id (32 lowercase hex chars)", a)
		}
	}
	log := toolLogger(cfg, stderr)
	src, err := endpoint(cfg, "--from", *from)
	if err != nil {
		return err
	}
	dst, err := endpoint(cfg, "--to", *to)
	if err != nil {
		return err
	}
	if src.Driver == dst.Driver && src.URL == dst.URL {
		return usagef("--from and --to are the same store")
	}
	src.Logger, dst.Logger = log, log
	fmt.Fprintf(stderr, "replicating from %s to %s\n", describeStore(src), describeStore(dst))

	var sum replicationSummary
	res, err := couchdb.Replicate(ctx, src, dst, couchdb.ReplicateOptions{
		AccountIDs: accounts,
		System:     *system,
		Progress:   func(r couchdb.Replication) { sum.report(stdout, r) },
	})
	if err == nil || len(res) > 0 {
		sum.total(stdout)
	}
	if err != nil {
		return err
	}
	return sum.err()
}

// endpoint turns a --from/--to value into a store configuration: "embedded" is the
// store in DATA_DIR, "couchdb" the configured COUCHDB_URL with its credentials, an
// http(s) URL a CouchDB with the credentials in the URL (if any).
func endpoint(cfg Config, flagName, v string) (couchdb.Config, error) {
	c := couchdb.Config{RequestTimeout: cfg.CouchDBTimeout}
	switch v {
	case "":
		return c, usagef("%s is required", flagName)
	case "embedded":
		c.Driver, c.URL = couchdb.EmbeddedDriver, cfg.DataDir
	case "couchdb":
		if cfg.CouchDBURL == "" {
			return c, usagef("%s couchdb: COUCHDB_URL is not set", flagName)
		}
		c.URL, c.User, c.Password = cfg.CouchDBURL, cfg.CouchDBUser, cfg.CouchDBPassword
	default:
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, usagef(`%s %q: want an http(s) URL, "couchdb" or "embedded"`, flagName, redactURL(v))
		}
		c.URL = v
	}
	return c, nil
}

// replicationSummary counts the outcomes of replicate.
type replicationSummary struct{ copied, failed, written, diverged int }

// report prints one database's line and counts it.
func (s *replicationSummary) report(w io.Writer, r couchdb.Replication) {
	s.written += r.DocsWritten
	s.diverged += len(r.Diverged)
	created := ""
	if r.Created {
		created = ", database created"
	}
	line := fmt.Sprintf("%d read, %d written%s, %s", r.DocsRead, r.DocsWritten, created, r.Duration.Round(time.Millisecond))
	if len(r.Diverged) > 0 {
		line += fmt.Sprintf("; %d diverged, kept in conflict on the target: %s", len(r.Diverged), strings.Join(r.Diverged, ", "))
	}
	if r.Err != nil {
		s.failed++
		if directory.IsCode(r.Err, directory.ECodeBadIdentifier) {
			what := "no such database on the source"
			if r.AccountID == "" {
				what = errText(r.Err)
			}
			fmt.Fprintf(w, "%s: failed: %s\n", r.DB, what)
			return
		}
		fmt.Fprintf(w, "%s: failed (%s): %s\n", r.DB, line, errText(r.Err))
		return
	}
	s.copied++
	fmt.Fprintf(w, "%s: %s\n", r.DB, line)
}

// total prints the summary line.
func (s *replicationSummary) total(w io.Writer) {
	fmt.Fprintf(w, "%d databases: %d copied, %d failed; %d documents written", s.copied+s.failed, s.copied, s.failed, s.written)
	if s.diverged > 0 {
		fmt.Fprintf(w, "; %d diverged", s.diverged)
	}
	fmt.Fprintln(w)
}

// err is the command's outcome: failed databases and diverged documents are errors.
func (s *replicationSummary) err() error {
	var problems []string
	if s.failed > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d databases failed", s.failed, s.copied+s.failed))
	}
	if s.diverged > 0 {
		docs := "documents"
		if s.diverged == 1 {
			docs = "document"
		}
		problems = append(problems, fmt.Sprintf("%d %s diverged: the target has revisions of its own, kept in conflict with the source's; resolve them on the target (docs/cli.md)", s.diverged, docs))
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "; "))
}
