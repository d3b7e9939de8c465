package couchdb

import (
	"context"
	"encoding/json"
	"net/http"

	kivik "github.com/go-kivik/kivik/v4"

	"github.com/kazoo-directories/kazoo-directories/pkg/directory"
)

const (
	designName  = "directories"
	listingView = "crossbar_listing"
	usersView   = "users_listing"
)

// Directories queries directories/crossbar_listing from q.StartKey, at most q.Limit
// rows (0: all), with docs when q.IncludeDocs. Missing view: ECodeMissingView (after
// one attempt to reinstall the design doc); missing database: BadIdentifier(accountID).
func (s *Store) Directories(ctx context.Context, accountID string, q directory.ViewQuery) ([]directory.Row, error) {
	params := map[string]any{}
	if q.StartKey != nil {
		params["startkey"] = q.StartKey
	}
	if q.Limit > 0 {
		params["limit"] = q.Limit
	}
	if q.IncludeDocs {
		params["include_docs"] = true
	}
	return s.query(ctx, accountID, listingView, params, q.IncludeDocs)
}

// Members queries directories/users_listing for [directoryID]..[directoryID,{}]: every
// row in view order (ascending member id), the view value passed through as decoded
// JSON, with the member docs when includeDocs (nil for a vanished doc). Errors as for
// Directories.
func (s *Store) Members(ctx context.Context, accountID, directoryID string, includeDocs bool) ([]directory.Member, error) {
	params := map[string]any{
		"startkey": []any{directoryID},
		"endkey":   []any{directoryID, map[string]any{}},
	}
	if includeDocs {
		params["include_docs"] = true
	}
	rows, err := s.query(ctx, accountID, usersView, params, includeDocs)
	if err != nil {
		return nil, err
	}
	members := make([]directory.Member, len(rows))
	for i, r := range rows {
		members[i] = directory.Member{UserID: r.ID, Value: r.Value, User: r.Doc}
	}
	return members, nil
}

// query runs a view of _design/directories. A 404 may mean the design doc vanished
// since this process installed it: forget that, reinstall, and try once more.
func (s *Store) query(ctx context.Context, accountID, view string, params map[string]any, docs bool) ([]directory.Row, error) {
	db, err := s.db(accountID)
	if err != nil {
		return nil, err
	}
	rows, err := s.queryOnce(ctx, db, view, params, docs)
	if !directory.IsCode(err, directory.ECodeMissingView) {
		return rows, err
	}
	s.designs.del(directory.AccountDBName(accountID))
	if err := s.ensureDesignDocs(ctx, accountID); err != nil {
		return nil, err
	}
	return s.queryOnce(ctx, db, view, params, docs)
}

func (s *Store) queryOnce(ctx context.Context, db *kivik.DB, view string, params map[string]any, docs bool) ([]directory.Row, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	path := designName + "/" + view
	s.request(http.MethodGet, db.Name(), "_design/"+designName, "_view", view)
	rs := db.Query(ctx, designName, view, kivik.Params(params))
	defer rs.Close()
	var rows []directory.Row
	for rs.Next() {
		r, err := scanRow(rs, docs, view != usersView)
		if err != nil {
			return nil, translate(err, path, nil)
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return nil, translate(err, path, missingView(path))
	}
	return rows, nil
}

// scanRow reads one view row, keeping numbers as json.Number. The key is decoded
// only when withKey (Members ignores it).
func scanRow(rs *kivik.ResultSet, docs, withKey bool) (directory.Row, error) {
	var r directory.Row
	var err error
	if r.ID, err = rs.ID(); err != nil {
		return r, err
	}
	if withKey {
		var key rawValue
		if err := rs.ScanKey(&key); err != nil {
			return r, err
		}
		r.Key = key.v
	}
	var value rawValue
	if err := rs.ScanValue(&value); err != nil {
		return r, err
	}
	r.Value = value.v
	if docs {
		var doc json.RawMessage
		if err := rs.ScanDoc(&doc); err == nil && !isNull(doc) {
			if r.Doc, err = directory.DecodeDoc(doc); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}
