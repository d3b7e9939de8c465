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
		for _, want := range s.designDocs {
			if err := s.installDesignDoc(ctx, accountID, want); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	switch {
	case err == nil:
		s.designs.put(dbName, struct{}{}, time.Time{})
		return nil
	case directory.IsCode(err, directory.ECodeUnavailable), directory.IsCode(err, directory.ECodeBadIdentifier):
		return err
	default:
		s.log.Warn("cannot install design docs", "db", dbName, "err", err)
		s.designs.put(dbName, struct{}{}, s.now().Add(designRetry))
		return nil
	}
}

// installDesignDoc writes want unless the stored copy already behaves the same
// (designEqual). A 409 means someone else just wrote it: re-read and compare again.
// A missing database is BadIdentifier(accountID).
func (s *Store) installDesignDoc(ctx context.Context, accountID string, want directory.Doc) error {
	dbName := directory.AccountDBName(accountID)
	db := s.client.DB(dbName)
	id := want.ID()
	for range maxDesignAttempts {
		cur, err := s.getOptionalDoc(ctx, db, id)
		if err != nil {
			return err
		}
		if cur != nil && designEqual(cur, want) {
			return nil
		}
		err = s.putDoc(ctx, db, mergeDesign(cur, want), directory.BadIdentifier(accountID))
		if err == nil {
			s.log.Info("installed design doc", "db", dbName, "id", id)
			return nil
		}
		if !directory.IsCode(err, directory.ECodeConflict) {
			return err
		}
	}
	return directory.Errorf(directory.ECodeConflict, "design doc %s in %s keeps changing", id, dbName)
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
	_, err := db.Put(ctx, doc.ID(), map[string]any(doc))
	return translate(err, "put "+doc.ID(), notFound)
}
