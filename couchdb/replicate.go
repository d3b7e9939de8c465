package couchdb

import (
	"context"
	"fmt"
	"net/http"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Replication is the outcome of copying one database.
type Replication struct {
	// AccountID is the account whose database was copied; "" for a system database
	// (ReplicateOptions.System).
	AccountID string
	// DB is the database name (account/xx/yy/rest, system_config, system_auth).
	DB string
	// Created reports that the target database did not exist and was created.
	Created bool
	// DocsRead and DocsWritten count document revisions read from the source and
	// written to the target (a revision read again after a retry counts again);
	// WriteFailures those the target refused.
	DocsRead, DocsWritten, WriteFailures int
	// Diverged lists, sorted, the docs that are in conflict on the target with a
	// revision the source does not have: the target had edits of its own. Nothing
	// was overwritten: the target keeps both branches and CouchDB's winner rule
	// picks the revision reads see, so the operator must resolve them (delete the
	// unwanted leaf on the target). Checked among the docs this run wrote into a
	// target database that existed, and among all the system docs copied.
	Diverged []string
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
	// System also copies, before the accounts, what KAZOO's tokens are verified
	// with: doc auth of system_config (the active key id and
	// secret_for_user_signature) and every signing key doc (pvt_type system_key) of
	// system_auth with its private_key.pem attachment; nothing else of those
	// databases. A source without system_config/auth, or without a signing key, is
	// a failed Replication.
	System bool
	// Progress, when set, is called after each database.
	Progress func(Replication)
}

// Replicate copies account databases (and with opts.System KAZOO's token keys) from
// the store of from to the store of to, as CouchDB's replicator would: every
// document with its revision history (so revisions, conflicts and deletions arrive
// as they are) and its attachments, design docs included, no _local docs and no
// _security object. Documents go with kivik's client-side replicator
// (kivik.Replicate), except those it cannot copy, documents with attachments, whose
// missing revisions are read with revs=true&attachments=true&latest=true and
// written with new_edits=false, the content inline and revpos kept (kivik v4.5
// would write attachment stubs the target lacks: 412). The system docs are copied
// the second way. A target database that is missing is created; one that exists is
// brought up to date: documents only the target has are kept, a target revision is
// never overwritten (a diverged doc ends up in conflict and is listed in
// Replication.Diverged), and a second run copies nothing. from and to are any
// Configs Open accepts, e.g. {URL: "http://..."} or {Driver: "embedded", URL: dataDir}.
//
// Each database's outcome is in the returned slice, in order (system_config and
// system_auth first); a database that fails (missing on the source, a refused
// write, ...) does not stop the others. The error is non-nil only when Replicate
// could not open a store or list the source's databases, or ctx ended (the
// databases done so far are returned with it).
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
	done := func(r Replication) error {
		out = append(out, r)
		if opts.Progress != nil {
			opts.Progress(r)
		}
		return ctx.Err()
	}
	if opts.System {
		for _, copyFn := range []func(context.Context, *Store, *Store) Replication{replicateAuthConfig, replicateSystemKeys} {
			if err := done(copyFn(ctx, src, dst)); err != nil {
				return out, err
			}
		}
	}
	one := func(id string) error { return done(replicateAccount(ctx, src, dst, id)) }
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
		if err := dst.prepareTarget(ctx, &r); err != nil {
			return err
		}
		p := newDBPair(src, dst, r.DB)
		written, err := p.replicateDB(ctx, &r)
		if err != nil {
			return err
		}
		if r.Created {
			return nil // nothing there to diverge from
		}
		r.Diverged, err = p.diverged(ctx, written)
		return err
	}()
	r.Duration = time.Since(start)
	return r
}

// prepareTarget creates the target database of r unless it exists, and records
// whether it did.
func (s *Store) prepareTarget(ctx context.Context, r *Replication) error {
	err := s.createDB(ctx, r.DB)
	switch {
	case err == nil:
		r.Created = true
		return nil
	case directory.IsCode(err, directory.ECodeConflict):
		return nil
	default:
		return err
	}
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
