package couchdb

import (
	"context"
	"errors"
	"net/http"
	"time"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// maxDesignAttempts bounds the read-compare-write rounds when others keep writing.
const maxDesignAttempts = 3

// ensureDesignDocs installs the shipped account design docs into the account database
// unless this process already checked it. A failure other than "unreachable" or
// "database missing" is logged and retried after designRetry, so that a CouchDB user
// without design-doc rights still serves the views KAZOO installed.
func (s *Store) ensureDesignDocs(ctx context.Context, accountID string) error {
	dbName := directory.AccountDBName(accountID)
	if _, ok := s.designs.get(dbName); ok {
		return nil
	}
	_, err := shared(ctx, &s.flight, "design "+dbName, func(ctx context.Context) (struct{}, error) {
		_, err := s.installDesignDocs(ctx, accountID)
		return struct{}{}, err
	})
	switch {
	case err == nil:
		s.designs.put(dbName, true, time.Time{})
		return nil
	case directory.IsCode(err, directory.ECodeUnavailable), directory.IsCode(err, directory.ECodeBadIdentifier):
		return err
	default:
		s.log.Warn("cannot install design docs", "db", dbName, "err", err)
		s.designs.put(dbName, false, s.now().Add(designRetry))
		return nil
	}
}

// InstallDesignDocs installs or updates the shipped design docs (_design/directories)
// in the account's database, as the service does on first use of an account, and
// reports whether it wrote anything (false: every copy was up to date). It is
// idempotent and safe while KAZOO or other instances run: a stored copy that behaves
// the same (KAZOO's own included) is kept, views only the stored copy has are kept,
// and a 409 is re-read and compared again (ECodeConflict after maxDesignAttempts).
// A malformed id or a missing database is BadIdentifier(accountID); otherwise errors
// as the Store's (ECodeUnavailable, ECodeFault).
func (s *Store) InstallDesignDocs(ctx context.Context, accountID string) (bool, error) {
	if !directory.ValidAccountID(accountID) {
		return false, directory.BadIdentifier(accountID)
	}
	return s.installDesignDocs(ctx, accountID)
}

func (s *Store) installDesignDocs(ctx context.Context, accountID string) (bool, error) {
	wrote := false
	for _, want := range s.designDocs {
		w, err := s.installDesignDoc(ctx, accountID, want)
		if err != nil {
			return wrote, err
		}
		wrote = wrote || w
	}
	return wrote, nil
}

// installDesignDoc writes want unless the stored copy already behaves the same
// (designEqual) and reports whether it wrote. A 409 means someone else just wrote it:
// re-read and compare again. A missing database is BadIdentifier(accountID).
func (s *Store) installDesignDoc(ctx context.Context, accountID string, want directory.Doc) (bool, error) {
	dbName := directory.AccountDBName(accountID)
	db := s.client.DB(dbName)
	id := want.ID()
	for range maxDesignAttempts {
		cur, err := s.getOptionalDoc(ctx, db, id)
		if err != nil {
			return false, err
		}
		if cur != nil && designEqual(cur, want) {
			return false, nil
		}
		err = s.putDoc(ctx, db, mergeDesign(cur, want), directory.BadIdentifier(accountID))
		if err == nil {
			s.log.Info("installed design doc", "db", dbName, "id", id)
			return true, nil
		}
		if directory.IsCode(err, directory.ECodeUnavailable) {
			return false, s.missingDatabase(ctx, db, accountID, err)
		}
		if !directory.IsCode(err, directory.ECodeConflict) {
			return false, err
		}
	}
	return false, directory.Errorf(directory.ECodeConflict, "design doc %s in %s keeps changing", id, dbName)
}

// getOptionalDoc loads a doc; a missing doc (or database) is (nil, nil).
func (s *Store) getOptionalDoc(ctx context.Context, db *kivik.DB, id string) (directory.Doc, error) {
	doc, err := s.getDoc(ctx, db, id, nil)
	var de *directory.Error
	if err != nil && errors.As(err, &de) && kivik.HTTPStatus(de.Err) == http.StatusNotFound {
		return nil, nil
	}
	return doc, err
}

// putDoc saves doc; a 404 becomes notFound.
func (s *Store) putDoc(ctx context.Context, db *kivik.DB, doc directory.Doc, notFound *directory.Error) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.request(http.MethodPut, db.Name(), doc.ID())
	_, err := db.Put(ctx, doc.ID(), map[string]any(doc))
	return translate(err, "put "+doc.ID(), notFound)
}
