package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/kazoo-directories/kazoo-directories/amqp"
	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// runImport is `directoriesd import --account ID [FILE]`: see importMembers. One line
// per rejected row and a summary on stdout; exit 1 when a row was rejected.
func runImport(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import --account ID [FILE]  (CSV: first name, last name, numbers, directories; stdin when no FILE)", stderr)
	account := fs.String("account", "", "the account to import into (required)")
	if err := fs.Parse(args); err != nil { // FILE is positional: parse() refuses those
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{msg: err.Error(), printed: true}
	}
	if fs.NArg() > 1 {
		return usagef("unexpected argument %q", fs.Arg(1))
	}
	if !directory.ValidAccountID(*account) {
		return usagef("--account %q is not an account id (32 lowercase hex chars)", *account)
	}
	var in io.Reader = os.Stdin
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	if serviceRunning(cfg) {
		return viaControl(ctx, cfg, "/import", url.Values{"account": {*account}}, in, stdout, stderr)
	}
	store, err := openToolStore(ctx, cfg, stderr)
	if storeLocked(cfg, err) {
		return viaControl(ctx, cfg, "/import", url.Values{"account": {*account}}, in, stdout, stderr)
	}
	if err != nil {
		return err
	}
	defer store.Close()
	// Beside KAZOO (AMQP_URL set), the saves are announced on its bus as the service's
	// are; what is queued goes out before the tool exits.
	var notify directory.Notifier
	if cfg.AMQPURL != "" {
		pub := amqp.NewPublisher(amqp.Config{URL: cfg.AMQPURL, Node: cfg.NodeName, Logger: toolLogger(cfg, stderr)})
		defer pub.Close(busDrainGrace)
		notify = pub
	}
	exit, err := importCSV(ctx, store, notify, *account, in, stdout)
	if err == nil && exit != 0 {
		return exitError(exit)
	}
	return err
}

// importCSV parses CSV from in and imports it into accountID, reporting on out; exit
// is 1 when rows were rejected.
func importCSV(ctx context.Context, store *couchdb.Store, notify directory.Notifier, accountID string, in io.Reader, out io.Writer) (exit int, err error) {
	if !directory.ValidAccountID(accountID) {
		return 2, fmt.Errorf("account %q is not an account id", accountID)
	}
	rows, bad, err := parseMembersCSV(in)
	if err != nil {
		return 1, fmt.Errorf("read CSV: %w", err)
	}
	rep, err := importMembers(ctx, store, notify, accountID, rows, time.Now())
	rep.Rows += len(bad)
	rep.Rejected = append(bad, rep.Rejected...)
	slices.SortStableFunc(rep.Rejected, func(a, b rowError) int { return a.Line - b.Line })
	if err != nil {
		rep.write(out) // what was done before the failure
		return 1, err
	}
	rep.write(out)
	if len(rep.Rejected) > 0 {
		return 1, nil
	}
	return 0, nil
}
