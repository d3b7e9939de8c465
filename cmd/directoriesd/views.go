package main

import (
	"context"
	"fmt"
	"io"

	"github.com/kazoo-directories/kazoo-directories/couchdb"
	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// runViews is `directoriesd views install [--all | --account ID ...] [--page-size N]`.
func runViews(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "install" {
		return usagef("usage: directoriesd views install [--all | --account ID ...]")
	}
	fs := newFlags("views install [--all | --account ID ...] [--page-size N]", stderr)
	all := fs.Bool("all", false, "every account database (the default)")
	var accounts stringList
	fs.Var(&accounts, "account", "an account id (repeatable)")
	pageSize := fs.Int("page-size", couchdb.DefaultPageSize, "database names per _all_dbs request")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *all && len(accounts) > 0 {
		return usagef("--all and --account exclude each other")
	}
	if *pageSize < 2 {
		return usagef("--page-size must be at least 2")
	}
	for _, a := range accounts {
		if !directory.ValidAccountID(a) {
			return usagef("--account %q is not an account id (32 lowercase hex chars)", a)
		}
	}
	store, err := openToolStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer store.Close()

	var sum viewsSummary
	install := func(id string) error {
		wrote, err := store.InstallDesignDocs(ctx, id)
		sum.report(stdout, id, wrote, err)
		return ctx.Err()
	}
	if len(accounts) == 0 {
		err = store.AccountIDs(ctx, *pageSize, install)
	} else {
		for _, id := range accounts {
			if err = install(id); err != nil {
				break
			}
		}
	}
	fmt.Fprintf(stdout, "%d databases: %d installed, %d up to date, %d failed\n", sum.total(), sum.installed, sum.upToDate, sum.failed)
	switch {
	case err != nil:
		return err
	case sum.failed > 0:
		return fmt.Errorf("%d of %d databases failed", sum.failed, sum.total())
	}
	return nil
}

// viewsSummary counts the outcomes of views install.
type viewsSummary struct{ installed, upToDate, failed int }

func (s *viewsSummary) total() int { return s.installed + s.upToDate + s.failed }

// report prints one database's line and counts it.
func (s *viewsSummary) report(w io.Writer, accountID string, wrote bool, err error) {
	db := directory.AccountDBName(accountID)
	switch {
	case directory.IsCode(err, directory.ECodeBadIdentifier):
		s.failed++
		fmt.Fprintf(w, "%s: failed: no such database\n", db)
	case err != nil:
		s.failed++
		fmt.Fprintf(w, "%s: failed: %v\n", db, err)
	case wrote:
		s.installed++
		fmt.Fprintf(w, "%s: installed\n", db)
	default:
		s.upToDate++
		fmt.Fprintf(w, "%s: up to date\n", db)
	}
}
