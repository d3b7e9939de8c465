package couchdb

import (
	"context"
	"fmt"
	"net/http"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Replication is the outcome of copying one account database.
type Replication struct {
	AccountID string
	// DB is the database name (account/xx/yy/rest).
	DB string
	// Created reports that the target database did not exist and was created.
	Created bool
	// DocsRead and DocsWritten count document revisions read from the source and
	// written to the target; WriteFailures those the target refused.
	DocsRead, DocsWritten, WriteFailures int
	// Duration is how long the database took.
	Duration time.Duration
	// Err is why the database was not (completely) copied; nil on success.
	Err error
}

// ReplicateOptions select what Replicate copies.
type ReplicateOptions struct {
	// AccountIDs are the accounts whose databases are copied; empty: every account
	// database of the source (see Store.AccountIDs).
	AccountIDs []string
	// Progress, when set, is called after each database.
	Progress func(Replication)
}

// Replicate copies account databases from the store of from to the store of to with
// kivik's client-side replicator (kivik.Replicate): every document with its revision
// history (so revisions, conflicts and deletions arrive as they are), design docs
// included, no _local docs and no _security object. A target database that is
// missing is created; one that exists is brought up to date (documents only the target
// has are kept, a second run copies nothing). from and to are any Configs Open
// accepts, e.g. {URL: "http://..."} or {Driver: "embedded", URL: dataDir}.
//
// Each database's outcome is in the returned slice, in order; a database that fails
// (missing on the source, a refused write, ...) does not stop the others. The error is
// non-nil only when Replicate could not open a store or list the source's databases,
// or ctx ended (the databases done so far are returned with it).
//
// Known limit: kivik v4.5's replicator reads open_revs without attachments and then
// writes attachment stubs, so a database holding a document with attachments fails
// with ECodeFault (412 from the target). KAZOO keeps attachments on some account
// docs (vmbox messages, media, faxes); directories and users have none.
func Replicate(ctx context.Context, from, to Config, opts ReplicateOptions) ([]Replication, error) {
	src, err := Open(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	defer src.Close()
	dst, err := Open(ctx, to)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer dst.Close()
	var out []Replication
	one := func(id string) error {
		r := replicateAccount(ctx, src, dst, id)
		out = append(out, r)
		if opts.Progress != nil {
			opts.Progress(r)
		}
		return ctx.Err()
	}
	if len(opts.AccountIDs) == 0 {
		return out, src.AccountIDs(ctx, 0, one)
	}
	for _, id := range opts.AccountIDs {
		if err := one(id); err != nil {
			return out, err
		}
	}
	return out, nil
}

// replicateAccount copies one account database from src to dst.
func replicateAccount(ctx context.Context, src, dst *Store, accountID string) Replication {
	start := time.Now()
	r := Replication{AccountID: accountID}
	if !directory.ValidAccountID(accountID) {
		r.Err = directory.BadIdentifier(accountID)
		return r
	}
	r.DB = directory.AccountDBName(accountID)
	r.Err = func() error {
		if err := src.requireDB(ctx, r.DB); err != nil {
			return err
		}
		err := dst.createDB(ctx, r.DB)
		switch {
		case err == nil:
			r.Created = true
		case !directory.IsCode(err, directory.ECodeConflict):
			return err
		}
		res, err := kivik.Replicate(ctx, dst.client.DB(r.DB), src.client.DB(r.DB))
		if res != nil {
			r.DocsRead, r.DocsWritten, r.WriteFailures = res.DocsRead, res.DocsWritten, res.DocWriteFailures
		}
		if err != nil {
			return translate(err, "replicate "+r.DB, nil)
		}
		if r.WriteFailures > 0 {
			return directory.Errorf(directory.ECodeFault, "replicate %s: the target refused %d documents", r.DB, r.WriteFailures)
		}
		return nil
	}()
	r.Duration = time.Since(start)
	return r
}

// requireDB returns BadIdentifier when the database does not exist.
func (s *Store) requireDB(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.request(http.MethodHead, name)
	ok, err := s.client.DBExists(ctx, name)
	if err != nil && kivik.HTTPStatus(err) != http.StatusNotFound {
		return translate(err, "database "+name, nil)
	}
	if !ok {
		return directory.Errorf(directory.ECodeBadIdentifier, "no database %s", name)
	}
	return nil
}
