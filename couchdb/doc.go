package couchdb

import (
	"context"
	"encoding/json"
	"net/http"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

// Doc loads the document id of the account's database, private fields included.
// Missing or deleted doc, missing database: BadIdentifier(id).
func (s *Store) Doc(ctx context.Context, accountID, id string) (directory.Doc, error) {
	db, err := s.db(accountID)
	if err != nil {
		return nil, err
	}
	return s.getDoc(ctx, db, id, directory.BadIdentifier(id))
}

// getDoc loads one doc; a 404 becomes notFound.
func (s *Store) getDoc(ctx context.Context, db *kivik.DB, id string, notFound *directory.Error) (directory.Doc, error) {
	raw, err := s.getRaw(ctx, db, id, notFound)
	if err != nil {
		return nil, err
	}
	doc, err := directory.DecodeDoc(raw)
	if err != nil {
		return nil, translate(err, "decode "+id, nil)
	}
	return doc, nil
}

// getRaw reads one doc as stored; a missing doc is notFound.
func (s *Store) getRaw(ctx context.Context, db *kivik.DB, id string, notFound *directory.Error) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var raw json.RawMessage
	s.request(http.MethodGet, db.Name(), id)
	if err := db.Get(ctx, id).ScanDoc(&raw); err != nil {
		return nil, translate(err, "get "+id, notFound)
	}
	return raw, nil
}

// putOnce is one PUT (doc with _id) or POST (without) of doc; see Put.
func (s *Store) putOnce(ctx context.Context, db *kivik.DB, accountID string, doc directory.Doc) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ctx, accepted := withAcceptedFlag(ctx)
	id := doc.ID()
	if id == "" {
		s.request(http.MethodPost, db.Name())
		id, rev, err := db.CreateDoc(ctx, map[string]any(doc))
		if err == nil {
			s.logAccepted(accepted, http.MethodPost, db.Name(), id, rev)
		}
		return rev, translate(err, "create doc", directory.BadIdentifier(accountID))
	}
	s.request(http.MethodPut, db.Name(), id)
	rev, err := db.Put(ctx, id, map[string]any(doc))
	if err == nil {
		s.logAccepted(accepted, http.MethodPut, db.Name(), id, rev)
	}
	return rev, translate(err, "put "+id, directory.BadIdentifier(accountID))
}

// deleteOnce is one DELETE of id at rev; see Delete.
func (s *Store) deleteOnce(ctx context.Context, db *kivik.DB, id, rev string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ctx, accepted := withAcceptedFlag(ctx)
	s.request(http.MethodDelete, db.Name(), id)
	newRev, err := db.Delete(ctx, id, rev)
	if err == nil {
		s.logAccepted(accepted, http.MethodDelete, db.Name(), id, newRev)
	}
	return newRev, translate(err, "delete "+id, directory.BadIdentifier(id))
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}
